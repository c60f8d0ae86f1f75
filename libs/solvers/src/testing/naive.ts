// Naive reference linear algebra for tests only: plain triple loops and Gauss–Jordan, written
// independently of the blocked kernels so tests compare two different computations.

export function matmul(m: number, n: number, k: number, a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
      c[i * n + j] = s;
    }
  return c;
}

export function transposeNaive(m: number, n: number, a: ArrayLike<number>): Float64Array {
  const t = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) t[j * m + i] = a[i * n + j];
  return t;
}

/** Gauss–Jordan inverse with partial pivoting. */
export function inverseNaive(n: number, a: ArrayLike<number>): Float64Array {
  const w = 2 * n;
  const aug = new Float64Array(n * w);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) aug[i * w + j] = a[i * n + j];
    aug[i * w + n + i] = 1;
  }
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(aug[r * w + c]) > Math.abs(aug[piv * w + c])) piv = r;
    if (piv !== c) for (let j = 0; j < w; j++) [aug[c * w + j], aug[piv * w + j]] = [aug[piv * w + j], aug[c * w + j]];
    const p = aug[c * w + c];
    for (let j = 0; j < w; j++) aug[c * w + j] /= p;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = aug[r * w + c];
      if (f !== 0) for (let j = 0; j < w; j++) aug[r * w + j] -= f * aug[c * w + j];
    }
  }
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) inv[i * n + j] = aug[i * w + n + j];
  return inv;
}

export function diagMatrix(v: ArrayLike<number>): Float64Array {
  const n = v.length;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) a[i * n + i] = v[i];
  return a;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} ≠ ${b.length}`);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

export function maxAbs(a: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]));
  return d;
}

/** Exact Kalman posterior by the textbook formulas with Gauss–Jordan inverses (dense R, B). */
export function kalmanPosterior(
  m: number,
  n: number,
  H: ArrayLike<number>,
  y: ArrayLike<number>,
  R: ArrayLike<number>,
  xb: ArrayLike<number>,
  B: ArrayLike<number>,
): { xa: Float64Array; Pa: Float64Array } {
  const Ht = transposeNaive(m, n, H);
  const BHt = matmul(n, m, n, B, Ht);
  const D = matmul(m, m, n, H, BHt);
  for (let i = 0; i < m * m; i++) D[i] += R[i];
  const K = matmul(n, m, m, BHt, inverseNaive(m, D));
  const hx = matmul(m, 1, n, H, xb);
  const d = Float64Array.from(y, (v, i) => v - hx[i]);
  const kd = matmul(n, 1, m, K, d);
  const xa = Float64Array.from(xb, (v, i) => v + kd[i]);
  const KHB = matmul(n, n, m, K, matmul(m, n, n, H, B));
  const Pa = Float64Array.from(B, (v, i) => v - KHB[i]);
  return { xa, Pa };
}

/** Random SPD matrix with a controlled condition: G Gᵀ/k + shift·I. */
export function randomSpd(n: number, rand: () => number, shift = 0.5): Float64Array {
  const g = Float64Array.from({ length: n * n }, rand);
  const a = matmul(n, n, n, g, transposeNaive(n, n, g));
  for (let i = 0; i < n * n; i++) a[i] /= n;
  for (let i = 0; i < n; i++) a[i * n + i] += shift;
  return a;
}
