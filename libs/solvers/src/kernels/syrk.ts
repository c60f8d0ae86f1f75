// Symmetric rank-k update: only the lower block triangle is computed (through gemm on row
// blocks), then mirrored, so AᵀA costs half a general product.
import { gemmStrided } from './gemm';

const NB = 256;

export interface SyrkOptions {
  /** true: C = alpha·AᵀA (n×n); false: C = alpha·AAᵀ (m×m). Default true. */
  trans?: boolean;
  alpha?: number;
  /** Scale of the existing (symmetric) C; default 0. */
  beta?: number;
  out?: Float64Array;
}

/** Symmetric product of A (m×n, row-major): AᵀA (trans, default) or AAᵀ. Returns full C. */
export function syrk(m: number, n: number, a: Float64Array, options: SyrkOptions = {}): Float64Array {
  const trans = options.trans ?? true;
  const alpha = options.alpha ?? 1;
  const size = trans ? n : m;
  const depth = trans ? m : n;
  const c = options.out ?? new Float64Array(size * size);
  const beta = options.out === undefined ? 0 : (options.beta ?? 0);
  for (let i0 = 0; i0 < size; i0 += NB) {
    const rows = Math.min(NB, size - i0);
    const cols = i0 + rows; // everything left of and including the diagonal block
    if (trans) {
      gemmStrided(true, false, rows, cols, depth, alpha, a, i0, n, a, 0, n, beta, c, i0 * size, size);
    } else {
      gemmStrided(false, true, rows, cols, depth, alpha, a, i0 * n, n, a, 0, n, beta, c, i0 * size, size);
    }
  }
  mirrorLower(c, size);
  return c;
}

/** Copy the strict lower triangle of a row-major n×n matrix onto the upper one. */
export function mirrorLower(c: Float64Array, n: number): void {
  const T = 64; // tiles keep the transposed reads in cache
  for (let i0 = 0; i0 < n; i0 += T) {
    for (let j0 = 0; j0 <= i0; j0 += T) {
      const iEnd = Math.min(n, i0 + T);
      for (let i = i0; i < iEnd; i++) {
        const jEnd = Math.min(i, j0 + T);
        for (let j = j0; j < jEnd; j++) c[j * n + i] = c[i * n + j];
      }
    }
  }
}
