// Prior covariance square roots and ensembles drawn from them with the named, seeded RNG.
//   full:        B = L Lᵀ (Cholesky)
//   diag:        B = diag(σ²)
//   exponential: parameters ordered category-major (row = c·nloc + l); correlation
//                exp(−d/L) on great-circle distance between locations, independent between
//                categories, standard deviation σ_c per category: B = (Σ ⊗ I)(I ⊗ C)(Σ ⊗ I).
// Each factor S has S Sᵀ = B and comes with its adjoint Sᵀ (4D-Var's control transform).
import { TanhuiError } from '@tanhui/core';
import { expectLength, expectPositive, expectPositiveInteger } from './checks';
import { cholesky } from './kernels/cholesky';
import { gemm } from './kernels/gemm';
import { gemv } from './kernels/vector';
import { greatCircleKm } from './ensrf/localization';
import type { Rng } from '@tanhui/core';

export type PriorCovariance =
  | { kind: 'full'; n: number; B: Float64Array }
  | { kind: 'diag'; variances: Float64Array }
  | { kind: 'exponential'; lat: Float64Array; lon: Float64Array; lengthScaleKm: number; sigmaPerCategory: Float64Array };

export interface CovarianceSqrt {
  n: number;
  /** diag(B) = prior variances (n). */
  variances: Float64Array;
  /** S·z (n). */
  apply(z: Float64Array): Float64Array;
  /** Sᵀ·v (n). */
  applyT(v: Float64Array): Float64Array;
  /** S·Z for a matrix Z (n×k row-major). */
  applyMatrix(z: Float64Array, k: number): Float64Array;
}

/** Exponential correlation exp(−d/L) between points (degrees), row-major nloc×nloc. */
export function exponentialCorrelation(lat: Float64Array, lon: Float64Array, lengthScaleKm: number): Float64Array {
  const n = lat.length;
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    c[i * n + i] = 1;
    for (let j = 0; j < i; j++) {
      const v = Math.exp(-greatCircleKm(lat[i], lon[i], lat[j], lon[j]) / lengthScaleKm);
      c[i * n + j] = v;
      c[j * n + i] = v;
    }
  }
  return c;
}

export function covarianceSqrt(cov: PriorCovariance): CovarianceSqrt {
  if (cov.kind === 'diag') {
    expectPositive('B_diag', cov.variances);
    const s = cov.variances.map(Math.sqrt);
    const n = s.length;
    const scale = (v: Float64Array) => Float64Array.from(v, (x, i) => s[i] * x);
    return {
      n,
      variances: Float64Array.from(cov.variances),
      apply: scale,
      applyT: scale,
      applyMatrix(z, k) {
        const out = new Float64Array(n * k);
        for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) out[i * k + j] = s[i] * z[i * k + j];
        return out;
      },
    };
  }
  if (cov.kind === 'full') {
    expectPositiveInteger('n', cov.n);
    expectLength('B', cov.B, cov.n * cov.n, 'n×n');
    const n = cov.n;
    const l = cholesky(cov.B, n, { name: 'B' });
    return {
      n,
      variances: Float64Array.from({ length: n }, (_, i) => cov.B[i * n + i]),
      apply: (z) => gemv(n, n, l, z),
      applyT: (v) => gemv(n, n, l, v, true),
      applyMatrix: (z, k) => gemm(n, k, n, l, z),
    };
  }
  const nloc = cov.lat.length;
  expectLength('lon', cov.lon, nloc, 'number of locations');
  expectPositive('sigmaPerCategory', cov.sigmaPerCategory);
  if (!(cov.lengthScaleKm > 0)) {
    throw new TanhuiError('InvalidArgument', `lengthScaleKm must be > 0, got ${cov.lengthScaleKm}`, { context: { variable: 'lengthScaleKm' } });
  }
  const lc = cholesky(exponentialCorrelation(cov.lat, cov.lon, cov.lengthScaleKm), nloc, { name: 'spatial correlation' });
  const sig = cov.sigmaPerCategory;
  const ncat = sig.length;
  const n = ncat * nloc;
  return {
    n,
    variances: Float64Array.from({ length: n }, (_, i) => sig[Math.floor(i / nloc)] ** 2),
    apply(z) {
      const out = new Float64Array(n);
      for (let c = 0; c < ncat; c++) {
        const part = gemv(nloc, nloc, lc, z.subarray(c * nloc, (c + 1) * nloc));
        for (let l = 0; l < nloc; l++) out[c * nloc + l] = sig[c] * part[l];
      }
      return out;
    },
    applyT(v) {
      const out = new Float64Array(n);
      for (let c = 0; c < ncat; c++) {
        const part = gemv(nloc, nloc, lc, v.subarray(c * nloc, (c + 1) * nloc), true);
        for (let l = 0; l < nloc; l++) out[c * nloc + l] = sig[c] * part[l];
      }
      return out;
    },
    applyMatrix(z, k) {
      const out = new Float64Array(n * k);
      for (let c = 0; c < ncat; c++) {
        gemm(nloc, k, nloc, lc, z.subarray(c * nloc * k, (c + 1) * nloc * k), { out: out.subarray(c * nloc * k, (c + 1) * nloc * k), alpha: sig[c], beta: 0 });
      }
      return out;
    },
  };
}

export interface DrawEnsembleOptions {
  mean: Float64Array;
  nmembers: number;
  covariance: PriorCovariance | CovarianceSqrt;
  rng: Rng;
  /** CTDAS convention: member 0 is the mean (zero deviation); default true. */
  meanIsMember0?: boolean;
}

/**
 * Deviations X′ (n×N) with E[X′X′ᵀ/(N−1)] = B. Draw order (fixed, for bit-for-bit runs):
 * member by member (skipping member 0 in the CTDAS convention), n standard normals each.
 * With meanIsMember0 = false all N members are drawn and the row means removed.
 */
export function drawEnsemble(options: DrawEnsembleOptions): { x: Float64Array; Xprime: Float64Array } {
  const { nmembers: N, rng } = options;
  expectPositiveInteger('nmembers', N, 2);
  const s = 'apply' in options.covariance ? options.covariance : covarianceSqrt(options.covariance);
  const n = s.n;
  expectLength('mean', options.mean, n, 'state size of the covariance');
  const member0 = options.meanIsMember0 ?? true;
  const first = member0 ? 1 : 0;
  const z = new Float64Array(n * N);
  for (let k = first; k < N; k++) for (let i = 0; i < n; i++) z[i * N + k] = rng.normal();
  const Xprime = s.applyMatrix(z, N);
  if (!member0) {
    for (let i = 0; i < n; i++) {
      let m = 0;
      for (let k = 0; k < N; k++) m += Xprime[i * N + k];
      m /= N;
      for (let k = 0; k < N; k++) Xprime[i * N + k] -= m;
    }
  }
  return { x: Float64Array.from(options.mean), Xprime };
}
