import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { batchInversion } from './batch';
import { createRng } from '@tanhui/core';
import { diagMatrix, inverseNaive, kalmanPosterior, matmul, maxAbs, maxAbsDiff, randomSpd, transposeNaive } from './testing/naive';

function problem(m: number, n: number, seed: number, fullR: boolean, fullB: boolean) {
  const rng = createRng(seed);
  const rand = () => rng.uniform() * 2 - 1;
  const H = Float64Array.from({ length: m * n }, rand);
  const y = Float64Array.from({ length: m }, () => 3 * rand());
  const xb = Float64Array.from({ length: n }, rand);
  const R = fullR ? randomSpd(m, rand, 0.3) : Float64Array.from({ length: m }, () => 0.2 + rng.uniform());
  const B = fullB ? randomSpd(n, rand, 0.4) : Float64Array.from({ length: n }, () => 0.5 + rng.uniform());
  return { nobs: m, n, H, y, xb, R, B };
}

describe('batchInversion', () => {
  it('scalar case equals the closed form', () => {
    const h = 2, b = 4, r = 1, xb = 1, y = 5;
    const res = batchInversion({ nobs: 1, n: 1, H: Float64Array.of(h), y: Float64Array.of(y), R: Float64Array.of(r), xb: Float64Array.of(xb), B: Float64Array.of(b) });
    const gain = (b * h) / (h * h * b + r);
    expect(res.xa[0]).toBeCloseTo(xb + gain * (y - h * xb), 14);
    expect(res.Pa[0]).toBeCloseTo((b * r) / (h * h * b + r), 14);
    expect(res.dofs).toBeCloseTo((h * h * b) / (h * h * b + r), 14);
    // J_min = d²/(h²b + r) for a linear Gaussian problem.
    expect(res.J).toBeCloseTo((y - h * xb) ** 2 / (h * h * b + r), 12);
    expect(res.uncertaintyReduction[0]).toBeCloseTo(1 - Math.sqrt(res.Pa[0] / b), 14);
  });

  for (const [m, n] of [[7, 12], [30, 9], [140, 150]] as const) {
    for (const fullR of [false, true]) {
      for (const fullB of [false, true]) {
        it(`state and obs forms agree with each other and the textbook Kalman answer (m=${m}, n=${n}, R ${fullR ? 'full' : 'diag'}, B ${fullB ? 'full' : 'diag'})`, () => {
          const p = problem(m, n, m * 31 + n + (fullR ? 7 : 0) + (fullB ? 11 : 0), fullR, fullB);
          const s = batchInversion({ ...p, form: 'state' });
          const o = batchInversion({ ...p, form: 'obs' });
          expect(s.form).toBe('state');
          expect(o.form).toBe('obs');
          const scaleX = maxAbs(s.xa);
          const scaleP = maxAbs(s.Pa);
          expect(maxAbsDiff(s.xa, o.xa) / scaleX).toBeLessThan(1e-10);
          expect(maxAbsDiff(s.Pa, o.Pa) / scaleP).toBeLessThan(1e-10);
          expect(Math.abs(s.J - o.J) / s.J).toBeLessThan(1e-10);
          expect(Math.abs(s.dofs - o.dofs)).toBeLessThan(1e-9);
          const Rm = fullR ? p.R : diagMatrix(p.R);
          const Bm = fullB ? p.B : diagMatrix(p.B);
          const k = kalmanPosterior(m, n, p.H, p.y, Rm, p.xb, Bm);
          expect(maxAbsDiff(s.xa, k.xa) / scaleX).toBeLessThan(1e-9);
          expect(maxAbsDiff(s.Pa, k.Pa) / scaleP).toBeLessThan(1e-9);
          // J_min = dᵀ(HBHᵀ+R)⁻¹d and dofs = trace(HK) = trace(HBHᵀ(HBHᵀ+R)⁻¹), independently.
          const HBHt = matmul(m, m, n, p.H, matmul(n, m, n, Bm, transposeNaive(m, n, p.H)));
          const D = Float64Array.from(HBHt, (v, i) => v + Rm[i]);
          const Dinv = inverseNaive(m, D);
          const d = s.innovation;
          const Jmin = matmul(1, 1, m, d, matmul(m, 1, m, Dinv, d))[0];
          expect(Math.abs(s.J - Jmin) / Jmin).toBeLessThan(1e-9);
          const HK = matmul(m, m, m, HBHt, Dinv);
          let tr = 0;
          for (let i = 0; i < m; i++) tr += HK[i * m + i];
          expect(Math.abs(s.dofs - tr)).toBeLessThan(1e-8);
          expect(s.chi2).toBeCloseTo(s.J / m, 14);
        });
      }
    }
  }

  it('auto picks the observation-space form when nobs ≪ n and the state form when nobs ≫ n', () => {
    expect(batchInversion(problem(5, 60, 1, false, false)).form).toBe('obs');
    expect(batchInversion(problem(80, 6, 2, false, false)).form).toBe('state');
  });

  it('names the array at fault for bad shapes and a non-SPD B', () => {
    const p = problem(4, 3, 3, false, true);
    expect(() => batchInversion({ ...p, y: new Float64Array(5) })).toThrow(/y has 5 values/);
    expect(() => batchInversion({ ...p, B: new Float64Array(7) })).toThrow(/B has 7 values/);
    const bad = Float64Array.from(p.B);
    bad[0] = -1;
    expect(() => batchInversion({ ...p, B: bad, form: 'obs' })).toThrow(/B is not symmetric positive definite/);
  });

  it('property: posterior covariance is SPD and below the prior (B − Pa ⪰ 0)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 1e6 }), fc.boolean(), (m, n, seed, fullB) => {
        const p = problem(m, n, seed, false, fullB);
        const res = batchInversion(p);
        const Bm = fullB ? p.B : diagMatrix(p.B);
        const diff = Float64Array.from(Bm, (v, i) => v - res.Pa[i]);
        const scale = maxAbs(Bm);
        // Random quadratic forms: vᵀPav > 0 and vᵀ(B − Pa)v ≥ 0.
        const rng = createRng(seed + 1);
        for (let t = 0; t < 10; t++) {
          const v = Float64Array.from({ length: n }, () => rng.normal());
          const qa = matmul(1, 1, n, v, matmul(n, 1, n, res.Pa, v))[0];
          const qd = matmul(1, 1, n, v, matmul(n, 1, n, diff, v))[0];
          expect(qa).toBeGreaterThan(0);
          expect(qd).toBeGreaterThanOrEqual(-1e-12 * scale * n);
        }
        for (let i = 0; i < n; i++) expect(res.sigmaA[i]).toBeLessThanOrEqual(res.sigmaB[i] * (1 + 1e-12));
      }),
      { numRuns: 60 },
    );
  });
});
