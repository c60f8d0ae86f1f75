import { describe, expect, it } from 'vitest';
import { Prng } from './prng';

describe('Prng', () => {
  it('is reproducible per seed and differs between seeds', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const c = new Prng(43);
    const xa = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(xa);
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(xa);
  });

  it('uniforms have mean 1/2, variance 1/12 and fill ten bins evenly (χ², 9 dof)', () => {
    const r = new Prng(7);
    const n = 100_000;
    const bins = new Array<number>(10).fill(0);
    let s = 0;
    let s2 = 0;
    let outside = 0;
    for (let k = 0; k < n; k++) {
      const u = r.uniform();
      if (!(u >= 0 && u < 1)) outside++;
      s += u;
      s2 += u * u;
      bins[Math.floor(u * 10)]! += 1;
    }
    expect(outside).toBe(0);
    const m = s / n;
    expect(Math.abs(m - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(s2 / n - m * m - 1 / 12)).toBeLessThan(0.002);
    const chi2 = bins.reduce((a, o) => a + (o - n / 10) ** 2 / (n / 10), 0);
    expect(chi2).toBeLessThan(27.9); // p = 0.001 for 9 degrees of freedom
  });

  it('normals have mean 0, variance 1 and the Gaussian fraction within ±1σ', () => {
    const r = new Prng(2024);
    const n = 100_000;
    let s = 0;
    let s2 = 0;
    let inside = 0;
    for (let k = 0; k < n; k++) {
      const z = r.normal();
      s += z;
      s2 += z * z;
      if (Math.abs(z) < 1) inside++;
    }
    expect(Math.abs(s / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(s2 / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    // P(|Z| < 1) = erf(1/√2) = 0.682689…
    expect(Math.abs(inside / n - 0.682689)).toBeLessThan(5 * Math.sqrt((0.6827 * 0.3173) / n));
  });
});
