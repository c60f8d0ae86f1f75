// Region maps: an integer code per grid cell (0 = no region) plus the list of regions (code,
// name, kind). Aggregating a flux field to regional totals is the linear map
// total_r [PgC yr⁻¹] = Σ_{cells c in r} F_c [mol m⁻² s⁻¹] · A_c [m²] · M_C · yr / 1e12 kg/Pg,
// available both as a function and as a sparse matrix (for covariance propagation A P Aᵀ).
import { KG_PER_PG, M_C, SECONDS_PER_YEAR } from './constants';
import { TanhuiError } from './errors';
import type { LatLonGrid } from './grid';
import { conservativeRegrid, csrApply, type SparseMatrixCSR } from './regrid';

export type RegionKind = 'land' | 'ocean' | 'other';

export interface RegionInfo {
  /** Positive integer code as stored in the map (0 means "no region"). */
  code: number;
  name: string;
  kind: RegionKind;
}

/**
 * The 22 TransCOM-3 basis regions (Gurney et al. 2002, 2003) with their standard numbering:
 * 11 land regions (1–11) and 11 ocean regions (12–22). Names only: boundaries come from a map
 * file (or, approximately, from builtinRegions).
 */
export const TRANSCOM_REGIONS: readonly RegionInfo[] = Object.freeze(
  [
    'North American Boreal',
    'North American Temperate',
    'South American Tropical',
    'South American Temperate',
    'Northern Africa',
    'Southern Africa',
    'Eurasia Boreal',
    'Eurasia Temperate',
    'Tropical Asia',
    'Australia',
    'Europe',
    'North Pacific Temperate',
    'West Pacific Tropical',
    'East Pacific Tropical',
    'South Pacific Temperate',
    'Northern Ocean',
    'North Atlantic Temperate',
    'Atlantic Tropical',
    'South Atlantic Temperate',
    'Southern Ocean',
    'Indian Tropical',
    'South Indian Temperate',
  ].map((name, k) => Object.freeze({ code: k + 1, name, kind: (k < 11 ? 'land' : 'ocean') as RegionKind })),
);

/** PgC yr⁻¹ per (mol m⁻² s⁻¹ · m²). */
const PGC_YR_PER_MOL_S = (M_C * SECONDS_PER_YEAR) / KG_PER_PG;

export class RegionMap {
  readonly grid: LatLonGrid;
  /** Region code per cell (flat index j*nlon+i), 0 = no region. */
  readonly codes: Int32Array;
  /** The regions, in the order of aggregated outputs. */
  readonly regions: readonly RegionInfo[];
  private readonly rowOfCode: Map<number, number>;
  private matrixCache?: SparseMatrixCSR;

  /**
   * @param codes one code per grid cell; every non-zero code must be listed in `regions`
   * (codes of listed regions need not all occur).
   */
  constructor(grid: LatLonGrid, codes: ArrayLike<number>, regions: readonly RegionInfo[]) {
    if (codes.length !== grid.size) {
      throw new TanhuiError('BadShape', `a region map on a ${grid.describe()} needs ${grid.size} codes, got ${codes.length}`);
    }
    this.rowOfCode = new Map();
    regions.forEach((r, k) => {
      if (!(Number.isInteger(r.code) && r.code > 0)) throw new TanhuiError('BadValue', `region code ${r.code} (${r.name}) must be a positive integer`);
      if (this.rowOfCode.has(r.code)) throw new TanhuiError('BadValue', `region code ${r.code} is listed twice`);
      this.rowOfCode.set(r.code, k);
    });
    const c = Int32Array.from(codes);
    for (let k = 0; k < c.length; k++) {
      if (c[k] !== codes[k] || (c[k] !== 0 && !this.rowOfCode.has(c[k]!))) {
        throw new TanhuiError('BadValue', `cell ${k} has region code ${codes[k]}, which is not a listed region`, { context: { index: k } });
      }
    }
    this.grid = grid;
    this.codes = c;
    this.regions = regions;
  }

  /**
   * A map from stored values (e.g. a float `region` variable read from NetCDF, in tanhui's
   * south→north layout). Values are rounded only if within 1e-6 of an integer; NaN and codes
   * in `none` become 0; any other code not in `regions` is an error naming file and variable.
   */
  static fromValues(
    grid: LatLonGrid,
    values: ArrayLike<number>,
    regions: readonly RegionInfo[],
    options: { none?: readonly number[]; file?: string; variable?: string } = {},
  ): RegionMap {
    const where = { file: options.file, variable: options.variable };
    if (values.length !== grid.size) {
      throw new TanhuiError('BadShape', `region values have ${values.length} cells, the ${grid.describe()} has ${grid.size}`, { context: where });
    }
    const known = new Set(regions.map((r) => r.code));
    const none = new Set(options.none ?? []);
    const codes = new Int32Array(grid.size);
    for (let k = 0; k < grid.size; k++) {
      const v = values[k]!;
      if (Number.isNaN(v)) continue;
      const r = Math.round(v);
      if (Math.abs(v - r) > 1e-6) throw new TanhuiError('BadValue', `region value ${v} is not an integer code`, { context: { ...where, index: k } });
      if (r === 0 || none.has(r)) continue;
      if (!known.has(r)) {
        throw new TanhuiError('BadValue', `region code ${r} is not among the ${regions.length} listed regions`, {
          hint: 'list it, or pass it in `none` to treat it as no region',
          context: { ...where, index: k },
        });
      }
      codes[k] = r;
    }
    return new RegionMap(grid, codes, regions);
  }

  get size(): number {
    return this.regions.length;
  }

  /** Row of a region code in aggregated outputs (−1 if unknown). */
  rowOf(code: number): number {
    return this.rowOfCode.get(code) ?? -1;
  }

  info(code: number): RegionInfo {
    const r = this.rowOfCode.get(code);
    if (r === undefined) throw new TanhuiError('BadValue', `no region with code ${code}`);
    return this.regions[r]!;
  }

  /** Region code at a point (0 if none). */
  codeAt(latDeg: number, lonDeg: number): number {
    return this.codes[this.grid.locate(latDeg, lonDeg).index]!;
  }

  /** 1 where the cell belongs to any of the given codes (or to any region when none given). */
  mask(codes?: number | readonly number[]): Uint8Array {
    const set = codes === undefined ? undefined : new Set(typeof codes === 'number' ? [codes] : codes);
    const m = new Uint8Array(this.codes.length);
    for (let k = 0; k < m.length; k++) {
      const c = this.codes[k]!;
      m[k] = (set ? set.has(c) : c !== 0) ? 1 : 0;
    }
    return m;
  }

  /** Area [m²] of every region, in `regions` order. */
  areasM2(): Float64Array {
    const a = new Float64Array(this.regions.length);
    for (let k = 0; k < this.codes.length; k++) {
      const c = this.codes[k]!;
      if (c !== 0) a[this.rowOfCode.get(c)!]! += this.grid.cellAreaM2[k]!;
    }
    return a;
  }

  /** Number of cells of every region, in `regions` order. */
  cellCounts(): Int32Array {
    const n = new Int32Array(this.regions.length);
    for (const c of this.codes) if (c !== 0) n[this.rowOfCode.get(c)!]!++;
    return n;
  }

  /**
   * The aggregation operator (regions × cells): row r has A_c·M_C·yr/1e12 for the cells of
   * region r, so `totals = M · fluxMolM2S` in PgC yr⁻¹. Use it to propagate covariances
   * (M P Mᵀ) or ensembles (csrApply with tracers).
   */
  aggregationMatrix(): SparseMatrixCSR {
    if (this.matrixCache) return this.matrixCache;
    const nr = this.regions.length;
    const counts = new Int32Array(nr);
    for (const c of this.codes) if (c !== 0) counts[this.rowOfCode.get(c)!]!++;
    const rowPtr = new Int32Array(nr + 1);
    for (let r = 0; r < nr; r++) rowPtr[r + 1] = rowPtr[r]! + counts[r]!;
    const colIndex = new Int32Array(rowPtr[nr]!);
    const values = new Float64Array(rowPtr[nr]!);
    const fill = rowPtr.slice(0, nr);
    for (let k = 0; k < this.codes.length; k++) {
      const c = this.codes[k]!;
      if (c === 0) continue;
      const r = this.rowOfCode.get(c)!;
      const p = fill[r]!++;
      colIndex[p] = k;
      values[p] = this.grid.cellAreaM2[k]! * PGC_YR_PER_MOL_S;
    }
    this.matrixCache = { nrows: nr, ncols: this.codes.length, rowPtr, colIndex, values };
    return this.matrixCache;
  }

  /**
   * Regional totals [PgC yr⁻¹] of a flux field [mol m⁻² s⁻¹] on this grid, in `regions` order.
   * Stacked fields (e.g. [time][cell] or tracers innermost) give stacked totals.
   */
  totalsPgCYr(fluxMolM2S: ArrayLike<number>, out?: Float64Array, tracers = 1): Float64Array {
    return csrApply(this.aggregationMatrix(), fluxMolM2S, out, tracers);
  }

  /**
   * Fraction of every target cell's area covered by each region (regions × target cells,
   * dense, `regions` order), from exact spherical overlaps.
   */
  fractionsOn(target: LatLonGrid): Float64Array[] {
    const w = conservativeRegrid(this.grid, target).weights;
    const out = this.regions.map(() => new Float64Array(target.size));
    for (let d = 0; d < target.size; d++) {
      for (let p = w.rowPtr[d]!; p < w.rowPtr[d + 1]!; p++) {
        const c = this.codes[w.colIndex[p]!]!;
        if (c !== 0) out[this.rowOfCode.get(c)!]![d]! += w.values[p]!;
      }
    }
    return out;
  }

  /**
   * The map on another grid: each target cell takes the code (or 0) covering most of its area
   * (exact overlaps; ties go to the lower code).
   */
  onGrid(target: LatLonGrid): RegionMap {
    if (target.equals(this.grid)) return this;
    const w = conservativeRegrid(this.grid, target).weights;
    const codes = new Int32Array(target.size);
    const acc = new Map<number, number>();
    for (let d = 0; d < target.size; d++) {
      acc.clear();
      for (let p = w.rowPtr[d]!; p < w.rowPtr[d + 1]!; p++) {
        const c = this.codes[w.colIndex[p]!]!;
        acc.set(c, (acc.get(c) ?? 0) + w.values[p]!);
      }
      let best = 0;
      let bestW = -1;
      for (const [c, v] of acc) {
        if (v > bestW + 1e-12 || (Math.abs(v - bestW) <= 1e-12 && c < best)) {
          best = c;
          bestW = v;
        }
      }
      codes[d] = best;
    }
    return new RegionMap(target, codes, this.regions);
  }
}
