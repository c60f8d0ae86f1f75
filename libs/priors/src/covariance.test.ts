import { describe, expect, it } from 'vitest';
import { EARTH_RADIUS_M, LatLonGrid } from '@tanhui/core';
import { applySqrtB, applySqrtBTranspose, buildPriorCovariance, choleskyLower, denseCovariance, greatCircleM, unitCentroids } from './covariance';
import { buildMapping, gridScalingTerm, regionMonthTerm } from './mapping';
import { dot, randomArray } from './test-utils';

const grid = LatLonGrid.regular(30, 30);
const n = grid.size;
const land = Int32Array.from({ length: n }, (_, c) => ((c * 7) % 3 === 0 ? 1 : 0));
const ocean = Int32Array.from(land, (v) => 1 - v);

describe('prior covariance', () => {
  it('great-circle distance: quarter meridian and antipodes', () => {
    expect(greatCircleM(0, 0, 0, 90)).toBeCloseTo((Math.PI / 2) * EARTH_RADIUS_M, 3);
    expect(greatCircleM(0, 0, 90, 123)).toBeCloseTo((Math.PI / 2) * EARTH_RADIUS_M, 3);
    expect(greatCircleM(10, 20, -10, -160)).toBeCloseTo(Math.PI * EARTH_RADIUS_M, 3);
  });

  it('centroid of two cells mirrored about the equator lies on the equator', () => {
    const unit = new Int32Array(n).fill(-1);
    unit[grid.index(2, 3)] = 0; // row 2: 0–30°N? rows: -90..-60, -60..-30, -30..0, 0..30
    unit[grid.index(3, 3)] = 0;
    const { latDeg, lonDeg } = unitCentroids(unit, 1, grid);
    expect(latDeg[0]).toBeCloseTo(0, 12);
    expect(lonDeg[0]).toBeCloseTo(grid.lonCentersDeg[3]!, 12);
  });

  it('Cholesky: L Lᵀ = A', () => {
    const A = Float64Array.from([4, 2, 0.4, 2, 5, 1, 0.4, 1, 3]);
    const L = choleskyLower(A, 3);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += L[i * 3 + k]! * L[j * 3 + k]!;
      expect(s).toBeCloseTo(A[i * 3 + j]!, 13);
    }
    expect(() => choleskyLower(Float64Array.from([1, 2, 2, 1]), 2)).toThrow(/not positive definite/);
  });

  const times = Float64Array.from({ length: 4 }, (_, p) => Date.UTC(2014, p, 1) / 1000);
  const region = Int32Array.from({ length: n }, (_, c) => (land[c] ? 1 + (c % 4) : 0));
  const oreg = Int32Array.from({ length: n }, (_, c) => (ocean[c] ? 1 + (c % 3) : 0));
  const mapping = buildMapping(4, n, [
    regionMonthTerm('land', region, grid.cellAreaM2, times, { unitMolPerSecond: 1 }),
    regionMonthTerm('ocean', oreg, grid.cellAreaM2, times, { unitMolPerSecond: 1 }),
  ]);
  const L = 3.0e6;
  const cov = buildPriorCovariance(mapping, grid, [
    { sigma: [0.5, 1, 1.5, 2], correlationLengthM: L, temporalCorrelation: 0.6 },
    { sigma: 0.3, correlationLengthM: 0, temporalCorrelation: 0 },
  ]);

  it('dense B follows the definition (σσ ρ^|Δt| exp(−d/L)) and terms are uncorrelated', () => {
    const B = denseCovariance(cov);
    const N = mapping.nState;
    const lt = mapping.terms[0]!;
    const { latDeg, lonDeg } = unitCentroids(lt.unit, lt.nUnits, grid);
    const sig = [0.5, 1, 1.5, 2];
    // element (block 1, unit 0) vs (block 3, unit 2)
    const r = 1 * 4 + 0;
    const c = 3 * 4 + 2;
    const want = sig[0]! * sig[2]! * 0.6 ** 2 * Math.exp(-greatCircleM(latDeg[0]!, lonDeg[0]!, latDeg[2]!, lonDeg[2]!) / L);
    expect(B[r * N + c]).toBeCloseTo(want, 14);
    expect(B[r * N + N - 1]).toBe(0); // land–ocean
    const o = mapping.terms[1]!.offset;
    expect(B[o * N + o]).toBeCloseTo(0.09, 14);
    expect(B[o * N + o + 1]).toBe(0);
  });

  it('B^½ (B^½)ᵀ = B and the transpose passes the dot-product test', () => {
    const N = mapping.nState;
    const B = denseCovariance(cov);
    // Columns of S = B^½ e_i
    const S = new Float64Array(N * N);
    for (let q = 0; q < N; q++) {
      const e = new Float64Array(N);
      e[q] = 1;
      const col = applySqrtB(cov, e);
      for (let r = 0; r < N; r++) S[r * N + q] = col[r]!;
    }
    for (let a = 0; a < N; a++) for (let b = 0; b < N; b++) {
      let s = 0;
      for (let k = 0; k < N; k++) s += S[a * N + k]! * S[b * N + k]!;
      expect(Math.abs(s - B[a * N + b]!)).toBeLessThan(1e-13);
    }
    const K = 3;
    const z = randomArray(N * K, 5);
    const w = randomArray(N * K, 6);
    const lhs = dot(applySqrtB(cov, z, K), w);
    const rhs = dot(z, applySqrtBTranspose(cov, w, K));
    expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-12 * Math.abs(lhs));
  });

  it('grid-cell scaling with long correlation length is positive definite', () => {
    const m = buildMapping(1, n, [gridScalingTerm('bio', new Float64Array(n).fill(1), 1, land)]);
    const c = buildPriorCovariance(m, grid, [{ sigma: 0.8, correlationLengthM: 1e6, temporalCorrelation: 0 }]);
    expect(c.nState).toBe(m.nState);
    expect(() => buildPriorCovariance(m, grid, [])).toThrow(/one covariance spec per mapping term/);
    expect(() => buildPriorCovariance(m, grid, [{ sigma: -1, correlationLengthM: 0, temporalCorrelation: 0 }])).toThrow(/sigma must be ≥ 0/);
  });
});
