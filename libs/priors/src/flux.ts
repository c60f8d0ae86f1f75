// A flux component on a lat-lon grid with a time axis: the unit of exchange between readers,
// regridding, the synthetic world and the state-vector mappings.
// Layout: data[(t*nlat + j)*nlon + i], fluxes in mol m⁻² s⁻¹, positive to the atmosphere,
// each value the MEAN flux over the period [timesSec[t], timesSec[t] + periodSeconds).
import { LatLonGrid, TanhuiError } from '@tanhui/core';

export type FluxCategory = 'bio' | 'ocean' | 'fossil' | 'fire' | 'other';

export const FLUX_CATEGORIES: readonly FluxCategory[] = ['bio', 'ocean', 'fossil', 'fire', 'other'];

export interface FluxField {
  readonly category: FluxCategory;
  readonly grid: LatLonGrid;
  /** Start of each averaging period [s since 1970-01-01 UTC], increasing. */
  readonly timesSec: Float64Array;
  /** Length of every period [s] (86400 daily, 10800 3-hourly, ~monthly: mean month length). */
  readonly periodSeconds: number;
  /** Period-mean flux [mol m⁻² s⁻¹], layout [time][lat][lon]. */
  readonly fluxMolM2S: Float64Array;
  /** Where it came from (file paths, 'synthetic', …) and notes such as a units convention. */
  readonly source?: string;
}

/** Validate shapes and values; throws TanhuiError naming the problem. */
export function checkFluxField(f: FluxField, file?: string): FluxField {
  const nt = f.timesSec.length;
  if (nt === 0) throw new TanhuiError('EmptyInput', 'flux field has no time steps', { context: { file } });
  if (f.fluxMolM2S.length !== nt * f.grid.size) {
    throw new TanhuiError('BadShape', `flux has ${f.fluxMolM2S.length} values, expected ${nt}×${f.grid.nlat}×${f.grid.nlon}`, {
      context: { file },
    });
  }
  if (!(f.periodSeconds > 0)) throw new TanhuiError('InvalidArgument', `periodSeconds must be > 0, got ${f.periodSeconds}`, { context: { file } });
  for (let t = 1; t < nt; t++) {
    if (!(f.timesSec[t]! > f.timesSec[t - 1]!)) {
      throw new TanhuiError('BadValue', 'flux times must increase', { context: { file, variable: 'time', index: t } });
    }
  }
  for (let k = 0; k < f.fluxMolM2S.length; k++) {
    if (!Number.isFinite(f.fluxMolM2S[k]!)) {
      throw new TanhuiError('BadValue', `non-finite flux value ${f.fluxMolM2S[k]}`, { context: { file, index: k } });
    }
  }
  return f;
}

/** Area integral per period [mol s⁻¹], optionally restricted to cells where mask[cell] != 0. */
export function totalMolPerSecond(f: FluxField, mask?: ArrayLike<number>): Float64Array {
  const n = f.grid.size;
  const area = f.grid.cellAreaM2;
  const out = new Float64Array(f.timesSec.length);
  for (let t = 0; t < out.length; t++) {
    let s = 0;
    const base = t * n;
    for (let c = 0; c < n; c++) if (!mask || mask[c]) s += f.fluxMolM2S[base + c]! * area[c]!;
    out[t] = s;
  }
  return out;
}

/** Time-mean area integral [mol s⁻¹] over all periods (periods have equal length). */
export function meanTotalMolPerSecond(f: FluxField, mask?: ArrayLike<number>): number {
  const tot = totalMolPerSecond(f, mask);
  let s = 0;
  for (const v of tot) s += v;
  return s / tot.length;
}

/** Time-mean flux map [mol m⁻² s⁻¹] (one period). */
export function timeMean(f: FluxField): Float64Array {
  const n = f.grid.size;
  const nt = f.timesSec.length;
  const out = new Float64Array(n);
  for (let t = 0; t < nt; t++) for (let c = 0; c < n; c++) out[c] += f.fluxMolM2S[t * n + c]!;
  for (let c = 0; c < n; c++) out[c] /= nt;
  return out;
}

/** Sum of components on the same grid and time axis [time][lat][lon]. */
export function sumComponents(components: readonly FluxField[]): Float64Array {
  if (components.length === 0) throw new TanhuiError('EmptyInput', 'no flux components to sum');
  const first = components[0]!;
  const out = new Float64Array(first.fluxMolM2S.length);
  for (const c of components) {
    if (!c.grid.equals(first.grid)) throw new TanhuiError('GridMismatch', `component ${c.category} is on ${c.grid.describe()}, expected ${first.grid.describe()}`);
    if (c.fluxMolM2S.length !== out.length || c.periodSeconds !== first.periodSeconds) {
      throw new TanhuiError('BadShape', `component ${c.category} has a different time axis`);
    }
    for (let t = 0; t < c.timesSec.length; t++) {
      if (c.timesSec[t] !== first.timesSec[t]) throw new TanhuiError('BadShape', `component ${c.category} has a different time axis`, { context: { index: t } });
    }
    for (let k = 0; k < out.length; k++) out[k] += c.fluxMolM2S[k]!;
  }
  return out;
}

/**
 * Join fields of one category along time (e.g. daily files of several days), sorted by time.
 * Grids and period lengths must match; overlapping periods are an error.
 */
export function concatTime(fields: readonly FluxField[]): FluxField {
  if (fields.length === 0) throw new TanhuiError('EmptyInput', 'no flux fields to join');
  if (fields.length === 1) return fields[0]!;
  const sorted = [...fields].sort((a, b) => a.timesSec[0]! - b.timesSec[0]!);
  const f0 = sorted[0]!;
  const n = f0.grid.size;
  let nt = 0;
  for (const f of sorted) {
    if (!f.grid.equals(f0.grid)) throw new TanhuiError('GridMismatch', `cannot join ${f.category} fields on different grids`, { context: { file: f.source } });
    if (f.periodSeconds !== f0.periodSeconds) throw new TanhuiError('BadShape', `cannot join ${f.category} fields with periods ${f0.periodSeconds} s and ${f.periodSeconds} s`, { context: { file: f.source } });
    nt += f.timesSec.length;
  }
  const times = new Float64Array(nt);
  const data = new Float64Array(nt * n);
  let t = 0;
  for (const f of sorted) {
    if (t > 0 && f.timesSec[0]! < times[t - 1]! + f0.periodSeconds - 1e-6) {
      throw new TanhuiError('BadValue', `${f.category} fields overlap in time`, { context: { file: f.source } });
    }
    times.set(f.timesSec, t);
    data.set(f.fluxMolM2S, t * n);
    t += f.timesSec.length;
  }
  const sources = sorted.map((f) => f.source).filter((s): s is string => !!s);
  return { category: f0.category, grid: f0.grid, timesSec: times, periodSeconds: f0.periodSeconds, fluxMolM2S: data, source: sources.join(', ') };
}
