// `tanhui run CONFIG`: the cycling assimilation (resumes an existing store).
import type { Command } from 'commander';
import { composeWorld, type ComposeOptions } from '../compose';
import { loadConfig } from '../config/load';
import { runCycling } from '../pipeline/run';
import { formatReport, readRunReport } from '../pipeline/report';
import { defaultProgress } from '../progress';
import { provenance } from '../provenance';

export async function runCommand(configPath: string, command = 'run', opts: ComposeOptions = {}): Promise<void> {
  const loaded = await loadConfig(configPath);
  const world = await composeWorld(loaded, opts);
  const summary = await runCycling(world, { progress: defaultProgress(), provenance: provenance(command) });
  const rep = await readRunReport(summary.store);
  process.stdout.write(`${formatReport(rep, { truth: world.truthScaling !== undefined })}\n`);
  process.stdout.write(`run store: ${summary.store} (${summary.windowsDone}/${summary.windowsTotal} windows)\n`);
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('cycling EnSRF assimilation (GCAS two-step) into a Zarr run store; rerun to resume')
    .argument('<config>', 'run configuration (YAML)')
    .addHelpText('after', '\nThe first window starts from initialField: uniform (default 400 ppm) or a NetCDF/Zarr variable on the model grid and levels\n(initialField: {source: file, file: PATH, variable: co2}); see `tanhui config --schema` and apps/tanhui/README.md.')
    .option('--allow-implausible', 'run with prior components whose global totals are physically implausible (idealised experiments; default: refused, as a likely unit mistake)')
    .action(async (config: string, opts: { allowImplausible?: boolean }) => {
      await runCommand(config, 'run', { allowImplausible: opts.allowImplausible === true });
    });
}
