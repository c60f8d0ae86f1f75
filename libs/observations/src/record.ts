// The canonical observation table: one struct of typed arrays (columnar), so 10⁶ satellite
// soundings cost a few typed arrays, not 10⁶ JS objects. Strings (site codes, datasets, files)
// are dictionary-encoded: a small string list plus an index per observation.
//
// Conventions: time in s since 1970-01-01 UTC; values and errors in ppm; latitude −90…90,
// longitude −180…180 (readers normalise 0–360 inputs); column levels SURFACE FIRST (index 0 =
// the retrieval level with the highest pressure), whatever order the file used.
import { TanhuiError } from '@tanhui/core';

export const OBS_KINDS = ['flask', 'insitu', 'tower', 'aircraft', 'xco2', 'tccon'] as const;
export type ObsKind = (typeof OBS_KINDS)[number];

export function kindCode(kind: ObsKind): number {
  return OBS_KINDS.indexOf(kind);
}

/** QC flag bits (Uint32 per observation); 0 = passed everything. */
export const QC = {
  /** The provider's own flag marks the value as bad (ObsPack qcflag/obs_flag, Lite quality flag). */
  providerFlag: 1 << 0,
  /** Value, error or coordinate missing (fill value / NaN). */
  missing: 1 << 1,
  /** Value outside the plausible CO2 range. */
  outOfRange: 1 << 2,
  /** Rejected by surface type (land/ocean filter). */
  surfaceType: 1 << 3,
  /** Site category is do-not-use (CarbonTracker). */
  doNotUse: 1 << 4,
  /** Outside the requested time window. */
  outsideWindow: 1 << 5,
  /** Observing mode filtered (e.g. glint or target when only nadir is wanted). */
  mode: 1 << 6,
  /** Rejected because the innovation exceeds the rejection threshold. */
  innovation: 1 << 7,
} as const;
export type QcReason = keyof typeof QC;

/** Column retrieval block: n × nLevels row-major, level 0 at the surface. */
export interface ColumnBlock {
  readonly nLevels: number;
  /** Retrieval level pressures [hPa], surface first. */
  readonly pressureHPa: Float64Array;
  /** Column averaging kernel a_j [1]. */
  readonly averagingKernel: Float64Array;
  /** Pressure weights h_j [1], Σ_j h_j = 1 per sounding. */
  readonly pressureWeight: Float64Array;
  /** A-priori profile u_a,j [ppm, dry-air mole fraction]. */
  readonly aprioriProfilePpm: Float64Array;
  /** A-priori column XCO2 [ppm] per sounding. */
  readonly aprioriXco2Ppm: Float64Array;
  /** Surface pressure of the retrieval [hPa] per sounding (the surface level's pressure). */
  readonly surfacePressureHPa: Float64Array;
}

export interface ObservationTable {
  readonly n: number;
  /** Numeric id (obspack_num, sounding_id, or running number). */
  readonly id: Float64Array;
  readonly timeSec: Float64Array;
  readonly latDeg: Float64Array;
  readonly lonDeg: Float64Array;
  /** Sampling altitude [m above sea level], NaN when not given (columns). */
  readonly altitudeM: Float64Array;
  /** Sampling pressure [hPa], NaN when not given. */
  readonly pressureHPa: Float64Array;
  readonly valuePpm: Float64Array;
  /** Measurement error σ [ppm] as reported (model-data mismatch is added by QC). */
  readonly errorPpm: Float64Array;
  /** Index into OBS_KINDS. */
  readonly kind: Uint8Array;
  /** Index into `sites` (site or platform code, lower case). */
  readonly site: Int32Array;
  readonly sites: string[];
  /** Index into `datasets` (ObsPack dataset name or file base name). */
  readonly dataset: Int32Array;
  readonly datasets: string[];
  /** QC bits (QC.*), 0 = good. */
  readonly flags: Uint32Array;
  /** Land fraction 0…1 (NaN unknown); used by land/ocean filters. */
  readonly landFraction: Float64Array;
  /** Observation mode (satellites: 0 nadir, 1 glint, 2 target, −1 unknown). */
  readonly mode: Int8Array;
  readonly column?: ColumnBlock;
}

export function emptyTable(n: number, nLevels = 0): ObservationTable {
  const f = (): Float64Array => new Float64Array(n);
  const nan = (): Float64Array => new Float64Array(n).fill(NaN);
  return {
    n,
    id: f(),
    timeSec: f(),
    latDeg: f(),
    lonDeg: f(),
    altitudeM: nan(),
    pressureHPa: nan(),
    valuePpm: f(),
    errorPpm: nan(),
    kind: new Uint8Array(n),
    site: new Int32Array(n),
    sites: [],
    dataset: new Int32Array(n),
    datasets: [],
    flags: new Uint32Array(n),
    landFraction: nan(),
    mode: new Int8Array(n).fill(-1),
    column:
      nLevels > 0
        ? {
            nLevels,
            pressureHPa: new Float64Array(n * nLevels),
            averagingKernel: new Float64Array(n * nLevels),
            pressureWeight: new Float64Array(n * nLevels),
            aprioriProfilePpm: new Float64Array(n * nLevels),
            aprioriXco2Ppm: new Float64Array(n),
            surfacePressureHPa: new Float64Array(n),
          }
        : undefined,
  };
}

/** Dictionary-encode a string: index in `list`, appending when new. */
export function internString(list: string[], index: Map<string, number>, s: string): number {
  let k = index.get(s);
  if (k === undefined) {
    k = list.length;
    list.push(s);
    index.set(s, k);
  }
  return k;
}

/** Row-by-row builder for text readers (small files); satellite readers fill arrays directly. */
export class ObservationTableBuilder {
  private rows: Array<{
    id: number;
    timeSec: number;
    latDeg: number;
    lonDeg: number;
    altitudeM: number;
    pressureHPa: number;
    valuePpm: number;
    errorPpm: number;
    kind: ObsKind;
    site: string;
    dataset: string;
    flags: number;
    landFraction?: number;
  }> = [];

  push(row: ObservationTableBuilder['rows'][number]): void {
    this.rows.push(row);
  }

  get length(): number {
    return this.rows.length;
  }

  build(): ObservationTable {
    const t = emptyTable(this.rows.length);
    const siteIdx = new Map<string, number>();
    const dsIdx = new Map<string, number>();
    this.rows.forEach((r, k) => {
      t.id[k] = r.id;
      t.timeSec[k] = r.timeSec;
      t.latDeg[k] = r.latDeg;
      t.lonDeg[k] = r.lonDeg;
      t.altitudeM[k] = r.altitudeM;
      t.pressureHPa[k] = r.pressureHPa;
      t.valuePpm[k] = r.valuePpm;
      t.errorPpm[k] = r.errorPpm;
      t.kind[k] = kindCode(r.kind);
      t.site[k] = internString(t.sites, siteIdx, r.site);
      t.dataset[k] = internString(t.datasets, dsIdx, r.dataset);
      t.flags[k] = r.flags;
      t.landFraction[k] = r.landFraction ?? NaN;
    });
    return t;
  }
}

/** Longitude into [−180, 180). */
export function normalizeLon(lonDeg: number): number {
  if (lonDeg >= -180 && lonDeg < 180) return lonDeg; // exact, no rounding
  let x = ((lonDeg + 180) % 360 + 360) % 360 - 180;
  if (x === 180) x = -180;
  return x;
}

/** Select rows (indices ascending or not) into a new table; string dictionaries are kept. */
export function selectRows(t: ObservationTable, rows: ArrayLike<number>): ObservationTable {
  const n = rows.length;
  const L = t.column?.nLevels ?? 0;
  const out = emptyTable(n, L);
  out.sites.push(...t.sites);
  out.datasets.push(...t.datasets);
  for (let r = 0; r < n; r++) {
    const k = rows[r]!;
    out.id[r] = t.id[k]!;
    out.timeSec[r] = t.timeSec[k]!;
    out.latDeg[r] = t.latDeg[k]!;
    out.lonDeg[r] = t.lonDeg[k]!;
    out.altitudeM[r] = t.altitudeM[k]!;
    out.pressureHPa[r] = t.pressureHPa[k]!;
    out.valuePpm[r] = t.valuePpm[k]!;
    out.errorPpm[r] = t.errorPpm[k]!;
    out.kind[r] = t.kind[k]!;
    out.site[r] = t.site[k]!;
    out.dataset[r] = t.dataset[k]!;
    out.flags[r] = t.flags[k]!;
    out.landFraction[r] = t.landFraction[k]!;
    out.mode[r] = t.mode[k]!;
  }
  if (L > 0 && t.column && out.column) {
    const a = t.column;
    const b = out.column;
    for (let r = 0; r < n; r++) {
      const k = rows[r]!;
      b.pressureHPa.set(a.pressureHPa.subarray(k * L, k * L + L), r * L);
      b.averagingKernel.set(a.averagingKernel.subarray(k * L, k * L + L), r * L);
      b.pressureWeight.set(a.pressureWeight.subarray(k * L, k * L + L), r * L);
      b.aprioriProfilePpm.set(a.aprioriProfilePpm.subarray(k * L, k * L + L), r * L);
      b.aprioriXco2Ppm[r] = a.aprioriXco2Ppm[k]!;
      b.surfacePressureHPa[r] = a.surfacePressureHPa[k]!;
    }
  }
  return out;
}

/** Rows that passed every QC test. */
export function goodRows(t: ObservationTable): Int32Array {
  let n = 0;
  for (let k = 0; k < t.n; k++) if (t.flags[k] === 0) n++;
  const out = new Int32Array(n);
  let r = 0;
  for (let k = 0; k < t.n; k++) if (t.flags[k] === 0) out[r++] = k;
  return out;
}

/**
 * Concatenate tables. Mixed point and column tables (or different level counts) give a column
 * block of the largest level count with NaN where a row has no such level (point rows, or
 * fewer levels; surface first, so level j means the same thing for every row).
 */
export function concatTables(tables: readonly ObservationTable[]): ObservationTable {
  if (tables.length === 0) throw new TanhuiError('EmptyInput', 'no observation tables to concatenate');
  if (tables.length === 1) return tables[0]!;
  const n = tables.reduce((s, t) => s + t.n, 0);
  const L = tables.reduce((m, t) => Math.max(m, t.column?.nLevels ?? 0), 0);
  const out = emptyTable(n, L);
  if (L > 0) {
    const b = out.column!;
    b.pressureHPa.fill(NaN);
    b.averagingKernel.fill(NaN);
    b.pressureWeight.fill(NaN);
    b.aprioriProfilePpm.fill(NaN);
    b.aprioriXco2Ppm.fill(NaN);
    b.surfacePressureHPa.fill(NaN);
  }
  const siteIdx = new Map<string, number>();
  const dsIdx = new Map<string, number>();
  let off = 0;
  for (const t of tables) {
    const siteMap = t.sites.map((s) => internString(out.sites, siteIdx, s));
    const dsMap = t.datasets.map((s) => internString(out.datasets, dsIdx, s));
    out.id.set(t.id, off);
    out.timeSec.set(t.timeSec, off);
    out.latDeg.set(t.latDeg, off);
    out.lonDeg.set(t.lonDeg, off);
    out.altitudeM.set(t.altitudeM, off);
    out.pressureHPa.set(t.pressureHPa, off);
    out.valuePpm.set(t.valuePpm, off);
    out.errorPpm.set(t.errorPpm, off);
    out.kind.set(t.kind, off);
    out.flags.set(t.flags, off);
    out.landFraction.set(t.landFraction, off);
    out.mode.set(t.mode, off);
    for (let k = 0; k < t.n; k++) {
      out.site[off + k] = siteMap[t.site[k]!]!;
      out.dataset[off + k] = dsMap[t.dataset[k]!]!;
    }
    const a = t.column;
    if (a) {
      const b = out.column!;
      const La = a.nLevels;
      for (let k = 0; k < t.n; k++) {
        const src = k * La;
        const dst = (off + k) * L;
        b.pressureHPa.set(a.pressureHPa.subarray(src, src + La), dst);
        b.averagingKernel.set(a.averagingKernel.subarray(src, src + La), dst);
        b.pressureWeight.set(a.pressureWeight.subarray(src, src + La), dst);
        b.aprioriProfilePpm.set(a.aprioriProfilePpm.subarray(src, src + La), dst);
      }
      b.aprioriXco2Ppm.set(a.aprioriXco2Ppm, off);
      b.surfacePressureHPa.set(a.surfacePressureHPa, off);
    }
    off += t.n;
  }
  return out;
}
