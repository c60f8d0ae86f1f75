// Conservative (area-overlap) regridding between two global LatLonGrids of any resolution and
// any longitude origin (0..360 vs −180..180). The weight of source cell s in target cell d is
// overlapArea(d, s) / area(d), with the overlap of two lat-lon cells computed exactly on the
// sphere: R² · Δλ_overlap · (sin φ_top − sin φ_bottom). Rows of the operator sum to 1 (a
// constant stays constant) and Σ_d area(d)·w(d,s) = area(s) (the global integral is conserved).
import { TanhuiError } from './errors';
import type { LatLonGrid } from './grid';

const DEG = Math.PI / 180;

/** A sparse matrix in compressed sparse row form (rows = targets, columns = sources). */
export interface SparseMatrixCSR {
  nrows: number;
  ncols: number;
  /** nrows+1 offsets into colIndex/values. */
  rowPtr: Int32Array;
  colIndex: Int32Array;
  values: Float64Array;
}

/** y = M x (y has nrows·K entries, x ncols·K, tracer index innermost, in `blocks` stacked copies). */
export function csrApply(m: SparseMatrixCSR, x: ArrayLike<number>, out?: Float64Array, tracers = 1): Float64Array {
  const K = tracers;
  const blocks = blockCount(x.length, m.ncols * K, 'input');
  const y = out ?? new Float64Array(blocks * m.nrows * K);
  if (y.length !== blocks * m.nrows * K) throw new TanhuiError('BadShape', `output has ${y.length} values, expected ${blocks * m.nrows * K}`);
  const { rowPtr, colIndex, values } = m;
  for (let b = 0; b < blocks; b++) {
    const xo = b * m.ncols * K;
    const yo = b * m.nrows * K;
    for (let r = 0; r < m.nrows; r++) {
      if (K === 1) {
        let s = 0;
        for (let p = rowPtr[r]!; p < rowPtr[r + 1]!; p++) s += values[p]! * x[xo + colIndex[p]!]!;
        y[yo + r] = s;
      } else {
        const base = yo + r * K;
        for (let t = 0; t < K; t++) y[base + t] = 0;
        for (let p = rowPtr[r]!; p < rowPtr[r + 1]!; p++) {
          const w = values[p]!;
          const xb = xo + colIndex[p]! * K;
          for (let t = 0; t < K; t++) y[base + t] = y[base + t]! + w * x[xb + t]!;
        }
      }
    }
  }
  return y;
}

/** x = Mᵀ y (the adjoint of csrApply). */
export function csrApplyTranspose(m: SparseMatrixCSR, y: ArrayLike<number>, out?: Float64Array, tracers = 1): Float64Array {
  const K = tracers;
  const blocks = blockCount(y.length, m.nrows * K, 'input');
  const x = out ?? new Float64Array(blocks * m.ncols * K);
  if (x.length !== blocks * m.ncols * K) throw new TanhuiError('BadShape', `output has ${x.length} values, expected ${blocks * m.ncols * K}`);
  x.fill(0);
  const { rowPtr, colIndex, values } = m;
  for (let b = 0; b < blocks; b++) {
    const xo = b * m.ncols * K;
    const yo = b * m.nrows * K;
    for (let r = 0; r < m.nrows; r++) {
      for (let p = rowPtr[r]!; p < rowPtr[r + 1]!; p++) {
        const w = values[p]!;
        const xb = xo + colIndex[p]! * K;
        const yb = yo + r * K;
        for (let t = 0; t < K; t++) x[xb + t] = x[xb + t]! + w * y[yb + t]!;
      }
    }
  }
  return x;
}

function blockCount(length: number, blockSize: number, what: string): number {
  const blocks = length / blockSize;
  if (!Number.isInteger(blocks) || blocks < 1) {
    throw new TanhuiError('BadShape', `${what} has ${length} values, not a multiple of ${blockSize}`);
  }
  return blocks;
}

/** Overlaps of two partitions of an interval: pairs (a index, b index, overlap length). */
function overlaps1D(a: Float64Array, b: Float64Array, minOverlap: number): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  let i = 0;
  let j = 0;
  while (i < a.length - 1 && j < b.length - 1) {
    const lo = Math.max(a[i]!, b[j]!);
    const hi = Math.min(a[i + 1]!, b[j + 1]!);
    if (hi - lo > minOverlap) out.push([i, j, hi - lo]);
    if (a[i + 1]! < b[j + 1]!) i++;
    else j++;
  }
  return out;
}

/**
 * Longitude overlaps [degrees] between target columns and source columns, the source edges
 * rotated by whole turns into the target's range. Returns, per target column, pairs
 * (source column, overlap degrees).
 */
function lonOverlaps(dst: Float64Array, src: Float64Array): Array<Array<[number, number]>> {
  const lon0 = dst[0]!;
  const nd = dst.length - 1;
  const ns = src.length - 1;
  // Source edges as offsets from lon0 in [0, 360), starting from the source column that holds lon0.
  const shift = ((((src[0]! - lon0) % 360) + 360) % 360);
  const rel = Array.from(src, (e) => e - src[0]! + shift); // increasing, spans [shift, shift+360]
  // Cut at 360: source column c covers [rel[c], rel[c+1]]; columns past 360 wrap to [.. - 360].
  const pieces: Array<[number, number, number]> = []; // [lo, hi, sourceColumn] in [0, 360]
  for (let c = 0; c < ns; c++) {
    const lo = rel[c]!;
    const hi = rel[c + 1]!;
    if (hi <= 360) pieces.push([lo, hi, c]);
    else if (lo >= 360) pieces.push([lo - 360, hi - 360, c]);
    else {
      pieces.push([lo, 360, c]);
      pieces.push([0, hi - 360, c]);
    }
  }
  pieces.sort((p, q) => p[0] - q[0]);
  const res: Array<Array<[number, number]>> = Array.from({ length: nd }, () => []);
  const dRel = Array.from(dst, (e) => e - lon0);
  let p = 0;
  for (let d = 0; d < nd; d++) {
    const lo = dRel[d]!;
    const hi = dRel[d + 1]!;
    while (p < pieces.length && pieces[p]![1] <= lo) p++;
    for (let q = p; q < pieces.length && pieces[q]![0] < hi; q++) {
      const ov = Math.min(hi, pieces[q]![1]) - Math.max(lo, pieces[q]![0]);
      if (ov > 1e-10) res[d]!.push([pieces[q]![2], ov]);
    }
  }
  return res;
}

/** The conservative remapping operator from grid `source` to grid `target`. */
export class ConservativeRegrid {
  readonly source: LatLonGrid;
  readonly target: LatLonGrid;
  /** Weights (target × source): overlap area / target cell area. */
  readonly weights: SparseMatrixCSR;

  constructor(source: LatLonGrid, target: LatLonGrid) {
    if (Math.abs(source.radiusM - target.radiusM) > 1e-9 * target.radiusM) {
      throw new TanhuiError('GridMismatch', `grids on spheres of different radius (${source.radiusM} m, ${target.radiusM} m)`);
    }
    this.source = source;
    this.target = target;
    const R2 = target.radiusM * target.radiusM;
    const lat = overlaps1D(target.latEdgesDeg, source.latEdgesDeg, 1e-10);
    const latByRow: Array<Array<[number, number]>> = Array.from({ length: target.nlat }, () => []);
    for (const [jd, js] of lat) {
      const top = Math.min(target.latEdgesDeg[jd + 1]!, source.latEdgesDeg[js + 1]!);
      const bot = Math.max(target.latEdgesDeg[jd]!, source.latEdgesDeg[js]!);
      latByRow[jd]!.push([js, Math.sin(top * DEG) - Math.sin(bot * DEG)]);
    }
    const lon = lonOverlaps(target.lonEdgesDeg, source.lonEdgesDeg);
    let nnz = 0;
    for (let jd = 0; jd < target.nlat; jd++) for (let id = 0; id < target.nlon; id++) nnz += latByRow[jd]!.length * lon[id]!.length;
    const rowPtr = new Int32Array(target.size + 1);
    const colIndex = new Int32Array(nnz);
    const values = new Float64Array(nnz);
    let p = 0;
    const entries: Array<[number, number]> = [];
    for (let jd = 0; jd < target.nlat; jd++) {
      for (let id = 0; id < target.nlon; id++) {
        const r = jd * target.nlon + id;
        entries.length = 0;
        for (const [js, dsin] of latByRow[jd]!) {
          for (const [is, dlon] of lon[id]!) entries.push([js * source.nlon + is, R2 * dsin * dlon * DEG]);
        }
        entries.sort((a, b) => a[0] - b[0]);
        // Normalise by the target area computed the same way as LatLonGrid's.
        const area = target.cellAreaM2[r]!;
        for (const [c, ov] of entries) {
          colIndex[p] = c;
          values[p] = ov / area;
          p++;
        }
        rowPtr[r + 1] = p;
      }
    }
    this.weights = { nrows: target.size, ncols: source.size, rowPtr, colIndex, values };
  }

  /**
   * Remap an intensive field (per-area quantity, e.g. a flux in mol m⁻² s⁻¹) from source to
   * target: area-weighted means. Stacked fields ([level][cell], tracers innermost) are allowed.
   */
  apply(sourceField: ArrayLike<number>, out?: Float64Array, tracers = 1): Float64Array {
    return csrApply(this.weights, sourceField, out, tracers);
  }

  /** The adjoint (transpose) of apply: target-space sensitivities → source space. */
  applyAdjoint(targetField: ArrayLike<number>, out?: Float64Array, tracers = 1): Float64Array {
    return csrApplyTranspose(this.weights, targetField, out, tracers);
  }
}

/** Conservative remapping operator from `source` to `target` (see ConservativeRegrid). */
export function conservativeRegrid(source: LatLonGrid, target: LatLonGrid): ConservativeRegrid {
  return new ConservativeRegrid(source, target);
}
