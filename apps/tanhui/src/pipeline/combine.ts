// Two-step without a second transport run. Transport is linear and every member starts from
// the same initial field, so the window's final field and samples are affine in the state:
// T(x) = T(x̄) + Σ_k w_k (T(x_k) − T(x̄)) whenever x − x̄ = Σ_k w_k X′_k. The EnSRF posterior
// mean increment lies in the span of the prior deviations X′ (every serial/bulk gain is X′
// times something), so the posterior-mean run is a combination of the member runs, exact up to
// rounding. `combineWeights` finds w; the caller checks the residual and reruns otherwise.
import { cholesky, gemm, gemv, solveLower, solveLowerTrans } from '@tanhui/solvers';

/**
 * Weights w (N, w[0] = 0: member 0 is the mean) with X′ w = d, X′ [ns×N] row-major. Minimum-norm
 * solution when ns ≤ N−1, least squares otherwise; returns the relative residual too.
 */
export function combineWeights(Xprime: Float64Array, ns: number, N: number, d: Float64Array): { w: Float64Array; relResidual: number } {
  const m = N - 1;
  const A = new Float64Array(ns * m);
  for (let i = 0; i < ns; i++) for (let k = 0; k < m; k++) A[i * m + k] = Xprime[i * N + k + 1]!;
  let dn = 0;
  for (const v of d) dn += v * v;
  const w = new Float64Array(N);
  if (dn === 0) return { w, relResidual: 0 };
  let wm: Float64Array;
  if (ns <= m) {
    const G = gemm(ns, ns, m, A, A, { transB: true });
    const L = cholesky(G, ns, { name: 'X′X′ᵀ' });
    const z = solveLowerTrans(L, ns, solveLower(L, ns, Float64Array.from(d)));
    wm = gemv(ns, m, A, z, true);
  } else {
    const G = gemm(m, m, ns, A, A, { transA: true });
    const L = cholesky(G, m, { name: 'X′ᵀX′' });
    wm = solveLowerTrans(L, m, solveLower(L, m, gemv(ns, m, A, d, true)));
  }
  w.set(wm, 1);
  const r = gemv(ns, m, A, wm);
  let rn = 0;
  for (let i = 0; i < ns; i++) rn += (r[i]! - d[i]!) ** 2;
  return { w, relResidual: Math.sqrt(rn / dn) };
}

/** out[c] = F0[c] + Σ_k w_k (F_k[c] − F0[c]) for member fields stacked [c][N] (F0 = column 0). */
export function combineColumns(stacked: Float64Array, rows: number, N: number, w: Float64Array, out = new Float64Array(rows)): Float64Array {
  for (let c = 0; c < rows; c++) {
    const b = c * N;
    const f0 = stacked[b]!;
    let s = 0;
    for (let k = 1; k < N; k++) s += w[k]! * (stacked[b + k]! - f0);
    out[c] = f0 + s;
  }
  return out;
}
