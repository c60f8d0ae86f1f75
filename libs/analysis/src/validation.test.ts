import { isTanhuiError } from '@tanhui/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fitStats, formatBiasRmse, formatSigned, formatValidationTable, validate, type ValidationRecord } from './validation';

describe('fitStats', () => {
  it('matches a hand computation on a 3-row table', () => {
    // differences prior − obs: [1, 2, 1]; σ = [1, 2, 0.5] → χ² = 1 + 1 + 4
    const s = fitStats([400, 402, 404], [401, 404, 405], [1, 2, 0.5]);
    expect(s.count).toBe(3);
    expect(s.bias).toBeCloseTo(4 / 3, 12);
    expect(s.rmse).toBeCloseTo(Math.sqrt(6 / 3), 12);
    expect(s.chi2).toBeCloseTo(6, 12);
    expect(s.reducedChi2).toBeCloseTo(2, 12);
    // obs deviations [−2, 0, 2]; sim deviations [−7/3, 2/3, 5/3]: Σab = 8, Σaa = 8, Σbb = 26/3
    expect(s.correlation).toBeCloseTo(8 / Math.sqrt(8 * (26 / 3)), 12);
  });

  it('rmse² = bias² + variance of the differences (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.double({ min: -50, max: 50, noNaN: true }), fc.double({ min: -50, max: 50, noNaN: true })), { minLength: 1, maxLength: 40 }), (pairs) => {
        const obs = pairs.map((p) => p[0]);
        const sim = pairs.map((p) => p[1]);
        const s = fitStats(obs, sim, obs.map(() => 1));
        const d = pairs.map((p) => p[1] - p[0]);
        const m = d.reduce((a, b) => a + b, 0) / d.length;
        const v = d.reduce((a, b) => a + (b - m) ** 2, 0) / d.length;
        expect(s.rmse ** 2).toBeCloseTo(m * m + v, 6);
        expect(s.chi2).toBeCloseTo(d.reduce((a, b) => a + b * b, 0), 6);
      }),
    );
  });

  it('rejects a non-positive σ and empty input with TanhuiErrors', () => {
    expect(() => fitStats([1], [2], [0])).toThrow(/sigma\[0\]/);
    try {
      fitStats([], [], []);
    } catch (e) {
      expect(isTanhuiError(e, 'EmptyInput')).toBe(true);
    }
    expect(() => fitStats([1, 2], [1], [1, 1])).toThrow(/differ in length/);
  });
});

describe('validate', () => {
  const rec = (site: string, category: string, latDeg: number, obs: number, prior: number, post: number): ValidationRecord => ({
    site, category, latDeg, observedPpm: obs, priorPpm: prior, posteriorPpm: post, sigmaPpm: 1,
  });
  const records = [
    rec('BRW', 'flask', 71.3, 400, 402, 400.5),
    rec('BRW', 'flask', 71.3, 401, 403, 401),
    rec('WLG', 'flask', 36.3, 405, 404, 405.5),
    rec('LUO', 'tccon', 30.0, 398, 399, 398),
    rec('MLO', 'flask', 19.5, 402, 402.5, 402.2),
    rec('SMO', 'flask', -14.2, 399, 399.4, 399.1),
    rec('CPT', 'flask', -34.4, 398, 398.2, 398),
    rec('SPO', 'flask', -90, 397, 397.3, 397),
  ];

  it('groups by site, category and latitude band with per-group statistics', () => {
    const groups = validate(records);
    const names = groups.map((g) => `${g.kind}:${g.name}`);
    expect(names).toEqual([
      'all:all',
      'site:BRW', 'site:CPT', 'site:LUO', 'site:MLO', 'site:SMO', 'site:SPO', 'site:WLG',
      'category:flask', 'category:tccon',
      'band:boreal N', 'band:temperate N', 'band:tropical N', 'band:tropical S', 'band:temperate S', 'band:boreal S',
    ]);
    const brw = groups.find((g) => g.name === 'BRW')!;
    expect(brw.prior.bias).toBeCloseTo(2, 12);
    expect(brw.posterior.bias).toBeCloseTo(0.25, 12);
    expect(brw.posterior.rmse).toBeCloseTo(Math.sqrt(0.125), 12);
    const temperate = groups.find((g) => g.name === 'temperate N')!;
    // WLG and LUO: prior differences −1, +1; posterior 0.5, 0
    expect(temperate.prior.count).toBe(2);
    expect(temperate.prior.bias).toBeCloseTo(0, 12);
    expect(temperate.prior.rmse).toBeCloseTo(1, 12);
    expect(temperate.posterior.bias).toBeCloseTo(0.25, 12);
    const tccon = groups.find((g) => g.name === 'tccon')!;
    expect(tccon.prior.count).toBe(1);
    expect(Number.isNaN(tccon.prior.correlation)).toBe(true);
  });

  it('formats the seed line "BIAS 1.52 → −0.69, RMSE 1.83 → 1.08"', () => {
    // Two differences b ± e have bias b and RMSE sqrt(b² + e²).
    const pair = (b: number, rmse: number): [number, number] => {
      const e = Math.sqrt(rmse * rmse - b * b);
      return [b + e, b - e];
    };
    const [p1, p2] = pair(1.52, 1.83);
    const [q1, q2] = pair(-0.69, 1.08);
    const recs = [rec('A', 'flask', 10, 400, 400 + p1, 400 + q1), rec('A', 'flask', 10, 410, 410 + p2, 410 + q2)];
    const [all] = validate(recs);
    expect(formatBiasRmse(all!)).toBe('BIAS 1.52 \u2192 \u22120.69, RMSE 1.83 \u2192 1.08');
    const table = formatValidationTable(validate(recs));
    expect(table.split('\n')[0]).toMatch(/^group\s+n\s+BIAS\s+RMSE\s+R\s+χ²\/n$/);
    expect(table).toContain('1.52 \u2192 \u22120.69');
    expect(table).toContain('site: A');
  });

  it('prints −0.00 as 0.00 and non-finite as a dash', () => {
    expect(formatSigned(-0.001)).toBe('0.00');
    expect(formatSigned(-0.5)).toBe('\u22120.50');
    expect(formatSigned(NaN)).toBe('—');
  });
});
