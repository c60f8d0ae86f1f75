// Observation operators: observations → SamplePlan (linear weights over model time steps and
// 3-D cells, @tanhui/core sampling.ts) + an offset vector [ppm] holding the affine part, so
//   y_model[s] = offsetPpm[s] + 1e6 · Σ_{e in row s} weight[e] · c(step[e], cell[e])
// with c the model dry-air mole fraction [mol mol⁻¹]. Pure: typed arrays in, typed arrays out.
//
// Point samples (flask, in-situ, tower, aircraft):
//   - horizontal: bilinear in longitude/latitude between cell centres (periodic in longitude;
//     poleward of the first/last row centre the row value is used);
//   - vertical: linear in ln(p) between layer mid pressures of the model column (half levels
//     a + b·ps with ps from SamplingContext at that step and cell), clamped to the lowest /
//     highest layer outside their range. Altitudes [m a.s.l.] become pressures through the ICAO
//     standard atmosphere (p = 101325 (1 − 2.25577e-5 z)^5.25588 Pa up to 11 km, isothermal
//     216.65 K above) — a documented approximation: a sample below the model surface (model
//     orography lower than the real one) takes the lowest layer;
//   - time: linear between the two bracketing model steps.
// Column XCO2 (OCO-2 / GOSAT Lite, GCAS, TCCON in dry form):
//   XCO2 = xco2_apriori + Σ_j h_j a_j (u_j − u_a,j)
//   linear part Σ_j h_j a_j u_j → plan weights; affine part xco2_apriori − Σ_j h_j a_j u_a,j
//   → offsetPpm. u_j is the model profile interpolated LINEARLY IN PRESSURE from layer mid
//   pressures to the retrieval level pressure. Surface-pressure mismatch: retrieval levels are
//   mapped in σ = p / p_surf, i.e. p*_j = p_j · ps_model / ps_retrieval, so the retrieval's
//   surface level always samples the model's lowest layer and its column spans the model
//   column whatever the orography difference (p*_j beyond the lowest / highest mid pressure
//   takes that layer). Horizontal: the containing cell (default) or bilinear.
import { TanhuiError } from '@tanhui/core';
import type { SamplePlan, SamplingContext } from '@tanhui/core';
import type { ObservationTable } from './record';

/** Pressure [Pa] at altitude z [m a.s.l.] in the ICAO standard atmosphere. */
export function standardAtmospherePressurePa(altitudeM: number): number {
  if (altitudeM <= 11000) return 101325 * Math.pow(1 - 2.25577e-5 * altitudeM, 5.25588);
  return 22632.06 * Math.exp(-(altitudeM - 11000) / 6341.62);
}

export interface OperatorResult {
  plan: SamplePlan;
  /** Affine part per sample [ppm] (0 for point samples). */
  offsetPpm: Float64Array;
}

/** Growable CSR builder. */
class PlanBuilder {
  private step: Int32Array;
  private cell: Int32Array;
  private weight: Float64Array;
  private n = 0;
  readonly rowPtr: Int32Array;
  private rows = 0;

  constructor(nSamples: number, capacity: number) {
    this.rowPtr = new Int32Array(nSamples + 1);
    this.step = new Int32Array(Math.max(16, capacity));
    this.cell = new Int32Array(Math.max(16, capacity));
    this.weight = new Float64Array(Math.max(16, capacity));
  }

  add(step: number, cell: number, weight: number): void {
    if (this.n === this.step.length) {
      const grow = <T extends Int32Array | Float64Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(a.length * 2);
        b.set(a);
        return b;
      };
      this.step = grow(this.step);
      this.cell = grow(this.cell);
      this.weight = grow(this.weight);
    }
    this.step[this.n] = step;
    this.cell[this.n] = cell;
    this.weight[this.n] = weight;
    this.n++;
  }

  endRow(): void {
    this.rows++;
    this.rowPtr[this.rows] = this.n;
  }

  build(): SamplePlan {
    // Views when the buffers are mostly used (no copy), compact copies otherwise.
    const view = this.n >= 0.5 * this.step.length;
    const cut = <T extends Int32Array | Float64Array>(a: T): T => (view ? (a.subarray(0, this.n) as T) : (a.slice(0, this.n) as T));
    return { nSamples: this.rows, rowPtr: this.rowPtr, step: cut(this.step), cell: cut(this.cell), weight: cut(this.weight) };
  }
}

interface Corner {
  cell2d: number;
  w: number;
}

/** Bilinear corners (≤ 4) of a point between cell centres. */
function bilinearCorners(ctx: SamplingContext, latDeg: number, lonDeg: number, out: Corner[]): number {
  const g = ctx.grid;
  const { nlon, nlat } = g;
  const lonC = g.lonCentersDeg;
  const latC = g.latCentersDeg;
  // Longitude: position relative to the first centre, periodic.
  const lon0 = lonC[0]!;
  let x = (lonDeg - lon0) % 360;
  if (x < 0) x += 360;
  // Non-uniform grids: search; regular ones are the common case but the search is cheap.
  let i0 = nlon - 1;
  for (let i = 0; i < nlon - 1; i++) {
    if (lonC[i + 1]! - lon0 > x) {
      i0 = i;
      break;
    }
  }
  const i1 = (i0 + 1) % nlon;
  const xa = lonC[i0]! - lon0;
  const xb = i1 === 0 ? 360 : lonC[i1]! - lon0;
  const wx = (x - xa) / (xb - xa);
  let j0: number;
  let j1: number;
  let wy: number;
  if (latDeg <= latC[0]!) {
    j0 = j1 = 0;
    wy = 0;
  } else if (latDeg >= latC[nlat - 1]!) {
    j0 = j1 = nlat - 1;
    wy = 0;
  } else {
    j0 = 0;
    while (latC[j0 + 1]! < latDeg) j0++;
    j1 = j0 + 1;
    wy = (latDeg - latC[j0]!) / (latC[j1]! - latC[j0]!);
  }
  let m = 0;
  const put = (j: number, i: number, w: number): void => {
    if (w === 0) return;
    const c = j * nlon + i;
    for (let q = 0; q < m; q++) {
      if (out[q]!.cell2d === c) {
        out[q]!.w += w;
        return;
      }
    }
    out[m++] = { cell2d: c, w };
  };
  put(j0, i0, (1 - wx) * (1 - wy));
  put(j0, i1, wx * (1 - wy));
  put(j1, i0, (1 - wx) * wy);
  put(j1, i1, wx * wy);
  return m;
}

function timeBracket(ctx: SamplingContext, timeSec: number, index: number): { n0: number; wt: number } {
  const tau = (timeSec - ctx.windowStartSec) / ctx.stepSeconds;
  if (!(tau >= -1e-9 && tau <= ctx.nSteps + 1e-9)) {
    throw new TanhuiError('BadValue', `observation ${index} at ${new Date(timeSec * 1000).toISOString()} is outside the model window`, {
      context: { index },
      hint: 'select the observations of the window first (selectWindow)',
    });
  }
  let n0 = Math.floor(tau);
  if (n0 >= ctx.nSteps) n0 = ctx.nSteps;
  if (n0 < 0) n0 = 0;
  const wt = n0 === ctx.nSteps ? 0 : Math.min(1, Math.max(0, tau - n0));
  return { n0, wt };
}

/** Cache of surface pressures per step (the context may compute them). */
function psCache(ctx: SamplingContext): (step: number) => Float64Array {
  const cache = new Map<number, Float64Array>();
  return (step) => {
    let a = cache.get(step);
    if (!a) {
      a = ctx.surfacePressurePa(step);
      cache.set(step, a);
    }
    return a;
  };
}

export interface PointOperatorOptions {
  /** Rows of the table to sample (default: all). */
  rows?: ArrayLike<number>;
}

/**
 * Point operator for in-situ samples. Uses `pressureHPa` when finite, otherwise `altitudeM`
 * through the standard atmosphere (NaN altitude → the lowest layer, surface sample).
 */
export function buildPointOperator(ctx: SamplingContext, table: ObservationTable, options: PointOperatorOptions = {}): OperatorResult {
  const rows = options.rows ?? Int32Array.from({ length: table.n }, (_, k) => k);
  const n = rows.length;
  const { nlev } = ctx.levels;
  const ncell2d = ctx.grid.size;
  const b = new PlanBuilder(n, n * 16);
  const ps = psCache(ctx);
  const corners: Corner[] = [];
  const mid = new Float64Array(nlev);
  for (let s = 0; s < n; s++) {
    const k = rows[s]!;
    const p = table.pressureHPa[k]!;
    const z = table.altitudeM[k]!;
    const targetPa = Number.isFinite(p) ? p * 100 : Number.isFinite(z) ? standardAtmospherePressurePa(z) : Infinity;
    const m = bilinearCorners(ctx, table.latDeg[k]!, table.lonDeg[k]!, corners);
    const { n0, wt } = timeBracket(ctx, table.timeSec[k]!, k);
    for (let dt = 0; dt < 2; dt++) {
      const wT = dt === 0 ? 1 - wt : wt;
      if (wT === 0) continue;
      const step = n0 + dt;
      const psStep = ps(step);
      for (let q = 0; q < m; q++) {
        const c = corners[q]!;
        ctx.levels.midPressuresPa(psStep[c.cell2d]!, mid);
        const w = wT * c.w;
        const [k0, k1, wv] = logPressureBracket(mid, targetPa);
        if (1 - wv !== 0) b.add(step, k0 * ncell2d + c.cell2d, w * (1 - wv));
        if (wv !== 0) b.add(step, k1 * ncell2d + c.cell2d, w * wv);
      }
    }
    b.endRow();
  }
  return { plan: b.build(), offsetPpm: new Float64Array(n) };
}

/** Bracket a pressure among mid pressures (surface first, decreasing) linearly in ln p. */
function logPressureBracket(mid: Float64Array, pPa: number): [number, number, number] {
  const L = mid.length;
  if (!(pPa < mid[0]!)) return [0, 0, 0];
  if (!(pPa > mid[L - 1]!)) return [L - 1, L - 1, 0];
  let k = 0;
  while (mid[k + 1]! >= pPa) k++;
  const w = (Math.log(mid[k]!) - Math.log(pPa)) / (Math.log(mid[k]!) - Math.log(mid[k + 1]!));
  return [k, k + 1, w];
}

export interface ColumnOperatorOptions {
  rows?: ArrayLike<number>;
  /** 'cell' (default): the cell containing the sounding; 'bilinear' between cell centres. */
  horizontal?: 'cell' | 'bilinear';
}

/** Column (XCO2 / TCCON) operator. The table must carry a column block. */
export function buildColumnOperator(ctx: SamplingContext, table: ObservationTable, options: ColumnOperatorOptions = {}): OperatorResult {
  const col = table.column;
  if (!col) throw new TanhuiError('InvalidArgument', 'the column operator needs column observations (levels, averaging kernel, pressure weights)');
  const rows = options.rows ?? Int32Array.from({ length: table.n }, (_, k) => k);
  const n = rows.length;
  const L = col.nLevels;
  const { nlev } = ctx.levels;
  const ncell2d = ctx.grid.size;
  // Upper bound: 2 steps × nlev levels per corner column (cell mode: one column), so the
  // arrays never grow (growing 10⁷-entry arrays dominated the cost).
  const b = new PlanBuilder(n, n * 2 * nlev * (options.horizontal === 'bilinear' ? 4 : 1) + 16);
  const offsetPpm = new Float64Array(n);
  const ps = psCache(ctx);
  const corners: Corner[] = [];
  const mid = new Float64Array(nlev);
  const acc = new Float64Array(nlev);
  const ha = new Float64Array(L);
  for (let s = 0; s < n; s++) {
    const k = rows[s]!;
    let off = col.aprioriXco2Ppm[k]!;
    for (let j = 0; j < L; j++) {
      ha[j] = col.pressureWeight[k * L + j]! * col.averagingKernel[k * L + j]!;
      off -= ha[j]! * col.aprioriProfilePpm[k * L + j]!;
    }
    offsetPpm[s] = off;
    const psRetPa = col.surfacePressureHPa[k]! * 100;
    let m: number;
    if (options.horizontal === 'bilinear') {
      m = bilinearCorners(ctx, table.latDeg[k]!, table.lonDeg[k]!, corners);
    } else {
      corners[0] = { cell2d: ctx.grid.locate(table.latDeg[k]!, table.lonDeg[k]!).index, w: 1 };
      m = 1;
    }
    const { n0, wt } = timeBracket(ctx, table.timeSec[k]!, k);
    for (let dt = 0; dt < 2; dt++) {
      const wT = dt === 0 ? 1 - wt : wt;
      if (wT === 0) continue;
      const step = n0 + dt;
      const psStep = ps(step);
      for (let q = 0; q < m; q++) {
        const c = corners[q]!;
        const psModel = psStep[c.cell2d]!;
        ctx.levels.midPressuresPa(psModel, mid);
        acc.fill(0);
        const sigmaScale = psModel / psRetPa;
        // Retrieval levels are stored surface first (pressure decreasing): one monotone sweep.
        let kk = 0;
        for (let j = 0; j < L; j++) {
          const target = col.pressureHPa[k * L + j]! * 100 * sigmaScale;
          kk = linearPressureAccumulate(mid, target, ha[j]!, acc, kk);
        }
        const w = wT * c.w;
        for (let lev = 0; lev < nlev; lev++) {
          if (acc[lev] !== 0) b.add(step, lev * ncell2d + c.cell2d, w * acc[lev]!);
        }
      }
    }
    b.endRow();
  }
  return { plan: b.build(), offsetPpm };
}

/**
 * acc[k] += w · (interpolation weight of level k) for pressure pPa, linear in p, clamped.
 * `from` is a layer index known to lie at or below pPa (0 if unknown); returns the bracket
 * found, the start for the next, lower pressure.
 */
function linearPressureAccumulate(mid: Float64Array, pPa: number, w: number, acc: Float64Array, from: number): number {
  const L = mid.length;
  if (!(pPa < mid[0]!)) {
    acc[0] += w;
    return 0;
  }
  if (!(pPa > mid[L - 1]!)) {
    acc[L - 1] += w;
    return from;
  }
  let k = from;
  if (mid[k]! < pPa) k = 0; // not monotone after all: restart
  while (mid[k + 1]! >= pPa) k++;
  const f = (mid[k]! - pPa) / (mid[k]! - mid[k + 1]!);
  acc[k] += w * (1 - f);
  acc[k + 1] += w * f;
  return k;
}

/**
 * Apply a plan to model fields: `fields` holds (nSteps+1) 3-D fields of `nCell3d` values
 * each, step-major. Returns one sample per plan row (mol mol⁻¹).
 */
export function applyPlan(plan: SamplePlan, fields: Float64Array, nCell3d: number, out = new Float64Array(plan.nSamples)): Float64Array {
  const { rowPtr, step, cell, weight } = plan;
  for (let s = 0; s < plan.nSamples; s++) {
    let acc = 0;
    for (let e = rowPtr[s]!; e < rowPtr[s + 1]!; e++) acc += weight[e]! * fields[step[e]! * nCell3d + cell[e]!]!;
    out[s] = acc;
  }
  return out;
}

/** Adjoint of applyPlan: accumulates Hᵀ·samples into `out` ((nSteps+1)·nCell3d values). */
export function adjointPlan(plan: SamplePlan, samples: Float64Array, nCell3d: number, nSteps: number, out = new Float64Array((nSteps + 1) * nCell3d)): Float64Array {
  const { rowPtr, step, cell, weight } = plan;
  for (let s = 0; s < plan.nSamples; s++) {
    const y = samples[s]!;
    if (y === 0) continue;
    for (let e = rowPtr[s]!; e < rowPtr[s + 1]!; e++) out[step[e]! * nCell3d + cell[e]!] += weight[e]! * y;
  }
  return out;
}

/** Model equivalents [ppm] from the transport model's plan samples [mol mol⁻¹]. */
export function evaluateOperator(plan: SamplePlan, offsetPpm: Float64Array, samplesFromTransport: Float64Array): Float64Array {
  if (samplesFromTransport.length !== plan.nSamples || offsetPpm.length !== plan.nSamples) {
    throw new TanhuiError('BadShape', `expected ${plan.nSamples} samples and offsets, got ${samplesFromTransport.length} and ${offsetPpm.length}`);
  }
  const out = new Float64Array(plan.nSamples);
  for (let s = 0; s < plan.nSamples; s++) out[s] = offsetPpm[s]! + 1e6 * samplesFromTransport[s]!;
  return out;
}

/** Rows whose time lies inside the context's window (for the operators). */
export function selectWindow(ctx: SamplingContext, table: ObservationTable, rows?: ArrayLike<number>): Int32Array {
  const t0 = ctx.windowStartSec;
  const t1 = t0 + ctx.nSteps * ctx.stepSeconds;
  const src = rows ?? Int32Array.from({ length: table.n }, (_, k) => k);
  const out: number[] = [];
  for (let r = 0; r < src.length; r++) {
    const k = src[r]!;
    const t = table.timeSec[k]!;
    if (t >= t0 && t <= t1) out.push(k);
  }
  return Int32Array.from(out);
}
