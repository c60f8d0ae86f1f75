// `tanhui invert CONFIG`: Bayesian synthesis inversion over region×month basis functions.
import type { Command } from 'commander';
import { composeWorld } from '../compose';
import { loadConfig } from '../config/load';
import { runInversion } from '../pipeline/invert';
import { defaultProgress } from '../progress';
import { provenance } from '../provenance';

export function registerInvert(program: Command): void {
  program
    .command('invert')
    .description('Bayesian synthesis inversion: region×month response functions on the worker pool, batch (or 4dvar) solve, budgets with full covariance')
    .argument('<config>', 'run configuration (YAML); solver.method batch (default here) or 4dvar')
    .addHelpText('after', '\nThe first window starts from initialField: uniform (default 400 ppm) or a NetCDF/Zarr variable on the model grid and levels\n(initialField: {source: file, file: PATH, variable: co2}); see `tanhui config --schema` and apps/tanhui/README.md.')
    .option('--allow-implausible', 'accept prior components with physically implausible global totals (idealised experiments)')
    .action(async (config: string, opts: { allowImplausible?: boolean }) => {
      const world = await composeWorld(await loadConfig(config), { allowImplausible: opts.allowImplausible === true });
      const r = await runInversion(world, { progress: defaultProgress(), provenance: provenance('invert') });
      const f = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : '—');
      const lines = [`Synthesis inversion (${r.method}), ${r.nobs} observations, chi2/n = ${f(r.chi2)}, DOFS = ${f(r.dofs)}; PgC/yr, mean over the run`];
      lines.push(`${'region'.padEnd(26)} ${r.budgetTruth ? 'truth'.padStart(7) : ''} ${'prior ± σ'.padStart(15)} ${'posterior ± σ'.padStart(15)}`);
      const nr = r.regions.length;
      r.regions.forEach((name, k) => {
        const sd = Math.sqrt(r.budgetPosteriorCov[k * nr + k]!);
        lines.push(`${name.padEnd(26)} ${r.budgetTruth ? f(r.budgetTruth[k]!).padStart(7) : ''} ${`${f(r.budgetPrior[k]!)} ± ${f(r.budgetPriorSd[k]!)}`.padStart(15)} ${`${f(r.budgetPosterior[k]!)} ± ${f(sd)}`.padStart(15)}`);
      });
      lines.push(`store: ${world.storePath}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
