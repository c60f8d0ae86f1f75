// Regional budgets: fluxes [mol m⁻² s⁻¹, positive to the atmosphere] on a lat-lon grid summed
// over regions to PgC yr⁻¹; time series, monthly and annual means; σ of regional totals and of
// sums of regions with their covariances (σ² = a A P Aᵀ aᵀ) from a posterior covariance or an
// ensemble; interannual anomalies and their correlation with a climate anomaly series.
import { KG_PER_PG, M_C, SECONDS_PER_YEAR, TanhuiError, type RegionInfo, type RegionMap } from '@tanhui/core';
import { propagateCovariance, sampleCovariance, sigmaOfCombination } from './linalg';
import { asRegionMapInput, checkRegionMap, type RegionMapLike } from './regions';
import { mean, pearson } from './stats';

/** mol C s⁻¹ → PgC yr⁻¹. */
export const PGC_YR_PER_MOL_S = (M_C / KG_PER_PG) * SECONDS_PER_YEAR;

function checkField(map: { grid: { size: number } }, field: ArrayLike<number>, variable: string): void {
  if (field.length !== map.grid.size) {
    throw new TanhuiError('BadShape', `${variable} has ${field.length} cells, the grid has ${map.grid.size}`, { context: { variable } });
  }
}

/** Total of a flux field [mol m⁻² s⁻¹] over each region [PgC yr⁻¹]. */
export function regionalTotalsPgC(mapLike: RegionMapLike, fluxMolM2S: ArrayLike<number>): Float64Array {
  const map = asRegionMapInput(mapLike);
  checkRegionMap(map);
  checkField(map, fluxMolM2S, 'fluxMolM2S');
  const out = new Float64Array(map.names.length);
  const area = map.grid.cellAreaM2;
  for (let c = 0; c < fluxMolM2S.length; c++) {
    const r = map.codes[c]!;
    if (r >= 0) out[r]! += fluxMolM2S[c]! * area[c]!;
  }
  for (let r = 0; r < out.length; r++) out[r]! *= PGC_YR_PER_MOL_S;
  return out;
}

/** Aggregates reported after a map's regions in tanhui's budgets: codes above the TransCOM range. */
export const BUDGET_AGGREGATES: readonly RegionInfo[] = [
  { code: 101, name: 'Global land', kind: 'land' },
  { code: 102, name: 'Global ocean', kind: 'ocean' },
  { code: 103, name: 'Global total', kind: 'other' },
];

/** The rows of a budget table: the map's regions, then BUDGET_AGGREGATES. */
export function budgetRegionsOf(map: RegionMap): RegionInfo[] {
  return [...map.regions, ...BUDGET_AGGREGATES];
}

/**
 * Budgets [PgC yr⁻¹] of K stacked flux maps [mol m⁻² s⁻¹] (layout [cell][K], e.g. K members or
 * basis functions): the map's regions, then global land (sum of land regions), ocean and total.
 * Layout [region][K] in budgetRegionsOf order. The one budget of run, invert and the run store.
 */
export function stackedBudgetsPgCYr(map: RegionMap, fluxMolM2S: ArrayLike<number>, K: number): Float64Array {
  const nr = map.size;
  const t = map.totalsPgCYr(fluxMolM2S, undefined, K);
  const out = new Float64Array((nr + BUDGET_AGGREGATES.length) * K);
  out.set(t);
  map.regions.forEach((r, i) => {
    const slot = r.kind === 'land' ? 0 : r.kind === 'ocean' ? 1 : -1;
    for (let k = 0; k < K; k++) {
      if (slot >= 0) out[(nr + slot) * K + k] += t[i * K + k]!;
      out[(nr + 2) * K + k] += t[i * K + k]!;
    }
  });
  return out;
}

/**
 * The aggregation matrix from grid-cell fluxes to regional totals (R × ncell, row-major):
 * A[r][c] = area_c · PGC_YR_PER_MOL_S when cell c is in region r. Use it with a gridded
 * state's covariance (fluxes in mol m⁻² s⁻¹).
 */
export function cellAggregationMatrix(mapLike: RegionMapLike): Float64Array {
  const map = asRegionMapInput(mapLike);
  checkRegionMap(map);
  const n = map.grid.size;
  const a = new Float64Array(map.names.length * n);
  for (let c = 0; c < n; c++) {
    const r = map.codes[c]!;
    if (r >= 0) a[r * n + c] = map.grid.cellAreaM2[c]! * PGC_YR_PER_MOL_S;
  }
  return a;
}

/**
 * The aggregation matrix for a state vector whose element k multiplies the basis flux field
 * basis[k] (scaling factors): A[r][k] = regional total of basis[k] (R × n, row-major).
 */
export function stateAggregationMatrix(mapLike: RegionMapLike, basisFluxMolM2S: readonly ArrayLike<number>[]): Float64Array {
  const map = asRegionMapInput(mapLike);
  const n = basisFluxMolM2S.length;
  const nr = map.names.length;
  const a = new Float64Array(nr * n);
  basisFluxMolM2S.forEach((b, k) => {
    const t = regionalTotalsPgC(map, b);
    for (let r = 0; r < nr; r++) a[r * n + k] = t[r]!;
  });
  return a;
}

/** One region's prior and posterior totals with σ [PgC yr⁻¹], as tables and the report show them. */
export interface BudgetRow {
  region: string;
  prior: number;
  priorSigma: number;
  posterior: number;
  posteriorSigma: number;
}

export interface BudgetCovariance {
  names: string[];
  /** R × R covariance of regional totals [(PgC yr⁻¹)²], row-major. */
  cov: Float64Array;
}

/** Covariance of the regional totals A P Aᵀ from the state covariance P (n × n). */
export function budgetCovarianceFromState(names: readonly string[], aggregation: ArrayLike<number>, stateCov: ArrayLike<number>): BudgetCovariance {
  const m = names.length;
  const n = m === 0 ? 0 : aggregation.length / m;
  if (!Number.isInteger(n)) throw new TanhuiError('BadShape', `aggregation has ${aggregation.length} entries, not a multiple of ${m} regions`);
  return { names: [...names], cov: propagateCovariance(aggregation, m, n, stateCov) };
}

export interface EnsembleBudget {
  names: string[];
  /** Ensemble-mean regional totals [PgC yr⁻¹]. */
  mean: Float64Array;
  /** Sample covariance (N−1) of the members' regional totals. */
  cov: Float64Array;
  /** Each member's regional totals (N × R, row-major), kept for σ of any combination. */
  memberTotals: Float64Array;
}

/** Regional totals of each ensemble member's flux field, their mean and covariance. */
export function ensembleBudget(mapLike: RegionMapLike, memberFluxMolM2S: readonly ArrayLike<number>[]): EnsembleBudget {
  const map = asRegionMapInput(mapLike);
  const nm = memberFluxMolM2S.length;
  const nr = map.names.length;
  const memberTotals = new Float64Array(nm * nr);
  memberFluxMolM2S.forEach((f, s) => memberTotals.set(regionalTotalsPgC(map, f), s * nr));
  const { mean: m, cov } = sampleCovariance(memberTotals, nm, nr);
  return { names: [...map.names], mean: m, cov, memberTotals };
}

/** Weights over the regions selecting a sum of named regions (e.g. the 13 regions over China). */
export function regionWeights(names: readonly string[], include: readonly string[]): Float64Array {
  const w = new Float64Array(names.length);
  for (const name of include) {
    const r = names.indexOf(name);
    if (r < 0) throw new TanhuiError('BadValue', `unknown region '${name}'`, { hint: `known: ${names.join(', ')}`, context: { key: name } });
    w[r] = 1;
  }
  return w;
}

/** Total and σ of a sum of regions, covariances between them included. */
export function sumOfRegions(values: ArrayLike<number>, budget: BudgetCovariance, include: readonly string[]): { value: number; sigma: number } {
  const w = regionWeights(budget.names, include);
  let v = 0;
  for (let r = 0; r < w.length; r++) v += w[r]! * values[r]!;
  return { value: v, sigma: sigmaOfCombination(w, budget.cov) };
}

/** σ of each region: sqrt of the covariance diagonal. */
export function regionSigmas(budget: BudgetCovariance): Float64Array {
  const m = budget.names.length;
  const s = new Float64Array(m);
  for (let r = 0; r < m; r++) s[r] = Math.sqrt(Math.max(0, budget.cov[r * m + r]!));
  return s;
}

// ---------------------------------------------------------------------------------------------
// Time series

/** Flux fields over consecutive periods (e.g. assimilation windows). */
export interface FluxSeries {
  /** Start of each period [s since 1970-01-01 UTC]. */
  timesSec: ArrayLike<number>;
  /** Length of each period [s]. */
  durationsSec: ArrayLike<number>;
  /** One flux field [mol m⁻² s⁻¹] per period. */
  fluxMolM2S: readonly ArrayLike<number>[];
}

/** Regional fluxes per period [PgC yr⁻¹]: values[r][t]. */
export interface RegionalSeries {
  names: string[];
  timesSec: Float64Array;
  durationsSec: Float64Array;
  values: Float64Array[];
}

export function regionalSeries(mapLike: RegionMapLike, series: FluxSeries): RegionalSeries {
  const map = asRegionMapInput(mapLike);
  const nt = series.fluxMolM2S.length;
  if (series.timesSec.length !== nt || series.durationsSec.length !== nt) {
    throw new TanhuiError('BadShape', `series has ${nt} fields but ${series.timesSec.length} times and ${series.durationsSec.length} durations`);
  }
  const values = map.names.map(() => new Float64Array(nt));
  series.fluxMolM2S.forEach((f, t) => {
    const tot = regionalTotalsPgC(map, f);
    for (let r = 0; r < tot.length; r++) values[r]![t] = tot[r]!;
  });
  return { names: [...map.names], timesSec: Float64Array.from(series.timesSec), durationsSec: Float64Array.from(series.durationsSec), values };
}

export interface PeriodMeans {
  names: string[];
  /** 'YYYY' or 'YYYY-MM' (UTC). */
  labels: string[];
  startSec: Float64Array;
  /** Time-weighted mean flux per region and period [PgC yr⁻¹]: values[r][p]. */
  values: Float64Array[];
  /** Fraction of each period covered by the series (1 = complete). */
  coverage: Float64Array;
}

function periodStart(sec: number, unit: 'month' | 'year'): number {
  const d = new Date(sec * 1000);
  return Date.UTC(d.getUTCFullYear(), unit === 'month' ? d.getUTCMonth() : 0, 1) / 1000;
}

function nextPeriod(startSec: number, unit: 'month' | 'year'): number {
  const d = new Date(startSec * 1000);
  return (unit === 'month' ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) : Date.UTC(d.getUTCFullYear() + 1, 0, 1)) / 1000;
}

function label(startSec: number, unit: 'month' | 'year'): string {
  const d = new Date(startSec * 1000);
  const y = String(d.getUTCFullYear()).padStart(4, '0');
  return unit === 'year' ? y : `${y}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

/**
 * Calendar-month or calendar-year means of a regional series, each period weighted by its
 * overlap (in seconds) with the month or year, so windows crossing a boundary are split.
 */
export function periodMeans(series: RegionalSeries, unit: 'month' | 'year'): PeriodMeans {
  const starts: number[] = [];
  const sums = new Map<number, { w: number; v: Float64Array }>();
  const nr = series.names.length;
  for (let t = 0; t < series.timesSec.length; t++) {
    const t0 = series.timesSec[t]!;
    const t1 = t0 + series.durationsSec[t]!;
    if (!(t1 > t0)) throw new TanhuiError('BadValue', `period ${t} has a non-positive duration`, { context: { variable: 'durationsSec', index: t } });
    for (let p = periodStart(t0, unit); p < t1; p = nextPeriod(p, unit)) {
      const w = Math.min(t1, nextPeriod(p, unit)) - Math.max(t0, p);
      if (w <= 0) continue;
      let acc = sums.get(p);
      if (!acc) {
        acc = { w: 0, v: new Float64Array(nr) };
        sums.set(p, acc);
        starts.push(p);
      }
      acc.w += w;
      for (let r = 0; r < nr; r++) acc.v[r]! += w * series.values[r]![t]!;
    }
  }
  starts.sort((a, b) => a - b);
  const values = series.names.map(() => new Float64Array(starts.length));
  const coverage = new Float64Array(starts.length);
  starts.forEach((p, k) => {
    const acc = sums.get(p)!;
    for (let r = 0; r < nr; r++) values[r]![k] = acc.v[r]! / acc.w;
    coverage[k] = acc.w / (nextPeriod(p, unit) - p);
  });
  return { names: [...series.names], labels: starts.map((p) => label(p, unit)), startSec: Float64Array.from(starts), values, coverage };
}

/** Interannual anomalies: each value minus the mean over all periods (per region). */
export function anomalies(values: readonly ArrayLike<number>[]): Float64Array[] {
  return values.map((v) => {
    const m = mean(v);
    return Float64Array.from(v, (x) => x - m);
  });
}

/**
 * Monthly anomalies with the mean seasonal cycle removed: each month minus the mean of the same
 * calendar month over all years present.
 */
export function monthlyAnomalies(monthly: PeriodMeans): Float64Array[] {
  const month = monthly.labels.map((l) => {
    const m = /^\d{4}-(\d{2})$/.exec(l);
    if (!m) throw new TanhuiError('BadValue', `'${l}' is not a monthly label (YYYY-MM)`);
    return Number(m[1]);
  });
  return monthly.values.map((v) => {
    const clim = new Map<number, { s: number; n: number }>();
    month.forEach((mo, k) => {
      const c = clim.get(mo) ?? { s: 0, n: 0 };
      c.s += v[k]!;
      c.n += 1;
      clim.set(mo, c);
    });
    return Float64Array.from(v, (x, k) => {
      const c = clim.get(month[k]!)!;
      return x - c.s / c.n;
    });
  });
}

/** Correlation of each region's flux anomalies with one climate anomaly series (same periods). */
export function anomalyCorrelations(fluxAnomalies: readonly ArrayLike<number>[], climateAnomaly: ArrayLike<number>): Float64Array {
  return Float64Array.from(fluxAnomalies, (a) => pearson(a, climateAnomaly));
}

/**
 * Per-cell correlation between two stacks of fields over time (fields[t][cell]), e.g. flux
 * anomalies and a temperature or drought-index anomaly field; NaN where either is constant.
 */
export function correlationMap(fieldsA: readonly ArrayLike<number>[], fieldsB: readonly ArrayLike<number>[]): Float64Array {
  const nt = fieldsA.length;
  if (fieldsB.length !== nt) throw new TanhuiError('BadShape', `correlation of ${nt} and ${fieldsB.length} time steps`);
  if (nt === 0) throw new TanhuiError('EmptyInput', 'no time steps to correlate');
  const nc = fieldsA[0]!.length;
  const out = new Float64Array(nc);
  const a = new Float64Array(nt);
  const b = new Float64Array(nt);
  for (let c = 0; c < nc; c++) {
    for (let t = 0; t < nt; t++) {
      a[t] = fieldsA[t]![c]!;
      b[t] = fieldsB[t]![c]!;
    }
    out[c] = pearson(a, b);
  }
  return out;
}

export interface EnsemblePeriodBudgets {
  names: string[];
  labels: string[];
  /** Ensemble mean and sample σ (N−1) per region and period: mean[r][p]. */
  mean: Float64Array[];
  sigma: Float64Array[];
  /** Each member's period means: members[m][r][p] (for σ of sums of regions or periods). */
  members: Float64Array[][];
}

/**
 * Monthly or annual regional budgets of every ensemble member, with the ensemble mean and σ —
 * the σ of a time mean comes from the members' time means, so temporal error correlations are
 * kept.
 */
export function ensemblePeriodBudgets(mapLike: RegionMapLike, memberSeries: readonly FluxSeries[], unit: 'month' | 'year'): EnsemblePeriodBudgets {
  const map = asRegionMapInput(mapLike);
  if (memberSeries.length < 2) throw new TanhuiError('EmptyInput', `an ensemble needs at least 2 members, got ${memberSeries.length}`);
  const per = memberSeries.map((s) => periodMeans(regionalSeries(map, s), unit));
  const labels = per[0]!.labels;
  per.forEach((p, m) => {
    if (p.labels.length !== labels.length || p.labels.some((l, k) => l !== labels[k])) {
      throw new TanhuiError('BadShape', `ensemble member ${m} covers different periods than member 0`, { context: { index: m } });
    }
  });
  const nm = per.length;
  const mean = map.names.map((_, r) => Float64Array.from(labels, (_l, k) => per.reduce((s, p) => s + p.values[r]![k]!, 0) / nm));
  const sigma = map.names.map((_, r) =>
    Float64Array.from(labels, (_l, k) => Math.sqrt(per.reduce((s, p) => s + (p.values[r]![k]! - mean[r]![k]!) ** 2, 0) / (nm - 1))),
  );
  return { names: [...map.names], labels: [...labels], mean, sigma, members: per.map((p) => p.values) };
}
