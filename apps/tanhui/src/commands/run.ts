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
    .option('--submit', 'submit the run to Slurm as a batch job (the orchestrator; with executor.engine slurm it submits the job arrays itself)')
    .option('--dry-run', 'with --submit: print the sbatch script instead of submitting it')
    .addHelpText('after', 'With --submit the script goes to <store>.slurm/orchestrator.sbatch and sbatch; see docs/slurm.md (also for PBS).')
    .action(async (config: string, opts: { allowImplausible?: boolean; submit?: boolean; dryRun?: boolean }) => {
      if (opts.submit) {
        const { submitRun } = await import('../executor/slurm-submit');
        process.stdout.write(`${await submitRun(await loadConfig(config), opts.dryRun === true, opts.allowImplausible ? ['--allow-implausible'] : [])}
`);
        return;
      }
      await runCommand(config, 'run', { allowImplausible: opts.allowImplausible === true });
    });
}
