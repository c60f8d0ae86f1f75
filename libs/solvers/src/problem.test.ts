import { describe, expect, it } from 'vitest';
import { isTanhuiError } from '@tanhui/core';
import { solveProblem, type ProblemData } from './problem';
import { batchInversion } from './batch';
import { ensrfSerial } from './ensrf/serial';
import { createRng } from '@tanhui/core';
import { maxAbsDiff, randomSpd } from './testing/naive';

function linear(m: number, n: number): ProblemData {
  const rng = createRng(m * 100 + n);
  const rand = () => rng.uniform() * 2 - 1;
  return {
    arrays: {
      H: { data: Float64Array.from({ length: m * n }, rand), shape: [m, n] },
      y: { data: Float64Array.from({ length: m }, rand), shape: [m] },
      R: { data: Float64Array.from({ length: m }, () => 0.5 + rng.uniform()), shape: [m] },
      xb: { data: Float64Array.from({ length: n }, rand), shape: [n] },
      B: { data: randomSpd(n, rand, 0.5), shape: [n, n] },
    },
    attrs: {},
  };
}

function ensemble(): ProblemData {
  const rng = createRng(3);
  const np = 5, N = 6, nobs = 4;
  const X = Float64Array.from({ length: np * N }, (_, i) => (i % N === 0 ? 0 : rng.normal()));
  const HX = Float64Array.from({ length: nobs * N }, (_, i) => (i % N === 0 ? 0 : rng.normal()));
  return {
    arrays: {
      x: { data: Float64Array.from({ length: np }, () => rng.normal()), shape: [np] },
      X_prime: { data: X, shape: [np, N] },
      Hx: { data: Float64Array.from({ length: nobs }, () => rng.normal()), shape: [nobs] },
      HX_prime: { data: HX, shape: [nobs, N] },
      obs: { data: Float64Array.from({ length: nobs }, () => rng.normal()), shape: [nobs] },
      R: { data: Float64Array.from({ length: nobs }, () => 4), shape: [nobs] },
      may_reject: { data: Int32Array.of(1, 1, 0, 1), shape: [nobs] },
      may_localize: { data: Int32Array.of(1, 1, 1, 1), shape: [nobs] },
      flags: { data: Int32Array.of(0, 0, 0, 1), shape: [nobs] },
    },
    attrs: { algorithm: 'serial', localization: 'none', rejection_threshold: 3, mean_is_member0: true },
  };
}

function errorOf(f: () => unknown): { code: string; message: string; context: Record<string, unknown> } {
  try {
    f();
  } catch (e) {
    if (isTanhuiError(e)) return e as never;
    throw e;
  }
  throw new Error('expected an error');
}

describe('solveProblem', () => {
  it('batch and 4dvar give the batch inversion answer with the documented arrays and attrs', () => {
    const p = linear(6, 9);
    const a = p.arrays;
    const ref = batchInversion({ nobs: 6, n: 9, H: a.H.data as Float64Array, y: a.y.data as Float64Array, R: a.R.data as Float64Array, xb: a.xb.data as Float64Array, B: a.B.data as Float64Array });
    const batch = solveProblem('batch', p);
    expect(Object.keys(batch.arrays).sort()).toEqual(['Pa', 'sigma_a', 'xa']);
    expect(batch.arrays.Pa.shape).toEqual([9, 9]);
    expect(maxAbsDiff(batch.arrays.xa.data, ref.xa)).toBe(0);
    expect(batch.attrs).toMatchObject({ J: ref.J, chi2: ref.chi2, dofs: ref.dofs, iterations: 0 });
    const v = solveProblem('4dvar', p);
    expect(maxAbsDiff(v.arrays.xa.data, ref.xa)).toBeLessThan(1e-8);
    expect(maxAbsDiff(v.arrays.Pa.data, ref.Pa)).toBeLessThan(1e-8);
    expect(v.attrs.iterations).toBeGreaterThan(0);
    // B_diag instead of B.
    const { B: _b, ...rest } = p.arrays;
    void _b;
    const d = solveProblem('batch', { arrays: { ...rest, B_diag: { data: Float64Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9), shape: [9] } }, attrs: {} });
    expect(d.arrays.xa.shape).toEqual([9]);
  });

  it('ensrf returns the updated arrays plus HPHR, as ensrfSerial', () => {
    const p = ensemble();
    const out = solveProblem('ensrf', p);
    const a = p.arrays;
    const ref = ensrfSerial({
      nparams: 5, nmembers: 6, nobs: 4, x: a.x.data as Float64Array, Xprime: a.X_prime.data as Float64Array, Hx: a.Hx.data as Float64Array,
      HXprime: a.HX_prime.data as Float64Array, obs: a.obs.data as Float64Array, R: a.R.data as Float64Array, mayReject: a.may_reject.data, mayLocalize: a.may_localize.data, flags: a.flags.data,
    });
    expect(maxAbsDiff(out.arrays.x.data, ref.x)).toBe(0);
    expect(maxAbsDiff(out.arrays.X_prime.data, ref.Xprime)).toBe(0);
    expect(Array.from(out.arrays.flags.data)).toEqual(Array.from(ref.flags));
    expect(out.arrays.HPHR.shape).toEqual([4]);
    for (const algorithm of ['bulk', 'ensemble-space']) {
      const o = solveProblem('ensrf', { ...p, attrs: { ...p.attrs, algorithm } });
      expect(maxAbsDiff(o.arrays.x.data, ref.x)).toBeLessThan(1e-10);
    }
  });

  it('names the array for missing arrays, bad shapes, NaN and a non-SPD B', () => {
    const p = linear(3, 4);
    const { y: _y, ...noY } = p.arrays;
    void _y;
    expect(errorOf(() => solveProblem('batch', { arrays: noY, attrs: {} }))).toMatchObject({ code: 'MissingVariable', context: { variable: 'y' } });
    const { B: _B, ...noB } = p.arrays;
    void _B;
    expect(errorOf(() => solveProblem('4dvar', { arrays: noB, attrs: {} }))).toMatchObject({ code: 'MissingVariable', context: { variable: 'B' } });
    expect(errorOf(() => solveProblem('batch', { arrays: { ...p.arrays, xb: { data: new Float64Array(5), shape: [5] } }, attrs: {} }))).toMatchObject({ code: 'BadShape', context: { variable: 'xb' } });
    const nan = Float64Array.from(p.arrays.H.data);
    nan[7] = NaN;
    expect(errorOf(() => solveProblem('batch', { arrays: { ...p.arrays, H: { data: nan, shape: [3, 4] } }, attrs: {} }))).toMatchObject({ code: 'BadValue', context: { variable: 'H', index: 7 } });
    const bad = Float64Array.from(p.arrays.B.data);
    bad[5] = -100; // diagonal (1,1)
    expect(errorOf(() => solveProblem('batch', { arrays: { ...p.arrays, B: { data: bad, shape: [4, 4] } }, attrs: {} }))).toMatchObject({ code: 'NotPositiveDefinite', context: { variable: 'B' } });
    const asym = Float64Array.from(p.arrays.B.data);
    asym[1] += 1;
    expect(errorOf(() => solveProblem('batch', { arrays: { ...p.arrays, B: { data: asym, shape: [4, 4] } }, attrs: {} }))).toMatchObject({ code: 'NotPositiveDefinite', context: { variable: 'B' } });
    const e = ensemble();
    expect(errorOf(() => solveProblem('ensrf', { ...e, arrays: { ...e.arrays, HX_prime: { data: new Float64Array(4 * 7), shape: [4, 7] } } }))).toMatchObject({ code: 'BadShape', context: { variable: 'HX_prime' } });
    expect(errorOf(() => solveProblem('ensrf', { ...e, attrs: { algorithm: 'magic' } }))).toMatchObject({ code: 'InvalidArgument', context: { key: 'algorithm' } });
    expect(errorOf(() => solveProblem('ensrf', { ...e, attrs: { mean_is_member0: false } }))).toMatchObject({ code: 'BadValue', context: { variable: 'X_prime' } });
  });
});
