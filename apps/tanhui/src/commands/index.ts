// Each command lives in its own file exporting `register(program)`; add one line per command.
import type { Command } from 'commander';
import { registerConfig } from './config';
import { registerInfo } from './info';
import { registerObs } from './obs';
import { registerSolve } from './solve';
import { registerPrior } from './prior';

export function registerCommands(program: Command): void {
  // One line per command file, e.g. `registerInfo(program);`
  registerConfig(program);
  registerInfo(program);
  registerObs(program);
  registerSolve(program);
  registerPrior(program);
}
