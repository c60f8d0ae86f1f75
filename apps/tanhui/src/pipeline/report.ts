// The table a user reads after a run: truth (OSSE), prior and posterior ± σ per region, the
// uncertainty reduction and χ²/n, read back from the run store (so it reports what was saved).
import { ZarrStore } from '@tanhui/io';

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
 * Averages over the complete windows: budgets are window means [PgC yr⁻¹]; σ of the mean is
 * taken as the mean of the windows' σ (errors fully correlated between windows — the
 * conservative choice, since the filter carries its mean from window to window).
 */
export async function readRunReport(storePath: string): Promise<RunReport> {
  const store = await ZarrStore.open(storePath);
  const W = Number(store.getAttrs('').windows_complete ?? 0);
  const names = (await store.readArray('region_name')).data as string[];
  const kinds = (await store.readArray('region_kind')).data as string[];
  const nr = names.length;
  const get = async (name: string): Promise<Float64Array | undefined> => (store.hasArray(name) ? ((await store.readArray(name)).data as Float64Array) : undefined);
  const mean = (a: Float64Array | undefined, r: number): number => {
    if (!a || W === 0) return NaN;
    let s = 0;
    for (let w = 0; w < W; w++) s += a[w * nr + r]!;
    return s / W;
  };
  const [prior, priorSd, post, postSd, truth] = await Promise.all([get('budget_prior'), get('budget_prior_sd'), get('budget_posterior'), get('budget_posterior_sd'), get('truth/budget')]);
  const rows: RegionRow[] = names.map((name, r) => {
    const ps = mean(priorSd, r);
    const qs = mean(postSd, r);
    return { name, kind: kinds[r]!, truth: mean(truth, r), prior: mean(prior, r), priorSd: ps, posterior: mean(post, r), posteriorSd: qs, uncertaintyReduction: 1 - qs / ps };
  });
  const chi2 = await get('chi2');
  const flags = (await store.readArray('obs_flag')).data as Int32Array;
  let c = 0;
  for (let w = 0; w < W; w++) c += chi2![w]!;
  let assimilated = 0;
  let rejected = 0;
  for (const f of flags) {
    if (f === 0) assimilated++;
    if (f === 2) rejected++;
  }
  return { windows: W, rows, chi2PerObs: W > 0 ? c / W : NaN, assimilated, rejected };
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
