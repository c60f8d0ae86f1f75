// Level-1/2 helpers on row-major Float64Array.

/** Σ a_i b_i over n entries starting at the given offsets. */
export function dot(n: number, a: Float64Array, b: Float64Array, aOff = 0, bOff = 0): number {
  let s0 = 0;
  let s1 = 0;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    s0 += a[aOff + i] * b[bOff + i];
    s1 += a[aOff + i + 1] * b[bOff + i + 1];
  }
  if (i < n) s0 += a[aOff + i] * b[bOff + i];
  return s0 + s1;
}

/** y = A·x (A m×n) or, with trans, y = Aᵀ·x. Returns y (allocated when absent). */
export function gemv(m: number, n: number, a: Float64Array, x: Float64Array, trans = false, out?: Float64Array): Float64Array {
  if (!trans) {
    const y = out ?? new Float64Array(m);
    for (let i = 0; i < m; i++) y[i] = dot(n, a, x, i * n, 0);
    return y;
  }
  const y = out ?? new Float64Array(n);
  y.fill(0);
  for (let i = 0; i < m; i++) {
    const xi = x[i];
    if (xi === 0) continue;
    const r = i * n;
    for (let j = 0; j < n; j++) y[j] += xi * a[r + j];
  }
  return y;
}

/** Row-major transpose of an m×n matrix (new n×m array). */
export function transpose(m: number, n: number, a: Float64Array): Float64Array {
  const t = new Float64Array(m * n);
  const T = 32;
  for (let i0 = 0; i0 < m; i0 += T) {
    for (let j0 = 0; j0 < n; j0 += T) {
      const iEnd = Math.min(m, i0 + T);
      const jEnd = Math.min(n, j0 + T);
      for (let i = i0; i < iEnd; i++) for (let j = j0; j < jEnd; j++) t[j * m + i] = a[i * n + j];
    }
  }
  return t;
}

/** Identity n×n. */
export function identity(n: number): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) a[i * n + i] = 1;
  return a;
}
