// Each command lives in its own file exporting `register(program)`; add one line per command.
import type { Command } from 'commander';
import { registerConfig } from './config';
import { registerBench } from './bench';
import { registerDemo } from './demo';
import { registerInvert } from './invert';
import { registerRun } from './run';
import { registerInfo } from './info';
import { registerObs } from './obs';
import { registerPrior } from './prior';
import { registerSolve } from './solve';
import { registerBudget } from './budget';
import { registerFootprint } from './footprint';
import { registerReport } from './report';
import { registerValidate } from './validate';
import { registerCompare } from './compare';
import { registerPlugins } from './plugins';

export function registerCommands(program: Command): void {
  // One line per command file, e.g. `registerInfo(program);`
  registerConfig(program);
  registerRun(program);
  registerDemo(program);
  registerInvert(program);
  registerBench(program);
  registerInfo(program);
  registerObs(program);
  registerPrior(program);
  registerSolve(program);
  registerBudget(program);
  registerFootprint(program);
  registerReport(program);
  registerValidate(program);
  registerCompare(program);
  registerPlugins(program);
}
