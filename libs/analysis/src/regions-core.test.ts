// Core's RegionMap goes through the same functions; its own aggregation (an independent
// implementation in libs/core) must agree with ours.
import { builtinRegions, LatLonGrid, RegionMap } from '@tanhui/core';
import { describe, expect, it } from 'vitest';
import { regionalTotalsPgC, sumOfRegions, ensembleBudget } from './budgets';
import { asRegionMapInput, landOceanRegionMap } from './regions';

describe('core RegionMap adapter', () => {
  const grid = LatLonGrid.preset('6x4');
  const builtin = builtinRegions(grid);
  const f = Float64Array.from({ length: grid.size }, (_, c) => Math.cos(c * 0.05) * 1e-7);

  it('TransCOM totals agree with core’s totalsPgCYr, region order kept', () => {
    const ours = regionalTotalsPgC(builtin.transcom, f);
    const core = builtin.transcom.totalsPgCYr(f);
    expect(ours.length).toBe(22);
    ours.forEach((v, r) => expect(v).toBeCloseTo(core[r]!, 12));
    expect(asRegionMapInput(builtin.transcom).names[6]).toBe('Eurasia Boreal');
  });

  it('code 0 is no region; sparse codes map to rows', () => {
    const codes = new Int32Array(grid.size);
    codes[0] = 7;
    codes[1] = 3;
    const map = new RegionMap(grid, codes, [{ code: 3, name: 'three', kind: 'land' }, { code: 7, name: 'seven', kind: 'ocean' }]);
    const m = asRegionMapInput(map);
    expect(m.codes[0]).toBe(1);
    expect(m.codes[1]).toBe(0);
    expect(m.codes[2]).toBe(-1);
    const ones = new Float64Array(grid.size).fill(1);
    const t = regionalTotalsPgC(map, ones);
    const k = (12.0107e-3 / 1e12) * 365.25 * 86400;
    expect(t[0]).toBeCloseTo(grid.cellAreaM2[1]! * k, 6);
    expect(t[1]).toBeCloseTo(grid.cellAreaM2[0]! * k, 6);
  });

  it('land + ocean from core’s land mask adds up to the global total, with σ of the sum', () => {
    const lo = landOceanRegionMap(grid, builtin.landMask);
    const members = [1, 2, 3, 4].map((m) => f.map((v) => v * m));
    const eb = ensembleBudget(lo, members);
    const global = regionalTotalsPgC({ grid, codes: new Int32Array(grid.size), names: ['globe'] }, f);
    const s = sumOfRegions(eb.mean, eb, ['land', 'ocean']);
    expect(s.value).toBeCloseTo(2.5 * global[0]!, 10);
    // Members are m·f, so the global sum has σ = |global|·std(1, 2, 3, 4) = |global|·sqrt(5/3).
    expect(s.sigma).toBeCloseTo(Math.abs(global[0]!) * Math.sqrt(5 / 3), 10);
  });
});
