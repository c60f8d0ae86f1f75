// The observation-space half of the serial EnSRF. Without feedback from the state rows (the
// Hx/HX′ updates are unlocalised, as in CTDAS), the sequence of assimilated observations,
// their HX′ rows at their turn, innovations, HPHR and α depend on obs-space data only. It is
// computed once; every state row is then updated independently (rows.ts).
//
// Two equivalent ways:
//  'direct'    CTDAS's loop: after each obs n, update Hx[m] and HX′[m] of every obs m (n too)
//              — O(nassim·nobs·N);
//  'transform' carry the weight vector w and N×N transform T with X′ = X′₀T, x = x₀ + X′₀w:
//              HX′[n] = HX′₀[n]·T, Hx[n] = Hx₀[n] + HX′₀[n]·w — O(nassim·N² + nobs·N²).
import { gemm } from '../kernels/gemm';
import { transformSteps } from '../kernels/transform-ops';
import { dot } from '../kernels/vector';
import type { PreparedEnsemble } from './validate';

/** Plain typed arrays: can be posted to workers or built over SharedArrayBuffers. */
export interface ObsSequence {
  nmembers: number;
  /** Number of assimilated observations. */
  count: number;
  /** Index of the k-th assimilated observation. */
  obsIndex: Int32Array;
  /** HX′ row of that observation at its turn, count×N. */
  h: Float64Array;
  /** obs − Hx at its turn. */
  innovation: Float64Array;
  /** 1/((N−1)·HPHR): the gain row K = X′·h·invDen. */
  invDen: Float64Array;
  /** Square-root factor α = 1/(1 + sqrt(R/HPHR)). */
  alpha: Float64Array;
  /** may_localize of that observation (0/1). */
  localize: Uint8Array;
  /** Σ_j h_j and Σ_j (h_j − mean)² for the correlation test. */
  hSum: Float64Array;
  hCss: Float64Array;
}

export interface SequenceOutcome {
  /** Null when not recorded (ensemble-space path). */
  sequence: ObsSequence | null;
  /** Ensemble-space transform (transform method only): X′ ← X′₀T, x ← x₀ + X′₀w. */
  T: Float64Array | null;
  w: Float64Array | null;
  HPHR: Float64Array;
}

function newSequence(N: number, capacity: number): ObsSequence {
  return {
    nmembers: N,
    count: 0,
    obsIndex: new Int32Array(capacity),
    h: new Float64Array(capacity * N),
    innovation: new Float64Array(capacity),
    invDen: new Float64Array(capacity),
    alpha: new Float64Array(capacity),
    localize: new Uint8Array(capacity),
    hSum: new Float64Array(capacity),
    hCss: new Float64Array(capacity),
  };
}

function record(seq: ObsSequence, n: number, h: Float64Array, innovation: number, hphr: number, alpha: number, localize: number): void {
  const N = seq.nmembers;
  const k = seq.count++;
  seq.obsIndex[k] = n;
  seq.h.set(h, k * N);
  seq.innovation[k] = innovation;
  seq.invDen[k] = 1 / ((N - 1) * hphr);
  seq.alpha[k] = alpha;
  seq.localize[k] = localize;
  let s = 0;
  for (let j = 0; j < N; j++) s += h[j];
  const mean = s / N;
  let css = 0;
  for (let j = 0; j < N; j++) css += (h[j] - mean) ** 2;
  seq.hSum[k] = s;
  seq.hCss[k] = css;
}

function countCandidates(e: PreparedEnsemble): number {
  let c = 0;
  for (let n = 0; n < e.nobs; n++) if (e.flags[n] === 0) c++;
  return c;
}

/** CTDAS's loop (corrected to update every obs, the assimilated one included). Updates e.Hx, e.HXprime, e.flags. */
export function obsSequenceDirect(e: PreparedEnsemble, recordSequence = true): SequenceOutcome {
  const { nobs, nmembers: N, Hx, HXprime, obs, R, flags } = e;
  const HPHR = new Float64Array(nobs).fill(NaN);
  const seq = recordSequence ? newSequence(N, countCandidates(e)) : null;
  const h = new Float64Array(N);
  for (let n = 0; n < nobs; n++) {
    if (flags[n] !== 0) continue;
    const res = obs[n] - Hx[n];
    if (e.mayReject[n] && Math.abs(res) > e.threshold * Math.sqrt(R[n])) {
      flags[n] = 2;
      continue;
    }
    h.set(HXprime.subarray(n * N, n * N + N));
    const hphr = dot(N, h, h) / (N - 1) + R[n];
    HPHR[n] = hphr;
    const alpha = 1 / (1 + Math.sqrt(R[n] / hphr));
    if (seq) record(seq, n, h, res, hphr, alpha, e.mayLocalize[n]);
    const invDen = 1 / ((N - 1) * hphr);
    for (let m = 0; m < nobs; m++) {
      const o = m * N;
      const fac = dot(N, h, HXprime, 0, o) * invDen;
      Hx[m] += fac * res;
      const af = alpha * fac;
      for (let j = 0; j < N; j++) HXprime[o + j] -= af * h[j];
    }
  }
  return { sequence: seq, T: null, w: null, HPHR };
}

/** The same sequence through the N×N transform. Updates e.Hx, e.HXprime, e.flags. */
export function obsSequenceTransform(e: PreparedEnsemble, recordSequence = true): SequenceOutcome {
  const { nobs, nmembers: N, Hx, HXprime, obs, R, flags } = e;
  const HPHR = new Float64Array(nobs).fill(NaN);
  const seq = recordSequence ? newSequence(N, countCandidates(e)) : null;
  const steps = transformSteps(N); // T = I, in wasm memory when available
  const w = new Float64Array(N);
  for (let n = 0; n < nobs; n++) {
    if (flags[n] !== 0) continue;
    const o = n * N;
    const res = obs[n] - (Hx[n] + dot(N, HXprime, w, o, 0));
    if (e.mayReject[n] && Math.abs(res) > e.threshold * Math.sqrt(R[n])) {
      flags[n] = 2;
      continue;
    }
    const h = steps.combine(HXprime, o); // h = HX′₀[n]·T
    const hphr = dot(N, h, h) / (N - 1) + R[n];
    HPHR[n] = hphr;
    const alpha = 1 / (1 + Math.sqrt(R[n] / hphr));
    if (seq) record(seq, n, h, res, hphr, alpha, e.mayLocalize[n]);
    // u = T·v with v = h/((N−1)·HPHR); w += u·res; T −= α·u·hᵀ
    const u = steps.rowDots(1 / ((N - 1) * hphr));
    for (let i = 0; i < N; i++) w[i] += u[i] * res;
    steps.rankOne(alpha);
  }
  const T = steps.transform();
  // Final obs-space state for every observation.
  for (let m = 0; m < nobs; m++) Hx[m] += dot(N, HXprime, w, m * N, 0);
  const hxNew = gemm(nobs, N, N, HXprime, T);
  HXprime.set(hxNew);
  return { sequence: seq, T, w, HPHR };
}

