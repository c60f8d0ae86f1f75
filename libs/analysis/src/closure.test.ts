import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isTanhuiError } from '@tanhui/core';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { evaluateClosure, formatClosureTable, parseClosureSpec, quantileSorted, type ClosureSpec } from './closure';

const simple: ClosureSpec = {
  name: 'test',
  units: 'PgC yr-1',
  terms: {
    inv: { value: 0.5, sigma: 0.2 },
    rcc: { value: 0.05, sigma: 0.02 },
    trade: { value: 20, sigma: 10, units: 'TgC yr-1' },
    veg: { value: 0.2, sigma: 0.05 },
    soil: { value: 0.1, sigma: 0.04 },
    river: { value: 0.03, sigma: 0.01 },
  },
  estimates: {
    td: { label: 'top-down', sum: ['+inv', '-rcc', 'trade'] },
    bu: { label: 'bottom-up', sum: ['veg', '+soil', '+river'] },
  },
  gaps: [['td', 'bu']],
};

describe('closure arithmetic', () => {
  it('analytic values and σ of independent Gaussian terms by hand; units converted', () => {
    const r = evaluateClosure(simple, { samples: 2000, seed: 3 });
    const td = r.estimates.find((e) => e.id === 'td')!;
    const bu = r.estimates.find((e) => e.id === 'bu')!;
    expect(td.value).toBeCloseTo(0.5 - 0.05 + 0.02, 12);
    expect(td.sigma).toBeCloseTo(Math.sqrt(0.04 + 0.0004 + 0.0001), 12);
    expect(bu.value).toBeCloseTo(0.33, 12);
    expect(bu.sigma).toBeCloseTo(Math.sqrt(0.0025 + 0.0016 + 0.0001), 12);
    const gap = r.gaps[0]!;
    expect(gap.value).toBeCloseTo(0.47 - 0.33, 12);
    expect(gap.sigma).toBeCloseTo(Math.sqrt(0.0405 + 0.0042), 12);
    expect(gap.consistent).toBe(true);
  });

  it('a term shared by both estimates cancels in the gap', () => {
    const spec: ClosureSpec = {
      name: 'shared',
      units: 'PgC yr-1',
      terms: { x: { value: 1, sigma: 0.3 }, y: { value: 0.8, sigma: 0.4 }, r: { value: 0.2, sigma: 5 } },
      estimates: { a: { sum: ['x', 'r'] }, b: { sum: ['y', 'r'] } },
      gaps: [['a', 'b']],
    };
    const res = evaluateClosure(spec, { samples: 20_000, seed: 11 });
    expect(res.gaps[0]!.sigma).toBeCloseTo(0.5, 12);
    // The Monte Carlo draws r once per sample for both, so it cancels there too.
    expect(Math.abs(res.gaps[0]!.mcSigma - 0.5)).toBeLessThan(4 * 0.5 / Math.sqrt(2 * 19_999));
  });

  it('inverse-variance combination of two independent estimates', () => {
    const spec: ClosureSpec = {
      name: 'combine',
      units: 'PgC yr-1',
      terms: { td: { value: 0.45, sigma: 0.25 }, bu: { value: 0.29, sigma: 0.09 } },
      estimates: { top: { sum: ['td'] }, bottom: { sum: ['bu'] }, both: { combine: ['top', 'bottom'] } },
    };
    const res = evaluateClosure(spec, { samples: 1000 });
    const both = res.estimates.find((e) => e.id === 'both')!;
    const w1 = 1 / 0.25 ** 2;
    const w2 = 1 / 0.09 ** 2;
    expect(both.value).toBeCloseTo((0.45 * w1 + 0.29 * w2) / (w1 + w2), 12);
    expect(both.sigma).toBeCloseTo(1 / Math.sqrt(w1 + w2), 12);
  });

  it('Monte Carlo mean, σ and 95 % interval agree with the analytic answer within sampling error', () => {
    const n = 40_000;
    const r = evaluateClosure(simple, { samples: n, seed: 12345 });
    for (const l of [...r.estimates, ...r.gaps]) {
      expect(Math.abs(l.mcMean - l.value)).toBeLessThan((4 * l.sigma) / Math.sqrt(n));
      // Standard error of a Gaussian sample σ: σ/√(2(n−1)).
      expect(Math.abs(l.mcSigma - l.sigma)).toBeLessThan((4 * l.sigma) / Math.sqrt(2 * (n - 1)));
      // Gaussian 2.5 % / 97.5 % quantiles at ∓1.959964σ; a sample quantile's standard error is
      // sqrt(p(1−p)/n)/φ(z) σ with φ(1.959964) = 0.058441.
      const seQ = (Math.sqrt((0.975 * 0.025) / n) / 0.058441) * l.sigma;
      expect(Math.abs(l.mcP025 - (l.value - 1.959964 * l.sigma))).toBeLessThan(4 * seQ);
      expect(Math.abs(l.mcP975 - (l.value + 1.959964 * l.sigma))).toBeLessThan(4 * seQ);
    }
    const again = evaluateClosure(simple, { samples: n, seed: 12345 });
    expect(again.gaps[0]!.mcSigma).toBe(r.gaps[0]!.mcSigma);
    expect(evaluateClosure(simple, { samples: n, seed: 54321 }).gaps[0]!.mcSigma).not.toBe(r.gaps[0]!.mcSigma);
  });

  it('quantiles follow numpy’s linear rule', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([1, 2, 3, 4], 0.25)).toBe(1.75);
    expect(quantileSorted([5], 0.9)).toBe(5);
  });

  it('rejects bad specs naming the key', () => {
    const bad = (patch: Record<string, unknown>): unknown => {
      try {
        parseClosureSpec({ ...simple, ...patch });
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const e1 = bad({ estimates: { td: { sum: ['+inv', '-nothing'] } } });
    expect(isTanhuiError(e1, 'InvalidConfig')).toBe(true);
    expect((e1 as { context: { key: string } }).context.key).toBe('estimates.td.sum[1]');
    expect(String((bad({ terms: { a: { value: 1, sigma: -1 } } }) as Error).message)).toMatch(/terms\.a\.sigma/);
    expect(String((bad({ units: 'GtC' }) as Error).message)).toMatch(/units/);
    expect(String((bad({ gaps: [['td']] }) as Error).message)).toMatch(/gaps\[0\]/);
    expect(String((bad({ estimates: { x: { combine: ['inv', 'veg'] } } }) as Error).message)).toMatch(/combine\[0\]/);
  });
});

describe('the seed’s China closure (docs/china-closure.yaml)', () => {
  const file = fileURLToPath(new URL('../docs/china-closure.yaml', import.meta.url));
  const spec = parseClosureSpec(YAML.parse(readFileSync(file, 'utf8')));

  it('reproduces the slides’ sums: vegetation + soil = 0.29 ± 0.06 and the river budget', () => {
    const r = evaluateClosure(spec, { samples: 20_000 });
    const term = (id: string): { value: number; sigma: number } => r.terms.find((t) => t.id === id)!;
    expect(term('vegetation').value + term('soil').value).toBeCloseTo(0.292, 12);
    // The slides: 105 ± 50 TgC yr⁻¹ enter rivers = outgassing 62 + burial 20 + ocean 23.
    expect(term('river_outgassing').value + term('river_burial').value + term('river_to_ocean').value).toBeCloseTo(0.105, 12);
    const bu = r.estimates.find((e) => e.id === 'bottom_up')!;
    expect(bu.value).toBeCloseTo(0.175 + 0.117 + 0.006 + 0.02 + 0.023, 12);
    expect(bu.sigma).toBeCloseTo(Math.sqrt(0.042 ** 2 + 0.049 ** 2 + 0.003 ** 2 + 0.01 ** 2 + 0.01 ** 2), 12);
    const td = r.estimates.find((e) => e.id === 'top_down')!;
    expect(td.value).toBeCloseTo(0.45 + 0.019, 12);
    const nep = r.estimates.find((e) => e.id === 'nep')!;
    const land = r.estimates.find((e) => e.id === 'land_sink')!;
    expect(nep.value).toBeCloseTo(land.value + 0.062, 12);
    // NEP shares the land-sink terms; its σ² = σ_land² + σ_outgassing² (independent addition).
    expect(nep.sigma).toBeCloseTo(Math.sqrt(land.sigma ** 2 + 0.03 ** 2), 12);
    const table = formatClosureTable(r);
    expect(table).toContain('land sink, top-down');
    expect(table).toMatch(/closes/);
  });
});
