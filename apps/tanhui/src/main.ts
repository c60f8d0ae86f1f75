// The tanhui command line: one commander program, commands registered from ./commands.
// Every failure becomes one clear line on stderr and a non-zero exit; --debug adds the stack.
import { Command, CommanderError } from 'commander';
import { isTanhuiError } from '@tanhui/core';
import { registerCommands } from './commands/index';
import { VERSION } from './version';

/** Exit codes (documented in the README). */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  badInput: 3,
  locked: 4,
  workerFailed: 5,
} as const;

/** The program with the commands `argv` needs (see registerCommands); without argv, all of them. */
export async function buildProgram(argv?: readonly string[]): Promise<Command> {
  const program = new Command('tanhui')
    .description('tanhui (碳汇): carbon-flux data assimilation — batch inversion, EnSRF, 4D-Var')
    .version(VERSION, '-V, --version', 'print the version')
    .option('--debug', 'print stack traces of errors')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  await registerCommands(program, argv);
  return program;
}

function exitCodeOf(err: unknown): number {
  if (!isTanhuiError(err)) return EXIT.failure;
  switch (err.code) {
    case 'StoreLocked':
      return EXIT.locked;
    case 'WorkerFailed':
      return EXIT.workerFailed;
    case 'Internal':
    case 'NotImplemented':
      return EXIT.failure;
    default:
      return EXIT.badInput;
  }
}

export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    const program = await buildProgram(argv);
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with exit code 0; usage errors were already printed.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (isTanhuiError(err)) {
      process.stderr.write(`tanhui: ${err.toLine()}\n`);
    } else {
      const msg = err instanceof Error ? err.message : String(err);
      process.stderr.write(`tanhui: error: ${msg}\n`);
    }
    if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return exitCodeOf(err);
  }
}
