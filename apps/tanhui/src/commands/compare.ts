// `tanhui compare RUN_A RUN_B`: an observation-network experiment (the seed's Case 1/2/3): the
// posterior flux difference A − B, budget differences with σ and the uncertainty reduction each
// network gives (@tanhui/analysis' compareRuns), as a table and optionally an HTML page.
import type { Command } from 'commander';
import { compareRuns, formatComparisonTable, renderReport, type MapPanel, type NetworkComparison, type RunSummary } from '@tanhui/analysis';
import { TanhuiError } from '@tanhui/core';
import { buildRunReport } from '../analysis/report-data';
import { meanBudgets, meanFlux, readRunStore, type RunStoreData } from '../analysis/run-store-reader';
import { writeTextAtomic } from '../analysis/output';

export interface CompareCommandOptions {
  labelA?: string;
  labelB?: string;
  out?: string;
}

/** A run's posterior mean map (optimised components) and mean budgets as compareRuns takes them. */
export function runSummary(run: RunStoreData, label: string): RunSummary {
  const b = meanBudgets(run);
  return {
    label,
    posteriorFluxMolM2S: meanFlux(run.fluxPosterior, run.optimised),
    regions: b.map((r) => r.region),
    priorPgC: b.map((r) => r.prior),
    priorSigmaPgC: b.map((r) => r.priorSigma),
    posteriorPgC: b.map((r) => r.posterior),
    posteriorSigmaPgC: b.map((r) => r.posteriorSigma),
  };
}

export async function compareRunStores(a: string, b: string, opts: CompareCommandOptions = {}): Promise<{ comparison: NetworkComparison; runA: RunStoreData; runB: RunStoreData }> {
  const [runA, runB] = [await readRunStore(a), await readRunStore(b)];
  if (!runA.grid.equals(runB.grid)) {
    throw new TanhuiError('GridMismatch', `${a} is on a ${runA.grid.describe()}, ${b} on a ${runB.grid.describe()}`, { context: { file: b }, hint: 'compare runs on the same grid' });
  }
  if (runA.optimised.join('+') !== runB.optimised.join('+')) {
    throw new TanhuiError('BadValue', `${a} optimises ${runA.optimised.join(' + ')}, ${b} ${runB.optimised.join(' + ')}: their budgets are not comparable`, { context: { file: b } });
  }
  // Independent errors between the runs (cross-covariance 0): runs that share prior ensemble
  // perturbations are positively correlated, so the σ of the difference is an upper bound.
  const comparison = compareRuns(runSummary(runA, opts.labelA ?? 'A'), runSummary(runB, opts.labelB ?? 'B'));
  return { comparison, runA, runB };
}

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description('network experiment: posterior difference A − B (map and budgets ± σ) and uncertainty reductions')
    .argument('<runA>', 'run store A (e.g. with the added network)')
    .argument('<runB>', 'run store B (e.g. without it)')
    .option('--label-a <name>', 'name of run A in tables', 'A')
    .option('--label-b <name>', 'name of run B in tables', 'B')
    .option('--out <file>', 'also write an HTML page: run A\'s report with the difference map and table')
    .action(async (a: string, b: string, opts: CompareCommandOptions) => {
      const { comparison, runA } = await compareRunStores(a, b, opts);
      const la = comparison.labelA;
      const lb = comparison.labelB;
      process.stdout.write(`Network experiment: ${la} = ${a}, ${lb} = ${b} (posterior budgets, mean over the complete windows; σ of the difference assumes independent runs)\n\n${formatComparisonTable(comparison)}`);
      if (opts.out) {
        const differenceMap: MapPanel = { title: `Posterior ${la} − ${lb}`, values: Float64Array.from(comparison.differenceMolM2S, (v) => v * 1e6), units: 'µmol m⁻² s⁻¹', kind: 'diverging' };
        const report = buildRunReport(runA, { comparison: { comparison, differenceMap }, extraProvenance: { comparison: `${la} = ${a}; ${lb} = ${b}` } });
        writeTextAtomic(opts.out, renderReport(report.data));
        process.stdout.write(`wrote ${opts.out}\n`);
      }
    });
}
