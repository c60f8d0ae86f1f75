// Blocked (left-looking) Cholesky A = L·Lᵀ, triangular solves with many right-hand sides,
// the inverse of a triangular factor, the SPD inverse and log-determinant. Row-major, lower.
// Heavy parts go through gemm so they run at its speed.
import { TanhuiError } from '@tanhui/core';
import { gemmStrided } from './gemm';
import { mirrorLower } from './syrk';

const NB = 128;

export interface CholeskyOptions {
  /** Name of the matrix, used in the error when it is not positive definite. */
  name?: string;
}

/**
 * Overwrite the lower triangle of A (n×n) with L, zero the strict upper triangle.
 * Throws TanhuiError('NotPositiveDefinite') naming the matrix and the failing pivot.
 */
export function choleskyInPlace(a: Float64Array, n: number, options: CholeskyOptions = {}): Float64Array {
  if (a.length < n * n) {
    throw new TanhuiError('BadShape', `matrix has ${a.length} values, expected ${n}×${n}`, {
      context: { variable: options.name },
    });
  }
  for (let k0 = 0; k0 < n; k0 += NB) {
    const nb = Math.min(NB, n - k0);
    const below = n - k0 - nb;
    if (k0 > 0) {
      // Left-looking: subtract the contributions of the finished columns 0..k0.
      gemmStrided(false, true, nb, nb, k0, -1, a, k0 * n, n, a, k0 * n, n, 1, a, k0 * n + k0, n);
      if (below > 0) {
        gemmStrided(false, true, below, nb, k0, -1, a, (k0 + nb) * n, n, a, k0 * n, n, 1, a, (k0 + nb) * n + k0, n);
      }
    }
    factorDiagonalBlock(a, n, k0, nb, options.name);
    // Panel below: X·L_kkᵀ = A  →  row by row forward substitution.
    for (let i = k0 + nb; i < n; i++) {
      const ri = i * n;
      for (let c = 0; c < nb; c++) {
        const rc = (k0 + c) * n + k0;
        let s = a[ri + k0 + c];
        for (let t = 0; t < c; t++) s -= a[ri + k0 + t] * a[rc + t];
        a[ri + k0 + c] = s / a[rc + c];
      }
    }
  }
  for (let i = 0; i < n; i++) a.fill(0, i * n + i + 1, (i + 1) * n);
  return a;
}

function factorDiagonalBlock(a: Float64Array, n: number, k0: number, nb: number, name?: string): void {
  for (let j = 0; j < nb; j++) {
    const rj = (k0 + j) * n + k0;
    let d = a[rj + j];
    for (let p = 0; p < j; p++) d -= a[rj + p] * a[rj + p];
    if (!(d > 0) || !Number.isFinite(d)) {
      throw new TanhuiError('NotPositiveDefinite', `${name ?? 'matrix'} is not symmetric positive definite (pivot ${k0 + j} is ${d})`, {
        hint: 'check that the covariance is symmetric, has positive variances and full rank',
        context: { variable: name, index: k0 + j },
      });
    }
    const ljj = Math.sqrt(d);
    a[rj + j] = ljj;
    for (let i = j + 1; i < nb; i++) {
      const ri = (k0 + i) * n + k0;
      let s = a[ri + j];
      for (let p = 0; p < j; p++) s -= a[ri + p] * a[rj + p];
      a[ri + j] = s / ljj;
    }
  }
}

/** Cholesky factor L of an SPD matrix (copy; A untouched). */
export function cholesky(a: Float64Array, n: number, options: CholeskyOptions = {}): Float64Array {
  return choleskyInPlace(Float64Array.from(a.subarray(0, n * n)), n, options);
}

/** Solve L·X = B in place (B is n×nrhs row-major; L lower n×n). */
export function solveLower(l: Float64Array, n: number, b: Float64Array, nrhs = 1): Float64Array {
  for (let i0 = 0; i0 < n; i0 += NB) {
    const nb = Math.min(NB, n - i0);
    if (i0 > 0) gemmStrided(false, false, nb, nrhs, i0, -1, l, i0 * n, n, b, 0, nrhs, 1, b, i0 * nrhs, nrhs);
    for (let i = i0; i < i0 + nb; i++) {
      const ri = i * nrhs;
      for (let t = i0; t < i; t++) {
        const lit = l[i * n + t];
        if (lit === 0) continue;
        const rt = t * nrhs;
        for (let c = 0; c < nrhs; c++) b[ri + c] -= lit * b[rt + c];
      }
      const inv = 1 / l[i * n + i];
      for (let c = 0; c < nrhs; c++) b[ri + c] *= inv;
    }
  }
  return b;
}

/** Solve Lᵀ·X = B in place (B is n×nrhs row-major; L lower n×n). */
export function solveLowerTrans(l: Float64Array, n: number, b: Float64Array, nrhs = 1): Float64Array {
  const last = Math.floor((n - 1) / NB) * NB;
  for (let i0 = last; i0 >= 0; i0 -= NB) {
    const nb = Math.min(NB, n - i0);
    const i1 = i0 + nb;
    if (i1 < n) gemmStrided(true, false, nb, nrhs, n - i1, -1, l, i1 * n + i0, n, b, i1 * nrhs, nrhs, 1, b, i0 * nrhs, nrhs);
    for (let i = i1 - 1; i >= i0; i--) {
      const ri = i * nrhs;
      for (let t = i + 1; t < i1; t++) {
        const lti = l[t * n + i];
        if (lti === 0) continue;
        const rt = t * nrhs;
        for (let c = 0; c < nrhs; c++) b[ri + c] -= lti * b[rt + c];
      }
      const inv = 1 / l[i * n + i];
      for (let c = 0; c < nrhs; c++) b[ri + c] *= inv;
    }
  }
  return b;
}

/** Inverse W = L⁻¹ of a lower-triangular L (new array, lower triangular). Cost n³/6. */
export function invertLower(l: Float64Array, n: number): Float64Array {
  const w = new Float64Array(n * n);
  for (let j0 = 0; j0 < n; j0 += NB) {
    const nbj = Math.min(NB, n - j0);
    // Diagonal block: W_JJ = L_JJ⁻¹ by forward substitution on the identity.
    for (let c = 0; c < nbj; c++) w[(j0 + c) * n + j0 + c] = 1;
    forwardInBlock(l, w, n, j0, j0, nbj, nbj);
    for (let i0 = j0 + nbj; i0 < n; i0 += NB) {
      const nbi = Math.min(NB, n - i0);
      // W_IJ = -L_II⁻¹ · L[I, J0:I0] · W[J0:I0, J]
      gemmStrided(false, false, nbi, nbj, i0 - j0, -1, l, i0 * n + j0, n, w, j0 * n + j0, n, 0, w, i0 * n + j0, n);
      forwardInBlock(l, w, n, i0, j0, nbi, nbj);
    }
  }
  return w;
}

/** Solve L_II·X = W[I, J] in place for the nbi×nbj block at rows i0, columns j0. */
function forwardInBlock(l: Float64Array, w: Float64Array, n: number, i0: number, j0: number, nbi: number, nbj: number): void {
  for (let i = i0; i < i0 + nbi; i++) {
    const ri = i * n + j0;
    for (let t = i0; t < i; t++) {
      const lit = l[i * n + t];
      if (lit === 0) continue;
      const rt = t * n + j0;
      for (let c = 0; c < nbj; c++) w[ri + c] -= lit * w[rt + c];
    }
    const inv = 1 / l[i * n + i];
    for (let c = 0; c < nbj; c++) w[ri + c] *= inv;
  }
}

/** A⁻¹ = L⁻ᵀL⁻¹ from the Cholesky factor L (new full symmetric array). */
export function inverseFromCholesky(l: Float64Array, n: number): Float64Array {
  const w = invertLower(l, n);
  const c = new Float64Array(n * n);
  for (let i0 = 0; i0 < n; i0 += NB) {
    const rows = Math.min(NB, n - i0);
    const cols = i0 + rows;
    // C[I, 0:cols] = W[I0:n, I]ᵀ · W[I0:n, 0:cols]  (rows of W above I0 are zero in columns I)
    gemmStrided(true, false, rows, cols, n - i0, 1, w, i0 * n + i0, n, w, i0 * n, n, 0, c, i0 * n, n);
  }
  mirrorLower(c, n);
  return c;
}

/** Inverse of a symmetric positive definite matrix (new array). */
export function spdInverse(a: Float64Array, n: number, options: CholeskyOptions = {}): Float64Array {
  return inverseFromCholesky(cholesky(a, n, options), n);
}

/** log det(A) = 2 Σ log L_ii from the Cholesky factor. */
export function logDetFromCholesky(l: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.log(l[i * n + i]);
  return 2 * s;
}

/** log-determinant of an SPD matrix. */
export function logDetSpd(a: Float64Array, n: number, options: CholeskyOptions = {}): number {
  return logDetFromCholesky(cholesky(a, n, options), n);
}
