import { describe, expect, it } from 'vitest';
import { createRng, mulberry32, RNG_ALGORITHM } from './rng';

describe('createRng (xoshiro128** + polar normals)', () => {
  it('reproduces the published xoshiro128** stream for state [1, 2, 3, 4]', () => {
    // Reference values of the C reference implementation (also in rand_xoshiro's tests).
    const rng = createRng({ algorithm: RNG_ALGORITHM, s: [1, 2, 3, 4], spare: null });
    const expected = [11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849, 3729100597, 4258142804];
    expect(expected.map(() => rng.nextUint32())).toEqual(expected);
  });

  it('resumes bit for bit from a saved state, including the spare normal', () => {
    const a = createRng(2024);
    for (let i = 0; i < 7; i++) a.normal();
    const saved = JSON.parse(JSON.stringify(a.getState()));
    const restOfA = Array.from({ length: 20 }, () => a.normal());
    const b = createRng(saved);
    expect(Array.from({ length: 20 }, () => b.normal())).toEqual(restOfA);
  });

  it('gives standard normals: mean 0, variance 1, kurtosis 3 within sampling error', () => {
    const rng = createRng(7);
    const n = 200_000;
    const x = rng.fillNormal(new Float64Array(n));
    let m = 0;
    for (const v of x) m += v;
    m /= n;
    let v2 = 0;
    let v4 = 0;
    for (const v of x) {
      v2 += (v - m) ** 2;
      v4 += (v - m) ** 4;
    }
    v2 /= n;
    v4 /= n;
    expect(Math.abs(m)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(v2 - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(v4 / (v2 * v2) - 3)).toBeLessThan(5 * Math.sqrt(24 / n));
  });

  it('uniforms lie in [0, 1) and different seeds give different streams', () => {
    const a = createRng(1);
    const b = createRng(2);
    const ua = Array.from({ length: 1000 }, () => a.uniform());
    expect(Math.min(...ua)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...ua)).toBeLessThan(1);
    expect(b.uniform()).not.toBe(createRng(1).uniform());
  });
});

describe('mulberry32', () => {
  it('gives the same uniforms in [0, 1) for the same seed, different ones for another', () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    const c = mulberry32(8);
    let sum = 0;
    let differ = 0;
    let same = 0;
    let inRange = 0;
    for (let k = 0; k < 100_000; k++) {
      const x = a();
      if (x === b()) same++;
      if (x !== c()) differ++;
      if (x >= 0 && x < 1) inRange++;
      sum += x;
    }
    expect(same).toBe(100_000);
    expect(inRange).toBe(100_000);
    // Mean of U(0,1) over 1e5 draws: 0.5 ± 5σ with σ = 1/sqrt(12e5).
    expect(Math.abs(sum / 100_000 - 0.5)).toBeLessThan(5 / Math.sqrt(12e5));
    expect(differ).toBeGreaterThan(99_000);
  });
});
