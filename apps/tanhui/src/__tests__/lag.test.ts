// Lagged windows, the orchestrator's bookkeeping (libs/solvers ensrf/lag.ts, pipeline/span.ts) checked against independent
// answers: the exact Kalman posterior of one big update on a dense linear problem, per-window
// application of the state mapping, and cycle tables written out by hand.
import { describe, expect, it } from 'vitest';
import { applyMapping, buildMapping } from '@tanhui/priors';
import { isTanhuiError } from '@tanhui/core';
import { concatPlans } from '../compose';
import { parseConfigText } from '../config/load';
import { enterWindows, enteringMean, ensrfSerial, lagCycle, leaveOldest, type LagState } from '@tanhui/solvers';
import { createRng, type Rng } from '@tanhui/core';
import { spanMapping, toSpanLayout } from '../pipeline/span';

// ---- small dense linear algebra (naive, independent of @tanhui/solvers' kernels) ----
const mat = (r: number, c: number, f: (i: number, j: number) => number): Float64Array => Float64Array.from({ length: r * c }, (_, k) => f(Math.floor(k / c), k % c));
function mul(a: Float64Array, b: Float64Array, n: number, m: number, p: number): Float64Array {
  return mat(n, p, (i, j) => {
    let s = 0;
    for (let k = 0; k < m; k++) s += a[i * m + k]! * b[k * p + j]!;
    return s;
  });
}
const tr = (a: Float64Array, r: number, c: number): Float64Array => mat(c, r, (i, j) => a[j * c + i]!);
/** Inverse of an SPD matrix by Gauss–Jordan elimination with partial pivoting. */
function inv(a: Float64Array, n: number): Float64Array {
  const m = mat(n, 2 * n, (i, j) => (j < n ? a[i * n + j]! : i === j - n ? 1 : 0));
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r * 2 * n + c]!) > Math.abs(m[p * 2 * n + c]!)) p = r;
    for (let j = 0; j < 2 * n; j++) [m[c * 2 * n + j], m[p * 2 * n + j]] = [m[p * 2 * n + j]!, m[c * 2 * n + j]!];
    const d = m[c * 2 * n + c]!;
    for (let j = 0; j < 2 * n; j++) m[c * 2 * n + j]! /= d;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r * 2 * n + c]!;
      for (let j = 0; j < 2 * n; j++) m[r * 2 * n + j]! -= f * m[c * 2 * n + j]!;
    }
  }
  return mat(n, n, (i, j) => m[i * 2 * n + n + j]!);
}
function cholesky(a: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = i === j ? Math.sqrt(s) : s / l[j * n + j]!;
    }
  return l;
}
/** Exact Kalman (= Bayesian) posterior: xa = xb + B Hᵀ (H B Hᵀ + R)⁻¹ (y − H xb), Pa = B − B Hᵀ (…)⁻¹ H B. */
function kalman(xb: Float64Array, B: Float64Array, H: Float64Array, y: Float64Array, R: Float64Array): { xa: Float64Array; Pa: Float64Array } {
  const n = xb.length;
  const m = y.length;
  const BHt = mul(B, tr(H, m, n), n, n, m);
  const S = mul(H, BHt, m, n, m);
  for (let i = 0; i < m; i++) S[i * m + i] += R[i]!;
  const K = mul(BHt, inv(S, m), n, m, m);
  const d = Float64Array.from(mul(H, xb, m, n, 1), (v, i) => y[i]! - v);
  const xa = Float64Array.from(mul(K, d, n, m, 1), (v, i) => xb[i]! + v);
  const KHB = mul(K, tr(BHt, n, m), n, m, n);
  return { xa, Pa: Float64Array.from(B, (v, i) => v - KHB[i]!) };
}
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
};
const sampleCov = (Xp: Float64Array, n: number, N: number): Float64Array => mul(Xp, tr(Xp, n, N), n, N, n).map((v) => v / (N - 1));

/**
 * Deviations n×N with X′X′ᵀ/(N−1) = B exactly, column 0 zero (member 0 = mean), rows orthogonal
 * to every row of `others` (so the sample cross-covariance with the windows already in the
 * state is exactly zero, as it is in expectation for independent draws).
 */
function exactDraw(B: Float64Array, n: number, N: number, others: Float64Array, rng: Rng): Float64Array {
  const basis: Float64Array[] = [];
  const e0 = new Float64Array(N);
  e0[0] = 1;
  const addOrtho = (v: Float64Array): Float64Array | undefined => {
    for (let pass = 0; pass < 2; pass++)
      for (const b of basis) {
        let s = 0;
        for (let j = 0; j < N; j++) s += v[j]! * b[j]!;
        for (let j = 0; j < N; j++) v[j]! -= s * b[j]!;
      }
    const norm = Math.sqrt(v.reduce((s, a) => s + a * a, 0));
    if (norm < 1e-10) return undefined;
    const u = v.map((a) => a / norm);
    basis.push(u);
    return u;
  };
  addOrtho(e0);
  for (let r = 0; r < others.length / N; r++) addOrtho(others.slice(r * N, (r + 1) * N));
  const U = new Float64Array(n * N);
  for (let i = 0; i < n; i++) U.set(addOrtho(Float64Array.from({ length: N }, () => rng.normal()))!, i * N);
  return mul(cholesky(B, n), U, n, n, N).map((v) => v * Math.sqrt(N - 1));
}

describe('lagCycle: which windows are in the state and which enter (tables by hand)', () => {
  it('lag 3 over 5 windows: all of the first span enter in cycle 0, then the newest; the span shrinks at the end', () => {
    const t = [0, 1, 2, 3, 4].map((c) => lagCycle(c, 3, 5));
    expect(t.map((x) => x.span)).toEqual([[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4], [4]]);
    expect(t.map((x) => x.enter)).toEqual([[0, 1, 2], [3], [4], [], []]);
  });
  it('lag 1 is one window per cycle; a lag longer than the run puts every window in cycle 0', () => {
    expect([0, 1, 2].map((c) => lagCycle(c, 1, 3))).toEqual([0, 1, 2].map((c) => ({ cycle: c, span: [c], enter: [c] })));
    expect([0, 1].map((c) => lagCycle(c, 4, 2).enter)).toEqual([[0, 1], []]);
  });
});

describe('lagged EnSRF cycles on a dense linear problem = one big Kalman update', () => {
  // W windows × n parameters; observations of window w see windows w−L+1 … w (transport memory of
  // at most L windows), so everything a new observation sees is in the state when it arrives and
  // the lagged filter loses nothing: the posterior of window c when it leaves must be the
  // marginal of the exact Kalman posterior of all windows entered so far given all observations
  // assimilated so far.
  for (const L of [2, 3]) {
    it(`lag ${L}: each window's final posterior (mean and covariance) and the obs assimilated once`, () => {
      const W = 5;
      const n = 3;
      const N = L * n + 3;
      const mPerWindow = 4;
      const rng = createRng(100 + L);
      const B = (() => {
        const A = mat(n, n, () => rng.uniform() * 2 - 1);
        const b = mul(A, tr(A, n, n), n, n, n);
        for (let i = 0; i < n; i++) b[i * n + i] += 0.5;
        return b;
      })();
      const xPrior = Float64Array.from({ length: n }, () => 1 + 0.1 * rng.normal());
      // Observation rows of each window over all W·n parameters.
      const H: Float64Array[] = [];
      for (let w = 0; w < W; w++) {
        H.push(mat(mPerWindow, W * n, (_, j) => (Math.floor(j / n) <= w && Math.floor(j / n) > w - L ? rng.uniform() * 2 - 1 : 0)));
      }
      const R = Array.from({ length: W }, () => Float64Array.from({ length: mPerWindow }, () => 0.2 + rng.uniform()));
      const y = Array.from({ length: W }, () => Float64Array.from({ length: mPerWindow }, () => 1 + rng.normal()));

      let state: LagState | undefined;
      const assimilatedIn: number[] = new Array<number>(W).fill(-1);
      let entered = 0;
      for (let c = 0; c < W; c++) {
        const cyc = lagCycle(c, L, W);
        // Enter one at a time so each new window is drawn orthogonal to the ones before it.
        for (const w of cyc.enter) {
          const others = state ? state.Xprime : new Float64Array(0);
          state = enterWindows(state, n, N, [{ window: w, x: Float64Array.from(xPrior), Xprime: exactDraw(B, n, N, others, rng) }]);
        }
        expect(state!.windows).toEqual(cyc.span);
        if (cyc.enter.length > 0) {
          const S = cyc.span.length;
          const rows = cyc.enter.flatMap((w) => Array.from({ length: mPerWindow }, (_, i) => ({ w, i })));
          const m = rows.length;
          // H restricted to the span's columns; nothing outside the span may be seen.
          const Hs = new Float64Array(m * S * n);
          rows.forEach(({ w, i }, r) => {
            for (let j = 0; j < W * n; j++) {
              const win = Math.floor(j / n);
              const v = H[w]![i * W * n + j]!;
              if (win < c || win > cyc.span[S - 1]!) expect(v).toBe(0);
              else Hs[r * S * n + (win - c) * n + (j % n)] = v;
            }
          });
          const st = state!;
          const res = ensrfSerial(
            {
              nparams: S * n,
              nmembers: N,
              nobs: m,
              x: st.x,
              Xprime: st.Xprime,
              Hx: mul(Hs, st.x, m, S * n, 1),
              HXprime: mul(Hs, st.Xprime, m, S * n, N),
              obs: Float64Array.from(rows, ({ w, i }) => y[w]![i]!),
              R: Float64Array.from(rows, ({ w, i }) => R[w]![i]!),
            },
            { meanIsMember0: true, rejectionThreshold: 1e9 },
          );
          expect(Array.from(res.flags)).toEqual(new Array(m).fill(0));
          for (const w of cyc.enter) {
            expect(assimilatedIn[w]).toBe(-1); // assimilated exactly once
            assimilatedIn[w] = c;
          }
          state = { ...st, x: res.x, Xprime: res.Xprime };
          entered = cyc.span[S - 1]! + 1;
        }
        const { done, rest } = leaveOldest(state!);
        state = rest.windows.length > 0 ? rest : undefined;
        expect(done.window).toBe(c);

        // The big update: windows 0 … entered−1, prior x_prior and block-diagonal B, every
        // observation assimilated so far (windows 0 … entered−1).
        const nb = entered * n;
        const xb = new Float64Array(nb);
        const Bb = new Float64Array(nb * nb);
        for (let w = 0; w < entered; w++) {
          xb.set(xPrior, w * n);
          for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) Bb[(w * n + i) * nb + w * n + j] = B[i * n + j]!;
        }
        const Hb = new Float64Array(entered * mPerWindow * nb);
        for (let w = 0; w < entered; w++) for (let i = 0; i < mPerWindow; i++) for (let j = 0; j < nb; j++) Hb[(w * mPerWindow + i) * nb + j] = H[w]![i * W * n + j]!;
        const ys = Float64Array.from({ length: entered * mPerWindow }, (_, k) => y[Math.floor(k / mPerWindow)]![k % mPerWindow]!);
        const Rs = Float64Array.from({ length: entered * mPerWindow }, (_, k) => R[Math.floor(k / mPerWindow)]![k % mPerWindow]!);
        const { xa, Pa } = kalman(xb, Bb, Hb, ys, Rs);
        const xc = xa.slice(c * n, (c + 1) * n);
        const Pc = mat(n, n, (i, j) => Pa[(c * n + i) * nb + c * n + j]!);
        expect(maxAbsDiff(done.x, xc)).toBeLessThan(1e-9);
        expect(maxAbsDiff(sampleCov(done.Xprime, n, N), Pc)).toBeLessThan(1e-9);
        // ... and the observations did move it (not the prior).
        expect(maxAbsDiff(done.x, xPrior)).toBeGreaterThan(1e-3);
      }
      expect(assimilatedIn).toEqual(Array.from({ length: W }, (_, w) => Math.max(0, w - L + 1)));
      expect(state).toBeUndefined();
    });
  }
});

describe("CTDAS's prior mean for windows entering later (nlag >= 3)", () => {
  it('is the prior for lag < 3 or fewer than two windows, else (prior + newest + second newest) / 3', () => {
    const xp = Float64Array.of(1, 2);
    const st: LagState = { nparams: 2, nmembers: 1, windows: [4, 5, 6], x: Float64Array.of(10, 20, 30, 40, 50, 60), Xprime: new Float64Array(6) };
    expect(Array.from(enteringMean(xp, st, 4))).toEqual([(1 + 30 + 50) / 3, (2 + 40 + 60) / 3]);
    expect(Array.from(enteringMean(xp, st, 2))).toEqual([1, 2]);
    expect(Array.from(enteringMean(xp, undefined, 3))).toEqual([1, 2]);
    expect(Array.from(enteringMean(xp, { ...st, windows: [6], x: Float64Array.of(7, 8), Xprime: new Float64Array(2) }, 3))).toEqual([1, 2]);
  });

  it('lag 3 cycles with it equal a Kalman filter whose entering windows get that mean and B (own dense algebra)', () => {
    // Reference: the mean and full covariance of the span, cycle by cycle: enter (mean from the
    // rule on the reference's own means, covariance B, uncorrelated), one exact update with the
    // entering windows' observations, the oldest leaves. The ensemble is drawn exactly (sample
    // covariance B, orthogonal to the others), so the lagged EnSRF must match it to rounding.
    const L = 3, W = 6, n = 2, N = L * n + 3, mPerWindow = 3;
    const rng = createRng(321);
    const B = mat(n, n, (i, j) => (i === j ? 0.6 : 0.2));
    const xPrior = Float64Array.of(1, 0.8);
    const H = Array.from({ length: W }, (_, w) => mat(mPerWindow, W * n, (_, j) => (Math.floor(j / n) <= w && Math.floor(j / n) > w - L ? rng.uniform() * 2 - 1 : 0)));
    const R = Array.from({ length: W }, () => Float64Array.from({ length: mPerWindow }, () => 0.1 + rng.uniform() * 0.2));
    const y = Array.from({ length: W }, () => Float64Array.from({ length: mPerWindow }, () => 2 + rng.normal()));
    let state: LagState | undefined;
    let refX: Float64Array = new Float64Array(0);
    let refP: Float64Array = new Float64Array(0);
    let moved = 0;
    for (let c = 0; c < W; c++) {
      const cyc = lagCycle(c, L, W);
      for (const w of cyc.enter) {
        const S0 = refX.length / n;
        const mean = c === 0 ? Float64Array.from(xPrior) : Float64Array.from(xPrior, (p, i) => (p + refX[(S0 - 1) * n + i]! + refX[(S0 - 2) * n + i]!) / 3);
        const got = c === 0 ? Float64Array.from(xPrior) : enteringMean(xPrior, state, L);
        expect(maxAbsDiff(got, mean)).toBeLessThan(1e-12);
        if (c > 0) moved = Math.max(moved, maxAbsDiff(got, xPrior));
        state = enterWindows(state, n, N, [{ window: w, x: got, Xprime: exactDraw(B, n, N, state ? state.Xprime : new Float64Array(0), rng) }]);
        const m0 = refX.length;
        const x1 = new Float64Array(m0 + n);
        x1.set(refX);
        x1.set(mean, m0);
        const P1 = mat(m0 + n, m0 + n, (i, j) => (i < m0 && j < m0 ? refP[i * m0 + j]! : i >= m0 && j >= m0 ? B[(i - m0) * n + (j - m0)]! : 0));
        refX = x1;
        refP = P1;
      }
      const S = cyc.span.length;
      if (cyc.enter.length > 0) {
        const rows = cyc.enter.flatMap((w) => Array.from({ length: mPerWindow }, (_, i) => ({ w, i })));
        const m = rows.length;
        const Hs = mat(m, S * n, (r, j) => H[rows[r]!.w]![rows[r]!.i * W * n + c * n + j]!);
        const obs = Float64Array.from(rows, ({ w, i }) => y[w]![i]!);
        const Rv = Float64Array.from(rows, ({ w, i }) => R[w]![i]!);
        const st = state!;
        const res = ensrfSerial(
          { nparams: S * n, nmembers: N, nobs: m, x: st.x, Xprime: st.Xprime, Hx: mul(Hs, st.x, m, S * n, 1), HXprime: mul(Hs, st.Xprime, m, S * n, N), obs, R: Rv },
          { meanIsMember0: true, rejectionThreshold: 1e9 },
        );
        state = { ...st, x: res.x, Xprime: res.Xprime };
        const k = kalman(refX, refP, Hs, obs, Rv);
        refX = k.xa;
        refP = k.Pa;
      }
      const { done, rest } = leaveOldest(state!);
      state = rest.windows.length > 0 ? rest : undefined;
      expect(maxAbsDiff(done.x, refX.slice(0, n))).toBeLessThan(1e-9);
      expect(maxAbsDiff(sampleCov(done.Xprime, n, N), mat(n, n, (i, j) => refP[i * S * n + j]!))).toBeLessThan(1e-9);
      refX = refX.slice(n);
      refP = mat(S * n - n, S * n - n, (i, j) => refP[(i + n) * S * n + j + n]!);
    }
    // The rule did something: entering means left the prior.
    expect(moved).toBeGreaterThan(1e-2);
  });
});

describe('span mapping and plans', () => {
  it('a span mapping of S windows gives each window the flux of its own mapping and its own state block', () => {
    const rng = createRng(5);
    const nCells = 7;
    const nP = [3, 3, 3];
    const unitA = Int32Array.of(0, 1, -1, 1, 0, 2, -1);
    const unitB = Int32Array.of(-1, -1, 0, -1, -1, -1, 1);
    const maps = nP.map((p) =>
      buildMapping(p, nCells, [
        { name: 'bio', pattern: Float64Array.from({ length: p * nCells }, () => rng.normal()), unit: unitA, prior: 1 },
        { name: 'ocean', pattern: Float64Array.from({ length: p * nCells }, () => rng.normal()), unit: unitB, prior: 1 },
      ]),
    );
    const ns = maps[0]!.nState;
    const S = maps.length;
    const K = 2;
    const states = Float64Array.from({ length: S * ns * K }, () => rng.normal());
    const span = spanMapping(maps);
    expect(span.nPeriods).toBe(9);
    const got = applyMapping(span, toSpanLayout(states, S, K, maps[0]!), K);
    // By hand: window j's periods are its own mapping applied to its own block of the lagged state.
    for (let j = 0; j < S; j++) {
      const own = applyMapping(maps[j]!, states.slice(j * ns * K, (j + 1) * ns * K), K);
      expect(maxAbsDiff(got.subarray(j * 3 * nCells * K, (j + 1) * 3 * nCells * K), own)).toBeLessThan(1e-15);
    }
    expect(spanMapping([maps[0]!])).toBe(maps[0]);
  });
  it('concatenated plans shift each plan onto the span time axis', () => {
    const p = { nSamples: 2, rowPtr: Int32Array.of(0, 1, 3), step: Int32Array.of(4, 0, 8), cell: Int32Array.of(5, 6, 7), weight: Float64Array.of(1, 0.5, 0.5) };
    const q = { nSamples: 1, rowPtr: Int32Array.of(0, 1), step: Int32Array.of(2), cell: Int32Array.of(9), weight: Float64Array.of(1) };
    const c = concatPlans([p, q], [0, 8]);
    expect(Array.from(c.rowPtr)).toEqual([0, 1, 3, 4]);
    expect(Array.from(c.step)).toEqual([4, 0, 8, 10]);
    expect(Array.from(c.cell)).toEqual([5, 6, 7, 9]);
  });
});

describe('solver.lag in the configuration', () => {
  const lineOf = (text: string): string => {
    try {
      parseConfigText(text, 'run.yaml');
    } catch (err) {
      if (isTanhuiError(err)) return err.toLine();
      throw err;
    }
    return '';
  };
  it('accepts lag > 1 with the two-step rerun, and names the key of what it cannot do', () => {
    expect(parseConfigText('solver: {lag: 3}').solver.lag).toBe(3);
    expect(lineOf('solver: {lag: 2, twoStep: combine}')).toMatch(/key solver\.twoStep/);
    expect(lineOf('solver: {lag: 2, twoStep: combine}')).toContain("'combine' needs lag 1");
    expect(lineOf('solver: {lag: 0}')).toMatch(/expected an integer from 1 to 52.*key solver\.lag/);
    expect(lineOf('solver: {lag: 1, twoStep: combine}')).toBe('');
  });
  it("lagEnteringMean is 'ctdas' by default, 'prior' on request, and names the key otherwise", () => {
    expect(parseConfigText('solver: {lag: 3}').solver.lagEnteringMean).toBe('ctdas');
    expect(parseConfigText('solver: {lag: 3, lagEnteringMean: prior}').solver.lagEnteringMean).toBe('prior');
    expect(lineOf('solver: {lag: 3, lagEnteringMean: mean}')).toMatch(/expected 'ctdas' or 'prior'.*key solver\.lagEnteringMean/);
  });
});
