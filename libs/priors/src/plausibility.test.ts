import { describe, expect, it } from 'vitest';
import { isTanhuiError, LatLonGrid } from '@tanhui/core';
import { assertPlausiblePrior, meanGlobalTotalPgCYr } from './plausibility';
import type { FluxField } from './flux';

const grid = LatLonGrid.preset('6x4');
// Closed form: a uniform flux F over the sphere totals F·4πR²·M_C·(365.25 d) / 1e12 kg.
const PGC_YR_PER_MOL_M2_S = (4 * Math.PI * 6.371e6 ** 2 * 12.0107e-3 * 365.25 * 86400) / 1e12;
const at = (pgCYr: number): number => pgCYr / PGC_YR_PER_MOL_M2_S;
const uniform = (category: FluxField['category'], f: number): FluxField => ({
  category, grid, timesSec: Float64Array.of(0, 86400), periodSeconds: 86400, fluxMolM2S: new Float64Array(2 * grid.size).fill(f),
});

describe('prior plausibility', () => {
  it('the global total of a uniform flux is the closed form', () => {
    expect(meanGlobalTotalPgCYr(uniform('fossil', 1e-8)) / (1e-8 * PGC_YR_PER_MOL_M2_S)).toBeCloseTo(1, 10);
  });

  it('accepts totals inside the bounds, refuses those outside, per kind', () => {
    expect(() => assertPlausiblePrior(uniform('fossil', at(49)))).not.toThrow();
    expect(() => assertPlausiblePrior(uniform('bio', at(-499)))).not.toThrow();
    for (const [kind, pg] of [['fossil', 51], ['ocean', -51], ['fire', 60], ['bio', 501]] as const) {
      let err: unknown;
      try {
        assertPlausiblePrior(uniform(kind, at(pg)), { file: 'x.nc' });
      } catch (e) {
        err = e;
      }
      expect(isTanhuiError(err, 'BadUnits')).toBe(true);
      expect((err as Error).message).toContain(`prior ${kind} flux totals`);
    }
  });

  it('names the likely slip: µmol m-2 s-1 read as mol m-2 s-1', () => {
    expect(() => assertPlausiblePrior(uniform('fossil', at(9.6) * 1e6))).toThrow(/~3e\+6 times too large, likely µmol m-2 s-1 or gC m-2 d-1/);
  });
});
