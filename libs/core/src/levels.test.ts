import { describe, expect, it } from 'vitest';
import { GRAVITY } from './constants';
import { isTanhuiError } from './errors';
import { HybridLevels } from './levels';

describe('HybridLevels', () => {
  const lv = HybridLevels.generic25();

  it('has 25 layers, surface first, top at 0 Pa', () => {
    expect(lv.nlev).toBe(25);
    const p = lv.halfPressuresPa(98000);
    expect(p[0]).toBeCloseTo(98000, 9);
    expect(p[25]).toBe(0);
    for (let k = 0; k < 25; k++) expect(p[k + 1]!).toBeLessThan(p[k]!);
  });

  it.each([101325, 85000, 55000])('column air mass equals ps·A/g exactly (ps = %d Pa)', (ps) => {
    // Independent closed form: the layers tile [p_top, ps] and p_top = 0, so Σ m_k = ps·A/g.
    const area = 1.234e10;
    const m = lv.airMassKg(ps, area);
    const sum = m.reduce((a, b) => a + b, 0);
    expect(Math.abs(sum - (ps * area) / GRAVITY) / ((ps * area) / GRAVITY)).toBeLessThan(1e-13);
    for (const v of m) expect(v).toBeGreaterThan(0);
  });

  it('air mass of a column with a non-zero top is (ps − p_top)·A/g', () => {
    const l = new HybridLevels([0, 2000, 5000, 1000], [1, 0.7, 0.2, 0]);
    const ps = 99000;
    const area = 5e9;
    const sum = l.airMassKg(ps, area).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(((ps - 1000) * area) / GRAVITY, 3);
  });

  it('reverses top-first input to surface first', () => {
    const a = Array.from(lv.aHalfPa).reverse();
    const b = Array.from(lv.bHalf).reverse();
    const r = new HybridLevels(a, b);
    expect(Array.from(r.aHalfPa)).toEqual(Array.from(lv.aHalfPa));
    expect(Array.from(r.bHalf)).toEqual(Array.from(lv.bHalf));
  });

  it('builds from hyai/hybi/P0 (CAM/MOZART convention, top first)', () => {
    // Three layers: p = hyai·P0 + hybi·ps, top first as in CAM files.
    const hyai = [0.002, 0.05, 0.02, 0];
    const hybi = [0, 0.1, 0.6, 1];
    const l = HybridLevels.fromHyaiHybi(hyai, hybi, 100000);
    expect(l.nlev).toBe(3);
    const ps = 95000;
    const p = l.halfPressuresPa(ps);
    const expected = [0 + 1 * ps, 2000 + 0.6 * ps, 5000 + 0.1 * ps, 200];
    for (let k = 0; k < 4; k++) expect(p[k]).toBeCloseTo(expected[k]!, 9);
    const mid = l.midPressuresPa(ps);
    expect(mid[0]).toBeCloseTo((expected[0]! + expected[1]!) / 2, 9);
    const dp = l.layerThicknessPa(ps);
    expect(dp[2]).toBeCloseTo(expected[2]! - expected[3]!, 9);
  });

  it('rejects non-monotonic or mismatched coefficients', () => {
    let err: unknown;
    try {
      new HybridLevels([0, 3000, 2000, 5000, 0], [1, 0.8, 0.85, 0.2, 0]);
    } catch (e) {
      err = e;
    }
    expect(isTanhuiError(err, 'BadValue')).toBe(true);
    expect(() => new HybridLevels([0, 1], [1, 0, 0])).toThrow(/equal lengths/);
    expect(() => new HybridLevels([0], [1])).toThrow(/≥ 2/);
  });
});
