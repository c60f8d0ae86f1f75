import { describe, expect, it } from 'vitest';
import { HybridLevels, LatLonGrid, mulberry32 as rng } from '@tanhui/core';
import type { SamplingContext } from '@tanhui/core';
import { emptyTable, kindCode } from './record';
import {
  adjointPlan,
  applyPlan,
  buildColumnOperator,
  buildPointOperator,
  evaluateOperator,
  selectWindow,
  standardAtmospherePressurePa,
} from './operators';

function ctxOf(grid: LatLonGrid, levels: HybridLevels, ps: (step: number, cell: number) => number, nSteps = 4, stepSeconds = 3600, t0 = 1.4e9): SamplingContext {
  return {
    grid,
    levels,
    windowStartSec: t0,
    stepSeconds,
    nSteps,
    surfacePressurePa: (step) => Float64Array.from({ length: grid.size }, (_, c) => ps(step, c)),
  };
}

describe('standard atmosphere', () => {
  it('matches ICAO table values', () => {
    // ICAO standard atmosphere: 0 m 1013.25 hPa, 1000 m 898.76 hPa, 5000 m 540.20 hPa, 11000 m 226.32 hPa.
    expect(standardAtmospherePressurePa(0)).toBeCloseTo(101325, 6);
    expect(standardAtmospherePressurePa(1000) / 100).toBeCloseTo(898.76, 1);
    expect(standardAtmospherePressurePa(5000) / 100).toBeCloseTo(540.2, 1);
    expect(standardAtmospherePressurePa(11000) / 100).toBeCloseTo(226.32, 1);
    expect(standardAtmospherePressurePa(20000) / 100).toBeCloseTo(54.75, 1);
  });
});

describe('point operator', () => {
  const grid = LatLonGrid.preset('6x4');
  const levels = HybridLevels.generic25();
  const ctx = ctxOf(grid, levels, () => 98000);

  it('reproduces a field linear in lon, lat, ln p and time exactly (closed form)', () => {
    const mid = levels.midPressuresPa(98000);
    const [A, B, C, D, E] = [4e-4, 1e-8, -2e-8, 3e-6, 5e-7];
    const ncell3d = levels.nlev * grid.size;
    const fields = new Float64Array((ctx.nSteps + 1) * ncell3d);
    for (let n = 0; n <= ctx.nSteps; n++)
      for (let k = 0; k < levels.nlev; k++)
        for (let j = 0; j < grid.nlat; j++)
          for (let i = 0; i < grid.nlon; i++)
            fields[n * ncell3d + (k * grid.nlat + j) * grid.nlon + i] = A + B * grid.lonCentersDeg[i]! + C * grid.latCentersDeg[j]! + D * Math.log(mid[k]!) + E * n;
    const t = emptyTable(5);
    const r = rng(7);
    for (let s = 0; s < t.n; s++) {
      t.latDeg[s] = -60 + 120 * r();
      t.lonDeg[s] = -170 + 330 * r(); // between the first and last centre: no wrap in the closed form
      t.pressureHPa[s] = (mid[1]! + (mid[20]! - mid[1]!) * r()) / 100;
      t.timeSec[s] = ctx.windowStartSec + ctx.nSteps * ctx.stepSeconds * r();
      t.kind[s] = kindCode('flask');
    }
    const { plan, offsetPpm } = buildPointOperator(ctx, t);
    const y = applyPlan(plan, fields, ncell3d);
    for (let s = 0; s < t.n; s++) {
      const tau = (t.timeSec[s]! - ctx.windowStartSec) / ctx.stepSeconds;
      const expected = A + B * t.lonDeg[s]! + C * t.latDeg[s]! + D * Math.log(t.pressureHPa[s]! * 100) + E * tau;
      expect(y[s]).toBeCloseTo(expected, 14);
      expect(offsetPpm[s]).toBe(0);
      let wsum = 0;
      for (let e = plan.rowPtr[s]!; e < plan.rowPtr[s + 1]!; e++) wsum += plan.weight[e]!;
      expect(wsum).toBeCloseTo(1, 14);
    }
  });

  it('samples altitudes at the standard-atmosphere pressure (closed form in ln p)', () => {
    const mid = levels.midPressuresPa(98000);
    const ncell3d = levels.nlev * grid.size;
    const D = 2e-5;
    const fields = new Float64Array((ctx.nSteps + 1) * ncell3d);
    for (let n = 0; n <= ctx.nSteps; n++)
      for (let k = 0; k < levels.nlev; k++) fields.fill(3.9e-4 + D * Math.log(mid[k]!), n * ncell3d + k * grid.size, n * ncell3d + (k + 1) * grid.size);
    const t = emptyTable(3);
    t.altitudeM.set([1000, 5000, 9000]);
    t.timeSec.fill(ctx.windowStartSec + 1800);
    t.latDeg.fill(10);
    t.lonDeg.fill(10);
    const { plan } = buildPointOperator(ctx, t);
    const y = applyPlan(plan, fields, ncell3d);
    for (let s = 0; s < 3; s++) expect(y[s]).toBeCloseTo(3.9e-4 + D * Math.log(standardAtmospherePressurePa(t.altitudeM[s]!)), 14);
    // Below the lowest mid level (sea level at ps = 980 hPa): the lowest layer.
    t.altitudeM[0] = 0;
    const low = applyPlan(buildPointOperator(ctx, t).plan, fields, ncell3d);
    expect(low[0]).toBeCloseTo(3.9e-4 + D * Math.log(mid[0]!), 14);
  });

  it('wraps in longitude across the date line', () => {
    // Between the last centre (177°) and the first (−177°): halfway at 180° → equal weights.
    const t = emptyTable(1);
    t.latDeg[0] = 0;
    t.lonDeg[0] = 180;
    t.pressureHPa[0] = 500;
    t.timeSec[0] = ctx.windowStartSec;
    const { plan } = buildPointOperator(ctx, t);
    const cols = new Map<number, number>();
    for (let e = 0; e < plan.weight.length; e++) {
      const i = plan.cell[e]! % grid.nlon;
      cols.set(i, (cols.get(i) ?? 0) + plan.weight[e]!);
    }
    expect([...cols.keys()].sort((a, b) => a - b)).toEqual([0, grid.nlon - 1]);
    expect(cols.get(0)).toBeCloseTo(0.5, 14);
  });

  it('adjoint passes the dot-product test (1e-12)', () => {
    const r = rng(11);
    const vctx = ctxOf(grid, levels, (n, c) => 95000 + 4000 * Math.sin(c + n));
    const t = emptyTable(300);
    for (let s = 0; s < t.n; s++) {
      t.latDeg[s] = -90 + 180 * r();
      t.lonDeg[s] = -180 + 360 * r();
      if (r() < 0.5) t.pressureHPa[s] = 50 + 950 * r();
      else t.altitudeM[s] = 6000 * r();
      t.timeSec[s] = vctx.windowStartSec + vctx.nSteps * vctx.stepSeconds * r();
    }
    const { plan } = buildPointOperator(vctx, t);
    const ncell3d = levels.nlev * grid.size;
    const x = Float64Array.from({ length: (vctx.nSteps + 1) * ncell3d }, () => r() - 0.5);
    const yv = Float64Array.from({ length: t.n }, () => r() - 0.5);
    const hx = applyPlan(plan, x, ncell3d);
    const hty = adjointPlan(plan, yv, ncell3d, vctx.nSteps);
    let a = 0;
    let b = 0;
    for (let s = 0; s < t.n; s++) a += hx[s]! * yv[s]!;
    for (let q = 0; q < x.length; q++) b += x[q]! * hty[q]!;
    expect(Math.abs(a - b) / Math.abs(a)).toBeLessThan(1e-12);
  });

  it('rejects observations outside the window and selectWindow keeps those inside', () => {
    const t = emptyTable(2);
    t.timeSec[0] = ctx.windowStartSec - 10;
    t.timeSec[1] = ctx.windowStartSec + 10;
    expect(() => buildPointOperator(ctx, t)).toThrow(/outside the model window/);
    expect(Array.from(selectWindow(ctx, t))).toEqual([1]);
  });
});

describe('column operator', () => {
  // Two model layers: half levels 1000, 500, 0 hPa at ps = 1000 hPa → mids 750 and 250 hPa.
  const grid = LatLonGrid.preset('6x4');
  const levels = new HybridLevels([0, 0, 0], [1, 0.5, 0]);
  const c0 = 410e-6;
  const c1 = 402e-6;

  function twoLevelTable(psRetHPa: number, p: [number, number]) {
    const t = emptyTable(1, 2);
    const col = t.column!;
    t.latDeg[0] = 10;
    t.lonDeg[0] = 20;
    t.timeSec[0] = 1.4e9;
    col.pressureHPa.set(p);
    col.pressureWeight.set([0.5, 0.5]);
    col.averagingKernel.set([0.8, 1.1]);
    col.aprioriProfilePpm.set([400, 395]);
    col.aprioriXco2Ppm[0] = 397;
    col.surfacePressureHPa[0] = psRetHPa;
    return t;
  }

  function fieldsOf(ctx: SamplingContext, perStep: (n: number) => [number, number]): Float64Array {
    const ncell3d = 2 * grid.size;
    const f = new Float64Array((ctx.nSteps + 1) * ncell3d);
    for (let n = 0; n <= ctx.nSteps; n++) {
      const [a, b] = perStep(n);
      f.fill(a, n * ncell3d, n * ncell3d + grid.size);
      f.fill(b, n * ncell3d + grid.size, (n + 1) * ncell3d);
    }
    return f;
  }

  it('equals the hand computation on a two-level case', () => {
    const ctx = ctxOf(grid, levels, () => 100000);
    // By hand: retrieval levels 600 and 400 hPa; linear in p between 750 and 250 hPa:
    // u0 = 0.7·410 + 0.3·402 = 407.6, u1 = 0.3·410 + 0.7·402 = 404.4 ppm.
    // XCO2 = 397 + 0.5·0.8·(407.6 − 400) + 0.5·1.1·(404.4 − 395) = 397 + 3.04 + 5.17 = 405.21.
    const t = twoLevelTable(1000, [600, 400]);
    const { plan, offsetPpm } = buildColumnOperator(ctx, t);
    const y = evaluateOperator(plan, offsetPpm, applyPlan(plan, fieldsOf(ctx, () => [c0, c1]), 2 * grid.size));
    expect(y[0]).toBeCloseTo(405.21, 10);
    // Affine part: 397 − (0.4·400 + 0.55·395) = 397 − 377.25 = 19.75.
    expect(offsetPpm[0]).toBeCloseTo(19.75, 12);
  });

  it('maps the retrieval to the model surface pressure in σ (surface-pressure mismatch)', () => {
    // Retrieval surface 900 hPa with levels 540/360 hPa = σ 0.6/0.4; the model's 1000 hPa column
    // is sampled at the same σ, i.e. 600/400 hPa: the same 405.21 ppm as above.
    const ctx = ctxOf(grid, levels, () => 100000);
    const t = twoLevelTable(900, [540, 360]);
    const { plan, offsetPpm } = buildColumnOperator(ctx, t);
    const y = evaluateOperator(plan, offsetPpm, applyPlan(plan, fieldsOf(ctx, () => [c0, c1]), 2 * grid.size));
    expect(y[0]).toBeCloseTo(405.21, 10);
  });

  it('is linear in time between model steps', () => {
    const ctx = ctxOf(grid, levels, () => 100000);
    const t = twoLevelTable(1000, [600, 400]);
    t.timeSec[0] = ctx.windowStartSec + 1.25 * ctx.stepSeconds;
    const { plan, offsetPpm } = buildColumnOperator(ctx, t);
    // Uniform field c(n) = (400 + 4n) ppm → u = c everywhere; at τ = 1.25, c = 405 ppm.
    const y = evaluateOperator(plan, offsetPpm, applyPlan(plan, fieldsOf(ctx, (n) => [(400 + 4 * n) * 1e-6, (400 + 4 * n) * 1e-6]), 2 * grid.size));
    // 397 + 0.4·(405 − 400) + 0.55·(405 − 395) = 397 + 2 + 5.5 = 404.5
    expect(y[0]).toBeCloseTo(404.5, 10);
  });

  it('adjoint passes the dot-product test (1e-12), cell and bilinear', () => {
    const r = rng(5);
    const lv = HybridLevels.generic25();
    const ctx = ctxOf(grid, lv, (n, c) => 90000 + 10000 * r() + 0 * (n + c));
    const L = 20;
    const t = emptyTable(200, L);
    const col = t.column!;
    for (let s = 0; s < t.n; s++) {
      t.latDeg[s] = -80 + 160 * r();
      t.lonDeg[s] = -180 + 360 * r();
      t.timeSec[s] = ctx.windowStartSec + ctx.nSteps * ctx.stepSeconds * r();
      const ps = 700 + 330 * r();
      col.surfacePressureHPa[s] = ps;
      for (let j = 0; j < L; j++) {
        col.pressureHPa[s * L + j] = ps * (1 - j / (L - 1)) + 0.1;
        col.pressureWeight[s * L + j] = 1 / L;
        col.averagingKernel[s * L + j] = 0.5 + r();
        col.aprioriProfilePpm[s * L + j] = 395 + 5 * r();
      }
      col.aprioriXco2Ppm[s] = 398;
    }
    const ncell3d = lv.nlev * grid.size;
    for (const horizontal of ['cell', 'bilinear'] as const) {
      const { plan } = buildColumnOperator(ctx, t, { horizontal });
      const x = Float64Array.from({ length: (ctx.nSteps + 1) * ncell3d }, () => r() - 0.5);
      const yv = Float64Array.from({ length: t.n }, () => r() - 0.5);
      const hx = applyPlan(plan, x, ncell3d);
      const hty = adjointPlan(plan, yv, ncell3d, ctx.nSteps);
      let a = 0;
      let b = 0;
      for (let s = 0; s < t.n; s++) a += hx[s]! * yv[s]!;
      for (let q = 0; q < x.length; q++) b += x[q]! * hty[q]!;
      expect(Math.abs(a - b) / Math.abs(a)).toBeLessThan(1e-12);
    }
  });

  it('a model profile equal to the a-priori returns the a-priori XCO2 (brute force over soundings)', () => {
    // Constant u = u_a = 400 ppm on every level: XCO2 = x_a whatever h and a are.
    const lv = HybridLevels.generic25();
    const ctx = ctxOf(grid, lv, () => 101000);
    const L = 20;
    const t = emptyTable(3, L);
    const col = t.column!;
    const r = rng(3);
    for (let s = 0; s < 3; s++) {
      t.latDeg[s] = 30 * s - 30;
      t.lonDeg[s] = 50 * s;
      t.timeSec[s] = ctx.windowStartSec + 100 * s;
      col.surfacePressureHPa[s] = 950 + 10 * s;
      for (let j = 0; j < L; j++) {
        col.pressureHPa[s * L + j] = col.surfacePressureHPa[s]! * (1 - j / L);
        col.pressureWeight[s * L + j] = 1 / L;
        col.averagingKernel[s * L + j] = 0.4 + r();
        col.aprioriProfilePpm[s * L + j] = 400;
      }
      col.aprioriXco2Ppm[s] = 400 + s;
    }
    const ncell3d = lv.nlev * grid.size;
    const { plan, offsetPpm } = buildColumnOperator(ctx, t);
    const y = evaluateOperator(plan, offsetPpm, applyPlan(plan, new Float64Array((ctx.nSteps + 1) * ncell3d).fill(400e-6), ncell3d));
    for (let s = 0; s < 3; s++) expect(y[s]).toBeCloseTo(400 + s, 9);
  });
});
