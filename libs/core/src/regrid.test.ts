import { describe, expect, it } from 'vitest';
import { LatLonGrid } from './grid';
import { conservativeRegrid } from './regrid';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const integral = (g: LatLonGrid, f: ArrayLike<number>): number => {
  let s = 0;
  for (let k = 0; k < g.size; k++) s += g.cellAreaM2[k]! * f[k]!;
  return s;
};

const g1 = LatLonGrid.preset('1x1');
const g3 = LatLonGrid.preset('3x2');
const g6 = LatLonGrid.preset('6x4');
const g1east = LatLonGrid.regular(1, 1, 0); // 0..360, as GCAS/MOZART files
const g6shift = LatLonGrid.regular(6, 4, -177.5); // origin not on any other grid's edge
const irregular = new LatLonGrid([10, 40, 41, 200, 370], [-90, -89.5, -30, 0.3, 45, 90]);

const pairs: Array<[string, LatLonGrid, LatLonGrid]> = [
  ['1x1 → 6x4', g1, g6],
  ['6x4 → 3x2', g6, g3],
  ['3x2 → 1x1', g3, g1],
  ['1x1 (0..360) → 3x2 (−180..180)', g1east, g3],
  ['3x2 → 6x4 shifted by 2.5°', g3, g6shift],
  ['6x4 shifted → 1x1 (0..360)', g6shift, g1east],
  ['irregular → 6x4', irregular, g6],
  ['6x4 → irregular', g6, irregular],
];

describe('conservativeRegrid', () => {
  it.each(pairs)('%s conserves the global integral of a random field to 1e-12', (_n, src, dst) => {
    const r = rng(42);
    const f = Float64Array.from({ length: src.size }, () => r() * 2 - 0.5);
    const op = conservativeRegrid(src, dst);
    const out = op.apply(f);
    const a = integral(src, f);
    const b = integral(dst, out);
    expect(Math.abs(b - a) / Math.abs(a)).toBeLessThan(1e-12);
  });

  it.each(pairs)('%s keeps a constant field constant', (_n, src, dst) => {
    const op = conservativeRegrid(src, dst);
    const out = op.apply(new Float64Array(src.size).fill(3.25));
    let worst = 0;
    for (const v of out) worst = Math.max(worst, Math.abs(v - 3.25));
    expect(worst).toBeLessThan(1e-12);
  });

  it.each(pairs)('%s passes the adjoint dot-product test', (_n, src, dst) => {
    const r = rng(7);
    const x = Float64Array.from({ length: src.size }, () => r() - 0.5);
    const y = Float64Array.from({ length: dst.size }, () => r() - 0.5);
    const op = conservativeRegrid(src, dst);
    const ax = op.apply(x);
    const aty = op.applyAdjoint(y);
    let lhs = 0;
    let rhs = 0;
    for (let k = 0; k < dst.size; k++) lhs += y[k]! * ax[k]!;
    for (let k = 0; k < src.size; k++) rhs += aty[k]! * x[k]!;
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-12 * Math.max(1, Math.abs(lhs)));
  });

  it('matches a brute-force overlap on a fine sub-grid (independent computation)', () => {
    // Target cell area fractions by integrating the source cell indicator on a 0.05° lattice
    // with the exact band area of each sub-cell; agreement to the sub-cell resolution.
    const src = g6shift;
    const dst = irregular;
    const op = conservativeRegrid(src, dst);
    const d = dst.index(3, 1); // lat 0.3..45, lon 40..41
    const lat0 = dst.latEdgesDeg[3]!;
    const lat1 = dst.latEdgesDeg[4]!;
    const lon0 = dst.lonEdgesDeg[1]!;
    const lon1 = dst.lonEdgesDeg[2]!;
    const n = 400;
    const acc = new Map<number, number>();
    let total = 0;
    for (let a = 0; a < n; a++) {
      const la = lat0 + ((a + 0.5) / n) * (lat1 - lat0);
      const w = Math.sin(((lat0 + ((a + 1) / n) * (lat1 - lat0)) * Math.PI) / 180) - Math.sin(((lat0 + (a / n) * (lat1 - lat0)) * Math.PI) / 180);
      for (let b = 0; b < n; b++) {
        const lo = lon0 + ((b + 0.5) / n) * (lon1 - lon0);
        const s = src.locate(la, lo).index;
        acc.set(s, (acc.get(s) ?? 0) + w);
        total += w;
      }
    }
    const { rowPtr, colIndex, values } = op.weights;
    const got = new Map<number, number>();
    for (let p = rowPtr[d]!; p < rowPtr[d + 1]!; p++) got.set(colIndex[p]!, values[p]!);
    expect([...got.keys()].sort((x, y) => x - y)).toEqual([...acc.keys()].sort((x, y) => x - y));
    for (const [s, w] of acc) expect(Math.abs(got.get(s)! - w / total)).toBeLessThan(3e-3);
  });

  it('maps identical grids with different longitude origins by a pure permutation', () => {
    const op = conservativeRegrid(g1east, g1);
    const r = rng(3);
    const f = Float64Array.from({ length: g1east.size }, () => r());
    const out = op.apply(f);
    // Target cell (j, i) centred at lon −179.5 + i is source column (i + 180) % 360.
    for (const [j, i] of [[0, 0], [10, 179], [89, 180], [179, 359]] as const) {
      expect(out[g1.index(j, i)]).toBeCloseTo(f[g1east.index(j, (i + 180) % 360)]!, 13);
    }
  });

  it('handles stacked levels and tracers (tracer index innermost)', () => {
    const K = 3;
    const L = 2;
    const r = rng(11);
    const f = Float64Array.from({ length: L * g6.size * K }, () => r());
    const op = conservativeRegrid(g6, g3);
    const all = op.apply(f, undefined, K);
    for (let l = 0; l < L; l++) {
      for (let t = 0; t < K; t++) {
        const one = Float64Array.from({ length: g6.size }, (_, c) => f[(l * g6.size + c) * K + t]!);
        const o1 = op.apply(one);
        for (let c = 0; c < g3.size; c += 97) expect(all[(l * g3.size + c) * K + t]).toBeCloseTo(o1[c]!, 14);
      }
    }
  });

  it('passes the dot-product test for stacked levels with tracers', () => {
    const K = 3;
    const L = 2;
    const r = rng(5);
    const op = conservativeRegrid(g6shift, g3);
    const x = Float64Array.from({ length: L * g6shift.size * K }, () => r() - 0.5);
    const y = Float64Array.from({ length: L * g3.size * K }, () => r() - 0.5);
    const ax = op.apply(x, undefined, K);
    const aty = op.applyAdjoint(y, undefined, K);
    let lhs = 0;
    let rhs = 0;
    for (let k = 0; k < y.length; k++) lhs += y[k]! * ax[k]!;
    for (let k = 0; k < x.length; k++) rhs += aty[k]! * x[k]!;
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-12 * Math.max(1, Math.abs(lhs)));
  });

  it('rejects fields of the wrong length', () => {
    const op = conservativeRegrid(g6, g3);
    expect(() => op.apply(new Float64Array(7))).toThrow(/not a multiple/);
  });
});
