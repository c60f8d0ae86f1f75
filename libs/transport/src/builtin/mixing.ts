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
  let nd = 0;
  for (let k = 1; k < nlev; k++) {
    for (let col = 0; col < ncol; col++) {
      if (kz[(k - 1) * ncol + col]! > 0) {
        nd = k + 1;
        break;
      }
    }
  }
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
function thomasSolve(op: DiffusionOperator, K: number, x: Float64Array, scaleAfter: boolean): void {
  const { ncol, nd, lower, dinv, cp, m } = op;
  const CK = ncol * K;
  for (let col = 0; col < ncol; col++) {
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
    for (let col = 0; col < ncol; col++) {
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
    for (let col = 0; col < ncol; col++) {
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
    for (let col = 0; col < ncol; col++) {
      const mk = m[col]!;
      const e0 = col * K;
      for (let q = e0, end = e0 + K; q < end; q++) x[q] = x[q]! * mk;
    }
  }
}

function resetZ(mask: Uint8Array, n: number, K: number, rzm: Float64Array): void {
  for (let idx = 0; idx < n; idx++) {
    if (mask[idx] === 1) rzm.fill(0, idx * K, idx * K + K);
  }
}

/** rm ← M·T⁻¹·rm (likewise rxm, rym); rzm reset in strongly mixed layers. */
export function diffusionForward(op: DiffusionOperator, K: number, rm: Float64Array, rxm: Float64Array, rym: Float64Array, rzm: Float64Array): void {
  thomasSolve(op, K, rm, true);
  thomasSolve(op, K, rxm, true);
  thomasSolve(op, K, rym, true);
  resetZ(op.resetZ, op.nd * op.ncol, K, rzm);
}

/** Transpose: x ← T⁻¹·M·x (T is symmetric). */
export function diffusionAdjoint(op: DiffusionOperator, K: number, rm: Float64Array, rxm: Float64Array, rym: Float64Array, rzm: Float64Array): void {
  thomasSolve(op, K, rm, false);
  thomasSolve(op, K, rxm, false);
  thomasSolve(op, K, rym, false);
  resetZ(op.resetZ, op.nd * op.ncol, K, rzm);
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

export function convectionMatrix(n: number, eu: number[], du: number[], ed: number[], dd: number[], area: number, C: Float64Array): void {
  C.fill(0, 0, n * n);
  if (scratch.U.length < n * n) {
    scratch = { U: new Float64Array(n * n), D: new Float64Array(n * n), v: new Float64Array(4 * (n + 1)) };
  }
  const U = scratch.U; // updraft concentration rows
  const D = scratch.D;
  U.fill(0, 0, n * n);
  D.fill(0, 0, n * n);
  scratch.v.fill(0);
  const Mu = scratch.v.subarray(0, n + 1); // updraft mass flux at interfaces [kg s⁻¹]
  const Md = scratch.v.subarray(n + 1, 2 * n + 2); // |downdraft| mass flux at interfaces
  const duEff = scratch.v.subarray(2 * n + 2, 3 * n + 2); // detrainment actually possible [kg s⁻¹]
  const ddEff = scratch.v.subarray(3 * n + 3, 4 * n + 3);
  for (let k = 0; k < n; k++) {
    const inflow = Mu[k]! + eu[k]! * area;
    // Detrain at most what arrives; everything left detrains in the top layer.
    duEff[k] = k === n - 1 ? inflow : Math.min(du[k]! * area, inflow);
    Mu[k + 1] = inflow - duEff[k]!;
    if (inflow > 0) {
      for (let j = 0; j < k; j++) U[k * n + j] = (Mu[k]! * U[(k - 1) * n + j]!) / inflow;
      U[k * n + k] += (eu[k]! * area) / inflow;
    }
  }
  for (let k = n - 1; k >= 0; k--) {
    const inflow = Md[k + 1]! + ed[k]! * area;
    ddEff[k] = k === 0 ? inflow : Math.min(dd[k]! * area, inflow);
    Md[k] = inflow - ddEff[k]!;
    if (inflow > 0) {
      for (let j = k + 1; j < n; j++) D[k * n + j] = (Md[k + 1]! * D[(k + 1) * n + j]!) / inflow;
      D[k * n + k] += (ed[k]! * area) / inflow;
    }
  }
  for (let k = 0; k < n; k++) {
    C[k * n + k] -= (eu[k]! + ed[k]!) * area;
    for (let j = 0; j < n; j++) C[k * n + j] += duEff[k]! * U[k * n + j]! + ddEff[k]! * D[k * n + j]!;
  }
  // Environment: upward mass flux G = −(Mu − Md) through interface k+1 (between k and k+1).
  for (let k = 0; k + 1 < n; k++) {
    const G = -(Mu[k + 1]! - Md[k + 1]!);
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
  const columns: number[] = [];
  const tops: number[] = [];
  for (let col = 0; col < ncol; col++) {
    let top = -1;
    for (let k = 0; k < nlev; k++) {
      const i = k * ncol + col;
      if (fields.entrainUp[i]! > 0 || fields.detrainUp[i]! > 0 || fields.entrainDown[i]! > 0 || fields.detrainDown[i]! > 0) top = k;
    }
    if (top >= 1) {
      columns.push(col);
      tops.push(top);
    }
  }
  if (columns.length === 0) return null;
  const luOffset = new Int32Array(columns.length + 1);
  for (let c = 0; c < columns.length; c++) luOffset[c + 1] = luOffset[c]! + (tops[c]! + 1) ** 2;
  const need = luOffset[columns.length]!;
  const lu = prev && prev.lu.length >= need ? prev.lu : new Float64Array(Math.ceil(need * 1.25));
  const resetZ = prev && prev.resetZ.length === nlev * ncol ? prev.resetZ : new Uint8Array(nlev * ncol);
  resetZ.fill(0);
  const mCopy = prev && prev.m.length === nlev * ncol ? prev.m : new Float64Array(nlev * ncol);
  mCopy.set(m.subarray(0, nlev * ncol));
  const C = new Float64Array(nlev * nlev);
  const eu: number[] = [], du: number[] = [], ed: number[] = [], dd: number[] = [];
  for (let c = 0; c < columns.length; c++) {
    const col = columns[c]!;
    const n = tops[c]! + 1;
    eu.length = du.length = ed.length = dd.length = 0;
    for (let k = 0; k < n; k++) {
      const i = k * ncol + col;
      eu.push(fields.entrainUp[i]!);
      du.push(fields.detrainUp[i]!);
      ed.push(fields.entrainDown[i]!);
      dd.push(fields.detrainDown[i]!);
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
  return {
    ncol, nlev,
    columns: Int32Array.from(columns),
    top: Int32Array.from(tops),
    luOffset, lu, nColumns: columns.length,
    m: mCopy,
    resetZ,
  };
}

/**
 * x ← M·A⁻¹·x (or x ← A⁻ᵀ·M·x when `transpose`) per convective column, for the three moments
 * x = rm, rxm, rym at once: every factor is loaded once and used for all 3·K right-hand sides
 * (per array the same operations in the same order as three separate solves).
 */
function convSolve(op: ConvectionOperator, K: number, xa: Float64Array, xb: Float64Array, xc: Float64Array, transpose: boolean): void {
  const { ncol, columns, top, luOffset, lu, m } = op;
  const CK = ncol * K;
  for (let c = 0; c < op.nColumns; c++) {
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

export function convectionForward(op: ConvectionOperator, K: number, rm: Float64Array, rxm: Float64Array, rym: Float64Array, rzm: Float64Array): void {
  convSolve(op, K, rm, rxm, rym, false);
  resetZ(op.resetZ, op.nlev * op.ncol, K, rzm);
}

export function convectionAdjoint(op: ConvectionOperator, K: number, rm: Float64Array, rxm: Float64Array, rym: Float64Array, rzm: Float64Array): void {
  convSolve(op, K, rm, rxm, rym, true);
  resetZ(op.resetZ, op.nlev * op.ncol, K, rzm);
}

