import { describe, expect, it } from 'vitest';
import { buildConvection, buildDiffusion, convectionAdjoint, convectionForward, convectionMatrix, diffusionAdjoint, diffusionForward, temperatureK } from './mixing';
import { dot, randomArray, relDiff, rng } from './test-helpers';
import { GRAVITY, HybridLevels } from '@tanhui/core';

const levels = HybridLevels.generic25();
const nlev = levels.nlev;
const ncol = 4;
const area = Float64Array.from([1e10, 2e10, 3e10, 4e10]);
const ps = Float64Array.from([1e5, 9.8e4, 1.01e5, 9.9e4]);
const m = new Float64Array(nlev * ncol);
for (let k = 0; k < nlev; k++) for (let c = 0; c < ncol; c++) m[k * ncol + c] = ((levels.aHalfPa[k]! - levels.aHalfPa[k + 1]! + (levels.bHalf[k]! - levels.bHalf[k + 1]!) * ps[c]!) * area[c]!) / GRAVITY;
const dt = 3 * 3600;
const kz = new Float64Array((nlev - 1) * ncol);
for (let k = 1; k < 12; k++) for (let c = 0; c < ncol; c++) kz[(k - 1) * ncol + c] = 10 + 5 * c + k;

function naiveSolve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let p = 0; p < n; p++) {
    let best = p;
    for (let r = p + 1; r < n; r++) if (Math.abs(M[r]![p]!) > Math.abs(M[best]![p]!)) best = r;
    [M[p], M[best]] = [M[best]!, M[p]!];
    for (let r = 0; r < n; r++) {
      if (r === p) continue;
      const f = M[r]![p]! / M[p]![p]!;
      for (let c = p; c <= n; c++) M[r]![c] -= f * M[p]![c]!;
    }
  }
  return M.map((row, i) => row[n]! / row[i]!);
}

describe('implicit boundary-layer diffusion', () => {
  const op = buildDiffusion(null, nlev, ncol, levels.aHalfPa, levels.bHalf, ps, area, kz, m, dt)!;
  it('equals a dense solve of (M + dt·L) c′ = M c built from the exchange coefficients', () => {
    const K = 1;
    const c = randomArray(nlev * ncol, rng(1));
    const rm = c.map((v, q) => v * m[q]!);
    const x = [rm.slice(), new Float64Array(rm.length), new Float64Array(rm.length), new Float64Array(rm.length)] as const;
    diffusionForward(op, K, x[0], x[1], x[2], x[3]);
    for (let col = 0; col < ncol; col++) {
      const A: number[][] = Array.from({ length: nlev }, () => new Array(nlev).fill(0));
      for (let k = 0; k < nlev; k++) A[k]![k] = m[k * ncol + col]!;
      for (let k = 1; k < nlev; k++) {
        const K_ = kz[(k - 1) * ncol + col]!;
        if (K_ === 0) continue;
        const p = levels.aHalfPa[k]! + levels.bHalf[k]! * ps[col]!;
        const pm = (kk: number) => 0.5 * (levels.aHalfPa[kk]! + levels.aHalfPa[kk + 1]! + (levels.bHalf[kk]! + levels.bHalf[kk + 1]!) * ps[col]!);
        const rho = p / (287.05 * temperatureK(p));
        const E = (area[col]! * rho * rho * GRAVITY * K_) / (pm(k - 1) - pm(k));
        A[k - 1]![k - 1] += dt * E;
        A[k]![k] += dt * E;
        A[k - 1]![k] -= dt * E;
        A[k]![k - 1] -= dt * E;
      }
      const b = Array.from({ length: nlev }, (_, k) => rm[k * ncol + col]!);
      const cNew = naiveSolve(A, b);
      for (let k = 0; k < nlev; k++) expect(relDiff(x[0][k * ncol + col]!, cNew[k]! * m[k * ncol + col]!)).toBeLessThan(1e-10);
    }
  });
  it('conserves mass, keeps a uniform field, and passes the adjoint dot-product test', () => {
    const K = 2;
    const r = rng(2);
    const n = nlev * ncol * K;
    const x = [randomArray(n, r), randomArray(n, r), randomArray(n, r), randomArray(n, r)];
    const y = [randomArray(n, r), randomArray(n, r), randomArray(n, r), randomArray(n, r)];
    const Ax = x.map((a) => a.slice());
    diffusionForward(op, K, Ax[0]!, Ax[1]!, Ax[2]!, Ax[3]!);
    const ATy = y.map((a) => a.slice());
    diffusionAdjoint(op, K, ATy[0]!, ATy[1]!, ATy[2]!, ATy[3]!);
    const lhs = dot(...Ax.map((a, i) => [a, y[i]!] as [Float64Array, Float64Array]));
    const rhs = dot(...x.map((a, i) => [a, ATy[i]!] as [Float64Array, Float64Array]));
    expect(relDiff(lhs, rhs)).toBeLessThan(1e-12);
    const s0 = x[0]!.reduce((a, b) => a + b, 0), s1 = Ax[0]!.reduce((a, b) => a + b, 0);
    expect(relDiff(s0, s1)).toBeLessThan(1e-12);
    const u = new Float64Array(nlev * ncol).map((_, q) => 3 * m[q]!);
    const z = new Float64Array(u.length);
    diffusionForward(op, 1, u, z.slice(), z.slice(), z.slice());
    for (let q = 0; q < u.length; q++) expect(Math.abs(u[q]! / m[q]! - 3)).toBeLessThan(1e-13);
  });
});

describe('Tiedtke-style convection', () => {
  it('two layers, updraft from layer 0 detraining in layer 1: C = E·[[−1, 1], [1, −1]] (hand derivation)', () => {
    const C = new Float64Array(4);
    convectionMatrix(2, [0.01, 0], [0, 0.01], [0, 0], [0, 0], 2, C);
    // Updraft carries c0 up (0.02 kg/s), subsidence carries c1 down: dc0 ∝ −c0 + c1.
    expect(Array.from(C)).toEqual([-0.02, 0.02, 0.02, -0.02]);
  });

  const fields = {
    entrainUp: new Float64Array(nlev * ncol),
    detrainUp: new Float64Array(nlev * ncol),
    entrainDown: new Float64Array(nlev * ncol),
    detrainDown: new Float64Array(nlev * ncol),
  };
  for (let c = 0; c < 3; c++) {
    for (let k = 0; k < 4; k++) fields.entrainUp[k * ncol + c] = 0.004 * (c + 1);
    for (let k = 12; k < 18; k++) fields.detrainUp[k * ncol + c] = 0.003 * (c + 1);
    for (let k = 8; k < 11; k++) fields.entrainDown[k * ncol + c] = 0.001;
    for (let k = 0; k < 3; k++) fields.detrainDown[k * ncol + c] = 0.001;
  }
  const op = buildConvection(null, nlev, ncol, area, fields, m, dt)!;

  it('conserves mass, keeps a uniform field and passes the adjoint dot-product test', () => {
    expect(op.nColumns).toBe(3);
    const K = 3;
    const r = rng(5);
    const n = nlev * ncol * K;
    const x = [randomArray(n, r), randomArray(n, r), randomArray(n, r), randomArray(n, r)];
    const y = [randomArray(n, r), randomArray(n, r), randomArray(n, r), randomArray(n, r)];
    const Ax = x.map((a) => a.slice());
    convectionForward(op, K, Ax[0]!, Ax[1]!, Ax[2]!, Ax[3]!);
    const ATy = y.map((a) => a.slice());
    convectionAdjoint(op, K, ATy[0]!, ATy[1]!, ATy[2]!, ATy[3]!);
    const lhs = dot(...Ax.map((a, i) => [a, y[i]!] as [Float64Array, Float64Array]));
    const rhs = dot(...x.map((a, i) => [a, ATy[i]!] as [Float64Array, Float64Array]));
    expect(relDiff(lhs, rhs)).toBeLessThan(1e-12);
    for (let t = 0; t < K; t++) {
      let s0 = 0, s1 = 0;
      for (let q = 0; q < nlev * ncol; q++) {
        s0 += x[0]![q * K + t]!;
        s1 += Ax[0]![q * K + t]!;
      }
      expect(relDiff(s0, s1)).toBeLessThan(1e-12);
    }
    const u = new Float64Array(nlev * ncol).map((_, q) => 2 * m[q]!);
    const z = new Float64Array(u.length);
    convectionForward(op, 1, u, z.slice(), z.slice(), z.slice());
    for (let q = 0; q < u.length; q++) expect(Math.abs(u[q]! / m[q]! - 2)).toBeLessThan(1e-13);
  });

  it('moves surface tracer upward (implicit solve equals a dense solve of (M − dt·C) c′ = M c)', () => {
    const col = 2;
    const n = op.top[op.columns.indexOf(col)]! + 1;
    const eu: number[] = [], du: number[] = [], ed: number[] = [], dd: number[] = [];
    for (let k = 0; k < n; k++) {
      eu.push(fields.entrainUp[k * ncol + col]!);
      du.push(fields.detrainUp[k * ncol + col]!);
      ed.push(fields.entrainDown[k * ncol + col]!);
      dd.push(fields.detrainDown[k * ncol + col]!);
    }
    const C = new Float64Array(n * n);
    convectionMatrix(n, eu, du, ed, dd, area[col]!, C);
    const A = Array.from({ length: n }, (_, k) => Array.from({ length: n }, (_, j) => (k === j ? m[k * ncol + col]! : 0) - dt * C[k * n + j]!));
    const rm = new Float64Array(nlev * ncol);
    rm[col] = m[col]!; // c = 1 in the lowest layer
    const b = Array.from({ length: n }, (_, k) => rm[k * ncol + col]!);
    const cNew = naiveSolve(A, b);
    const z = new Float64Array(rm.length);
    convectionForward(op, 1, rm, z.slice(), z.slice(), z.slice());
    for (let k = 0; k < n; k++) expect(relDiff(rm[k * ncol + col]!, cNew[k]! * m[k * ncol + col]!)).toBeLessThan(1e-10);
    expect(rm[15 * ncol + col]!).toBeGreaterThan(0);
  });
});
