// Vertical mixing operators, implicit in time so that any time step is stable:
// boundary-layer diffusion (tridiagonal, from exchange coefficients between layers) and
// Tiedtke-style mass-flux convection (updraft and downdraft with entrainment/detrainment and
// compensating subsidence, a dense lower-triangular-plus-band matrix per column).
// Both act on mixing ratio c = rm/m with the air mass m fixed: (M − dt·C) c' = M c, where the
// columns of C sum to zero (tracer mass conserved) and its rows sum to zero (a uniform mixing
// ratio is a fixed point). Tracer mass and the horizontal moments rxm, rym are mixed with the
// same matrix; the vertical moment rzm is set to zero in layers that are strongly mixed.
import { GRAVITY } from '@tanhui/core';

/** Dry-air gas constant [J kg⁻¹ K⁻¹]. */
const R_DRY = 287.05;
/** A layer counts as "strongly mixed" when dt·(exchange out of it)/m exceeds this. */
const STRONG_MIXING = 0.05;

export interface DiffusionOperator {
  ncol: number;
  /** Levels 0 … nd−1 take part; above, the operator is the identity. */
  nd: number;
  /** Per (level, column): sub-diagonal −dt·E (level ≥ 1), Thomas 1/d′ and c′. */
  lower: Float64Array;
  dinv: Float64Array;
  cp: Float64Array;
  /** Air mass per (level, column) [kg]. */
  m: Float64Array;
  /** 1 where rzm is reset (strongly mixed layer), per (level, column) for levels < nd. */
  resetZ: Uint8Array;
}

/** Standard-atmosphere-like temperature [K] as a function of pressure, for air density only. */
export function temperatureK(pPa: number): number {
  return Math.max(216.65, 288.15 * Math.pow(pPa / 101325, 0.190263));
}

/**
 * Build the implicit diffusion operator from Kz [m² s⁻¹] at interfaces 1 … nlev−1 (layout
 * [(interface−1)][column]), air mass m [kg] per (level, column), surface pressure and areas.
 * Exchange coefficient between layers k−1 and k: E = A·ρ²·g·Kz/Δp_mid [kg s⁻¹].
 */
/** Levels taking part in diffusion: 1 + the highest interface with Kz > 0 (0 when none).
 * A function of its own: V8 then optimises the hot loop apart from the rest. */
function diffusionDepth(kz: Float64Array, nlev: number, ncol: number): number {
  let nd = 0;
  for (let k = 1; k < nlev; k++) {
    for (let col = 0; col < ncol; col++) {
      if (kz[(k - 1) * ncol + col]! > 0) {
        nd = k + 1;
        break;
      }
    }
  }
  return nd;
}

export function buildDiffusion(
  op: DiffusionOperator | null,
  nlev: number,
  ncol: number,
  aHalf: Float64Array,
  bHalf: Float64Array,
  psPa: Float64Array,
  areaM2: Float64Array,
  kz: Float64Array,
  m: Float64Array,
  dt: number,
): DiffusionOperator | null {
  const nd = diffusionDepth(kz, nlev, ncol);
  if (nd === 0) return null;
  const n = nlev * ncol;
  if (!op || op.lower.length < n) {
    op = { ncol, nd, lower: new Float64Array(n), dinv: new Float64Array(n), cp: new Float64Array(n), m: new Float64Array(n), resetZ: new Uint8Array(n) };
  }
  op.nd = nd;
  op.ncol = ncol;
  op.m.set(m.subarray(0, n));
  const E = new Float64Array(nd + 1); // E[k]: between layers k−1 and k; E[0] = E[nd] = 0
  for (let col = 0; col < ncol; col++) {
    const ps = psPa[col]!;
    const A = areaM2[col]!;
    for (let k = 1; k < nd; k++) {
      const pInt = aHalf[k]! + bHalf[k]! * ps;
      const pBelow = 0.5 * (aHalf[k - 1]! + aHalf[k]! + (bHalf[k - 1]! + bHalf[k]!) * ps);
      const pAbove = 0.5 * (aHalf[k]! + aHalf[k + 1]! + (bHalf[k]! + bHalf[k + 1]!) * ps);
      const rho = pInt / (R_DRY * temperatureK(pInt));
      const K = kz[(k - 1) * ncol + col]!;
      E[k] = K > 0 ? (A * rho * rho * GRAVITY * K) / (pBelow - pAbove) : 0;
    }
    E[0] = 0;
    E[nd] = 0;
    // Thomas factorisation of T = M + dt·(E_k + E_{k+1}) on the diagonal, −dt·E off it.
    let cpPrev = 0;
    for (let k = 0; k < nd; k++) {
      const idx = k * ncol + col;
      const mk = m[idx]!;
      const low = -dt * E[k]!;
      const up = -dt * E[k + 1]!;
      const d = mk + dt * (E[k]! + E[k + 1]!) - low * cpPrev;
      const di = 1 / d;
      op.lower[idx] = low;
      op.dinv[idx] = di;
      op.cp[idx] = up * di;
      op.resetZ[idx] = (dt * (E[k]! + E[k + 1]!)) / mk > STRONG_MIXING ? 1 : 0;
      cpPrev = up * di;
    }
  }
  return op;
}

/**
 * x ← M·T⁻¹·x (forward, `scaleAfter`) or x ← T⁻¹·M·x (adjoint) in place for all columns and
 * tracers (levels < nd). The scaling by the air mass is fused into the Thomas sweeps (one pass
 * fewer over the mixed layers; the same operations in the same order as a separate pass).
 */
function thomasSolve(op: DiffusionOperator, K: number, x: Float64Array, scaleAfter: boolean, c0: number, c1: number): void {
  const { ncol, nd, lower, dinv, cp, m } = op;
  const CK = ncol * K;
  for (let col = c0; col < c1; col++) {
    const e0 = col * K;
    const di = dinv[col]!;
    if (scaleAfter) {
      for (let q = e0, end = e0 + K; q < end; q++) x[q] = x[q]! * di;
    } else {
      const mk = m[col]!;
      for (let q = e0, end = e0 + K; q < end; q++) x[q] = x[q]! * mk * di;
    }
  }
  for (let k = 1; k < nd; k++) {
    for (let col = c0; col < c1; col++) {
      const idx = k * ncol + col;
      const low = lower[idx]!, di = dinv[idx]!;
      const e = idx * K;
      const end = e + K;
      if (scaleAfter) {
        for (let q = e, p = e - CK; q < end; q++, p++) x[q] = (x[q]! - low * x[p]!) * di;
      } else {
        const mk = m[idx]!;
        for (let q = e, p = e - CK; q < end; q++, p++) x[q] = (x[q]! * mk - low * x[p]!) * di;
      }
    }
  }
  for (let k = nd - 2; k >= 0; k--) {
    for (let col = c0; col < c1; col++) {
      const idx = k * ncol + col;
      const c = cp[idx]!;
      const e = idx * K;
      const end = e + K;
      if (scaleAfter) {
        // Level k+1 is final once level k has used it.
        const mn = m[idx + ncol]!;
        for (let q = e, p = e + CK; q < end; q++, p++) {
          const xn = x[p]!;
          x[q] = x[q]! - c * xn;
          x[p] = xn * mn;
        }
      } else {
        for (let q = e, p = e + CK; q < end; q++, p++) x[q] = x[q]! - c * x[p]!;
      }
    }
  }
  if (scaleAfter) {
    // Level 0 (or the only level when nd = 1).
    for (let col = c0; col < c1; col++) {
      const mk = m[col]!;
      const e0 = col * K;
      for (let q = e0, end = e0 + K; q < end; q++) x[q] = x[q]! * mk;
    }
  }
}

/** rzm = 0 where mask = 1, for levels 0 … nlev−1 of columns c0 … c1−1. */
function resetZ(mask: Uint8Array, nlev: number, ncol: number, c0: number, c1: number, K: number, rzm: Float64Array): void {
  for (let k = 0; k < nlev; k++) {
    for (let idx = k * ncol + c0, end = k * ncol + c1; idx < end; idx++) {
      if (mask[idx] === 1) rzm.fill(0, idx * K, idx * K + K);
    }
  }
}

/** rm ← M·T⁻¹·rm (likewise rxm, rym); rzm reset in strongly mixed layers. Columns are
 * independent: columns c0 … c1−1 alone give the same values as all of them. */
export function diffusionForward(op: DiffusionOperator, K: number, rm: Float64Array, rxm: Float64Array, rym: Float64Array, rzm: Float64Array, c0 = 0, c1 = op.ncol): void {
  thomasSolve(op, K, rm, true, c0, c1);
  thomasSolve(op, K, rxm, true, c0, c1);
  thomasSolve(op, K, rym, true, c0, c1);
  resetZ(op.resetZ, op.nd, op.ncol, c0, c1, K, rzm);
}

/** Transpose: x ← T⁻¹·M·x (T is symmetric). */
export function diffusionAdjoint(op: DiffusionOperator, K: number, rm: Float64Array, rxm: Float64Array, rym: Float64Array, rzm: Float64Array): void {
  thomasSolve(op, K, rm, false, 0, op.ncol);
  thomasSolve(op, K, rxm, false, 0, op.ncol);
  thomasSolve(op, K, rym, false, 0, op.ncol);
  resetZ(op.resetZ, op.nd, op.ncol, 0, op.ncol, K, rzm);
}

// ---------------------------------------------------------------------------------------------

export interface ConvectionFields {
  /** Updraft entrainment and detrainment [kg m⁻² s⁻¹], layout [level][column]. */
  entrainUp: Float64Array;
  detrainUp: Float64Array;
  /** Downdraft entrainment and detrainment [kg m⁻² s⁻¹] (downdraft mass flux grows downwards). */
  entrainDown: Float64Array;
  detrainDown: Float64Array;
}

export interface ConvectionOperator {
  ncol: number;
  nlev: number;
  /** Convective columns and their top level (levels 0 … top take part). */
  columns: Int32Array;
  top: Int32Array;
  /** Offsets of each column's packed LU factors (size (top+1)²). */
  luOffset: Int32Array;
  lu: Float64Array;
  nColumns: number;
  /** Air mass per (level, column). */
  m: Float64Array;
  resetZ: Uint8Array;
}

/**
 * Tendency matrix C [kg s⁻¹] of one column (levels 0 … n−1) so that m·dc/dt = C·c.
 * Updraft concentration c_u,k = (Mu_{k−½}·c_u,k−1 + e_k·c_k)/(Mu_{k−½} + e_k); detrainment
 * d_k·c_u,k; downdraft likewise from the top; the environment carries the compensating mass
 * flux −(Mu − Md) upwind.
 */
let scratch = { U: new Float64Array(0), D: new Float64Array(0), v: new Float64Array(0) };

export function convectionMatrix(n: number, eu: ArrayLike<number>, du: ArrayLike<number>, ed: ArrayLike<number>, dd: ArrayLike<number>, area: number, C: Float64Array): void {
  C.fill(0, 0, n * n);
  if (scratch.U.length < n * n) {
    scratch = { U: new Float64Array(n * n), D: new Float64Array(n * n), v: new Float64Array(4 * (n + 1)) };
  }
  const U = scratch.U; // updraft concentration rows
  const D = scratch.D;
  U.fill(0, 0, n * n);
  D.fill(0, 0, n * n);
  const v = scratch.v;
  v.fill(0);
  // Segments of v (offsets, no views: this runs for every convective column of every step):
  // Mu updraft mass flux at interfaces [kg s⁻¹], Md |downdraft| mass flux at interfaces,
  // duEff / ddEff detrainment actually possible [kg s⁻¹].
  const MU = 0, MD = n + 1, DU = 2 * n + 2, DD = 3 * n + 3;
  for (let k = 0; k < n; k++) {
    const inflow = v[MU + k]! + eu[k]! * area;
    // Detrain at most what arrives; everything left detrains in the top layer.
    v[DU + k] = k === n - 1 ? inflow : Math.min(du[k]! * area, inflow);
    v[MU + k + 1] = inflow - v[DU + k]!;
    if (inflow > 0) {
      for (let j = 0; j < k; j++) U[k * n + j] = (v[MU + k]! * U[(k - 1) * n + j]!) / inflow;
      U[k * n + k] += (eu[k]! * area) / inflow;
    }
  }
  for (let k = n - 1; k >= 0; k--) {
    const inflow = v[MD + k + 1]! + ed[k]! * area;
    v[DD + k] = k === 0 ? inflow : Math.min(dd[k]! * area, inflow);
    v[MD + k] = inflow - v[DD + k]!;
    if (inflow > 0) {
      for (let j = k + 1; j < n; j++) D[k * n + j] = (v[MD + k + 1]! * D[(k + 1) * n + j]!) / inflow;
      D[k * n + k] += (ed[k]! * area) / inflow;
    }
  }
  for (let k = 0; k < n; k++) {
    C[k * n + k] -= (eu[k]! + ed[k]!) * area;
    for (let j = 0; j < n; j++) C[k * n + j] += v[DU + k]! * U[k * n + j]! + v[DD + k]! * D[k * n + j]!;
  }
  // Environment: upward mass flux G = −(Mu − Md) through interface k+1 (between k and k+1).
  for (let k = 0; k + 1 < n; k++) {
    const G = -(v[MU + k + 1]! - v[MD + k + 1]!);
    if (G >= 0) {
      C[k * n + k] -= G;
      C[(k + 1) * n + k] += G;
    } else {
      C[k * n + (k + 1)] += -G;
      C[(k + 1) * n + (k + 1)] -= -G;
    }
  }
}

/**
 * Build LU factors of A = M − dt·C for every convective column. A is a column-diagonally
 * dominant M-matrix (columns of C sum to zero, off-diagonals ≥ 0), so LU without pivoting is
 * stable.
 */
export function buildConvection(
  prev: ConvectionOperator | null,
  nlev: number,
  ncol: number,
  areaM2: Float64Array,
  fields: ConvectionFields,
  m: Float64Array,
  dt: number,
): ConvectionOperator | null {
  // Buffers are reused from step to step (no allocation on the per-step path).
  const op: ConvectionOperator =
    prev && prev.ncol === ncol && prev.nlev === nlev
      ? prev
      : {
          ncol, nlev,
          columns: new Int32Array(ncol),
          top: new Int32Array(ncol),
          luOffset: new Int32Array(ncol + 1),
          lu: new Float64Array(0),
          nColumns: 0,
          m: new Float64Array(nlev * ncol),
          resetZ: new Uint8Array(nlev * ncol),
        };
  const { columns, top: tops, luOffset } = op;
  let nColumns = 0;
  for (let col = 0; col < ncol; col++) {
    let top = -1;
    for (let k = 0; k < nlev; k++) {
      const i = k * ncol + col;
      if (fields.entrainUp[i]! > 0 || fields.detrainUp[i]! > 0 || fields.entrainDown[i]! > 0 || fields.detrainDown[i]! > 0) top = k;
    }
    if (top >= 1) {
      columns[nColumns] = col;
      tops[nColumns] = top;
      nColumns++;
    }
  }
  if (nColumns === 0) return null;
  op.nColumns = nColumns;
  luOffset[0] = 0;
  for (let c = 0; c < nColumns; c++) luOffset[c + 1] = luOffset[c]! + (tops[c]! + 1) ** 2;
  const need = luOffset[nColumns]!;
  if (op.lu.length < need) op.lu = new Float64Array(Math.ceil(need * 1.25));
  const lu = op.lu;
  const resetZ = op.resetZ;
  resetZ.fill(0);
  op.m.set(m.subarray(0, nlev * ncol));
  if (convScratch.C.length < nlev * nlev) {
    convScratch = { C: new Float64Array(nlev * nlev), eu: new Float64Array(nlev), du: new Float64Array(nlev), ed: new Float64Array(nlev), dd: new Float64Array(nlev) };
  }
  const { C, eu, du, ed, dd } = convScratch;
  for (let c = 0; c < nColumns; c++) {
    const col = columns[c]!;
    const n = tops[c]! + 1;
    for (let k = 0; k < n; k++) {
      const i = k * ncol + col;
      eu[k] = fields.entrainUp[i]!;
      du[k] = fields.detrainUp[i]!;
      ed[k] = fields.entrainDown[i]!;
      dd[k] = fields.detrainDown[i]!;
    }
    convectionMatrix(n, eu, du, ed, dd, areaM2[col]!, C);
    const off = luOffset[c]!;
    for (let k = 0; k < n; k++) {
      const mk = m[k * ncol + col]!;
      let out = 0;
      for (let j = 0; j < n; j++) {
        const v = (k === j ? mk : 0) - dt * C[k * n + j]!;
        lu[off + k * n + j] = v;
        if (j !== k) out += Math.abs(C[j * n + k]!);
      }
      resetZ[k * ncol + col] = (dt * out) / mk > STRONG_MIXING ? 1 : 0;
    }
    // In-place Doolittle LU (unit lower L).
    for (let p = 0; p < n; p++) {
      const piv = lu[off + p * n + p]!;
      for (let r = p + 1; r < n; r++) {
        const f = lu[off + r * n + p]! / piv;
        lu[off + r * n + p] = f;
        if (f !== 0) for (let j = p + 1; j < n; j++) lu[off + r * n + j] -= f * lu[off + p * n + j]!;
      }
    }
  }
  return op;
}

let convScratch = { C: new Float64Array(0), eu: new Float64Array(0), du: new Float64Array(0), ed: new Float64Array(0), dd: new Float64Array(0) };

/**
 * x ← M·A⁻¹·x (or x ← A⁻ᵀ·M·x when `transpose`) per convective column, for the three moments
 * x = rm, rxm, rym at once: every factor is loaded once and used for all 3·K right-hand sides
 * (per array the same operations in the same order as three separate solves).
 */
function convSolve(op: ConvectionOperator, K: number, xa: Float64Array, xb: Float64Array, xc: Float64Array, transpose: boolean, cStart: number, cEnd: number): void {
  const { ncol, columns, top, luOffset, lu, m } = op;
  const CK = ncol * K;
  for (let c = cStart; c < cEnd; c++) {
    const col = columns[c]!;
    const n = top[c]! + 1;
    const off = luOffset[c]!;
    const base = col * K;
    if (!transpose) {
      // L y = x (unit lower), U z = y, then x = M z.
      for (let k = 1; k < n; k++) {
        const ek = base + k * CK;
        const endk = ek + K;
        for (let j = 0; j < k; j++) {
          const l = lu[off + k * n + j]!;
          if (l === 0) continue;
          for (let q = ek, p = base + j * CK; q < endk; q++, p++) {
            xa[q] -= l * xa[p]!;
            xb[q] -= l * xb[p]!;
            xc[q] -= l * xc[p]!;
          }
        }
      }
      for (let k = n - 1; k >= 0; k--) {
        const ek = base + k * CK;
        const endk = ek + K;
        for (let j = k + 1; j < n; j++) {
          const u = lu[off + k * n + j]!;
          if (u === 0) continue;
          for (let q = ek, p = base + j * CK; q < endk; q++, p++) {
            xa[q] -= u * xa[p]!;
            xb[q] -= u * xb[p]!;
            xc[q] -= u * xc[p]!;
          }
        }
        const di = 1 / lu[off + k * n + k]!;
        for (let q = ek; q < endk; q++) {
          xa[q] = xa[q]! * di;
          xb[q] = xb[q]! * di;
          xc[q] = xc[q]! * di;
        }
      }
      // Rows below read the unscaled z of the rows above: scale by M only at the end.
      for (let k = 0; k < n; k++) {
        const ek = base + k * CK;
        const endk = ek + K;
        const mk = m[k * ncol + col]!;
        for (let q = ek; q < endk; q++) {
          xa[q] = xa[q]! * mk;
          xb[q] = xb[q]! * mk;
          xc[q] = xc[q]! * mk;
        }
      }
    } else {
      // x ← A⁻ᵀ M x: Uᵀ y = M x, Lᵀ z = y.
      for (let k = 0; k < n; k++) {
        const ek = base + k * CK;
        const endk = ek + K;
        const mk = m[k * ncol + col]!;
        for (let q = ek; q < endk; q++) {
          xa[q] = xa[q]! * mk;
          xb[q] = xb[q]! * mk;
          xc[q] = xc[q]! * mk;
        }
        for (let j = 0; j < k; j++) {
          const u = lu[off + j * n + k]!;
          if (u === 0) continue;
          for (let q = ek, p = base + j * CK; q < endk; q++, p++) {
            xa[q] -= u * xa[p]!;
            xb[q] -= u * xb[p]!;
            xc[q] -= u * xc[p]!;
          }
        }
        const di = 1 / lu[off + k * n + k]!;
        for (let q = ek; q < endk; q++) {
          xa[q] = xa[q]! * di;
          xb[q] = xb[q]! * di;
          xc[q] = xc[q]! * di;
        }
      }
      for (let k = n - 2; k >= 0; k--) {
        const ek = base + k * CK;
        const endk = ek + K;
        for (let j = k + 1; j < n; j++) {
          const l = lu[off + j * n + k]!;
          if (l === 0) continue;
          for (let q = ek, p = base + j * CK; q < endk; q++, p++) {
            xa[q] -= l * xa[p]!;
            xb[q] -= l * xb[p]!;
            xc[q] -= l * xc[p]!;
          }
        }
      }
    }
  }
}

/** Columns are independent: columns c0 … c1−1 alone give the same values as all of them. */
export function convectionForward(op: ConvectionOperator, K: number, rm: Float64Array, rxm: Float64Array, rym: Float64Array, rzm: Float64Array, c0 = 0, c1 = op.ncol): void {
  convSolve(op, K, rm, rxm, rym, false, lowerBound(op.columns, op.nColumns, c0), lowerBound(op.columns, op.nColumns, c1));
  resetZ(op.resetZ, op.nlev, op.ncol, c0, c1, K, rzm);
}

export function convectionAdjoint(op: ConvectionOperator, K: number, rm: Float64Array, rxm: Float64Array, rym: Float64Array, rzm: Float64Array): void {
  convSolve(op, K, rm, rxm, rym, true, 0, op.nColumns);
  resetZ(op.resetZ, op.nlev, op.ncol, 0, op.ncol, K, rzm);
}

/** First index i < n with sorted[i] ≥ v (n when none). */
function lowerBound(sorted: Int32Array, n: number, v: number): number {
  let lo = 0, hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

