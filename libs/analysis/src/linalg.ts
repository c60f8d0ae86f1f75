// Dense helpers for covariance propagation (row-major Float64Array). Small on purpose: budgets
// need A P Aᵀ with a few dozen rows, not a linear-algebra library.
import { TanhuiError } from '@tanhui/core';

/** A P Aᵀ for A (m × n) and symmetric P (n × n), both row-major; returns m × m. */
export function propagateCovariance(a: ArrayLike<number>, m: number, n: number, p: ArrayLike<number>): Float64Array {
  if (a.length !== m * n) throw new TanhuiError('BadShape', `aggregation matrix has ${a.length} entries, expected ${m}×${n}`, { context: { variable: 'A' } });
  if (p.length !== n * n) throw new TanhuiError('BadShape', `covariance has ${p.length} entries, expected ${n}×${n}`, { context: { variable: 'P' } });
  // AP first (m × n), then (AP)Aᵀ.
  const ap = new Float64Array(m * n);
  for (let r = 0; r < m; r++) {
    for (let k = 0; k < n; k++) {
      const ark = a[r * n + k]!;
      if (ark === 0) continue;
      const row = k * n;
      const out = r * n;
      for (let l = 0; l < n; l++) ap[out + l]! += ark * p[row + l]!;
    }
  }
  const c = new Float64Array(m * m);
  for (let r = 0; r < m; r++) {
    for (let s = r; s < m; s++) {
      let v = 0;
      for (let l = 0; l < n; l++) v += ap[r * n + l]! * a[s * n + l]!;
      c[r * m + s] = v;
      c[s * m + r] = v;
    }
  }
  return c;
}

/** Sample covariance (n−1) of the rows of `samples` (nSamples × dim, row-major). */
export function sampleCovariance(samples: ArrayLike<number>, nSamples: number, dim: number): { mean: Float64Array; cov: Float64Array } {
  if (nSamples < 2) throw new TanhuiError('EmptyInput', `an ensemble covariance needs at least 2 members, got ${nSamples}`);
  if (samples.length !== nSamples * dim) throw new TanhuiError('BadShape', `samples have ${samples.length} entries, expected ${nSamples}×${dim}`);
  const mean = new Float64Array(dim);
  for (let s = 0; s < nSamples; s++) for (let d = 0; d < dim; d++) mean[d]! += samples[s * dim + d]! / nSamples;
  const cov = new Float64Array(dim * dim);
  for (let s = 0; s < nSamples; s++) {
    for (let d = 0; d < dim; d++) {
      const x = samples[s * dim + d]! - mean[d]!;
      for (let e = d; e < dim; e++) cov[d * dim + e]! += (x * (samples[s * dim + e]! - mean[e]!)) / (nSamples - 1);
    }
  }
  for (let d = 0; d < dim; d++) for (let e = 0; e < d; e++) cov[d * dim + e] = cov[e * dim + d]!;
  return { mean, cov };
}

/** sqrt(w C wᵀ) for a weight vector w over the dim variables of C. */
export function sigmaOfCombination(weights: ArrayLike<number>, cov: ArrayLike<number>): number {
  const n = weights.length;
  if (cov.length !== n * n) throw new TanhuiError('BadShape', `covariance has ${cov.length} entries, expected ${n}×${n}`);
  let v = 0;
  for (let r = 0; r < n; r++) {
    const wr = weights[r]!;
    if (wr === 0) continue;
    for (let s = 0; s < n; s++) v += wr * cov[r * n + s]! * weights[s]!;
  }
  // Round-off can make a zero variance slightly negative.
  return Math.sqrt(Math.max(0, v));
}
