import { describe, expect, it } from 'vitest';
import { builtinRegions, LatLonGrid, totalPgCYr, utcInstant } from '@tanhui/core';
import type { FluxField } from './flux';
import { syntheticPrior } from './synthetic';
import { aggregateTime } from './temporal';

const grid = LatLonGrid.preset('6x4');
const n = grid.size;

/** Year-integrated total [PgC/yr] from daily period means: Σ_days total_d / 365. */
function annualPgCYr(f: FluxField, mask?: ArrayLike<number>): number {
  let s = 0;
  const nt = f.timesSec.length;
  for (let t = 0; t < nt; t++) s += totalPgCYr(f.fluxMolM2S.subarray(t * n, (t + 1) * n), grid.cellAreaM2, mask);
  return s / nt;
}

describe('synthetic BEPS-like prior (demo world)', () => {
  const y0 = utcInstant(2015, 1, 1); // a 365-day year
  const days = Float64Array.from({ length: 365 }, (_, d) => y0 + d * 86400);
  const p = syntheticPrior(grid, days, 86400);

  it('annual totals: land NEP net in [−3, −1], ocean ≈ −2, fossil ≈ +10, fire small (PgC/yr)', () => {
    const bio = annualPgCYr(p.bio);
    expect(bio).toBeGreaterThan(-3);
    expect(bio).toBeLessThan(-1);
    expect(bio + annualPgCYr(p.fire)).toBeGreaterThan(-3);
    expect(annualPgCYr(p.ocean)).toBeCloseTo(-2, 6);
    expect(annualPgCYr(p.fossil)).toBeCloseTo(10, 6);
    const fire = annualPgCYr(p.fire);
    expect(fire).toBeGreaterThan(0);
    expect(fire).toBeLessThan(1.5);
    // the daily periods, integrated over the year, reproduce the design value of the net
    expect(bio).toBeCloseTo(-2.5, 6);
  });

  it('gross fluxes are realistic: global GPP 90–180 PgC/yr', () => {
    const g = annualPgCYr(p.gpp);
    expect(g).toBeGreaterThan(90);
    expect(g).toBeLessThan(180);
    expect(g).toBeCloseTo(p.annualGppPgCYr, 6);
  });

  it('fossil emissions sit in populated latitudes and on land only', () => {
    const br = builtinRegions(grid);
    const band = Uint8Array.from({ length: n }, (_, c) => {
      const lat = grid.latCentersDeg[Math.floor(c / grid.nlon)]!;
      return lat >= 15 && lat <= 60 ? 1 : 0;
    });
    expect(annualPgCYr(p.fossil, band) / annualPgCYr(p.fossil)).toBeGreaterThan(0.7);
    const ocean = Uint8Array.from(br.landFraction, (f) => (f === 0 ? 1 : 0));
    expect(annualPgCYr(p.fossil, ocean)).toBe(0);
  });

  it('seasonal cycle: northern boreal/temperate land takes up CO2 in July and releases it in January', () => {
    const tc = builtinRegions(grid).transcom;
    for (const code of [1, 7, 8]) {
      const mask = tc.mask(code);
      const jul = totalPgCYr(p.bio.fluxMolM2S.subarray(195 * n, 196 * n), grid.cellAreaM2, mask);
      const jan = totalPgCYr(p.bio.fluxMolM2S.subarray(15 * n, 16 * n), grid.cellAreaM2, mask);
      expect(jul).toBeLessThan(0);
      expect(jan).toBeGreaterThan(0);
    }
  });

  it('diurnal cycle: 3-hourly periods average exactly to the daily value; uptake by day, release at night', () => {
    const day = utcInstant(2015, 7, 15);
    const d = syntheticPrior(grid, [day], 86400);
    const h = syntheticPrior(grid, Float64Array.from({ length: 8 }, (_, k) => day + k * 10800), 10800);
    for (const key of ['bio', 'gpp', 'ocean', 'fossil', 'fire'] as const) {
      const agg = aggregateTime(h[key], 8);
      // relative to the field's largest value: NEP = Re − GPP cancels to ~1e-16 of the gross fluxes
      const scale = Math.max(...Array.from(h[key].fluxMolM2S, Math.abs), ...Array.from(h.gpp.fluxMolM2S));
      for (let c = 0; c < n; c++) expect(Math.abs(agg.fluxMolM2S[c]! - d[key].fluxMolM2S[c]!)).toBeLessThanOrEqual(1e-13 * scale);
    }
    // Amazon cell (3°S, 60°W): local noon ≈ 16 UTC (period 5), midnight ≈ 04 UTC (period 1)
    const c = grid.locate(-3, -60).index;
    expect(h.bio.fluxMolM2S[5 * n + c]).toBeLessThan(0);
    expect(h.bio.fluxMolM2S[1 * n + c]).toBeGreaterThan(0);
  });

  it('works on any grid and is deterministic', () => {
    const g = LatLonGrid.regular(10, 10, 0);
    const a = syntheticPrior(g, [0], 86400);
    const b = syntheticPrior(g, [0], 86400);
    expect(Array.from(a.bio.fluxMolM2S)).toEqual(Array.from(b.bio.fluxMolM2S));
    expect(() => syntheticPrior(g, [], 86400)).toThrow(/no periods/);
  });
});
