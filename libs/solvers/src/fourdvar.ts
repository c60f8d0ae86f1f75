// 4D-Var in control space x = xb + S z with S Sᵀ = B (the control transform is the
// preconditioner): minimise J(z) = zᵀz + (y − H(xb + Sz))ᵀR⁻¹(y − H(xb + Sz)).
// H is the linear observation operator (transport is linear in the fluxes) given as callbacks
// H(x) and its adjoint Hᵀ(δy). Default: conjugate gradients on the Hessian system
// (I + SᵀHᵀR⁻¹HS) z = SᵀHᵀR⁻¹(y − H xb), stopping when ‖∇J‖/‖∇J₀‖ < tolerance; the CG
// residuals are Lanczos vectors (kept orthogonal), and with the tridiagonal T from the CG
// coefficients A⁻¹ ≈ I + V(T⁻¹ − I)Vᵀ gives posterior σ (exact once the Krylov space holds
// the observed directions). Optional L-BFGS (no Hessian estimate).
import { TanhuiError } from '@tanhui/core';
import { expectLength, expectPositiveInteger } from './checks';
import { cholesky, inverseFromCholesky } from './kernels/cholesky';
import { dot } from './kernels/vector';
import { covarianceSqrt, type CovarianceSqrt, type PriorCovariance } from './ensemble';

export interface FourDVarInput {
  n: number;
  nobs: number;
  xb: Float64Array;
  y: Float64Array;
  /** Observation error: nobs variances or nobs×nobs full. */
  R: Float64Array;
  /** Linear observation operator: state (n) → obs (nobs). */
  H: (x: Float64Array) => Float64Array;
  /** Its adjoint: obs (nobs) → state (n). */
  HT: (dy: Float64Array) => Float64Array;
  /** Prior covariance, or a square root with its adjoint. */
  B: PriorCovariance | CovarianceSqrt;
}

export interface FourDVarOptions {
  method?: 'cg' | 'lbfgs';
  /** Stop when ‖∇J(z)‖ ≤ tolerance·‖∇J(0)‖ (default 1e-8). */
  tolerance?: number;
  /** Default min(n, 500). */
  maxIterations?: number;
  /** Posterior σ from the Lanczos vectors (CG only; default true). */
  posteriorSigma?: boolean;
  /** Also the full posterior covariance S(I + V(T⁻¹−I)Vᵀ)Sᵀ (n×n; CG only; default false). */
  posteriorCovariance?: boolean;
  /** L-BFGS memory (default 10). */
  memory?: number;
  onIteration?: (info: { iteration: number; J: number; gradNormRatio: number }) => void;
}

export interface FourDVarResult {
  method: 'cg' | 'lbfgs';
  xa: Float64Array;
  /** Control vector at the optimum. */
  z: Float64Array;
  iterations: number;
  converged: boolean;
  /** ‖∇J‖/‖∇J₀‖ at the end. */
  gradNormRatio: number;
  /** Cost at the optimum, same convention as batchInversion (no ½). */
  J: number;
  chi2: number;
  /** n − trace(A⁻¹) from the Lanczos tridiagonal (CG); NaN for L-BFGS. */
  dofs: number;
  sigmaA?: Float64Array;
  Pa?: Float64Array;
  /** J after each iteration (index 0: at the background). */
  costHistory: number[];
}

/** Objective ½J(z) and its gradient in control space, for gradient tests and other minimisers. */
export function fourDVarObjective(input: FourDVarInput): {
  sqrtB: CovarianceSqrt;
  cost: (z: Float64Array) => number;
  gradient: (z: Float64Array) => Float64Array;
  state: (z: Float64Array) => Float64Array;
} {
  const { n, nobs } = input;
  const sqrtB = validate(input);
  const rInv = rInverse(input.R, nobs);
  const state = (z: Float64Array) => {
    const sz = sqrtB.apply(z);
    for (let i = 0; i < n; i++) sz[i] += input.xb[i];
    return sz;
  };
  const residual = (z: Float64Array) => {
    const hx = checkedH(input, state(z));
    return Float64Array.from(input.y, (v, i) => v - hx[i]);
  };
  return {
    sqrtB,
    state,
    cost: (z) => {
      const r = residual(z);
      return 0.5 * (dot(n, z, z) + dot(nobs, r, rInv(r)));
    },
    gradient: (z) => {
      const g = sqrtB.applyT(checkedHT(input, rInv(residual(z))));
      for (let i = 0; i < n; i++) g[i] = z[i] - g[i];
      return g;
    },
  };
}

export function fourDVar(input: FourDVarInput, options: FourDVarOptions = {}): FourDVarResult {
  return (options.method ?? 'cg') === 'cg' ? conjugateGradient(input, options) : lbfgs(input, options);
}

function validate(input: FourDVarInput): CovarianceSqrt {
  expectPositiveInteger('n', input.n);
  expectPositiveInteger('nobs', input.nobs);
  expectLength('xb', input.xb, input.n, 'n');
  expectLength('y', input.y, input.nobs, 'nobs');
  if (input.R.length !== input.nobs && input.R.length !== input.nobs * input.nobs) {
    throw new TanhuiError('BadShape', `R has ${input.R.length} values, expected ${input.nobs} or ${input.nobs}×${input.nobs}`, {
      context: { variable: 'R' },
    });
  }
  const s = 'apply' in input.B ? input.B : covarianceSqrt(input.B);
  if (s.n !== input.n) {
    throw new TanhuiError('BadShape', `B is for ${s.n} state elements, expected ${input.n}`, { context: { variable: 'B' } });
  }
  return s;
}

/** v ↦ R⁻¹v for diagonal or full R. */
function rInverse(R: Float64Array, m: number): (v: Float64Array) => Float64Array {
  if (R.length === m) {
    for (let i = 0; i < m; i++) {
      if (!(R[i] > 0)) throw new TanhuiError('BadValue', `R must be positive, got ${R[i]} at index ${i}`, { context: { variable: 'R', index: i } });
    }
    return (v) => Float64Array.from(v, (x, i) => x / R[i]);
  }
  const rInvFull = inverseFromCholesky(cholesky(R, m, { name: 'R' }), m);
  return (v) => {
    const out = new Float64Array(m);
    for (let i = 0; i < m; i++) out[i] = dot(m, rInvFull, v, i * m, 0);
    return out;
  };
}

function checkedH(input: FourDVarInput, x: Float64Array): Float64Array {
  const y = input.H(x);
  if (y.length !== input.nobs) {
    throw new TanhuiError('BadShape', `H(x) returned ${y.length} values, expected nobs = ${input.nobs}`, { context: { variable: 'H' } });
  }
  return y;
}

function checkedHT(input: FourDVarInput, dy: Float64Array): Float64Array {
  const x = input.HT(dy);
  if (x.length !== input.n) {
    throw new TanhuiError('BadShape', `Hᵀ(δy) returned ${x.length} values, expected n = ${input.n}`, { context: { variable: 'HT' } });
  }
  return x;
}

function conjugateGradient(input: FourDVarInput, options: FourDVarOptions): FourDVarResult {
  const { n, nobs } = input;
  const s = validate(input);
  const rInv = rInverse(input.R, nobs);
  const tol = options.tolerance ?? 1e-8;
  const maxIt = options.maxIterations ?? Math.min(n, 500);
  const hxb = checkedH(input, input.xb);
  const d = Float64Array.from(input.y, (v, i) => v - hxb[i]);
  const hessian = (p: Float64Array) => {
    const hp = checkedH(input, s.apply(p));
    const q = s.applyT(checkedHT(input, rInv(hp)));
    for (let i = 0; i < n; i++) q[i] += p[i];
    return q;
  };
  const b = s.applyT(checkedHT(input, rInv(d)));
  const z = new Float64Array(n);
  const r = Float64Array.from(b);
  const p = Float64Array.from(b);
  let rr = dot(n, r, r);
  const r0 = Math.sqrt(rr);
  const lanczos: Float64Array[] = [];
  const alphas: number[] = [];
  const betas: number[] = [];
  const costHistory = [dot(nobs, d, rInv(d))];
  let iterations = 0;
  let ratio = r0 === 0 ? 0 : 1;
  if (r0 > 0) lanczos.push(Float64Array.from(r, (v) => v / r0));
  while (ratio > tol && iterations < maxIt) {
    const q = hessian(p);
    const pq = dot(n, p, q);
    if (!(pq > 0)) {
      throw new TanhuiError('NotPositiveDefinite', `4D-Var Hessian is not positive definite along a search direction (pᵀAp = ${pq}): is HT the adjoint of H?`, {
        hint: 'check that HT is the adjoint of H (use adjointTest)',
        context: { variable: 'HT' },
      });
    }
    const alpha = rr / pq;
    for (let i = 0; i < n; i++) {
      z[i] += alpha * p[i];
      r[i] -= alpha * q[i];
    }
    // Keep the residuals (Lanczos vectors) orthogonal: twice Gram–Schmidt, norms preserved.
    for (let pass = 0; pass < 2; pass++) {
      for (const v of lanczos) {
        const c = dot(n, r, v);
        for (let i = 0; i < n; i++) r[i] -= c * v[i];
      }
    }
    const rrNew = dot(n, r, r);
    iterations++;
    alphas.push(alpha);
    const beta = rrNew / rr;
    betas.push(beta);
    rr = rrNew;
    ratio = Math.sqrt(rr) / r0;
    costHistory.push(costHistory[0] + 2 * quadCost(z, r, b));
    options.onIteration?.({ iteration: iterations, J: costHistory[costHistory.length - 1], gradNormRatio: ratio });
    if (ratio <= tol || iterations >= maxIt || iterations >= n) break;
    lanczos.push(Float64Array.from(r, (v) => v / Math.sqrt(rr)));
    for (let i = 0; i < n; i++) p[i] = r[i] + beta * p[i];
  }
  const xa = s.apply(z);
  for (let i = 0; i < n; i++) xa[i] += input.xb[i];
  const hxa = checkedH(input, xa);
  const res = Float64Array.from(input.y, (v, i) => v - hxa[i]);
  const J = dot(n, z, z) + dot(nobs, res, rInv(res));
  costHistory[costHistory.length - 1] = J;
  const result: FourDVarResult = {
    method: 'cg',
    xa,
    z,
    iterations,
    converged: ratio <= tol,
    gradNormRatio: ratio,
    J,
    chi2: J / nobs,
    dofs: NaN,
    costHistory,
  };
  const k = Math.min(lanczos.length, alphas.length);
  if (k === 0 && (options.posteriorSigma ?? true)) {
    // No information reached the state (zero gradient at the background): posterior = prior.
    result.dofs = 0;
    result.sigmaA = s.variances.map(Math.sqrt);
    if (options.posteriorCovariance) result.Pa = priorCovariance(s);
  }
  if (k > 0 && (options.posteriorSigma ?? true)) {
    // T (k×k): diagonal 1/α_j + β_{j−1}/α_{j−1}, off-diagonal −√β_j/α_j (v_j = r_j/‖r_j‖).
    const T = new Float64Array(k * k);
    for (let j = 0; j < k; j++) {
      T[j * k + j] = 1 / alphas[j] + (j > 0 ? betas[j - 1] / alphas[j - 1] : 0);
      if (j + 1 < k) {
        const off = -Math.sqrt(betas[j]) / alphas[j];
        T[j * k + j + 1] = off;
        T[(j + 1) * k + j] = off;
      }
    }
    const M = inverseFromCholesky(cholesky(T, k, { name: 'Lanczos tridiagonal' }), k);
    let traceTinv = 0;
    for (let j = 0; j < k; j++) {
      traceTinv += M[j * k + j];
      M[j * k + j] -= 1;
    }
    result.dofs = k - traceTinv;
    // W = S·V (n×k), Pa = B + W M Wᵀ.
    const W = new Float64Array(n * k);
    for (let j = 0; j < k; j++) {
      const col = s.apply(lanczos[j]);
      for (let i = 0; i < n; i++) W[i * k + j] = col[i];
    }
    const WM = new Float64Array(n * k);
    for (let i = 0; i < n; i++)
      for (let a = 0; a < k; a++) {
        const wia = W[i * k + a];
        if (wia === 0) continue;
        for (let c = 0; c < k; c++) WM[i * k + c] += wia * M[a * k + c];
      }
    const sigmaA = new Float64Array(n);
    for (let i = 0; i < n; i++) sigmaA[i] = Math.sqrt(Math.max(0, s.variances[i] + dot(k, WM, W, i * k, i * k)));
    result.sigmaA = sigmaA;
    if (options.posteriorCovariance) {
      const Pa = priorCovariance(s);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) Pa[i * n + j] += dot(k, WM, W, i * k, j * k);
      result.Pa = Pa;
    }
  }
  return result;
}

/** B = S Sᵀ column by column (n applications of S and Sᵀ). */
function priorCovariance(s: CovarianceSqrt): Float64Array {
  const n = s.n;
  const B = new Float64Array(n * n);
  const e = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    e.fill(0);
    e[j] = 1;
    const bj = s.apply(s.applyT(e));
    for (let i = 0; i < n; i++) B[i * n + j] = bj[i];
  }
  return B;
}

/** ½zᵀAz − bᵀz = (J(z) − J(0))/2, from the residual r = b − Az: ½zᵀ(b − r) − bᵀz. */
function quadCost(z: Float64Array, r: Float64Array, b: Float64Array): number {
  return -0.5 * (dot(z.length, z, r) + dot(z.length, b, z));
}

function lbfgs(input: FourDVarInput, options: FourDVarOptions): FourDVarResult {
  const { n, nobs } = input;
  const obj = fourDVarObjective(input);
  const tol = options.tolerance ?? 1e-8;
  const maxIt = options.maxIterations ?? Math.min(Math.max(n, 50), 2000);
  const mem = options.memory ?? 10;
  const z = new Float64Array(n);
  let f = obj.cost(z);
  let g = obj.gradient(z);
  const g0 = Math.sqrt(dot(n, g, g));
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const costHistory = [2 * f];
  let ratio = g0 === 0 ? 0 : 1;
  let iterations = 0;
  const dir = new Float64Array(n);
  const alphaBuf: number[] = [];
  while (ratio > tol && iterations < maxIt) {
    // Two-loop recursion: dir = −H_k g.
    dir.set(g);
    for (let i = S.length - 1; i >= 0; i--) {
      const a = rho[i] * dot(n, S[i], dir);
      alphaBuf[i] = a;
      for (let j = 0; j < n; j++) dir[j] -= a * Y[i][j];
    }
    if (S.length > 0) {
      const last = S.length - 1;
      const gamma = dot(n, S[last], Y[last]) / dot(n, Y[last], Y[last]);
      for (let j = 0; j < n; j++) dir[j] *= gamma;
    }
    for (let i = 0; i < S.length; i++) {
      const bcoef = rho[i] * dot(n, Y[i], dir);
      for (let j = 0; j < n; j++) dir[j] += S[i][j] * (alphaBuf[i] - bcoef);
    }
    for (let j = 0; j < n; j++) dir[j] = -dir[j];
    let slope = dot(n, g, dir);
    if (!(slope < 0)) {
      // Not a descent direction (should not happen for a convex J): restart with steepest descent.
      for (let j = 0; j < n; j++) dir[j] = -g[j];
      slope = -dot(n, g, g);
      S.length = 0;
      Y.length = 0;
      rho.length = 0;
    }
    // Backtracking with quadratic interpolation until Armijo holds.
    let step = 1;
    const zNew = new Float64Array(n);
    let fNew = 0;
    for (let ls = 0; ls < 60; ls++) {
      for (let j = 0; j < n; j++) zNew[j] = z[j] + step * dir[j];
      fNew = obj.cost(zNew);
      // Armijo, or a change below rounding of f (near the optimum f cannot resolve progress).
      if (fNew <= f + 1e-4 * step * slope || Math.abs(fNew - f) <= 1e-13 * Math.abs(f)) break;
      const next = (-slope * step * step) / (2 * (fNew - f - slope * step));
      step = Math.max(0.1 * step, Math.min(0.5 * step, next));
    }
    const gNew = obj.gradient(zNew);
    const sv = Float64Array.from(zNew, (v, j) => v - z[j]);
    const yv = Float64Array.from(gNew, (v, j) => v - g[j]);
    const sy = dot(n, sv, yv);
    if (sy > 1e-300) {
      S.push(sv);
      Y.push(yv);
      rho.push(1 / sy);
      if (S.length > mem) {
        S.shift();
        Y.shift();
        rho.shift();
      }
    }
    z.set(zNew);
    f = fNew;
    g = gNew;
    iterations++;
    ratio = Math.sqrt(dot(n, g, g)) / g0;
    costHistory.push(2 * f);
    options.onIteration?.({ iteration: iterations, J: 2 * f, gradNormRatio: ratio });
  }
  const xa = obj.state(z);
  const J = 2 * obj.cost(z);
  return {
    method: 'lbfgs',
    xa,
    z,
    iterations,
    converged: ratio <= tol,
    gradNormRatio: ratio,
    J,
    chi2: J / nobs,
    dofs: NaN,
    costHistory,
  };
}

/** Helper for tests and callers with an explicit Jacobian: H and Hᵀ callbacks from a matrix. */
export function matrixOperator(nobs: number, n: number, H: Float64Array): { H: (x: Float64Array) => Float64Array; HT: (dy: Float64Array) => Float64Array } {
  expectLength('H', H, nobs * n, `nobs×n = ${nobs}×${n}`);
  return {
    H: (x) => {
      const y = new Float64Array(nobs);
      for (let i = 0; i < nobs; i++) y[i] = dot(n, H, x, i * n, 0);
      return y;
    },
    HT: (dy) => {
      const x = new Float64Array(n);
      for (let i = 0; i < nobs; i++) {
        const v = dy[i];
        if (v === 0) continue;
        for (let j = 0; j < n; j++) x[j] += v * H[i * n + j];
      }
      return x;
    },
  };
}

