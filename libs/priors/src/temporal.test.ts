import { describe, expect, it } from 'vitest';
import { LatLonGrid, totalPgCYr } from '@tanhui/core';
import type { FluxField } from './flux';
import { regridFlux } from './regrid';
import { dailyMeanCosZenith, meanCosZenith, solarDeclinationRad } from './solar';
import { aggregateTime, downscaleDiurnal, interpolateTime } from './temporal';
import { randomArray } from './test-utils';

const DEG = Math.PI / 180;

/** Brute-force mean of max(0, cos Z) by the midpoint rule, for comparison. */
function bruteCosZ(lat: number, lon: number, t1: number, t2: number, delta: number): number {
  const N = 200000;
  let s = 0;
  for (let k = 0; k < N; k++) {
    const t = t1 + ((k + 0.5) / N) * (t2 - t1);
    const h = 2 * Math.PI * ((t / 86400) % 1) - Math.PI + lon * DEG;
    s += Math.max(0, Math.sin(lat * DEG) * Math.sin(delta) + Math.cos(lat * DEG) * Math.cos(delta) * Math.cos(h));
  }
  return s / N;
}

describe('solar geometry', () => {
  const day0 = Date.UTC(2014, 8, 6) / 1000;
  const delta = solarDeclinationRad(249);
  it.each([
    [40, 116, 0, 10800],
    [40, 116, 10800 * 3, 10800 * 4],
    [-33, -70, 3600, 86400],
    [75, 10, 0, 86400],
    [-80, 0, 0, 86400],
    [0, 179.5, 50000, 60000],
  ])('interval mean at lat %d lon %d [%d, %d] matches quadrature', (lat, lon, a, b) => {
    expect(meanCosZenith(lat, lon, day0 + a, day0 + b, delta)).toBeCloseTo(bruteCosZ(lat, lon, day0 + a, day0 + b, delta), 8);
  });
  it('daily mean: closed form equals the interval mean; equator at equinox = 1/π', () => {
    expect(dailyMeanCosZenith(0, 0)).toBeCloseTo(1 / Math.PI, 14);
    expect(dailyMeanCosZenith(50, delta)).toBeCloseTo(meanCosZenith(50, 30, day0, day0 + 86400, delta), 12);
    expect(dailyMeanCosZenith(-85, solarDeclinationRad(172))).toBe(0); // polar night
  });
});

function field(grid: LatLonGrid, nt: number, period: number, t0: number, seed: number): FluxField {
  return {
    category: 'bio',
    grid,
    timesSec: Float64Array.from({ length: nt }, (_, t) => t0 + t * period),
    periodSeconds: period,
    fluxMolM2S: randomArray(nt * grid.size, seed),
  };
}

describe('time operations', () => {
  const grid = LatLonGrid.regular(30, 20);
  const t0 = Date.UTC(2014, 8, 6) / 1000;

  it('downscaleDiurnal conserves each daily mean exactly and puts uptake in daylight', () => {
    const daily = field(grid, 3, 86400, t0, 1);
    const gpp = { ...field(grid, 3, 86400, t0, 2), category: 'bio' as const };
    gpp.fluxMolM2S.forEach((v, k) => (gpp.fluxMolM2S[k] = Math.abs(v)));
    const sub = downscaleDiurnal(daily, { gpp });
    expect(sub.periodSeconds).toBe(10800);
    expect(sub.timesSec.length).toBe(24);
    const n = grid.size;
    for (let d = 0; d < 3; d++) {
      for (let c = 0; c < n; c++) {
        let m = 0;
        for (let h = 0; h < 8; h++) m += sub.fluxMolM2S[(d * 8 + h) * n + c]!;
        expect(Math.abs(m / 8 - daily.fluxMolM2S[d * n + c]!)).toBeLessThan(1e-15);
      }
    }
    // A cell at 30–50°N, 90–120°E (local noon ≈ 04–05 UTC): the 03–06 UTC period has the
    // strongest uptake, 15–18 UTC (night) is above the daily mean by exactly G.
    const j = grid.rowOf(40);
    const i = grid.columnOf(105);
    const c = j * grid.nlon + i;
    const vals = Array.from({ length: 8 }, (_, h) => sub.fluxMolM2S[h * n + c]!);
    expect(vals.indexOf(Math.min(...vals))).toBe(1);
    expect(vals[5]).toBeCloseTo(daily.fluxMolM2S[c]! + gpp.fluxMolM2S[c]!, 14);
  });

  it('downscaleDiurnal without GPP repeats the daily value', () => {
    const daily = field(grid, 1, 86400, t0, 3);
    const sub = downscaleDiurnal(daily);
    for (let h = 0; h < 8; h++) expect(sub.fluxMolM2S[h * grid.size + 7]).toBe(daily.fluxMolM2S[7]);
    expect(() => downscaleDiurnal(field(grid, 1, 10800, t0, 3))).toThrow(/needs daily periods/);
  });

  it('aggregateTime is the inverse of downscaling for the means', () => {
    const daily = field(grid, 2, 86400, t0, 4);
    const back = aggregateTime(downscaleDiurnal(daily), 8);
    expect(back.periodSeconds).toBe(86400);
    back.fluxMolM2S.forEach((v, k) => expect(v).toBeCloseTo(daily.fluxMolM2S[k]!, 15));
    expect(() => aggregateTime(daily, 3)).toThrow(/cannot aggregate/);
  });

  it('interpolateTime: linear between centres, constant outside', () => {
    const f = field(grid, 2, 86400, t0, 5);
    const r = interpolateTime(f, [t0 - 86400, t0 + 12 * 3600 - 5400, t0 + 86400 - 5400], 10800);
    const n = grid.size;
    for (let c = 0; c < n; c++) {
      const a = f.fluxMolM2S[c]!;
      const b = f.fluxMolM2S[n + c]!;
      expect(r.fluxMolM2S[c]).toBe(a);
      expect(r.fluxMolM2S[n + c]).toBeCloseTo(a, 14); // centre 12:00 = centre of day 0
      expect(r.fluxMolM2S[2 * n + c]).toBeCloseTo(a + 0.5 * (b - a), 14); // 24:00 is halfway
    }
  });
});

describe('regridFlux', () => {
  it('conserves the global total of every period to 1e-12 (1° → 6°×4° and 3°×2°)', () => {
    const src = LatLonGrid.regular(1, 1, 0); // 0..360 like GCAS files
    const f = field(src, 2, 10800, 0, 7);
    for (const target of [LatLonGrid.preset('6x4'), LatLonGrid.preset('3x2')]) {
      const r = regridFlux(f, target);
      for (let t = 0; t < 2; t++) {
        const a = totalPgCYr(f.fluxMolM2S.subarray(t * src.size, (t + 1) * src.size), src.cellAreaM2);
        const b = totalPgCYr(r.fluxMolM2S.subarray(t * target.size, (t + 1) * target.size), target.cellAreaM2);
        expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(a)));
      }
    }
  });

  it('conserves the total of a target-aligned region exactly (a 6°×4° block of 1° cells)', () => {
    const src = LatLonGrid.regular(1, 1);
    const target = LatLonGrid.preset('6x4');
    const f = field(src, 1, 86400, 0, 8);
    const r = regridFlux(f, target);
    // Target cell (j=30, i=40): lat 30..34, lon 60..66 → source rows 120..123, cols 240..245
    let a = 0;
    for (let j = 120; j < 124; j++) for (let i = 240; i < 246; i++) a += f.fluxMolM2S[j * 360 + i]! * src.cellAreaM2[j * 360 + i]!;
    const b = r.fluxMolM2S[30 * 60 + 40]! * target.cellAreaM2[30 * 60 + 40]!;
    expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-12 * Math.abs(a));
  });
});
