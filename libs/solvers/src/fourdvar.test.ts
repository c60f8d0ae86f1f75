import { describe, expect, it } from 'vitest';
import { batchInversion } from './batch';
import { fourDVar, fourDVarObjective, matrixOperator } from './fourdvar';
import { adjointTest, gradientTest } from './adjoint';
import { covarianceSqrt, drawEnsemble, exponentialCorrelation } from './ensemble';
import { createRng } from '@tanhui/core';
import { matmul, maxAbs, maxAbsDiff, randomSpd, transposeNaive } from './testing/naive';
import { greatCircleKm } from './ensrf/localization';

function problem(m: number, n: number, seed: number, fullB: boolean) {
  const rng = createRng(seed);
  const rand = () => rng.uniform() * 2 - 1;
  const H = Float64Array.from({ length: m * n }, rand);
  const y = Float64Array.from({ length: m }, () => 2 * rand());
  const xb = Float64Array.from({ length: n }, rand);
  const R = Float64Array.from({ length: m }, () => 0.3 + rng.uniform());
  const B = fullB ? randomSpd(n, rand, 0.4) : Float64Array.from({ length: n }, () => 0.5 + rng.uniform());
  return { m, n, H, y, xb, R, B };
}

describe('fourDVar', () => {
  for (const [m, n, fullB] of [[8, 20, true], [30, 12, false], [25, 25, true]] as const) {
    for (const method of ['cg', 'lbfgs'] as const) {
      it(`${method} equals the batch posterior mean to 1e-6 (m=${m}, n=${n}, B ${fullB ? 'full' : 'diag'})`, () => {
        const p = problem(m, n, m + n, fullB);
        const batch = batchInversion({ nobs: m, n, H: p.H, y: p.y, R: p.R, xb: p.xb, B: p.B });
        const op = matrixOperator(m, n, p.H);
        const B = fullB ? { kind: 'full' as const, n, B: p.B } : { kind: 'diag' as const, variances: p.B };
        const res = fourDVar({ n, nobs: m, xb: p.xb, y: p.y, R: p.R, H: op.H, HT: op.HT, B }, { method, tolerance: 1e-10, maxIterations: 2000, posteriorCovariance: method === 'cg' });
        expect(res.converged).toBe(true);
        expect(maxAbsDiff(res.xa, batch.xa) / maxAbs(batch.xa)).toBeLessThan(1e-6);
        expect(Math.abs(res.J - batch.J) / batch.J).toBeLessThan(1e-6);
        // The cost decreases monotonically (CG on a quadratic; L-BFGS with Armijo).
        for (let i = 1; i < res.costHistory.length; i++) expect(res.costHistory[i]).toBeLessThanOrEqual(res.costHistory[i - 1] * (1 + 1e-12));
        if (method === 'cg') {
          expect(res.iterations).toBeLessThanOrEqual(Math.min(m, n) + 1);
          expect(maxAbsDiff(res.sigmaA!, batch.sigmaA) / maxAbs(batch.sigmaA)).toBeLessThan(1e-6);
          expect(maxAbsDiff(res.Pa!, batch.Pa) / maxAbs(batch.Pa)).toBeLessThan(1e-6);
          expect(Math.abs(res.dofs - batch.dofs)).toBeLessThan(1e-6 * Math.max(1, batch.dofs));
        }
      });
    }
  }

  it('works with full R and stops early on a loose tolerance with σ between posterior and prior', () => {
    const p = problem(15, 30, 99, true);
    const rng = createRng(1);
    const Rfull = randomSpd(15, () => rng.uniform() * 2 - 1, 0.5);
    const batch = batchInversion({ nobs: 15, n: 30, H: p.H, y: p.y, R: Rfull, xb: p.xb, B: p.B });
    const op = matrixOperator(15, 30, p.H);
    const exact = fourDVar({ n: 30, nobs: 15, xb: p.xb, y: p.y, R: Rfull, H: op.H, HT: op.HT, B: { kind: 'full', n: 30, B: p.B } }, { tolerance: 1e-11 });
    expect(maxAbsDiff(exact.xa, batch.xa) / maxAbs(batch.xa)).toBeLessThan(1e-6);
    const loose = fourDVar({ n: 30, nobs: 15, xb: p.xb, y: p.y, R: Rfull, H: op.H, HT: op.HT, B: { kind: 'full', n: 30, B: p.B } }, { tolerance: 1e-2 });
    expect(loose.iterations).toBeLessThan(exact.iterations);
    expect(loose.gradNormRatio).toBeLessThanOrEqual(1e-2);
    // A truncated Lanczos estimate only removes variance along explored directions.
    for (let i = 0; i < 30; i++) {
      expect(loose.sigmaA![i]).toBeLessThanOrEqual(batch.sigmaB[i] * (1 + 1e-12));
      expect(loose.sigmaA![i]).toBeGreaterThanOrEqual(batch.sigmaA[i] * (1 - 1e-9));
    }
  });

  it('observations equal to the background leave the prior (no iterations, σa = σb, DOFS 0)', () => {
    const p = problem(4, 3, 12, true);
    const op = matrixOperator(4, 3, p.H);
    const y = op.H(p.xb);
    const res = fourDVar({ n: 3, nobs: 4, xb: p.xb, y, R: p.R, H: op.H, HT: op.HT, B: { kind: 'full', n: 3, B: p.B } }, { posteriorCovariance: true });
    expect(res.iterations).toBe(0);
    expect(Array.from(res.xa)).toEqual(Array.from(p.xb));
    expect(maxAbsDiff(res.Pa!, p.B)).toBeLessThan(1e-14);
    expect(res.dofs).toBe(0);
  });

  it('gradient test: finite differences of J agree with the adjoint gradient', () => {
    const p = problem(10, 14, 5, true);
    const op = matrixOperator(10, 14, p.H);
    const obj = fourDVarObjective({ n: 14, nobs: 10, xb: p.xb, y: p.y, R: p.R, H: op.H, HT: op.HT, B: { kind: 'full', n: 14, B: p.B } });
    const rng = createRng(3);
    const z = rng.fillNormal(new Float64Array(14));
    const d = rng.fillNormal(new Float64Array(14));
    const rows = gradientTest(obj.cost, obj.gradient, z, d, 8);
    const best = Math.min(...rows.map((r) => Math.abs(r.ratio - 1)));
    expect(best).toBeLessThan(1e-6);
    // And it can fail: a wrong gradient is caught.
    const wrong = gradientTest(obj.cost, (x) => obj.gradient(x).map((v) => 1.01 * v), z, d, 8);
    expect(Math.min(...wrong.map((r) => Math.abs(r.ratio - 1)))).toBeGreaterThan(5e-3);
  });

  it('reports a bad adjoint instead of iterating on nonsense', () => {
    const p = problem(6, 6, 8, false);
    const op = matrixOperator(6, 6, p.H);
    const bad = (dy: Float64Array) => op.HT(dy).map((v) => -v);
    expect(() => fourDVar({ n: 6, nobs: 6, xb: p.xb, y: p.y, R: p.R, H: op.H, HT: bad, B: { kind: 'diag', variances: p.B } })).toThrow(/adjoint/);
  });
});

describe('adjointTest', () => {
  it('passes for a matrix and its transpose and fails for a wrong adjoint', () => {
    const rng = createRng(4);
    const A = Float64Array.from({ length: 7 * 5 }, () => rng.normal());
    const op = matrixOperator(7, 5, A);
    expect(adjointTest(op.H, op.HT, 5, 7, rng).relError).toBeLessThan(1e-13);
    const At = transposeNaive(7, 5, A);
    const wrong = (v: Float64Array) => matmul(5, 1, 7, At, v).map((x, i) => (i === 0 ? x * 1.1 : x));
    expect(adjointTest(op.H, wrong, 5, 7, rng).relError).toBeGreaterThan(1e-4);
  });

  it('B^½ factors: S Sᵀ = B and Sᵀ is the adjoint of S for every kind', () => {
    const rng = createRng(6);
    const lat = Float64Array.of(10, 20, 35, -5);
    const lon = Float64Array.of(100, 110, 90, 120);
    const sigma = Float64Array.of(0.5, 2);
    const Bfull = randomSpd(5, () => rng.uniform() * 2 - 1, 0.3);
    // Kronecker B of the structured case, built independently: B[(c,l),(c',l')] = δcc' σc² exp(−d/L).
    const nloc = 4, L = 1500;
    const Bexp = new Float64Array(64);
    for (let c = 0; c < 2; c++)
      for (let i = 0; i < nloc; i++)
        for (let j = 0; j < nloc; j++) Bexp[(c * nloc + i) * 8 + c * nloc + j] = sigma[c] ** 2 * Math.exp(-greatCircleKm(lat[i], lon[i], lat[j], lon[j]) / L);
    expect(maxAbsDiff(exponentialCorrelation(lat, lon, L), Bexp.filter((_, k) => Math.floor(k / 8) < 4 && k % 8 < 4).map((v) => v / 0.25))).toBeLessThan(1e-14);
    const cases = [
      { cov: { kind: 'full' as const, n: 5, B: Bfull }, B: Bfull, n: 5 },
      { cov: { kind: 'diag' as const, variances: Float64Array.of(1, 2, 3) }, B: Float64Array.of(1, 0, 0, 0, 2, 0, 0, 0, 3), n: 3 },
      { cov: { kind: 'exponential' as const, lat, lon, lengthScaleKm: L, sigmaPerCategory: sigma }, B: Bexp, n: 8 },
    ];
    for (const c of cases) {
      const s = covarianceSqrt(c.cov);
      const cols: Float64Array[] = [];
      for (let j = 0; j < c.n; j++) {
        const e = new Float64Array(c.n);
        e[j] = 1;
        cols.push(s.apply(s.applyT(e)));
      }
      const BB = new Float64Array(c.n * c.n);
      cols.forEach((col, j) => col.forEach((v, i) => (BB[i * c.n + j] = v)));
      expect(maxAbsDiff(BB, c.B)).toBeLessThan(1e-12);
      expect(adjointTest(s.apply, s.applyT, c.n, c.n, rng).relError).toBeLessThan(1e-13);
      // applyMatrix (used by drawEnsemble) is apply column by column.
      const k = 3;
      const Z = rng.fillNormal(new Float64Array(c.n * k));
      const SZ = s.applyMatrix(Z, k);
      for (let j = 0; j < k; j++) {
        const col = s.apply(Float64Array.from({ length: c.n }, (_, i) => Z[i * k + j]));
        for (let i = 0; i < c.n; i++) expect(SZ[i * k + j]).toBeCloseTo(col[i], 13);
      }
      expect(Array.from(s.variances)).toEqual(Array.from({ length: c.n }, (_, i) => c.B[i * c.n + i]).map((v) => expect.closeTo(v, 14)));
    }
  });
});

describe('drawEnsemble', () => {
  it('sample covariance converges to B; member 0 is zero; same seed, same bits', () => {
    const rng = createRng(10);
    const n = 4;
    const B = randomSpd(n, () => rng.uniform() * 2 - 1, 0.5);
    const N = 20001;
    const mean = Float64Array.of(1, 2, 3, 4);
    const { x, Xprime } = drawEnsemble({ mean, nmembers: N, covariance: { kind: 'full', n, B }, rng: createRng(77) });
    expect(Array.from(x)).toEqual(Array.from(mean));
    for (let i = 0; i < n; i++) expect(Xprime[i * N]).toBe(0);
    const P = matmul(n, n, N, Xprime, transposeNaive(n, N, Xprime)).map((v) => v / (N - 1));
    // Sampling error of a covariance entry ~ sqrt((B_ii B_jj + B_ij²)/N).
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const se = Math.sqrt((B[i * n + i] * B[j * n + j] + B[i * n + j] ** 2) / N);
        expect(Math.abs(P[i * n + j] - B[i * n + j])).toBeLessThan(5 * se);
      }
    const again = drawEnsemble({ mean, nmembers: N, covariance: { kind: 'full', n, B }, rng: createRng(77) });
    expect(Buffer.from(again.Xprime.buffer).equals(Buffer.from(Xprime.buffer))).toBe(true);
    const centred = drawEnsemble({ mean, nmembers: 9, covariance: { kind: 'diag', variances: Float64Array.of(1, 4, 9, 16) }, rng: createRng(5), meanIsMember0: false });
    for (let i = 0; i < n; i++) expect(Math.abs(centred.Xprime.subarray(i * 9, i * 9 + 9).reduce((s, v) => s + v, 0))).toBeLessThan(1e-12);
  });
});
