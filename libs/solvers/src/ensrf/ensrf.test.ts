import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isTanhuiError } from '@tanhui/core';
import { createRng, type Rng } from '@tanhui/core';
import { cholesky } from '../kernels/cholesky';
import { setGemmBackend } from '../kernels/gemm';
import { diagMatrix, kalmanPosterior, matmul, maxAbs, maxAbsDiff, randomSpd, transposeNaive } from '../testing/naive';
import { ctdasSerialReference } from '../testing/ctdas-reference';
import { ensrfSerial, ensrfSerialPlan, ensrfSerialRoute } from './serial';
import { ensrfBulk } from './bulk';
import { applyEnsembleTransform, ensrfEnsembleSpace, ensrfEnsembleSpacePlan } from './ensemble-space';
import { Worker } from 'node:worker_threads';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensrfUpdateRows, prepareRowLocalization } from './rows';
import { ct2007TValue, studentTQuantile } from './student-t';
import { gaspariCohn, greatCircleKm } from './localization';
import type { EnsembleProblem } from './types';

/** Rows of an n×N matrix orthonormal and orthogonal to 1 (ensemble mean) or with column 0 zero. */
function orthonormalRows(n: number, N: number, member0: boolean, rng: Rng): Float64Array {
  const rows: Float64Array[] = [];
  const basis: Float64Array[] = [];
  if (!member0) basis.push(new Float64Array(N).fill(1 / Math.sqrt(N)));
  while (rows.length < n) {
    const v = Float64Array.from({ length: N }, () => rng.normal());
    if (member0) v[0] = 0;
    for (let pass = 0; pass < 2; pass++)
      for (const b of [...basis, ...rows]) {
        let s = 0;
        for (let j = 0; j < N; j++) s += v[j] * b[j];
        for (let j = 0; j < N; j++) v[j] -= s * b[j];
      }
    const norm = Math.sqrt(v.reduce((s, a) => s + a * a, 0));
    rows.push(v.map((a) => a / norm));
  }
  const out = new Float64Array(n * N);
  rows.forEach((r, i) => out.set(r, i * N));
  return out;
}

interface Linear {
  problem: EnsembleProblem;
  H: Float64Array;
  B: Float64Array;
}

/** Linear problem with Hx = H·x, HX′ = H·X′; exact=true makes X′X′ᵀ/(N−1) = B exactly. */
function linearProblem(n: number, N: number, nobs: number, seed: number, opts: { exact?: boolean; member0?: boolean; rStd?: number; blindCols?: number } = {}): Linear {
  const rng = createRng(seed);
  const member0 = opts.member0 ?? true;
  const H = Float64Array.from({ length: nobs * n }, () => rng.uniform() * 2 - 1);
  // Lag layout: the first blindCols state rows (older windows) are not seen by any obs.
  for (let i = 0; i < nobs; i++) for (let j = 0; j < (opts.blindCols ?? 0); j++) H[i * n + j] = 0;
  const x = Float64Array.from({ length: n }, () => rng.normal());
  let B: Float64Array;
  let Xp: Float64Array;
  if (opts.exact) {
    B = randomSpd(n, () => rng.uniform() * 2 - 1, 0.3);
    const L = cholesky(B, n);
    const U = orthonormalRows(n, N, member0, rng);
    Xp = matmul(n, N, n, L, U).map((v) => v * Math.sqrt(N - 1));
  } else {
    Xp = Float64Array.from({ length: n * N }, () => rng.normal());
    for (let r = 0; r < n; r++) {
      if (member0) Xp[r * N] = 0;
      else {
        let m = 0;
        for (let j = 0; j < N; j++) m += Xp[r * N + j];
        for (let j = 0; j < N; j++) Xp[r * N + j] -= m / N;
      }
    }
    B = matmul(n, n, N, Xp, transposeNaive(n, N, Xp)).map((v) => v / (N - 1));
  }
  const Hx = matmul(nobs, 1, n, H, x);
  const HXp = matmul(nobs, N, n, H, Xp);
  const rStd = opts.rStd ?? 1;
  const R = Float64Array.from({ length: nobs }, () => rStd * rStd * (0.5 + rng.uniform()));
  // Observations within ±2σ of the prior so nothing is rejected unless a test wants it.
  const obs = Float64Array.from({ length: nobs }, (_, i) => Hx[i] + 0.5 * Math.sqrt(R[i]) * (rng.uniform() * 2 - 1));
  return {
    H,
    B,
    problem: { nparams: n, nmembers: N, nobs, x, Xprime: Xp, Hx, HXprime: HXp, obs, R, mayReject: new Uint8Array(nobs).fill(1), mayLocalize: new Uint8Array(nobs).fill(1), flags: new Int32Array(nobs) },
  };
}

function sampleCov(n: number, N: number, Xp: Float64Array): Float64Array {
  return matmul(n, n, N, Xp, transposeNaive(n, N, Xp)).map((v) => v / (N - 1));
}

const solvers = { serial: ensrfSerial, bulk: ensrfBulk, 'ensemble-space': ensrfEnsembleSpace } as const;

describe('EnSRF exactness: an ensemble spanning B gives the Kalman posterior', () => {
  for (const member0 of [true, false]) {
    for (const [name, solve] of Object.entries(solvers)) {
      it(`${name}, ${member0 ? 'mean is member 0' : 'ensemble-mean'} convention`, () => {
        const n = 6, N = member0 ? 8 : 7, nobs = 9;
        const { problem, H, B } = linearProblem(n, N, nobs, 11 + n + (member0 ? 1 : 0), { exact: true, member0 });
        expect(maxAbsDiff(sampleCov(n, N, problem.Xprime), B)).toBeLessThan(1e-12);
        const k = kalmanPosterior(nobs, n, H, problem.obs, diagMatrix(problem.R), problem.x, B);
        const res = solve(problem, { meanIsMember0: member0 });
        expect(Array.from(res.flags)).toEqual(new Array(nobs).fill(0));
        expect(maxAbsDiff(res.x, k.xa) / maxAbs(k.xa)).toBeLessThan(1e-10);
        expect(maxAbsDiff(sampleCov(n, N, res.Xprime), k.Pa) / maxAbs(k.Pa)).toBeLessThan(1e-10);
        // Obs-space outputs stay consistent with the state for a linear H.
        expect(maxAbsDiff(res.Hx, matmul(nobs, 1, n, H, res.x))).toBeLessThan(1e-10);
        expect(maxAbsDiff(res.HXprime, matmul(nobs, N, n, H, res.Xprime))).toBeLessThan(1e-10);
        // Conventions are preserved: column 0 stays zero / rows keep summing to zero.
        for (let r = 0; r < n; r++) {
          const row = res.Xprime.subarray(r * N, r * N + N);
          if (member0) expect(Math.abs(row[0])).toBeLessThan(1e-14);
          else expect(Math.abs(row.reduce((s, v) => s + v, 0))).toBeLessThan(1e-12);
        }
        // HPHR of obs 0 is its prior HBHᵀ + R (first in the sequence).
        const hbh = matmul(1, 1, n, H.subarray(0, n), matmul(n, 1, n, B, H.subarray(0, n)))[0];
        expect(res.HPHR[0]).toBeCloseTo(hbh + problem.R[0], 10);
      });
    }
  }
});

describe('serial EnSRF against a literal transcription of CTDAS', () => {
  for (const loc of ['none', 'CT2007'] as const) {
    it(`matches CTDAS's loop (localisation ${loc}), including rejections and skipped flags`, () => {
      const n = 40, N = 20, nobs = 12;
      const { problem } = linearProblem(n, N, nobs, 5, { rStd: 0.4 });
      const obs = Float64Array.from(problem.obs);
      obs[3] += 50; // rejected (far outside 3σ)
      obs[7] += 50; // same but may_reject = 0: assimilated
      const mayReject = new Uint8Array(nobs).fill(1);
      mayReject[7] = 0;
      const mayLocalize = new Uint8Array(nobs).fill(1);
      mayLocalize[5] = 0;
      const flags = new Int32Array(nobs);
      flags[9] = 1; // skipped, left as is
      const p = { ...problem, obs, mayReject, mayLocalize, flags };
      const tvalue = ct2007TValue(N);
      const ref = ctdasSerialReference(
        { nparams: n, N, nobs, x: p.x, Xp: p.Xprime, Hx: p.Hx, HXp: p.HXprime, obs, R: p.R, mayReject: Array.from(mayReject), mayLocalize: Array.from(mayLocalize), flags: Array.from(flags) },
        loc,
        tvalue,
      );
      for (const obsSpace of ['direct', 'transform'] as const) {
        const res = ensrfSerial(p, { localization: { kind: loc }, obsSpace });
        expect(Array.from(res.flags)).toEqual(ref.flags);
        expect(res.flags[3]).toBe(2);
        expect(res.flags[7]).toBe(0);
        expect(res.flags[9]).toBe(1);
        expect(maxAbsDiff(res.x, ref.x) / maxAbs(ref.x)).toBeLessThan(1e-10);
        expect(maxAbsDiff(res.Xprime, ref.Xprime) / maxAbs(ref.Xprime)).toBeLessThan(1e-10);
        expect(maxAbsDiff(res.Hx, ref.Hx) / maxAbs(ref.Hx)).toBeLessThan(1e-10);
        expect(maxAbsDiff(res.HXprime, ref.HXprime) / maxAbs(ref.HXprime)).toBeLessThan(1e-10);
        for (let i = 0; i < nobs; i++) {
          if (Number.isNaN(ref.HPHR[i])) expect(res.HPHR[i]).toBeNaN();
          else expect(res.HPHR[i]).toBeCloseTo(ref.HPHR[i], 10);
        }
      }
      // The input was not modified (copies by default).
      expect(p.x).toEqual(problem.x);
    });
  }

  it('CT2007 localisation actually removes gain for some rows (the test above is not vacuous)', () => {
    const { problem } = linearProblem(40, 20, 12, 5, { rStd: 0.4 });
    const a = ensrfSerial(problem, { localization: { kind: 'CT2007' } });
    const b = ensrfSerial(problem, { localization: { kind: 'none' } });
    expect(maxAbsDiff(a.x, b.x)).toBeGreaterThan(1e-6);
  });
});

describe('ensemble-space and bulk against serial (no localisation)', () => {
  it('ensemble-space equals plain serial to 1e-10 (N < n, many obs, a rejection)', () => {
    const n = 30, N = 9, nobs = 60;
    const { problem } = linearProblem(n, N, nobs, 21);
    const obs = Float64Array.from(problem.obs);
    obs[10] += 100;
    const p = { ...problem, obs };
    const s = ensrfSerial(p, { obsSpace: 'direct', stateUpdate: 'rows' });
    const e = ensrfEnsembleSpace(p);
    expect(s.flags[10]).toBe(2);
    expect(Array.from(e.flags)).toEqual(Array.from(s.flags));
    expect(maxAbsDiff(e.x, s.x) / maxAbs(s.x)).toBeLessThan(1e-10);
    expect(maxAbsDiff(e.Xprime, s.Xprime) / maxAbs(s.Xprime)).toBeLessThan(1e-10);
    expect(maxAbsDiff(e.Hx, s.Hx) / maxAbs(s.Hx)).toBeLessThan(1e-10);
    expect(maxAbsDiff(e.HXprime, s.HXprime) / maxAbs(s.HXprime)).toBeLessThan(1e-10);
  });

  it('bulk gives the serial mean and covariance (square roots may differ by a rotation)', () => {
    const n = 25, N = 12, nobs = 15;
    const { problem } = linearProblem(n, N, nobs, 8);
    const s = ensrfSerial(problem, { stateUpdate: 'rows' });
    const b = ensrfBulk(problem);
    expect(maxAbsDiff(b.x, s.x) / maxAbs(s.x)).toBeLessThan(1e-10);
    const Ps = sampleCov(n, N, s.Xprime);
    expect(maxAbsDiff(sampleCov(n, N, b.Xprime), Ps) / maxAbs(Ps)).toBeLessThan(1e-10);
    expect(maxAbsDiff(b.Hx, s.Hx) / maxAbs(s.Hx)).toBeLessThan(1e-10);
  });

  it('ensemble-space refuses localisation with a clear error', () => {
    const { problem } = linearProblem(5, 6, 3, 1);
    expect(() => ensrfEnsembleSpace(problem, { localization: { kind: 'CT2007' } })).toThrow(/cannot localise/);
  });
});

describe('ensrfSerial picks the ensemble-space route automatically (no localisation, N ≪ obs)', () => {
  for (const member0 of [true, false]) {
    it(`auto route equals the forced plain loop to 1e-10 (${member0 ? 'mean is member 0' : 'ensemble-mean'}), rejections and skipped flags included`, () => {
      const n = 120, N = member0 ? 10 : 9, nobs = 30;
      const { problem } = linearProblem(n, N, nobs, 31 + N, { member0, rStd: 0.5 });
      const obs = Float64Array.from(problem.obs);
      obs[4] += 40; // rejected
      obs[11] -= 40; // rejected
      obs[17] += 40; // may_reject = 0: assimilated anyway
      const mayReject = new Uint8Array(nobs).fill(1);
      mayReject[17] = 0;
      const flags = new Int32Array(nobs);
      flags[8] = 1; // skipped, left as is
      flags[21] = 2; // rejected before, left as is
      const p = { ...problem, obs, mayReject, flags };
      const options = { meanIsMember0: member0 };
      expect(ensrfSerialRoute(p, options)).toBe('ensemble-space');
      expect(ensrfSerialRoute(p, { ...options, stateUpdate: 'rows' })).toBe('rows');
      expect(ensrfSerialRoute(p, { ...options, localization: { kind: 'CT2007' } })).toBe('rows');
      const auto = ensrfSerial(p, options);
      for (const obsSpace of ['direct', 'transform'] as const) {
        const plain = ensrfSerial(p, { ...options, stateUpdate: 'rows', obsSpace });
        expect(Array.from(auto.flags)).toEqual(Array.from(plain.flags));
        expect([auto.flags[4], auto.flags[11], auto.flags[17], auto.flags[8], auto.flags[21]]).toEqual([2, 2, 0, 1, 2]);
        expect(maxAbsDiff(auto.x, plain.x) / maxAbs(plain.x)).toBeLessThan(1e-10);
        expect(maxAbsDiff(auto.Xprime, plain.Xprime) / maxAbs(plain.Xprime)).toBeLessThan(1e-10);
        expect(maxAbsDiff(auto.Hx, plain.Hx) / maxAbs(plain.Hx)).toBeLessThan(1e-10);
        expect(maxAbsDiff(auto.HXprime, plain.HXprime) / maxAbs(plain.HXprime)).toBeLessThan(1e-10);
        for (let i = 0; i < nobs; i++) {
          if (Number.isNaN(plain.HPHR[i])) expect(auto.HPHR[i]).toBeNaN();
          else expect(Math.abs(auto.HPHR[i] - plain.HPHR[i]) / plain.HPHR[i]).toBeLessThan(1e-10);
        }
      }
      // Still the serial update: the plain loop's answer differs from the prior (not vacuous).
      expect(maxAbsDiff(auto.x, p.x)).toBeGreaterThan(1e-3);
      // In place through the automatic route writes the same answer into the inputs.
      const q = { ...p, x: p.x.slice(), Xprime: p.Xprime.slice(), Hx: p.Hx.slice(), HXprime: p.HXprime.slice(), flags: Int32Array.from(flags) };
      const inPlace = ensrfSerial(q, { ...options, inPlace: true });
      expect(inPlace.x).toBe(q.x);
      expect(inPlace.Xprime).toBe(q.Xprime);
      expect(maxAbsDiff(q.Xprime, auto.Xprime) / maxAbs(auto.Xprime)).toBeLessThan(1e-13);
      expect(Array.from(q.flags)).toEqual(Array.from(auto.flags));
    });
  }

  it('ensemble-space gives the same bits with the WebAssembly SIMD kernels and with plain JavaScript', () => {
    const { problem } = linearProblem(700, 37, 80, 5, { member0: false });
    const obs = Float64Array.from(problem.obs);
    obs[3] += 30; // a rejection
    const p = { ...problem, obs };
    const wasm = ensrfSerial(p, { meanIsMember0: false });
    setGemmBackend('js');
    try {
      const js = ensrfSerial(p, { meanIsMember0: false });
      expect(wasm.flags[3]).toBe(2);
      for (const k of ['x', 'Xprime', 'Hx', 'HXprime', 'HPHR'] as const) expect(Array.from(wasm[k])).toEqual(Array.from(js[k]));
    } finally {
      setGemmBackend('auto');
    }
  });

  it('few observations or localisation keep the plain loop; forcing ensemble-space with localisation is refused', () => {
    const { problem } = linearProblem(30, 12, 5, 2);
    expect(ensrfSerialRoute(problem)).toBe('rows'); // N = 12 ≥ 2·5
    expect(ensrfSerialRoute({ ...problem, flags: Int32Array.of(0, 0, 0, 0, 0) })).toBe('rows');
    const many = linearProblem(30, 12, 7, 2).problem;
    expect(ensrfSerialRoute(many)).toBe('ensemble-space'); // 12 < 14
    expect(ensrfSerialRoute({ ...many, flags: Int32Array.of(1, 1, 0, 0, 0, 0, 0) })).toBe('rows'); // 5 usable
    expect(ensrfSerialRoute(many, { localization: { kind: 'none' } })).toBe('ensemble-space');
    expect(() => ensrfSerial(many, { stateUpdate: 'ensemble-space', localization: { kind: 'CT2007' } })).toThrow(/cannot localise/);
  });
});

describe('rejection', () => {
  it('rejects exactly beyond threshold·sqrt(R) and only for may_reject observations', () => {
    const base = linearProblem(4, 5, 2, 3).problem;
    const sd = Math.sqrt(base.R[0]);
    for (const [offset, mayReject, threshold, expected] of [
      [2.9, 1, 3, 0],
      [3.1, 1, 3, 2],
      [3.1, 0, 3, 0],
      [2.5, 1, 2, 2],
    ] as const) {
      const obs = Float64Array.from(base.obs);
      obs[0] = base.Hx[0] + offset * sd;
      const p = { ...base, obs, mayReject: Uint8Array.of(mayReject, 1) };
      for (const solve of [ensrfSerial, ensrfBulk, ensrfEnsembleSpace]) {
        const res = solve(p, { rejectionThreshold: threshold });
        expect(res.flags[0]).toBe(expected);
        if (expected === 2) expect(res.HPHR[0]).toBeNaN();
      }
    }
  });

  it('a rejected observation leaves the state as if it were absent', () => {
    const { problem } = linearProblem(6, 7, 3, 4);
    const obs = Float64Array.from(problem.obs);
    obs[1] += 1e3;
    const withBad = ensrfSerial({ ...problem, obs });
    const flags = Int32Array.of(0, 1, 0); // same obs skipped by flag
    const without = ensrfSerial({ ...problem, flags });
    expect(maxAbsDiff(withBad.x, without.x)).toBeLessThan(1e-14);
    expect(maxAbsDiff(withBad.Xprime, without.Xprime)).toBeLessThan(1e-14);
  });
});

describe('localisation hand cases', () => {
  it('CT2007: a weakly correlated row gets no gain; allowed rows get the unlocalised update', () => {
    const N = 20;
    // One obs whose HX′ is h; row 0 = h (corr 1), row 1 nearly orthogonal to h (|t| small).
    const rng = createRng(9);
    const h = Float64Array.from({ length: N }, (_, j) => (j === 0 ? 0 : rng.normal()));
    const noise = Float64Array.from({ length: N }, (_, j) => (j === 0 ? 0 : rng.normal()));
    const row1 = Float64Array.from(noise, (v, j) => v + 0.05 * h[j]);
    const Xp = new Float64Array(2 * N);
    Xp.set(h, 0);
    Xp.set(row1, N);
    const corr = (a: Float64Array, b: Float64Array) => {
      const ma = a.reduce((s, v) => s + v, 0) / N, mb = b.reduce((s, v) => s + v, 0) / N;
      let ab = 0, aa = 0, bb = 0;
      for (let j = 0; j < N; j++) { ab += (a[j] - ma) * (b[j] - mb); aa += (a[j] - ma) ** 2; bb += (b[j] - mb) ** 2; }
      return ab / Math.sqrt(aa * bb);
    };
    const r1 = corr(h, row1);
    expect(Math.abs(r1 / Math.sqrt((1 - r1 * r1) / (N - 2)))).toBeLessThan(ct2007TValue(N));
    const p: EnsembleProblem = { nparams: 2, nmembers: N, nobs: 1, x: Float64Array.of(1, 2), Xprime: Xp, Hx: Float64Array.of(0), HXprime: h, obs: Float64Array.of(0.5), R: Float64Array.of(1) };
    const hh = h.reduce((s, v) => s + v * v, 0);
    const hphr = hh / (N - 1) + 1;
    const gain0 = hh / (N - 1) / hphr;
    for (const solve of [ensrfSerial, ensrfBulk]) {
      const loc = solve(p, { localization: { kind: 'CT2007' } });
      expect(loc.x[0]).toBeCloseTo(1 + gain0 * 0.5, 12);
      expect(loc.x[1]).toBe(2);
      expect(Array.from(loc.Xprime.subarray(N))).toEqual(Array.from(row1));
      const allowed = solve({ ...p, mayLocalize: Uint8Array.of(0) }, { localization: { kind: 'CT2007' } });
      const gain1 = h.reduce((s, v, j) => s + v * row1[j], 0) / (N - 1) / hphr;
      expect(allowed.x[1]).toBeCloseTo(2 + gain1 * 0.5, 12);
    }
  });

  it('Gaspari–Cohn: weight 1 at the obs, 5/24 at one length scale, 0 beyond two', () => {
    expect(gaspariCohn(0)).toBe(1);
    expect(gaspariCohn(1)).toBeCloseTo(5 / 24, 14);
    expect(gaspariCohn(1 - 1e-9)).toBeCloseTo(gaspariCohn(1 + 1e-9), 7);
    expect(gaspariCohn(2)).toBe(0);
    expect(gaspariCohn(2.5)).toBe(0);
    // Equator, 1° of longitude = 2π·6371/360 km.
    expect(greatCircleKm(0, 0, 0, 1)).toBeCloseTo((2 * Math.PI * 6371) / 360, 9);
    expect(greatCircleKm(90, 0, -90, 0)).toBeCloseTo(Math.PI * 6371, 9);

    const N = 10;
    const rng = createRng(3);
    const h = Float64Array.from({ length: N }, (_, j) => (j === 0 ? 0 : rng.normal()));
    const c = 500; // km
    const deg = (km: number) => (km / ((2 * Math.PI * 6371) / 360));
    // Params on the equator at 0, c, 1.5c and 2.5c east of the obs; all rows equal h.
    const dists = [0, c, 1.5 * c, 2.5 * c];
    const Xp = new Float64Array(4 * N);
    for (let r = 0; r < 4; r++) Xp.set(h, r * N);
    const p: EnsembleProblem = { nparams: 4, nmembers: N, nobs: 1, x: new Float64Array(4), Xprime: Xp, Hx: Float64Array.of(0), HXprime: h, obs: Float64Array.of(1), R: Float64Array.of(0.5) };
    const localization = { kind: 'gaspari-cohn' as const, lengthScaleKm: c, obsLat: Float64Array.of(0), obsLon: Float64Array.of(0), paramLat: new Float64Array(4), paramLon: Float64Array.from(dists, deg) };
    const res = ensrfSerial(p, { localization });
    // With one observation the bulk update is the same, localised entry by entry.
    const bulk = ensrfBulk(p, { localization });
    expect(maxAbsDiff(bulk.x, res.x)).toBeLessThan(1e-12);
    expect(maxAbsDiff(bulk.Xprime, res.Xprime)).toBeLessThan(1e-12);
    const hh = h.reduce((s, v) => s + v * v, 0);
    const gain = hh / (N - 1) / (hh / (N - 1) + 0.5);
    const z15 = 1.5;
    const gc15 = (((z15 / 12 - 0.5) * z15 + 0.625) * z15 + 5 / 3) * z15 * z15 - 5 * z15 + 4 - 2 / (3 * z15);
    expect(res.x[0]).toBeCloseTo(gain, 12);
    expect(res.x[1]).toBeCloseTo((5 / 24) * gain, 9);
    expect(res.x[2]).toBeCloseTo(gc15 * gain, 9);
    expect(res.x[3]).toBe(0);
  });
});

describe('Student-t quantile (CT2007 threshold)', () => {
  it('reproduces CTDAS table values with N degrees of freedom', () => {
    expect(ct2007TValue(50)).toBeCloseTo(2.0086, 4);
    expect(ct2007TValue(100)).toBeCloseTo(1.984, 4);
    expect(ct2007TValue(150)).toBeCloseTo(1.97591, 5);
    expect(ct2007TValue(200)).toBeCloseTo(1.9719, 4);
    // N − 2 degrees of freedom would not: t(0.975, 48) = 2.0106.
    expect(Math.abs(studentTQuantile(0.975, 48) - 2.0086)).toBeGreaterThan(1e-3);
  });

  it('matches the closed forms for 1 and 2 degrees of freedom', () => {
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(Math.tan(Math.PI * 0.475), 9);
    const p = 0.975;
    expect(studentTQuantile(p, 2)).toBeCloseTo((2 * p - 1) / Math.sqrt(2 * p * (1 - p)), 10);
    expect(studentTQuantile(0.025, 7)).toBeCloseTo(-studentTQuantile(0.975, 7), 12);
  });
});

describe('row kernel over chunks and shared memory', () => {
  it('updating rows in chunks over SharedArrayBuffers equals the whole update', () => {
    const { problem } = linearProblem(50, 16, 10, 77);
    const whole = ensrfSerial(problem, { localization: { kind: 'CT2007' } });
    const { sequence, result } = ensrfSerialPlan(problem);
    const xs = new Float64Array(new SharedArrayBuffer(8 * 50));
    xs.set(result.x);
    const Xs = new Float64Array(new SharedArrayBuffer(8 * 50 * 16));
    Xs.set(result.Xprime);
    const loc = prepareRowLocalization({ kind: 'CT2007' }, 16, 10);
    // A structured clone of the sequence is what a worker would receive.
    const cloned = structuredClone(sequence);
    for (const [a, b] of [[30, 50], [0, 13], [13, 30]]) ensrfUpdateRows(cloned, xs, Xs, a, b, loc);
    expect(Array.from(xs)).toEqual(Array.from(whole.x));
    expect(Array.from(Xs)).toEqual(Array.from(whole.Xprime));
  });

  it('ensemble-space transform into separate output rows, in chunks (large enough for the wasm GEMM), equals the whole update; the prior is untouched', () => {
    const n = 1100, N = 40, nobs = 90;
    const { problem } = linearProblem(n, N, nobs, 78);
    const whole = ensrfEnsembleSpace(problem);
    const plain = ensrfSerial(problem, { stateUpdate: 'rows' });
    const { transform } = ensrfEnsembleSpacePlan(problem);
    const x0 = problem.x.slice();
    const X0 = problem.Xprime.slice();
    const out = { x: new Float64Array(n), Xprime: new Float64Array(n * N) };
    for (const [a, b] of [[700, 1100], [0, 513], [513, 700]]) applyEnsembleTransform(structuredClone(transform), problem.x, problem.Xprime, a, b, out);
    expect(Array.from(out.x)).toEqual(Array.from(whole.x));
    expect(Array.from(out.Xprime)).toEqual(Array.from(whole.Xprime));
    expect(Array.from(problem.x)).toEqual(Array.from(x0));
    expect(Array.from(problem.Xprime)).toEqual(Array.from(X0));
    // And in place, the same bits again.
    applyEnsembleTransform(transform, x0, X0, 0, n);
    expect(Array.from(X0)).toEqual(Array.from(whole.Xprime));
    // The transform is the serial update (independent route: the plain loop over rows).
    expect(maxAbsDiff(out.Xprime, plain.Xprime) / maxAbs(plain.Xprime)).toBeLessThan(1e-10);
    expect(maxAbsDiff(out.x, plain.x) / maxAbs(plain.x)).toBeLessThan(1e-10);
  });
});

describe('row kernels on real worker threads', () => {
  const workerFile = fileURLToPath(new URL('../__fixtures__/rows-worker.ts', import.meta.url));
  const runWorker = (data: Record<string, unknown>) =>
    new Promise<void>((resolve, reject) => {
      // Node 20 ignores `--import tsx` in a worker's execArgv: register tsx inside the worker.
      const boot = `const wt = require('node:worker_threads');
        import('tsx/esm/api')
          .then((m) => { m.register(); return import(${JSON.stringify(pathToFileURL(workerFile).href)}); })
          .then((task) => { task.run(wt.workerData); wt.parentPort.postMessage('done'); });`;
      const w = new Worker(boot, { eval: true, workerData: data, execArgv: ['--conditions=@tanhui/source'] });
      w.once('message', () => resolve());
      w.once('error', reject);
      w.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`worker exit ${code}`))));
    });

  it('two workers updating halves of SharedArrayBuffers give the single-thread bits', async () => {
    const { problem } = linearProblem(61, 12, 9, 31);
    const serial = ensrfSerial(problem, { localization: { kind: 'CT2007' } });
    const es = ensrfEnsembleSpace(problem);
    const share = (a: Float64Array) => {
      const s = new Float64Array(new SharedArrayBuffer(a.byteLength));
      s.set(a);
      return s;
    };
    const plan = ensrfSerialPlan(problem);
    const xs = share(plan.result.x);
    const Xs = share(plan.result.Xprime);
    const loc = prepareRowLocalization({ kind: 'CT2007' }, 12, 9);
    const esPlan = ensrfEnsembleSpacePlan(problem);
    const xe = share(esPlan.result.x);
    const Xe = share(esPlan.result.Xprime);
    const rowsJob = (a: number, b: number) => ({ kind: 'rows', sequence: plan.sequence, loc, xBuffer: xs.buffer, XBuffer: Xs.buffer, rowStart: a, rowEnd: b });
    const trJob = (a: number, b: number) => ({ kind: 'transform', transform: esPlan.transform, xBuffer: xe.buffer, XBuffer: Xe.buffer, rowStart: a, rowEnd: b });
    await Promise.all([runWorker({ jobs: [rowsJob(0, 30), trJob(0, 17)] }), runWorker({ jobs: [rowsJob(30, 61), trJob(17, 61)] })]);
    expect(Array.from(xs)).toEqual(Array.from(serial.x));
    expect(Array.from(Xs)).toEqual(Array.from(serial.Xprime));
    expect(maxAbsDiff(xe, es.x)).toBe(0);
    expect(maxAbsDiff(Xe, es.Xprime)).toBe(0);
  });
});

describe('conventions, lag and errors', () => {
  it('rejects an X′ that does not follow the declared convention, naming X_prime', () => {
    const { problem } = linearProblem(4, 6, 2, 2, { member0: false });
    let err: unknown;
    try {
      ensrfSerial(problem, { meanIsMember0: true });
    } catch (e) {
      err = e;
    }
    expect(isTanhuiError(err, 'BadValue')).toBe(true);
    expect((err as Error).message).toMatch(/X_prime row 0/);
    expect(() => ensrfSerial({ ...problem, HXprime: new Float64Array(3) }, { meanIsMember0: false })).toThrow(/HX_prime has 3 values/);
  });

  it('lagged state: obs of this cycle update all windows through their ensemble covariance', () => {
    // nlag = 2 windows × 3 params; obs see window 1 only. Window 0 changes through its
    // prior correlation with window 1, exactly as the Kalman posterior says.
    const n = 6, N = 9, nobs = 4;
    const { problem, H, B } = linearProblem(n, N, nobs, 12, { exact: true, blindCols: 3 });
    const k = kalmanPosterior(nobs, n, H, problem.obs, diagMatrix(problem.R), problem.x, B);
    for (const solve of [ensrfSerial, ensrfEnsembleSpace]) {
      const res = solve(problem);
      expect(maxAbsDiff(res.x.subarray(0, 3), problem.x.subarray(0, 3))).toBeGreaterThan(1e-3);
      expect(maxAbsDiff(res.x, k.xa) / maxAbs(k.xa)).toBeLessThan(1e-10);
      expect(maxAbsDiff(sampleCov(n, N, res.Xprime), k.Pa) / maxAbs(k.Pa)).toBeLessThan(1e-10);
    }
  });

  it('property: serial posterior ensemble covariance is SPD-or-PSD and below the prior', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 3, max: 9 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 1e6 }), (n, N, nobs, seed) => {
        const { problem } = linearProblem(n, N, nobs, seed);
        const res = ensrfSerial(problem);
        const Pb = sampleCov(n, N, problem.Xprime);
        const Pa = sampleCov(n, N, res.Xprime);
        const rng = createRng(seed ^ 0x5bd1);
        const scale = maxAbs(Pb) + 1e-300;
        for (let t = 0; t < 8; t++) {
          const v = Float64Array.from({ length: n }, () => rng.normal());
          const qa = matmul(1, 1, n, v, matmul(n, 1, n, Pa, v))[0];
          const qb = matmul(1, 1, n, v, matmul(n, 1, n, Pb, v))[0];
          expect(qa).toBeGreaterThanOrEqual(-1e-12 * scale);
          expect(qb - qa).toBeGreaterThanOrEqual(-1e-12 * scale);
        }
      }),
      { numRuns: 80 },
    );
  });
});
