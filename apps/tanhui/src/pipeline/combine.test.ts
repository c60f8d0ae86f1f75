// The 'combine' two-step against its independent answer: for a linear "transport" T(x) = f + G x
// the combination of member runs must equal T at the EnSRF posterior mean (exact Kalman algebra
// from @tanhui/solvers; G, f random).
import { describe, expect, it } from 'vitest';
import { drawEnsemble, ensrfSerial } from '@tanhui/solvers';
import { createRng } from '@tanhui/core';
import { combineColumns, combineWeights } from './combine';

function linearCase(ns: number, N: number, nobs: number, nout: number, seed: number): number {
  const rng = createRng(seed);
  const G = Float64Array.from({ length: nout * ns }, () => rng.normal());
  const f = Float64Array.from({ length: nout }, () => 400 + rng.normal());
  const T = (x: Float64Array): Float64Array => Float64Array.from({ length: nout }, (_, o) => f[o]! + x.reduce((s, v, i) => s + G[o * ns + i]! * v, 0));
  const { x, Xprime } = drawEnsemble({ mean: new Float64Array(ns).fill(1), nmembers: N, covariance: { kind: 'diag', variances: new Float64Array(ns).fill(0.25) }, rng, meanIsMember0: true });
  // Member outputs stacked [out][N]; obs are the first nobs outputs.
  const stacked = new Float64Array(nout * N);
  for (let k = 0; k < N; k++) {
    const xk = Float64Array.from(x, (v, i) => v + Xprime[i * N + k]!);
    T(xk).forEach((v, o) => (stacked[o * N + k] = v));
  }
  const Hx = Float64Array.from({ length: nobs }, (_, o) => stacked[o * N]!);
  const HXprime = new Float64Array(nobs * N);
  for (let o = 0; o < nobs; o++) for (let k = 0; k < N; k++) HXprime[o * N + k] = stacked[o * N + k]! - Hx[o]!;
  const obs = Float64Array.from(Hx, (v) => v + 0.5 * rng.normal());
  const r = ensrfSerial({ nparams: ns, nmembers: N, nobs, x, Xprime, Hx, HXprime, obs, R: new Float64Array(nobs).fill(0.3) }, { rejectionThreshold: 1e9 });
  const d = Float64Array.from(r.x, (v, i) => v - x[i]!);
  const { w, relResidual } = combineWeights(Xprime, ns, N, d);
  expect(relResidual).toBeLessThan(1e-10);
  const combined = combineColumns(stacked, nout, N, w);
  const exact = T(r.x);
  let err = 0;
  for (let o = 0; o < nout; o++) err = Math.max(err, Math.abs(combined[o]! - exact[o]!) / Math.abs(exact[o]!));
  return err;
}

describe('two-step by combination of member runs', () => {
  it('equals the run with the posterior mean when the state is smaller than the ensemble', () => {
    expect(linearCase(6, 12, 8, 40, 1)).toBeLessThan(1e-12);
  });
  it('equals it when the state is larger than the ensemble (least squares in the ensemble span)', () => {
    expect(linearCase(30, 8, 10, 50, 2)).toBeLessThan(1e-12);
  });
  it('gives zero weights for a zero increment', () => {
    const { w, relResidual } = combineWeights(new Float64Array(12), 3, 4, new Float64Array(3));
    expect(relResidual).toBe(0);
    expect(Array.from(w)).toEqual([0, 0, 0, 0]);
  });
});
