import { describe, expect, it } from 'vitest';
import { LatLonGrid } from '@tanhui/core';
import { SyntheticClimate } from '../met/synthetic';
import { HybridLevels } from '@tanhui/core';
import { lineSweepAdjoint, lineSweepForward, SweepScratch } from './advection';
import { StepBuilder } from './step-builder';
import { XScratch, xSweepAdjoint, xSweepForward } from './xsweep';
import { dot, randomArray, relDiff, rng } from './test-helpers';
import { DEFAULT_BUILTIN_OPTIONS } from './model';

const grid = LatLonGrid.regular(12, 10);
const levels = HybridLevels.generic25();
// Strong winds and a coarse reduced grid so that sub-stepping and merged rows are exercised.
const met = new SyntheticClimate(grid, levels, { seed: 7, jetSpeed: 80, eddySpeed: 25 });
const builder = new StepBuilder(met, { ...DEFAULT_BUILTIN_OPTIONS, stepSeconds: 12 * 3600, reducedGridMinWidth: 0.5 });
const ops = builder.build(Date.UTC(2021, 0, 10) / 1000, met.surfacePressurePa());
const K = 3;
const n = builder.ncell * K;
const w = new SweepScratch(grid.size * K, grid.nlon * K);
const xs = new XScratch(grid.nlon, K);

type Arrays = [Float64Array, Float64Array, Float64Array, Float64Array];
function applySweep(idx: number, s: Arrays, adjoint: boolean): void {
  const sw = ops.sweeps[idx]!;
  const [rm, rxm, rym, rzm] = s;
  if (sw.kind === 'x') (adjoint ? xSweepAdjoint : xSweepForward)(sw.plan, K, rm, rxm, rym, rzm, w, xs);
  else if (sw.kind === 'y') (adjoint ? lineSweepAdjoint : lineSweepForward)(sw.co, levels.nlev, grid.nlat, grid.nlon, K, rm, rym, rxm, rzm, w);
  else (adjoint ? lineSweepAdjoint : lineSweepForward)(sw.co, 1, levels.nlev, grid.size, K, rm, rzm, rxm, rym, w);
}

describe('Russell–Lerner advection sweeps', () => {
  it('exercises reduced rows and zonal sub-stepping', () => {
    const x = ops.sweeps[0]!;
    expect(x.kind).toBe('x');
    if (x.kind !== 'x') return;
    expect(Math.max(...x.plan.cluster)).toBeGreaterThan(1);
    expect(Math.max(...x.plan.nloop)).toBeGreaterThan(1);
  });

  for (const [idx, name] of [[0, 'x'], [1, 'y'], [2, 'z']] as const) {
    it(`${name} sweep: adjoint dot-product test ⟨A x, y⟩ = ⟨x, Aᵀ y⟩ to 1e-12`, () => {
      expect(ops.sweeps[idx]!.kind).toBe(name);
      const r = rng(11 + idx);
      const x: Arrays = [randomArray(n, r), randomArray(n, r), randomArray(n, r), randomArray(n, r)];
      const y: Arrays = [randomArray(n, r), randomArray(n, r), randomArray(n, r), randomArray(n, r)];
      const Ax = x.map((a) => a.slice()) as Arrays;
      applySweep(idx, Ax, false);
      const ATy = y.map((a) => a.slice()) as Arrays;
      applySweep(idx, ATy, true);
      const lhs = dot([Ax[0], y[0]], [Ax[1], y[1]], [Ax[2], y[2]], [Ax[3], y[3]]);
      const rhs = dot([x[0], ATy[0]], [x[1], ATy[1]], [x[2], ATy[2]], [x[3], ATy[3]]);
      expect(relDiff(lhs, rhs)).toBeLessThan(1e-12);
    });

    it(`${name} sweep conserves tracer mass`, () => {
      let mass0 = 0;
      const air: Arrays = [new Float64Array(n), new Float64Array(n), new Float64Array(n), new Float64Array(n)];
      for (let q = 0; q < builder.ncell; q++) for (let t = 0; t < K; t++) air[0][q * K + t] = ops.mStart[q]! * 2.5;
      for (let s = 0; s < idx; s++) applySweep(s, air, false);
      for (let q = 0; q < n; q++) mass0 += air[0][q]!;
      applySweep(idx, air, false);
      let mass1 = 0;
      for (let q = 0; q < n; q++) mass1 += air[0][q]!;
      expect(relDiff(mass0, mass1)).toBeLessThan(1e-12);
    });
  }

  it('the whole advection step maps rm = c·m_start to c·m_end (uniform mixing ratio preserved)', () => {
    const s: Arrays = [new Float64Array(n), new Float64Array(n), new Float64Array(n), new Float64Array(n)];
    for (let q = 0; q < builder.ncell; q++) for (let t = 0; t < K; t++) s[0][q * K + t] = ops.mStart[q]! * (t + 1);
    for (let idx = 0; idx < ops.sweeps.length; idx++) applySweep(idx, s, false);
    let worst = 0;
    for (let q = 0; q < builder.ncell; q++) for (let t = 0; t < K; t++) worst = Math.max(worst, Math.abs(s[0][q * K + t]! / ops.mEnd[q]! / (t + 1) - 1));
    expect(worst).toBeLessThan(1e-12);
  });
});
