import { describe, expect, it } from 'vitest';
import { M_AIR, isTanhuiError } from '@tanhui/core';
import { createBuiltinModel } from '../met/met-spec';
import { airMassFromPs } from './step-builder';
import { dot, randomArray, relDiff, rng } from './test-helpers';
import type { SamplePlan } from '../transport-model';

// A 12°×10°×25 synthetic world (30×18 columns) keeps a simulated week fast.
const model = createBuiltinModel({ met: { kind: 'synthetic', grid: { dlonDeg: 12, dlatDeg: 10 }, seed: 5 } });
const { grid, levels } = model;
const ncol = grid.size;
const ncell = ncol * levels.nlev;
const start = Date.UTC(2021, 6, 1) / 1000;
const week = { startSec: start, endSec: start + 7 * 86400 };

function randomPlan(nSamples: number, nSteps: number, seed: number): SamplePlan {
  const r = rng(seed);
  const rowPtr = new Int32Array(nSamples + 1);
  const step: number[] = [], cell: number[] = [], weight: number[] = [];
  for (let s = 0; s < nSamples; s++) {
    const n = 1 + Math.floor((r() + 0.5) * 4);
    for (let e = 0; e < n; e++) {
      step.push(Math.floor((r() + 0.5) * (nSteps + 1)) % (nSteps + 1));
      cell.push(Math.floor((r() + 0.5) * ncell) % ncell);
      weight.push(r() + 0.5);
    }
    rowPtr[s + 1] = step.length;
  }
  return { nSamples, rowPtr, step: Int32Array.from(step), cell: Int32Array.from(cell), weight: Float64Array.from(weight) };
}

describe('built-in model: conservation and uniformity over a simulated week', () => {
  const K = 2;
  const c0 = new Float64Array(ncell * K);
  const r = rng(1);
  for (let q = 0; q < ncell; q++) {
    c0[q * K] = 400e-6;
    c0[q * K + 1] = 400e-6 + 20e-6 * r();
  }
  const day = 86400;
  const nPeriods = 7;
  const flux = new Float64Array(nPeriods * ncol * K);
  for (let p = 0; p < nPeriods; p++) for (let col = 0; col < ncol; col++) flux[(p * ncol + col) * K + 1] = 2e-6 * r();
  const out = model.forward({ window: week, nTracers: K, initialMoleFraction: c0, fluxes: { periodSeconds: day, data: flux } });
  const ctx = model.samplingContext(week);
  const m0 = airMassFromPs(grid, levels, ctx.surfacePressurePa(0), new Float64Array(ncell));
  const m1 = airMassFromPs(grid, levels, ctx.surfacePressurePa(ctx.nSteps), new Float64Array(ncell));

  it('keeps a uniform mixing ratio uniform to 1e-12', () => {
    let worst = 0;
    for (let q = 0; q < ncell; q++) worst = Math.max(worst, Math.abs(out.finalMoleFraction[q * K]! / 400e-6 - 1));
    expect(worst).toBeLessThan(1e-12);
  });

  it('conserves total tracer mass to 1e-12 (initial + emitted)', () => {
    let before = 0, after = 0, emitted = 0;
    for (let q = 0; q < ncell; q++) {
      before += c0[q * K + 1]! * m0[q]!;
      after += out.finalMoleFraction[q * K + 1]! * m1[q]!;
    }
    // Emitted moles × M_air = kg-of-air-equivalent, one day per flux period.
    for (let p = 0; p < nPeriods; p++) {
      for (let col = 0; col < ncol; col++) emitted += flux[(p * ncol + col) * K + 1]! * day * grid.cellAreaM2[col]! * M_AIR;
    }
    expect(relDiff(after, before + emitted)).toBeLessThan(1e-12);
    expect(Math.abs(emitted)).toBeGreaterThan(1e-6 * before); // the flux test is not vacuous
  });
});

describe('built-in model: linearity and the exact adjoint', () => {
  const window = { startSec: start, endSec: start + 2 * 86400 };
  const nSteps = model.nSteps(window);
  const plan = randomPlan(40, nSteps, 3);
  const periodSeconds = 86400;

  it('is linear: T(a·x1 + b·x2) = a·T(x1) + b·T(x2) to 1e-12', () => {
    const r = rng(2);
    const x1 = randomArray(ncell, r, 1e-5), x2 = randomArray(ncell, r, 1e-5);
    const f1 = randomArray(2 * ncol, r, 1e-6), f2 = randomArray(2 * ncol, r, 1e-6);
    const a = 0.7, b = -1.9;
    const run = (c: Float64Array, f: Float64Array) => model.forward({ window, nTracers: 1, initialMoleFraction: c, fluxes: { periodSeconds, data: f }, plan });
    const o1 = run(x1, f1), o2 = run(x2, f2);
    const o3 = run(x1.map((v, q) => a * v + b * x2[q]!), f1.map((v, q) => a * v + b * f2[q]!));
    let num = 0, den = 0;
    for (const key of ['finalMoleFraction', 'samples'] as const) {
      for (let q = 0; q < o3[key].length; q++) {
        num = Math.max(num, Math.abs(o3[key][q]! - (a * o1[key][q]! + b * o2[key][q]!)));
        den = Math.max(den, Math.abs(o3[key][q]!));
      }
    }
    expect(num / den).toBeLessThan(1e-12);
  });

  it('adjoint dot-product test of the full model (initial field + fluxes → samples + final field) to 1e-12', () => {
    const K = 2;
    const r = rng(4);
    const c0 = randomArray(ncell * K, r, 1e-5);
    const f = randomArray(2 * ncol * K, r, 1e-6);
    const fw = model.forward({ window, nTracers: K, initialMoleFraction: c0, fluxes: { periodSeconds, data: f }, plan });
    const ys = randomArray(plan.nSamples * K, r);
    const yf = randomArray(ncell * K, r);
    const ad = model.adjoint({ window, nTracers: K, sampleSensitivity: ys, finalSensitivity: yf, plan, fluxPeriodSeconds: periodSeconds });
    const lhs = dot([fw.samples, ys], [fw.finalMoleFraction, yf]);
    const rhs = dot([c0, ad.initialSensitivity], [f, ad.fluxSensitivity]);
    expect(relDiff(lhs, rhs)).toBeLessThan(1e-12);
  });

  it('adjoint dot-product test of one full step (advection, injection, diffusion, convection)', () => {
    const one = { startSec: start + 5 * model.stepSeconds, endSec: start + 6 * model.stepSeconds };
    const p1 = randomPlan(10, 1, 9);
    const K = 1;
    const r = rng(8);
    const c0 = randomArray(ncell, r);
    const f = randomArray(ncol, r);
    const fw = model.forward({ window: one, nTracers: K, initialMoleFraction: c0, fluxes: { periodSeconds: model.stepSeconds, data: f }, plan: p1 });
    const ys = randomArray(p1.nSamples, r);
    const yf = randomArray(ncell, r);
    const ad = model.adjoint({ window: one, nTracers: K, sampleSensitivity: ys, finalSensitivity: yf, plan: p1 });
    expect(relDiff(dot([fw.samples, ys], [fw.finalMoleFraction, yf]), dot([c0, ad.initialSensitivity], [f, ad.fluxSensitivity]))).toBeLessThan(1e-12);
  });

  it('samples a uniform field exactly and rejects bad input with TanhuiError', () => {
    const plan1: SamplePlan = { nSamples: 1, rowPtr: Int32Array.from([0, 2]), step: Int32Array.from([0, nSteps]), cell: Int32Array.from([5, ncell - 1]), weight: Float64Array.from([0.25, 0.75]) };
    const c0 = new Float64Array(ncell).fill(1e-4);
    const o = model.forward({ window, nTracers: 1, initialMoleFraction: c0, fluxes: { periodSeconds, data: new Float64Array(2 * ncol) }, plan: plan1 });
    expect(o.samples[0]).toBeCloseTo(1e-4, 15);
    let err: unknown;
    try {
      model.forward({ window, nTracers: 1, initialMoleFraction: new Float64Array(3), fluxes: { periodSeconds, data: new Float64Array(2 * ncol) } });
    } catch (e) {
      err = e;
    }
    expect(isTanhuiError(err, 'BadShape')).toBe(true);
  });
});

describe('merged vertical splitting (xyzyx)', () => {
  const fast = createBuiltinModel({ met: { kind: 'synthetic', grid: { dlonDeg: 12, dlatDeg: 10 }, seed: 5 }, options: { splitting: 'xyzyx' } });
  it('keeps uniform fields uniform and passes the full adjoint dot-product test', () => {
    const window = { startSec: start, endSec: start + 2 * fast.stepSeconds };
    const plan = randomPlan(15, 2, 12);
    const r = rng(21);
    const c0 = randomArray(ncell, r);
    const f = randomArray(ncol, r);
    const fw = fast.forward({ window, nTracers: 1, initialMoleFraction: c0, fluxes: { periodSeconds: 2 * fast.stepSeconds, data: f }, plan });
    const ys = randomArray(plan.nSamples, r), yf = randomArray(ncell, r);
    const ad = fast.adjoint({ window, nTracers: 1, sampleSensitivity: ys, finalSensitivity: yf, plan });
    expect(relDiff(dot([fw.samples, ys], [fw.finalMoleFraction, yf]), dot([c0, ad.initialSensitivity], [f, ad.fluxSensitivity]))).toBeLessThan(1e-12);
    const u = fast.forward({ window, nTracers: 1, initialMoleFraction: new Float64Array(ncell).fill(4e-4), fluxes: { periodSeconds: 2 * fast.stepSeconds, data: new Float64Array(ncol) } });
    for (let q = 0; q < ncell; q++) expect(Math.abs(u.finalMoleFraction[q]! / 4e-4 - 1)).toBeLessThan(1e-12);
  });
});

describe('built-in model: the fused (cache-blocked) step', () => {
  // The fused step reorders work over independent levels and columns only, so every value must
  // be bit-identical to the plain sweep-by-sweep order, for several tracer counts (the column
  // block size depends on K), with advection sub-steps (a fast solid-body rotation needs 8 per
  // step, so level-local runs span sub-steps), and for 'xyzyx'.
  const synthetic = { kind: 'synthetic' as const, grid: { dlonDeg: 12, dlatDeg: 10 }, seed: 5 };
  const rotation = { kind: 'solid-body' as const, grid: { dlonDeg: 12, dlatDeg: 10 }, alphaRad: 1.0, periodSeconds: 86400 };
  const cases: Array<{ label: string; K: number; met: typeof synthetic | typeof rotation; options: Record<string, unknown>; minAdv: number }> = [
    { label: 'K = 1', K: 1, met: synthetic, options: {}, minAdv: 1 },
    { label: 'K = 7', K: 7, met: synthetic, options: {}, minAdv: 1 },
    { label: "K = 2, 'xyzyx'", K: 2, met: synthetic, options: { splitting: 'xyzyx' }, minAdv: 1 },
    { label: 'K = 3, 8 advection sub-steps per step', K: 3, met: rotation, options: { stepSeconds: 21600 }, minAdv: 8 },
  ];
  for (const { label, K, met, options, minAdv } of cases) {
    it(`gives the same bits as the plain order: ${label}`, () => {
      const fused = createBuiltinModel({ met, options: { ...options, fusedStep: true } });
      const plain = createBuiltinModel({ met, options: { ...options, fusedStep: false } });
      const window = { startSec: start, endSec: start + 2 * 86400 };
      const cells = fused.grid.size * fused.levels.nlev;
      const r = rng(11 + K);
      const c0 = randomArray(cells * K, r, 20e-6).map((v) => v + 400e-6);
      const flux = randomArray(2 * fused.grid.size * K, r, 2e-6);
      const nSteps = fused.nSteps(window);
      const plan = { nSamples: 1, rowPtr: Int32Array.from([0, 2]), step: Int32Array.from([1, nSteps]), cell: Int32Array.from([3, cells - 2]), weight: Float64Array.from([0.5, 0.5]) };
      const input = { window, nTracers: K, initialMoleFraction: c0, fluxes: { periodSeconds: 86400, data: flux }, plan };
      const a = fused.forward(input);
      const b = plain.forward(input);
      expect(fused.builder.ops.nAdv).toBeGreaterThanOrEqual(minAdv);
      expect(Buffer.from(a.finalMoleFraction.buffer).equals(Buffer.from(b.finalMoleFraction.buffer))).toBe(true);
      expect(Buffer.from(a.samples.buffer).equals(Buffer.from(b.samples.buffer))).toBe(true);
      // and the run is not trivial: the field moved
      expect(relDiff(a.finalMoleFraction[5 * K]!, c0[5 * K]!)).toBeGreaterThan(1e-9);
    });
  }
});

describe('built-in model: state kept between runs, final fields of some tracers', () => {
  // A model reuses its tracer arrays from run to run; every run must give the bits of a run on
  // a freshly built model, whatever ran before (larger, smaller, an adjoint).
  const met = { kind: 'synthetic' as const, grid: { dlonDeg: 12, dlatDeg: 10 }, seed: 5 };
  const window = { startSec: start, endSec: start + 86400 };
  const inputFor = (K: number, seed: number) => {
    const r = rng(seed);
    const cells = ncell;
    const nSteps = model.nSteps(window);
    return {
      window, nTracers: K,
      initialMoleFraction: randomArray(cells * K, r, 20e-6).map((v) => v + 400e-6),
      fluxes: { periodSeconds: 86400, data: randomArray(ncol * K, r, 2e-6) },
      plan: randomPlan(6, nSteps, seed),
    };
  };
  const same = (a: Float64Array, b: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

  it('gives the same bits as a fresh model after larger, smaller and adjoint runs', () => {
    const reused = createBuiltinModel({ met });
    const sequence = [3, 5, 1, 5, 2];
    for (let i = 0; i < sequence.length; i++) {
      const input = inputFor(sequence[i]!, 40 + i);
      const a = reused.forward(input);
      const b = createBuiltinModel({ met }).forward(input);
      expect(same(a.finalMoleFraction, b.finalMoleFraction)).toBe(true);
      expect(same(a.samples, b.samples)).toBe(true);
      if (i === 2) {
        const ys = randomArray(input.plan.nSamples * 4, rng(9));
        const adj = { window, nTracers: 4, sampleSensitivity: ys, plan: input.plan };
        const x = reused.adjoint(adj);
        const y = createBuiltinModel({ met }).adjoint(adj);
        expect(same(x.fluxSensitivity, y.fluxSensitivity)).toBe(true);
        expect(same(x.initialSensitivity, y.initialSensitivity)).toBe(true);
      }
    }
  });

  it('returns the final fields of the tracers asked for only', () => {
    const K = 4;
    const input = inputFor(K, 77);
    const all = model.forward(input).finalMoleFraction;
    for (const [startT, count] of [[0, 0], [1, 2], [3, 1], [0, 4]] as const) {
      const part = model.forward({ ...input, finalTracers: { start: startT, count } });
      expect(part.finalMoleFraction.length).toBe(ncell * count);
      const want = new Float64Array(ncell * count);
      for (let q = 0; q < ncell; q++) for (let t = 0; t < count; t++) want[q * count + t] = all[q * K + startT + t]!;
      expect(same(part.finalMoleFraction, want)).toBe(true);
    }
    for (const bad of [{ start: 3, count: 2 }, { start: -1, count: 1 }, { start: 0.5, count: 1 }]) {
      expect(() => model.forward({ ...input, finalTracers: bad })).toThrow(/finalTracers/);
    }
  });

  it('writes final fields into caller arrays at a stride and offset (finalInto), the rest untouched', () => {
    const K = 4;
    const input = inputFor(K, 78);
    const all = model.forward(input).finalMoleFraction;
    // Tracers 0–2 into columns 5–7 of a 9-wide table, tracer 3 into its own array.
    const table = new Float64Array(ncell * 9).fill(-1);
    const own = new Float64Array(ncell);
    const out = model.forward({ ...input, finalInto: [{ start: 0, count: 3, array: table, stride: 9, offset: 5 }, { start: 3, count: 1, array: own, stride: 1, offset: 0 }] });
    expect(out.finalMoleFraction.length).toBe(0);
    for (let q = 0; q < ncell; q++) {
      for (let c = 0; c < 9; c++) expect(table[q * 9 + c]).toBe(c >= 5 && c < 8 ? all[q * K + c - 5] : -1);
      expect(own[q]).toBe(all[q * K + 3]);
    }
    expect(() => model.forward({ ...input, finalInto: [{ start: 0, count: 3, array: table, stride: 9, offset: 7 }] })).toThrow(/finalInto/);
    expect(() => model.forward({ ...input, finalInto: [{ start: 2, count: 3, array: table, stride: 9, offset: 0 }] })).toThrow(/finalInto/);
  });
});
