import { describe, expect, it } from 'vitest';
import { compareRuns, uncertaintyReduction, type RunSummary } from './compare';

const base = (label: string, post: number[], postSigma: number[]): RunSummary => ({
  label,
  posteriorFluxMolM2S: post,
  priorSigmaMolM2S: [2, 2, 0],
  posteriorSigmaMolM2S: [1, 0.5, 0],
  regions: ['China', 'Rest'],
  priorPgC: [-0.2, 1],
  priorSigmaPgC: [0.4, 1],
  posteriorPgC: postSigma.length === 2 && label === 'with' ? [-0.45, 0.9] : [-0.3, 1.1],
  posteriorSigmaPgC: postSigma,
});

describe('network comparison', () => {
  it('difference maps, σ of budget differences and uncertainty reductions by hand', () => {
    const a = base('with', [1, 2, 3], [0.1, 0.5]);
    const b = base('without', [0.5, 2.5, 3], [0.2, 0.5]);
    const c = compareRuns(a, b);
    expect(Array.from(c.differenceMolM2S)).toEqual([0.5, -0.5, 0]);
    const china = c.budgets[0]!;
    expect(china.difference).toBeCloseTo(-0.15, 12);
    expect(china.sigma).toBeCloseTo(Math.sqrt(0.01 + 0.04), 12);
    expect(china.uncertaintyReductionA).toBeCloseTo(1 - 0.1 / 0.4, 12);
    expect(china.uncertaintyReductionB).toBeCloseTo(1 - 0.2 / 0.4, 12);
    expect(china.relativeReduction).toBeCloseTo(0.5, 12);
    // Shared perturbations: cov(A, B) = ρσAσB with ρ = 0.5 shrinks the σ of the difference.
    const c2 = compareRuns(a, b, { crossCovariancePgC2: [0.5 * 0.1 * 0.2, 0] });
    expect(c2.budgets[0]!.sigma).toBeCloseTo(Math.sqrt(0.01 + 0.04 - 2 * 0.01), 12);
    expect(Array.from(c.uncertaintyReductionA!)).toEqual([0.5, 0.75, NaN]);
  });

  it('refuses runs on different grids or regions', () => {
    const a = base('with', [1, 2, 3], [0.1, 0.5]);
    expect(() => compareRuns(a, { ...a, posteriorFluxMolM2S: [1] })).toThrow(/cells/);
    expect(() => compareRuns(a, { ...a, regions: ['China', 'Other'] })).toThrow(/different regions/);
    expect(() => uncertaintyReduction([1], [1, 2])).toThrow(/prior σ/);
  });
});
