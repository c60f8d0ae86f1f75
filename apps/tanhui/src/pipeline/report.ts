// The table a user reads after a run: truth (OSSE), prior and posterior ± σ per region, the
// uncertainty reduction and χ²/n, read back from the run store (so it reports what was saved).
import { meanBudgets, readRunStore } from '../analysis/run-store-reader';

export interface RegionRow {
  name: string;
  kind: string;
  truth: number;
  prior: number;
  priorSd: number;
  posterior: number;
  posteriorSd: number;
  /** 1 − σ_post/σ_prior. */
  uncertaintyReduction: number;
}

export interface RunReport {
  windows: number;
  rows: RegionRow[];
  chi2PerObs: number;
  assimilated: number;
  rejected: number;
}

/**
 * Averages over the complete windows (meanBudgets: window means [PgC yr⁻¹], σ of the mean the
 * mean of the windows' σ), read through the one run store reader.
 */
export async function readRunReport(storePath: string): Promise<RunReport> {
  const run = await readRunStore(storePath);
  const rows: RegionRow[] = meanBudgets(run).map((b) => ({
    name: b.region,
    kind: b.kind,
    truth: b.truth ?? NaN,
    prior: b.prior,
    priorSd: b.priorSigma,
    posterior: b.posterior,
    posteriorSd: b.posteriorSigma,
    uncertaintyReduction: 1 - b.posteriorSigma / b.priorSigma,
  }));
  const W = run.windows.length;
  let assimilated = 0;
  let rejected = 0;
  for (const f of run.obs.flag) {
    if (f === 0) assimilated++;
    if (f === 2) rejected++;
  }
  return { windows: W, rows, chi2PerObs: run.chi2.reduce((a, b) => a + b, 0) / W, assimilated, rejected };
}

/** The table for global land, global ocean and each land region. */
export function formatReport(rep: RunReport, opts: { truth: boolean }): string {
  const f = (v: number, d = 2): string => (Number.isFinite(v) ? v.toFixed(d) : '—');
  const pick = rep.rows.filter((r) => r.name === 'Global land' || r.name === 'Global ocean').concat(rep.rows.filter((r) => r.kind === 'land' && r.name !== 'Global land'));
  const w = Math.max(...pick.map((r) => r.name.length), 6);
  const head = `${'region'.padEnd(w)}  ${opts.truth ? `${'truth'.padStart(7)}  ` : ''}${'prior'.padStart(7)}  ${'posterior ± σ'.padStart(15)}  ${'unc. red.'.padStart(9)}`;
  const lines = [`Fluxes of the optimised components (bio + ocean), PgC/yr, mean of ${rep.windows} window(s); positive = source`, head, '-'.repeat(head.length)];
  for (const r of pick) {
    lines.push(
      `${r.name.padEnd(w)}  ${opts.truth ? `${f(r.truth).padStart(7)}  ` : ''}${f(r.prior).padStart(7)}  ${`${f(r.posterior)} ± ${f(r.posteriorSd)}`.padStart(15)}  ${`${f(100 * r.uncertaintyReduction, 0)}%`.padStart(9)}`,
    );
  }
  lines.push('-'.repeat(head.length));
  lines.push(`chi2/n = ${f(rep.chi2PerObs)} (prior-mean innovations over HPHᵀ+R; ≈ 1 when errors are consistent), ${rep.assimilated} observations assimilated, ${rep.rejected} rejected`);
  return lines.join('\n');
}
