// The row half of the serial EnSRF through the WebAssembly SIMD kernel (ensrf_rows) against the
// JavaScript loops (same arithmetic, so the same bits), against the literal CTDAS transcription,
// and the CT2007 decisions at the exact threshold.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRng, type Rng } from '@tanhui/core';
import { setGemmBackend } from '../kernels/gemm';
import { maxAbs, maxAbsDiff } from '../testing/naive';
import { ctdasSerialReference } from '../testing/ctdas-reference';
import { ensrfSerial, ensrfSerialPlan } from './serial';
import { ensrfUpdateRows, prepareRowLocalization } from './rows';
import { ct2007TValue } from './student-t';
import type { ObsSequence } from './sequence';
import type { EnsembleProblem, EnsrfResult } from './types';

const wasmApi = (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly;

afterEach(() => setGemmBackend('auto'));

/** Random ensemble problem (HX′ not tied to X′): rejections, skipped flags, some obs not localised. */
function problem(rng: Rng, nparams: number, N: number, nobs: number, member0: boolean): EnsembleProblem {
  const deviations = (rows: number, scale: number) => {
    const a = new Float64Array(rows * N);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < N; j++) a[r * N + j] = scale * rng.normal();
      if (member0) a[r * N] = 0;
      else {
        let m = 0;
        for (let j = 0; j < N; j++) m += a[r * N + j];
        for (let j = 0; j < N; j++) a[r * N + j] -= m / N;
      }
    }
    return a;
  };
  const Xprime = deviations(nparams, 1);
  const HXprime = deviations(nobs, 0.7);
  // Make some rows correlate with some observations (so the test keeps and drops gains).
  for (let r = 0; r < nparams; r++) {
    const m = r % nobs;
    const c = 0.6 * rng.uniform();
    for (let j = 0; j < N; j++) Xprime[r * N + j] += c * HXprime[m * N + j];
  }
  const R = Float64Array.from({ length: nobs }, () => 0.2 + rng.uniform());
  const Hx = Float64Array.from({ length: nobs }, () => rng.normal());
  const obs = Float64Array.from(Hx, (v, i) => v + 0.8 * Math.sqrt(R[i]) * rng.normal());
  const flags = new Int32Array(nobs);
  const mayLocalize = new Uint8Array(nobs).fill(1);
  if (nobs > 2) {
    obs[1] += 40; // rejected
    flags[nobs - 1] = 1; // skipped
    mayLocalize[0] = 0; // assimilated without the test
  }
  return { nparams, nmembers: N, nobs, x: Float64Array.from({ length: nparams }, () => rng.normal()), Xprime, Hx, HXprime, obs, R, flags, mayLocalize };
}

function expectSameBits(a: EnsrfResult, b: EnsrfResult): void {
  for (const k of ['x', 'Xprime', 'Hx', 'HXprime', 'HPHR'] as const) {
    const u = a[k], v = b[k];
    expect(u.length).toBe(v.length);
    for (let i = 0; i < u.length; i++) if (!Object.is(u[i], v[i])) expect([k, i, u[i]]).toEqual([k, i, v[i]]);
  }
  expect(Array.from(a.flags)).toEqual(Array.from(b.flags));
}

function withJs<T>(f: () => T): T {
  setGemmBackend('js');
  try {
    return f();
  } finally {
    setGemmBackend('auto');
  }
}

describe('serial EnSRF rows through the WebAssembly SIMD kernel', () => {
  // Rows not a multiple of a group (6) or a block (96), N odd and even, 1 row, 1 obs.
  const shapes: [number, number, number][] = [[1, 3, 1], [5, 4, 3], [97, 7, 6], [200, 20, 12], [301, 37, 9]];
  for (const [nparams, N, nobs] of shapes)
    for (const member0 of [true, false]) {
      it(`gives the JavaScript loop's bits: ${nparams} rows, N = ${N}, ${nobs} obs, ${member0 ? 'member 0 mean' : 'ensemble mean'}`, () => {
        const p = problem(createRng(nparams * 31 + N), nparams, N, nobs, member0);
        for (const kind of ['CT2007', 'none'] as const) {
          const options = { localization: { kind }, stateUpdate: 'rows' as const, meanIsMember0: member0 };
          const wasm = ensrfSerial(p, options);
          const js = withJs(() => ensrfSerial(p, options));
          expectSameBits(wasm, js);
          if (nobs > 2) expect(wasm.flags[1]).toBe(2);
          // In place: the same bits written into the caller's arrays.
          const q = { ...p, x: p.x.slice(), Xprime: p.Xprime.slice(), Hx: p.Hx.slice(), HXprime: p.HXprime.slice(), flags: Int32Array.from(p.flags!) };
          const inPlace = ensrfSerial(q, { ...options, inPlace: true });
          expect(inPlace.Xprime).toBe(q.Xprime);
          expectSameBits(inPlace, wasm);
        }
      });
    }

  it('equals the literal CTDAS transcription to 1e-10 (both backends), and CT2007 changes the answer', () => {
    const nparams = 150, N = 15, nobs = 10;
    const p = problem(createRng(11), nparams, N, nobs, true);
    const ref = ctdasSerialReference(
      { nparams, N, nobs, x: p.x, Xp: p.Xprime, Hx: p.Hx, HXp: p.HXprime, obs: p.obs, R: p.R, mayReject: new Array<number>(nobs).fill(1), mayLocalize: Array.from(p.mayLocalize!), flags: Array.from(p.flags!) },
      'CT2007',
      ct2007TValue(N),
    );
    for (const run of [() => ensrfSerial(p, { localization: { kind: 'CT2007' } }), () => withJs(() => ensrfSerial(p, { localization: { kind: 'CT2007' } }))]) {
      const res = run();
      expect(Array.from(res.flags)).toEqual(ref.flags);
      expect(maxAbsDiff(res.x, ref.x) / maxAbs(ref.x)).toBeLessThan(1e-10);
      expect(maxAbsDiff(res.Xprime, ref.Xprime) / maxAbs(ref.Xprime)).toBeLessThan(1e-10);
    }
    const unloc = ensrfSerial(p, { localization: { kind: 'none' }, stateUpdate: 'rows' });
    expect(maxAbsDiff(unloc.x, ref.x)).toBeGreaterThan(1e-6);
  });

  it('CT2007 decisions are identical at the exact threshold: a row is kept at tValue = |t| and dropped one ulp above', () => {
    const N = 24, nparams = 40;
    const rng = createRng(5);
    const h = Float64Array.from({ length: N }, (_, j) => (j === 0 ? 0 : rng.normal()));
    // Rows c·h + noise with correlations spread around the 95% threshold.
    const Xp = new Float64Array(nparams * N);
    for (let r = 0; r < nparams; r++) {
      const c = 0.1 + 0.5 * (r / nparams);
      for (let j = 1; j < N; j++) Xp[r * N + j] = c * h[j] + rng.normal();
    }
    // |t| of each row from the definition (Pearson correlation, member-order sums, then
    // t = r/√((1−r²)/(N−2))), written out here.
    let hSum = 0;
    for (let j = 0; j < N; j++) hSum += h[j];
    let hCss = 0;
    for (let j = 0; j < N; j++) hCss += (h[j] - hSum / N) ** 2;
    const tAbs = Array.from({ length: nparams }, (_, r) => {
      let d = 0, s = 0, q = 0;
      for (let j = 0; j < N; j++) {
        const v = Xp[r * N + j];
        d += v * h[j];
        s += v;
        q += v * v;
      }
      const varx = q - (s * s) / N;
      const corr = (d - (s * hSum) / N) / Math.sqrt(varx * hCss);
      return Math.abs(corr / Math.sqrt((1 - corr * corr) / (N - 2)));
    });
    const p: EnsembleProblem = { nparams, nmembers: N, nobs: 1, x: new Float64Array(nparams), Xprime: Xp, Hx: Float64Array.of(0), HXprime: h, obs: Float64Array.of(0.5), R: Float64Array.of(1) };
    const nextUp = (v: number) => {
      const b = new DataView(new ArrayBuffer(8));
      b.setFloat64(0, v);
      b.setBigUint64(0, b.getBigUint64(0) + 1n);
      return b.getFloat64(0);
    };
    const sorted = [...tAbs].sort((a, b) => a - b);
    // Thresholds on both sides of the 95% value and exactly at / one ulp above row ranks.
    const probes = [ct2007TValue(N), sorted[5], nextUp(sorted[5]), sorted[20], nextUp(sorted[20]), sorted[nparams - 1], nextUp(sorted[nparams - 1])];
    let dropped = 0;
    for (const tValue of probes) {
      const options = { localization: { kind: 'CT2007' as const, tValue } };
      for (const res of [ensrfSerial(p, options), withJs(() => ensrfSerial(p, options))]) {
        const kept = Array.from(res.x, (v) => v !== 0);
        expect(kept).toEqual(tAbs.map((t) => !(t < tValue)));
        dropped += kept.filter((k) => !k).length;
      }
    }
    expect(dropped).toBeGreaterThan(0);
    expect(tAbs.some((t) => t < ct2007TValue(N)) && tAbs.some((t) => t > ct2007TValue(N))).toBe(true);
  });

  it('rows into separate output arrays, in chunks, equal the in-place update; the prior is untouched', () => {
    const nparams = 250, N = 21, nobs = 8;
    const p = problem(createRng(3), nparams, N, nobs, true);
    const loc = prepareRowLocalization({ kind: 'CT2007' }, N, nobs);
    const { sequence, result } = ensrfSerialPlan(p);
    const x0 = result.x.slice(), X0 = result.Xprime.slice();
    const whole = ensrfSerial(p, { localization: { kind: 'CT2007' } });
    for (const backend of ['auto', 'js'] as const) {
      setGemmBackend(backend);
      const out = { x: new Float64Array(nparams), Xprime: new Float64Array(nparams * N) };
      for (const [a, b] of [[200, 250], [0, 7], [7, 200]]) ensrfUpdateRows(sequence, result.x, result.Xprime, a, b, loc, out);
      expect(Array.from(out.x)).toEqual(Array.from(whole.x));
      expect(Array.from(out.Xprime)).toEqual(Array.from(whole.Xprime));
      expect(Array.from(result.Xprime)).toEqual(Array.from(X0));
      expect(Array.from(result.x)).toEqual(Array.from(x0));
    }
  });

  it('more observations than the module holds at once (records fed in chunks) give the JavaScript bits', () => {
    // 1100 records of 8 + 500 doubles exceed the 2^19-double record area: three chunks.
    const N = 500, count = 1100, nparams = 13;
    const rng = createRng(8);
    const h = Float64Array.from({ length: count * N }, () => rng.normal());
    const hSum = new Float64Array(count), hCss = new Float64Array(count);
    for (let k = 0; k < count; k++) {
      let s = 0;
      for (let j = 0; j < N; j++) s += h[k * N + j];
      let c = 0;
      for (let j = 0; j < N; j++) c += (h[k * N + j] - s / N) ** 2;
      hSum[k] = s;
      hCss[k] = c;
    }
    const seq: ObsSequence = {
      nmembers: N,
      count,
      obsIndex: Int32Array.from({ length: count }, (_, k) => k),
      h,
      innovation: Float64Array.from({ length: count }, () => rng.normal()),
      invDen: Float64Array.from({ length: count }, () => 1 / ((N - 1) * (N + 5))),
      alpha: Float64Array.from({ length: count }, () => 0.3 + 0.1 * rng.uniform()),
      localize: Uint8Array.from({ length: count }, (_, k) => (k % 7 === 3 ? 0 : 1)),
      hSum,
      hCss,
    };
    const x = Float64Array.from({ length: nparams }, () => rng.normal());
    const X = Float64Array.from({ length: nparams * N }, () => rng.normal());
    const loc = prepareRowLocalization({ kind: 'CT2007' }, N, 1);
    const xw = x.slice(), Xw = X.slice();
    ensrfUpdateRows(seq, xw, Xw, 0, nparams, loc);
    const xj = x.slice(), Xj = X.slice();
    withJs(() => ensrfUpdateRows(seq, xj, Xj, 0, nparams, loc));
    expect(Array.from(xw)).toEqual(Array.from(xj));
    expect(Array.from(Xw)).toEqual(Array.from(Xj));
    expect(maxAbsDiff(xw, x)).toBeGreaterThan(0);
  });

  it('without WebAssembly SIMD the JavaScript loops run and give the same bits', async () => {
    const p = problem(createRng(21), 60, 9, 5, true);
    const options = { localization: { kind: 'CT2007' as const } };
    const wasm = ensrfSerial(p, options);
    vi.resetModules();
    vi.stubGlobal('WebAssembly', { ...wasmApi, validate: () => false });
    try {
      const fresh = await import('../index');
      expect(fresh.gemmBackend()).toBe('js');
      expectSameBits(fresh.ensrfSerial(p, options), wasm);
    } finally {
      vi.unstubAllGlobals();
      vi.resetModules();
    }
  });
});
