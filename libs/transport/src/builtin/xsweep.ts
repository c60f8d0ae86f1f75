// Zonal (x) sweep with TM5's two devices for the converging meridians: a reduced grid (cells of
// a polar row merged into clusters of r cells for the x sweep only) and per-row CFL
// sub-stepping (the row's flux is split into nloop equal parts until every outflow is below
// the upwind cluster's air mass). Merging keeps tracer mass and the exact first moment of the
// row's piecewise-linear distribution in air-mass coordinates; splitting back distributes the
// cluster's linear distribution over the cells' new air masses. Both are linear maps with
// coefficients from the air only, so the adjoint is their transpose.
import {
  allocSweepCoefficients,
  periodicRowAdjoint,
  periodicRowForward,
  setCell,
  setFace,
  type SweepCoefficients,
  type SweepScratch,
} from './advection';

export interface XSweepPlan {
  nlev: number;
  nlat: number;
  nlon: number;
  /** Cluster size per latitude row (divides nlon); 1 = not reduced. */
  cluster: Int32Array;
  /** Sub-steps per (level, row); 0 = no zonal transport (a row that is one cluster). */
  nloop: Int32Array;
  /** Offset per (level, row) into the coefficient arrays (nloop blocks of nlon/r entries). */
  offset: Int32Array;
  co: SweepCoefficients;
  capacity: number;
  /** Merge coefficients per cell (old air mass): rxm_C += cw·rm + cs·rxm. */
  cw: Float64Array;
  cs: Float64Array;
  /** Split coefficients per cell (new air mass): rm = u1·rm_C + u2·rxm_C; rxm = u3·rxm_C. */
  u1: Float64Array;
  u2: Float64Array;
  u3: Float64Array;
}

export function allocXSweepPlan(nlev: number, nlat: number, nlon: number, cluster: Int32Array): XSweepPlan {
  const n = nlev * nlat * nlon;
  const capacity = 2 * n;
  return {
    nlev, nlat, nlon, cluster,
    nloop: new Int32Array(nlev * nlat),
    offset: new Int32Array(nlev * nlat),
    co: allocSweepCoefficients(capacity, capacity),
    capacity,
    cw: new Float64Array(n),
    cs: new Float64Array(n),
    u1: new Float64Array(n),
    u2: new Float64Array(n),
    u3: new Float64Array(n),
  };
}

function grow(plan: XSweepPlan, need: number): void {
  if (need <= plan.capacity) return;
  const cap = Math.max(need, Math.ceil(plan.capacity * 1.5));
  const old = plan.co;
  const co = allocSweepCoefficients(cap, cap);
  for (const key of Object.keys(co) as (keyof SweepCoefficients)[]) co[key].set(old[key]);
  plan.co = co;
  plan.capacity = cap;
}

/**
 * Cluster sizes for a reduced grid: per row the smallest divisor r of nlon with r·cos(φ) ≥
 * minWidthFraction (the merged cell at least that fraction of an equatorial cell wide).
 */
export function reducedGridClusters(latCentersDeg: Float64Array, nlon: number, minWidthFraction: number): Int32Array {
  const out = new Int32Array(latCentersDeg.length);
  for (let j = 0; j < latCentersDeg.length; j++) {
    const c = Math.cos((latCentersDeg[j]! * Math.PI) / 180);
    let r = 1;
    if (minWidthFraction > 0) {
      r = nlon;
      for (let d = 1; d <= nlon; d++) {
        if (nlon % d === 0 && d * c >= minWidthFraction) {
          r = d;
          break;
        }
      }
    }
    out[j] = r;
  }
  return out;
}

const MAX_NLOOP = 64;

/**
 * Fill the plan for fluxes am [kg, east face of each cell, already scaled to this sweep] and
 * update the air mass m (per cell) in place to the mass after the sweep. Returns false when a
 * row cannot be made stable by sub-stepping (the caller then shortens the advection step).
 */
export function buildXSweep(plan: XSweepPlan, m: Float64Array, am: Float64Array, cflMax: number, scratchM: Float64Array): boolean {
  const { nlev, nlat, nlon, cluster } = plan;
  if (scratchM.length < 6 * nlon) throw new Error('buildXSweep: scratchM needs 6·nlon entries');
  let used = 0;
  // Scratch of one row, in segments of nlon: [0] cluster masses, [1] masses after a sub-step,
  // [2, 3] the same for the stability trial, [4] the cluster's east-face fluxes, [5] those
  // divided by nloop.
  const M = scratchM;
  const FO = 4 * nlon;
  const FS = 5 * nlon;
  for (let k = 0; k < nlev; k++) {
    for (let j = 0; j < nlat; j++) {
      const row = k * nlat + j;
      const r = cluster[j]!;
      const nc = (nlon / r) | 0;
      const start = row * nlon;
      // Cluster masses and merge coefficients (old air mass).
      for (let c = 0; c < nc; c++) {
        M[FO + c] = am[start + c * r + r - 1]!;
        let sum = 0;
        for (let s = 0; s < r; s++) sum += m[start + c * r + s]!;
        M[c] = sum;
        if (r > 1) {
          let cum = 0;
          const inv2 = 1 / (sum * sum);
          for (let s = 0; s < r; s++) {
            const cell = start + c * r + s;
            const ms = m[cell]!;
            plan.cw[cell] = 6 * (cum + 0.5 * ms - 0.5 * sum) * inv2;
            plan.cs[cell] = ms * inv2;
            cum += ms;
          }
        }
      }
      // Sub-steps: the smallest nloop for which every outflow stays below the upwind mass. Most
      // rows need none: their single step is built directly, checked as it goes.
      let nloop = 0;
      if (nc > 1) {
        grow(plan, used + nc);
        if (subStep(plan.co, used, M, 0, nlon, FO, nc, cflMax)) nloop = 1;
        else {
          for (nloop = 2; nloop <= MAX_NLOOP; nloop++) {
            if (rowStable(M, nlon, nc, nloop, cflMax)) break;
          }
          // Outflow beyond the air mass over the whole sweep: only a shorter step helps.
          if (nloop > MAX_NLOOP) return false;
          grow(plan, used + nloop * nc);
          scaleFluxes(M, FO, FS, nc, nloop);
          // The checks pass again: rowStable ran the same sub-steps on the same values.
          for (let l = 0; l < nloop; l++) subStep(plan.co, used + l * nc, M, 0, nlon, FS, nc, cflMax);
        }
      }
      plan.nloop[row] = nloop;
      plan.offset[row] = used;
      used += nloop * nc;
      // New cell masses and split coefficients.
      if (r === 1) {
        if (nloop > 0) for (let c = 0; c < nc; c++) m[start + c] = M[c]!;
      } else {
        for (let c = 0; c < nc; c++) {
          let sum = 0;
          for (let s = 0; s < r; s++) {
            const i = c * r + s;
            const cell = start + i;
            const mNew = m[cell]! + am[i === 0 ? start + nlon - 1 : cell - 1]! - am[cell]!;
            m[cell] = mNew;
            sum += mNew;
          }
          let cum = 0;
          const inv = 1 / sum;
          for (let s = 0; s < r; s++) {
            const cell = start + c * r + s;
            const ms = m[cell]!;
            const nu = cum + 0.5 * ms;
            plan.u1[cell] = ms * inv;
            plan.u2[cell] = ms * inv * (2 * nu * inv - 1);
            plan.u3[cell] = ms * ms * inv * inv;
            cum += ms;
          }
        }
      }
    }
  }
  return true;
}

/**
 * One sub-step of a row of nc clusters with the fluxes in scratch segment `flux` (east faces):
 * every outflow must stay below cflMax × the upwind mass and every new mass positive (false
 * otherwise, with the masses at `cur` untouched); the masses after the step replace those at
 * `cur` (via `next`). With `co`, also writes the face and cell coefficients at offset `off`.
 */
function subStep(co: SweepCoefficients | null, off: number, S: Float64Array, cur: number, next: number, flux: number, nc: number, cflMax: number): boolean {
  for (let c = 0; c < nc; c++) {
    const F = S[flux + c]!;
    const mUp = S[cur + (F >= 0 ? c : c + 1 === nc ? 0 : c + 1)]!;
    if (Math.abs(F) >= cflMax * mUp) return false;
    if (co) setFace(co, off + c, F, mUp);
  }
  let FL = S[flux + nc - 1]!;
  for (let c = 0; c < nc; c++) {
    const FR = S[flux + c]!;
    const mNew = co ? setCell(co, off + c, FL, FR, S[cur + c]!) : S[cur + c]! + FL - FR;
    if (!(mNew > 0)) return false;
    S[next + c] = mNew;
    FL = FR;
  }
  for (let c = 0; c < nc; c++) S[cur + c] = S[next + c]!;
  return true;
}

/** S[to + c] = S[from + c] / nloop (exact copies when nloop = 1). */
function scaleFluxes(S: Float64Array, from: number, to: number, nc: number, nloop: number): void {
  if (nloop === 1) for (let c = 0; c < nc; c++) S[to + c] = S[from + c]!;
  else for (let c = 0; c < nc; c++) S[to + c] = S[from + c]! / nloop;
}

/** Whether nloop equal sub-steps of the row's cluster fluxes (scratch segment 4) keep every
 * outflow below the upwind mass; works on segments 2 and 3 of the scratch. */
function rowStable(S: Float64Array, nlon: number, nc: number, nloop: number, cflMax: number): boolean {
  const T = 2 * nlon, TN = 3 * nlon, FO = 4 * nlon, FS = 5 * nlon;
  scaleFluxes(S, FO, FS, nc, nloop);
  for (let c = 0; c < nc; c++) S[T + c] = S[c]!;
  for (let l = 0; l < nloop; l++) if (!subStep(null, 0, S, T, TN, FS, nc, cflMax)) return false;
  return true;
}

/** Scratch for the x sweep: cluster buffers of one row. */
export class XScratch {
  rm: Float64Array;
  sx: Float64Array;
  sy: Float64Array;
  sz: Float64Array;
  constructor(nlon: number, K: number) {
    this.rm = new Float64Array(nlon * K);
    this.sx = new Float64Array(nlon * K);
    this.sy = new Float64Array(nlon * K);
    this.sz = new Float64Array(nlon * K);
  }
}

export function xSweepForward(
  plan: XSweepPlan, K: number,
  rm: Float64Array, rxm: Float64Array, rym: Float64Array, rzm: Float64Array,
  w: SweepScratch, xs: XScratch,
  kStart = 0, kEnd = plan.nlev,
): void {
  const { nlat, nlon, cluster, nloop, offset, co } = plan;
  const pcw = plan.cw, pcs = plan.cs, pu1 = plan.u1, pu2 = plan.u2, pu3 = plan.u3;
  const { rm: crm, sx: csx, sy: csy, sz: csz } = xs;
  // Rows are independent: levels kStart…kEnd−1 alone give the same values as the whole sweep.
  for (let k = kStart; k < kEnd; k++) {
    for (let j = 0; j < nlat; j++) {
      const row = k * nlat + j;
      const r = cluster[j]!;
      const nc = nlon / r;
      const nl = nloop[row]!;
      const off = offset[row]!;
      const start = row * nlon;
      if (r === 1) {
        for (let l = 0; l < nl; l++) periodicRowForward(co, off + l * nc, nc, K, start * K, rm, rxm, rym, rzm, w);
        continue;
      }
      crm.fill(0, 0, nc * K);
      csx.fill(0, 0, nc * K);
      csy.fill(0, 0, nc * K);
      csz.fill(0, 0, nc * K);
      for (let c = 0; c < nc; c++) {
        const ce = c * K;
        const ceEnd = ce + K;
        for (let s = 0; s < r; s++) {
          const cell = start + c * r + s;
          const cw = pcw[cell]!, cs = pcs[cell]!;
          for (let q = cell * K, p = ce; p < ceEnd; q++, p++) {
            const v = rm[q]!;
            crm[p] = crm[p]! + v;
            csx[p] = csx[p]! + cw * v + cs * rxm[q]!;
            csy[p] = csy[p]! + rym[q]!;
            csz[p] = csz[p]! + rzm[q]!;
          }
        }
      }
      for (let l = 0; l < nl; l++) periodicRowForward(co, off + l * nc, nc, K, 0, crm, csx, csy, csz, w);
      for (let c = 0; c < nc; c++) {
        const ce = c * K;
        const ceEnd = ce + K;
        for (let s = 0; s < r; s++) {
          const cell = start + c * r + s;
          const u1 = pu1[cell]!, u2 = pu2[cell]!, u3 = pu3[cell]!;
          for (let q = cell * K, p = ce; p < ceEnd; q++, p++) {
            const x = csx[p]!;
            rm[q] = u1 * crm[p]! + u2 * x;
            rxm[q] = u3 * x;
            rym[q] = u1 * csy[p]!;
            rzm[q] = u1 * csz[p]!;
          }
        }
      }
    }
  }
}

export function xSweepAdjoint(
  plan: XSweepPlan, K: number,
  rm: Float64Array, rxm: Float64Array, rym: Float64Array, rzm: Float64Array,
  w: SweepScratch, xs: XScratch,
): void {
  const { nlev, nlat, nlon, cluster, nloop, offset, co } = plan;
  const pcw = plan.cw, pcs = plan.cs, pu1 = plan.u1, pu2 = plan.u2, pu3 = plan.u3;
  const { rm: crm, sx: csx, sy: csy, sz: csz } = xs;
  for (let k = 0; k < nlev; k++) {
    for (let j = 0; j < nlat; j++) {
      const row = k * nlat + j;
      const r = cluster[j]!;
      const nc = nlon / r;
      const nl = nloop[row]!;
      const off = offset[row]!;
      const start = row * nlon;
      if (r === 1) {
        for (let l = nl - 1; l >= 0; l--) periodicRowAdjoint(co, off + l * nc, nc, K, start * K, rm, rxm, rym, rzm, w);
        continue;
      }
      crm.fill(0, 0, nc * K);
      csx.fill(0, 0, nc * K);
      csy.fill(0, 0, nc * K);
      csz.fill(0, 0, nc * K);
      for (let c = 0; c < nc; c++) {
        const ce = c * K;
        const ceEnd = ce + K;
        for (let s = 0; s < r; s++) {
          const cell = start + c * r + s;
          const u1 = pu1[cell]!, u2 = pu2[cell]!, u3 = pu3[cell]!;
          for (let q = cell * K, p = ce; p < ceEnd; q++, p++) {
            const a = rm[q]!;
            crm[p] = crm[p]! + u1 * a;
            csx[p] = csx[p]! + u2 * a + u3 * rxm[q]!;
            csy[p] = csy[p]! + u1 * rym[q]!;
            csz[p] = csz[p]! + u1 * rzm[q]!;
          }
        }
      }
      for (let l = nl - 1; l >= 0; l--) periodicRowAdjoint(co, off + l * nc, nc, K, 0, crm, csx, csy, csz, w);
      for (let c = 0; c < nc; c++) {
        const ce = c * K;
        const ceEnd = ce + K;
        for (let s = 0; s < r; s++) {
          const cell = start + c * r + s;
          const cw = pcw[cell]!, cs = pcs[cell]!;
          for (let q = cell * K, p = ce; p < ceEnd; q++, p++) {
            const x = csx[p]!;
            rm[q] = crm[p]! + cw * x;
            rxm[q] = cs * x;
            rym[q] = csy[p]!;
            rzm[q] = csz[p]!;
          }
        }
      }
    }
  }
}
