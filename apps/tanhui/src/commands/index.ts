// Each command lives in its own file exporting `register(program)`; add one line per command.
import type { Command } from 'commander';

export function registerCommands(program: Command): void {
  // One line per command file, e.g. `registerInfo(program);`
  void program;
}
