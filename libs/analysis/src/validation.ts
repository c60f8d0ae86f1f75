// Validation of prior and posterior simulated CO2 against independent (held-out) observations:
// bias, RMSE, correlation and χ² per site, per category and per latitude band, and the seed's
// one-line summary "BIAS 1.52 → −0.69, RMSE 1.83 → 1.08".
import { TanhuiError } from '@tanhui/core';
import { LATITUDE_BANDS, latitudeBand } from './regions';
import { pearson } from './stats';

/** One held-out observation with the prior and posterior simulations sampled at it [ppm]. */
export interface ValidationRecord {
  site: string;
  /** e.g. 'flask', 'tower', 'aircraft', 'tccon'. */
  category: string;
  latDeg: number;
  timeSec?: number;
  observedPpm: number;
  priorPpm: number;
  posteriorPpm: number;
  /** Model-data mismatch σ [ppm] used for χ². */
  sigmaPpm: number;
}

/** Fit statistics of one simulation against observations; differences are simulated − observed. */
export interface FitStats {
  count: number;
  /** mean(sim − obs) [ppm]. */
  bias: number;
  /** sqrt(mean((sim − obs)²)) [ppm]. */
  rmse: number;
  /** Pearson correlation of sim and obs (NaN if undefined). */
  correlation: number;
  /** Σ ((sim − obs)/σ)². */
  chi2: number;
  /** χ²/count. */
  reducedChi2: number;
}

export interface ValidationGroup {
  /** 'all', 'site', 'category' or 'band'. */
  kind: 'all' | 'site' | 'category' | 'band';
  name: string;
  prior: FitStats;
  posterior: FitStats;
}

export function fitStats(observed: ArrayLike<number>, simulated: ArrayLike<number>, sigma: ArrayLike<number>): FitStats {
  const n = observed.length;
  if (simulated.length !== n || sigma.length !== n) {
    throw new TanhuiError('BadShape', `observed, simulated and sigma differ in length (${n}, ${simulated.length}, ${sigma.length})`);
  }
  if (n === 0) throw new TanhuiError('EmptyInput', 'no observations to validate against');
  let sd = 0;
  let sd2 = 0;
  let chi2 = 0;
  for (let k = 0; k < n; k++) {
    const s = sigma[k]!;
    if (!(s > 0)) throw new TanhuiError('BadValue', `sigma[${k}] = ${s} must be positive`, { context: { variable: 'sigmaPpm', index: k } });
    const d = simulated[k]! - observed[k]!;
    if (!Number.isFinite(d)) throw new TanhuiError('BadValue', `observation ${k} is not finite`, { context: { index: k } });
    sd += d;
    sd2 += d * d;
    chi2 += (d / s) ** 2;
  }
  return { count: n, bias: sd / n, rmse: Math.sqrt(sd2 / n), correlation: pearson(observed, simulated), chi2, reducedChi2: chi2 / n };
}

function groupStats(kind: ValidationGroup['kind'], name: string, recs: readonly ValidationRecord[]): ValidationGroup {
  const obs = recs.map((r) => r.observedPpm);
  const sig = recs.map((r) => r.sigmaPpm);
  return {
    kind,
    name,
    prior: fitStats(obs, recs.map((r) => r.priorPpm), sig),
    posterior: fitStats(obs, recs.map((r) => r.posteriorPpm), sig),
  };
}

export interface ValidateOptions {
  /** Latitude of the tropics / boreal boundaries [°] (23.5, 50). */
  tropicsDeg?: number;
  borealDeg?: number;
}

/**
 * Statistics for all records, then per site (sorted by name), per category (sorted) and per
 * latitude band (north to south); empty groups are left out.
 */
export function validate(records: readonly ValidationRecord[], options: ValidateOptions = {}): ValidationGroup[] {
  if (records.length === 0) throw new TanhuiError('EmptyInput', 'no observations to validate against', { hint: 'check the held-out sites' });
  const out: ValidationGroup[] = [groupStats('all', 'all', records)];
  const by = (key: (r: ValidationRecord) => string): Map<string, ValidationRecord[]> => {
    const m = new Map<string, ValidationRecord[]>();
    for (const r of records) {
      const k = key(r);
      const list = m.get(k);
      if (list) list.push(r);
      else m.set(k, [r]);
    }
    return m;
  };
  const sites = by((r) => r.site);
  for (const name of [...sites.keys()].sort()) out.push(groupStats('site', name, sites.get(name)!));
  const cats = by((r) => r.category);
  for (const name of [...cats.keys()].sort()) out.push(groupStats('category', name, cats.get(name)!));
  const bands = by((r) => latitudeBand(r.latDeg, options.tropicsDeg, options.borealDeg));
  for (const name of LATITUDE_BANDS) {
    const list = bands.get(name);
    if (list) out.push(groupStats('band', name, list));
  }
  return out;
}

/** Fixed decimals with a real minus sign (U+2212), as in the seed's slides. */
export function formatSigned(x: number, digits = 2): string {
  if (!Number.isFinite(x)) return '—';
  const s = Math.abs(x).toFixed(digits);
  // −0.00 prints as 0.00.
  return x < 0 && Number(s) !== 0 ? `\u2212${s}` : s;
}

/** "BIAS 1.52 → −0.69, RMSE 1.83 → 1.08" for one group. */
export function formatBiasRmse(group: Pick<ValidationGroup, 'prior' | 'posterior'>, digits = 2): string {
  const { prior: a, posterior: b } = group;
  return `BIAS ${formatSigned(a.bias, digits)} \u2192 ${formatSigned(b.bias, digits)}, RMSE ${formatSigned(a.rmse, digits)} \u2192 ${formatSigned(b.rmse, digits)}`;
}

/** A plain-text table: one line per group with count and prior → posterior bias, RMSE, r, χ²/n. */
export function formatValidationTable(groups: readonly ValidationGroup[], digits = 2): string {
  const arrow = (a: number, b: number): string => `${formatSigned(a, digits)} \u2192 ${formatSigned(b, digits)}`;
  const header = ['group', 'n', 'BIAS', 'RMSE', 'R', 'χ²/n'];
  const rows = groups.map((g) => [
    g.kind === 'all' ? 'all' : `${g.kind}: ${g.name}`,
    String(g.prior.count),
    arrow(g.prior.bias, g.posterior.bias),
    arrow(g.prior.rmse, g.posterior.rmse),
    arrow(g.prior.correlation, g.posterior.correlation),
    arrow(g.prior.reducedChi2, g.posterior.reducedChi2),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]): string => cells.map((s, c) => (c === 0 ? s.padEnd(widths[c]!) : s.padStart(widths[c]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}
