// Batch Bayesian (synthesis) inversion, exact and dense:
//   xa = xb + Pa Hᵀ R⁻¹ (y − H xb),  Pa = (Hᵀ R⁻¹ H + B⁻¹)⁻¹          (state space, n³)
//   xa = xb + B Hᵀ (H B Hᵀ + R)⁻¹ (y − H xb),  Pa = B − B Hᵀ (…)⁻¹ H B    (observation space, m³)
// The cheaper form is chosen from operation counts. Both work on whitened quantities:
// Hs = R^{-½} H (state space; HᵀR⁻¹H = HsᵀHs by SYRK) and E = H B^{½} (obs space; HBHᵀ = EEᵀ).
import { TanhuiError } from '@tanhui/core';
import { expectLength, expectPositive, expectPositiveInteger } from './checks';
import { gemm } from './kernels/gemm';
import { syrk } from './kernels/syrk';
import { cholesky, choleskyInPlace, inverseFromCholesky, solveLower, solveLowerTrans } from './kernels/cholesky';
import { dot, gemv } from './kernels/vector';

export type BatchForm = 'state' | 'obs';

export interface BatchInput {
  /** Number of observations m. */
  nobs: number;
  /** Number of state elements n. */
  n: number;
  /** Jacobian H, m×n row-major. */
  H: Float64Array;
  /** Observations, m. */
  y: Float64Array;
  /** Observation error covariance: m variances (diagonal) or m×m full. */
  R: Float64Array;
  /** Prior mean, n. */
  xb: Float64Array;
  /** Prior covariance: n variances (diagonal) or n×n full. */
  B: Float64Array;
  /** Force a form; default 'auto' (cheaper by operation count). */
  form?: BatchForm | 'auto';
}

export interface BatchResult {
  form: BatchForm;
  /** Posterior mean, n. */
  xa: Float64Array;
  /** Posterior covariance, n×n. */
  Pa: Float64Array;
  /** Posterior standard deviations, n. */
  sigmaA: Float64Array;
  /** Prior standard deviations, n. */
  sigmaB: Float64Array;
  /** 1 − σa/σb per state element. */
  uncertaintyReduction: Float64Array;
  /** Cost at the posterior: (y−Hxa)ᵀR⁻¹(y−Hxa) + (xa−xb)ᵀB⁻¹(xa−xb) (no ½). */
  J: number;
  /** J / nobs (expected ≈ 1 when R and B are right). */
  chi2: number;
  /** Degrees of freedom for signal, trace(I − B⁻¹Pa) = trace(HK). */
  dofs: number;
  /** Innovation y − H xb, m. */
  innovation: Float64Array;
}

/** Rough multiply-add counts of the two forms (used by 'auto'; exported for the benchmark). */
export function batchCost(nobs: number, n: number, fullB: boolean, fullR: boolean): { state: number; obs: number } {
  const m = nobs;
  const state = (m * n * n) / 2 + n ** 3 / 2 + (fullB ? n ** 3 / 2 : 0) + (fullR ? m ** 3 / 6 + (m * m * n) / 2 : 0);
  const obs = (n * n * m) / 2 + m * m * n + m ** 3 / 6 + (fullB ? n ** 3 / 6 + m * n * n * 1.5 : 0);
  return { state, obs };
}

export function batchInversion(input: BatchInput): BatchResult {
  const { nobs: m, n } = input;
  expectPositiveInteger('nobs', m);
  expectPositiveInteger('n', n);
  expectLength('H', input.H, m * n, `nobs×n = ${m}×${n}`);
  expectLength('y', input.y, m, 'nobs');
  expectLength('xb', input.xb, n, 'n');
  const fullR = covarianceKind('R', input.R, m) === 'full';
  const fullB = covarianceKind('B', input.B, n) === 'full';
  let form = input.form ?? 'auto';
  if (form === 'auto') {
    const cost = batchCost(m, n, fullB, fullR);
    form = cost.obs < cost.state ? 'obs' : 'state';
  }
  const innovation = Float64Array.from(input.y);
  const hxb = gemv(m, n, input.H, input.xb);
  for (let i = 0; i < m; i++) innovation[i] -= hxb[i];
  const core = form === 'state' ? stateSpace(input, innovation, fullR, fullB) : obsSpace(input, innovation, fullR, fullB);
  const { xa, Pa } = core;
  const sigmaA = new Float64Array(n);
  const sigmaB = new Float64Array(n);
  const uncertaintyReduction = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    sigmaA[i] = Math.sqrt(Math.max(0, Pa[i * n + i]));
    sigmaB[i] = Math.sqrt(fullB ? input.B[i * n + i] : input.B[i]);
    uncertaintyReduction[i] = 1 - sigmaA[i] / sigmaB[i];
  }
  return { form, xa, Pa, sigmaA, sigmaB, uncertaintyReduction, J: core.J, chi2: core.J / m, dofs: core.dofs, innovation };
}

function covarianceKind(name: string, c: Float64Array | undefined, size: number): 'diag' | 'full' {
  if (c === undefined) throw new TanhuiError('MissingVariable', `${name} is missing`, { context: { variable: name } });
  if (c.length === size) {
    expectPositive(name, c);
    return 'diag';
  }
  if (c.length === size * size) return 'full';
  throw new TanhuiError('BadShape', `${name} has ${c.length} values, expected ${size} (variances) or ${size}×${size}`, {
    context: { variable: name },
  });
}

interface Core {
  xa: Float64Array;
  Pa: Float64Array;
  J: number;
  dofs: number;
}

/** ‖R^{-½} v‖² for the residual v. */
function weightedNorm(v: Float64Array, R: Float64Array, fullR: boolean, lR: Float64Array | undefined, m: number): number {
  if (!fullR) {
    let s = 0;
    for (let i = 0; i < m; i++) s += (v[i] * v[i]) / R[i];
    return s;
  }
  const w = solveLower(lR ?? cholesky(R, m, { name: 'R' }), m, Float64Array.from(v));
  return dot(m, w, w);
}

function stateSpace(input: BatchInput, d: Float64Array, fullR: boolean, fullB: boolean): Core {
  const { nobs: m, n, H, R, B, xb } = input;
  // Whitening: Hs = R^{-½}H, ds = R^{-½}d.
  let hs: Float64Array;
  let ds: Float64Array;
  let lR: Float64Array | undefined;
  if (fullR) {
    lR = cholesky(R, m, { name: 'R' });
    hs = solveLower(lR, m, Float64Array.from(H), n);
    ds = solveLower(lR, m, Float64Array.from(d));
  } else {
    hs = new Float64Array(m * n);
    ds = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      const w = 1 / Math.sqrt(R[i]);
      ds[i] = d[i] * w;
      const r = i * n;
      for (let j = 0; j < n; j++) hs[r + j] = H[r + j] * w;
    }
  }
  const precision = syrk(m, n, hs); // HᵀR⁻¹H
  let bInv: Float64Array | undefined;
  if (fullB) {
    bInv = inverseFromCholesky(cholesky(B, n, { name: 'B' }), n);
    for (let i = 0; i < n * n; i++) precision[i] += bInv[i];
  } else {
    for (let i = 0; i < n; i++) precision[i * n + i] += 1 / B[i];
  }
  const l = choleskyInPlace(precision, n, { name: 'posterior precision HᵀR⁻¹H + B⁻¹' });
  const g = gemv(m, n, hs, ds, true); // HᵀR⁻¹d
  const dx = solveLowerTrans(l, n, solveLower(l, n, g));
  const Pa = inverseFromCholesky(l, n);
  const xa = new Float64Array(n);
  for (let i = 0; i < n; i++) xa[i] = xb[i] + dx[i];
  // J = ‖R^{-½}(y − H xa)‖² + (xa−xb)ᵀB⁻¹(xa−xb); y − H xa = d − H dx.
  const res = Float64Array.from(d);
  const hdx = gemv(m, n, H, dx);
  for (let i = 0; i < m; i++) res[i] -= hdx[i];
  let J = weightedNorm(res, R, fullR, lR, m);
  let trace = 0;
  if (bInv) {
    J += dot(n, dx, gemv(n, n, bInv, dx));
    for (let i = 0; i < n * n; i++) trace += bInv[i] * Pa[i];
  } else {
    for (let i = 0; i < n; i++) {
      J += (dx[i] * dx[i]) / B[i];
      trace += Pa[i * n + i] / B[i];
    }
  }
  return { xa, Pa, J, dofs: n - trace };
}

function obsSpace(input: BatchInput, d: Float64Array, fullR: boolean, fullB: boolean): Core {
  const { nobs: m, n, H, R, B, xb } = input;
  // E = H·S with S = B^{½} (Cholesky factor, or σ on the diagonal).
  let lB: Float64Array | undefined;
  let e: Float64Array;
  if (fullB) {
    lB = cholesky(B, n, { name: 'B' });
    e = gemm(m, n, n, H, lB);
  } else {
    e = new Float64Array(m * n);
    for (let i = 0; i < m; i++) {
      const r = i * n;
      for (let j = 0; j < n; j++) e[r + j] = H[r + j] * Math.sqrt(B[j]);
    }
  }
  const dMat = syrk(m, n, e, { trans: false }); // HBHᵀ
  if (fullR) for (let i = 0; i < m * m; i++) dMat[i] += R[i];
  else for (let i = 0; i < m; i++) dMat[i * m + i] += R[i];
  const lD = choleskyInPlace(dMat, m, { name: 'innovation covariance HBHᵀ + R' });
  const u = solveLowerTrans(lD, m, solveLower(lD, m, Float64Array.from(d))); // (HBHᵀ+R)⁻¹ d
  const z = gemv(m, n, e, u, true); // Sᵀ Hᵀ u
  const dx = applyS(z, lB, B, n, fullB);
  const xa = new Float64Array(n);
  for (let i = 0; i < n; i++) xa[i] = xb[i] + dx[i];
  // G = L_D⁻¹ E; Pa = S (I − GᵀG) Sᵀ = B − F Fᵀ with F = S Gᵀ.
  const gMat = solveLower(lD, m, e, n);
  let Pa: Float64Array;
  if (fullB && lB) {
    const f = gemm(n, m, n, lB, gMat, { transB: true });
    Pa = Float64Array.from(B);
    syrk(n, m, f, { trans: false, alpha: -1, beta: 1, out: Pa });
  } else {
    const gtg = syrk(m, n, gMat);
    Pa = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      const si = Math.sqrt(B[i]);
      for (let j = 0; j < n; j++) Pa[i * n + j] = -si * Math.sqrt(B[j]) * gtg[i * n + j];
      Pa[i * n + i] += B[i];
    }
  }
  let dofs = 0;
  for (let i = 0; i < m * n; i++) dofs += gMat[i] * gMat[i];
  const res = Float64Array.from(d);
  const hdx = gemv(m, n, H, dx);
  for (let i = 0; i < m; i++) res[i] -= hdx[i];
  const J = weightedNorm(res, R, fullR, fullR ? cholesky(R, m, { name: 'R' }) : undefined, m) + dot(n, z, z);
  return { xa, Pa, J, dofs };
}

/** S·z with S the lower Cholesky factor of B (full) or diag(√B). */
function applyS(z: Float64Array, lB: Float64Array | undefined, B: Float64Array, n: number, fullB: boolean): Float64Array {
  if (fullB && lB) return gemv(n, n, lB, z);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(B[i]) * z[i];
  return out;
}
