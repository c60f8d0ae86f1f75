// Each command lives in its own file exporting `register(program)`; add one line per command.
// The files are imported lazily: a command line loads only the command it names (a bare
// --version loads none), so `tanhui --version` or `tanhui solve` does not load gdal-async,
// the transport model or the report page of other commands.
import type { Command } from 'commander';

type Register = (program: Command) => void;

/** Command name → its file's register function, in the order --help lists them. */
const COMMANDS: ReadonlyArray<readonly [name: string, load: () => Promise<Register>]> = [
  ['config', async () => (await import('./config')).registerConfig],
  ['run', async () => (await import('./run')).registerRun],
  ['demo', async () => (await import('./demo')).registerDemo],
  ['invert', async () => (await import('./invert')).registerInvert],
  ['bench-orchestrator', async () => (await import('./bench')).registerBench],
  ['bench-year', async () => (await import('./bench')).registerBenchYear],
  ['bench-met-prepare', async () => (await import('./bench')).registerBenchMetPrepare],
  ['info', async () => (await import('./info')).registerInfo],
  ['obs', async () => (await import('./obs')).registerObs],
  ['prior', async () => (await import('./prior')).registerPrior],
  ['solve', async () => (await import('./solve')).registerSolve],
  ['budget', async () => (await import('./budget')).registerBudget],
  ['footprint', async () => (await import('./footprint')).registerFootprint],
  ['report', async () => (await import('./report')).registerReport],
  ['validate', async () => (await import('./validate')).registerValidate],
  ['compare', async () => (await import('./compare')).registerCompare],
  ['plugins', async () => (await import('./plugins')).registerPlugins],
  ['export', async () => (await import('./export')).registerExport],
  ['met', async () => (await import('./met')).registerMet],
  ['gcas', async () => (await import('./gcas')).registerGcas],
  ['worker', async () => (await import('./worker')).registerWorker],
  ['bench-slurm', async () => (await import('./bench-slurm')).registerBenchSlurm],
];

/**
 * Registers the commands `argv` (process.argv style) needs: the one it names, none for a bare
 * `--version`, every one otherwise (help, no command, an unknown name that commander then
 * reports with suggestions). Without argv, every command.
 */
export async function registerCommands(program: Command, argv?: readonly string[]): Promise<void> {
  const registers = await Promise.all(commandsFor(argv).map(([, load]) => load()));
  for (const register of registers) register(program);
}

function commandsFor(argv: readonly string[] | undefined): typeof COMMANDS {
  if (argv === undefined) return COMMANDS;
  // The program's own options (--debug, --version, --help) take no value: the first word that
  // is not an option is the command.
  const args = argv.slice(2);
  const name = args.find((a) => !a.startsWith('-'));
  if (name === undefined) return args.some((a) => a === '-V' || a === '--version') ? [] : COMMANDS;
  const named = COMMANDS.filter(([n]) => n === name);
  return named.length > 0 ? named : COMMANDS;
}
