import { LatLonGrid, RegionMap } from '@tanhui/core';
import { describe, expect, it } from 'vitest';
import {
  anomalies,
  budgetRegionsOf,
  stackedBudgetsPgCYr,
  anomalyCorrelations,
  budgetCovarianceFromState,
  cellAggregationMatrix,
  correlationMap,
  ensembleBudget,
  ensemblePeriodBudgets,
  monthlyAnomalies,
  periodMeans,
  regionalSeries,
  regionalTotalsPgC,
  regionSigmas,
  stateAggregationMatrix,
  sumOfRegions,
  type RegionalSeries,
} from './budgets';
import { latitudeBandRegionMap, type RegionMapInput } from './regions';

// Independent constants: 12.0107 g/mol carbon, a 365.25-day year, R = 6371 km.
const R = 6.371e6;
const MOL_S_TO_PGC_YR = (12.0107e-3 / 1e12) * 365.25 * 86400;

/** Two regions on a 6°×4° grid: north of 50°N ('boreal') and everything else ('rest'). */
function borealMap(): RegionMapInput {
  const grid = LatLonGrid.preset('6x4');
  const codes = new Int32Array(grid.size);
  for (let j = 0; j < grid.nlat; j++) for (let i = 0; i < grid.nlon; i++) codes[j * grid.nlon + i] = grid.latEdgesDeg[j]! >= 50 ? 0 : 1;
  return { grid, codes, names: ['boreal', 'rest'] };
}

describe('regional totals', () => {
  it('a uniform flux over a spherical cap gives F·2πR²(1 − sin φ)·unit conversion', () => {
    const map = borealMap();
    // The 6°×4° grid has a latitude edge at 50°N (−90 + 35·4), so the region is exactly the cap.
    const F = 1e-6; // mol m⁻² s⁻¹
    const tot = regionalTotalsPgC(map, new Float64Array(map.grid.size).fill(F));
    const cap = 2 * Math.PI * R * R * (1 - Math.sin((50 * Math.PI) / 180));
    expect(tot[0]).toBeCloseTo(F * cap * MOL_S_TO_PGC_YR, 10);
    expect(tot[0]! + tot[1]!).toBeCloseTo(F * 4 * Math.PI * R * R * MOL_S_TO_PGC_YR, 9);
  });

  it('latitude-band totals add up to the global total (conservation) and match A·f', () => {
    const grid = LatLonGrid.preset('6x4');
    const bands = latitudeBandRegionMap(grid);
    const f = Float64Array.from({ length: grid.size }, (_, c) => Math.sin(c * 0.37) * 1e-7);
    const t = regionalTotalsPgC(bands, f);
    let global = 0;
    for (let c = 0; c < grid.size; c++) global += f[c]! * grid.cellAreaM2[c]! * MOL_S_TO_PGC_YR;
    expect(t.reduce((a, b) => a + b, 0)).toBeCloseTo(global, 12);
    const a = cellAggregationMatrix(bands);
    for (let r = 0; r < 6; r++) {
      let s = 0;
      for (let c = 0; c < grid.size; c++) s += a[r * grid.size + c]! * f[c]!;
      expect(s).toBeCloseTo(t[r]!, 12);
    }
  });
});

describe('σ of sums of regions with covariances', () => {
  it('two scaling factors with correlated errors: σ² = TA²σ1² + TB²σ2² + 2ρ·TA·TB·σ1σ2', () => {
    const map = borealMap();
    const n = map.grid.size;
    // Basis fluxes: 1e-6 over the boreal region, 2e-7 over the rest.
    const b0 = Float64Array.from({ length: n }, (_, c) => (map.codes[c] === 0 ? 1e-6 : 0));
    const b1 = Float64Array.from({ length: n }, (_, c) => (map.codes[c] === 1 ? 2e-7 : 0));
    const TA = regionalTotalsPgC(map, b0)[0]!;
    const TB = regionalTotalsPgC(map, b1)[1]!;
    const s1 = 0.3;
    const s2 = 0.5;
    const rho = -0.6;
    const P = [s1 * s1, rho * s1 * s2, rho * s1 * s2, s2 * s2];
    const A = stateAggregationMatrix(map, [b0, b1]);
    const bc = budgetCovarianceFromState(map.names, A, P);
    const sig = regionSigmas(bc);
    expect(sig[0]).toBeCloseTo(TA * s1, 12);
    expect(sig[1]).toBeCloseTo(TB * s2, 12);
    const sum = sumOfRegions([TA, TB], bc, ['boreal', 'rest']);
    expect(sum.value).toBeCloseTo(TA + TB, 12);
    expect(sum.sigma).toBeCloseTo(Math.sqrt(TA * TA * s1 * s1 + TB * TB * s2 * s2 + 2 * rho * TA * TB * s1 * s2), 12);
    expect(() => sumOfRegions([TA, TB], bc, ['nowhere'])).toThrow(/unknown region 'nowhere'/);
  });

  it('ensemble covariance gives the same σ of a sum as the spread of the members’ sums', () => {
    const map = borealMap();
    const n = map.grid.size;
    const members = Array.from({ length: 7 }, (_, m) => Float64Array.from({ length: n }, (_, c) => Math.cos(0.1 * c * (m + 1)) * 1e-7 + (m % 3) * 1e-8));
    const eb = ensembleBudget(map, members);
    // Naive: total of each member's global sum, then the sample std.
    const sums = members.map((f) => {
      let s = 0;
      for (let c = 0; c < n; c++) s += f[c]! * map.grid.cellAreaM2[c]! * MOL_S_TO_PGC_YR;
      return s;
    });
    const m = sums.reduce((a, b) => a + b, 0) / sums.length;
    const sd = Math.sqrt(sums.reduce((a, b) => a + (b - m) ** 2, 0) / (sums.length - 1));
    const r = sumOfRegions(eb.mean, eb, ['boreal', 'rest']);
    expect(r.value).toBeCloseTo(m, 12);
    expect(r.sigma).toBeCloseTo(sd, 12);
  });
});

describe('time series, monthly and annual means', () => {
  const day = 86400;
  const jan25 = Date.UTC(2021, 0, 25) / 1000;
  const series: RegionalSeries = {
    names: ['x'],
    timesSec: Float64Array.from([jan25, jan25 + 10 * day]),
    durationsSec: Float64Array.from([10 * day, 10 * day]),
    values: [Float64Array.from([1, 3])],
  };

  it('splits windows across month boundaries by overlap', () => {
    const m = periodMeans(series, 'month');
    expect(m.labels).toEqual(['2021-01', '2021-02']);
    expect(m.values[0]![0]).toBeCloseTo(1, 12); // Jan 25 → Feb 1: 7 days of window 1
    expect(m.values[0]![1]).toBeCloseTo((3 * 1 + 10 * 3) / 13, 12);
    expect(m.coverage[0]).toBeCloseTo(7 / 31, 12);
    expect(m.coverage[1]).toBeCloseTo(13 / 28, 12);
    const y = periodMeans(series, 'year');
    expect(y.labels).toEqual(['2021']);
    expect(y.values[0]![0]).toBeCloseTo(2, 12);
  });

  it('regionalSeries applies the totals per window', () => {
    const map = borealMap();
    const f1 = new Float64Array(map.grid.size).fill(1e-7);
    const rs = regionalSeries(map, { timesSec: [0, 7 * day], durationsSec: [7 * day, 7 * day], fluxMolM2S: [f1, f1.map((v) => 2 * v)] });
    expect(rs.values[1]![1]).toBeCloseTo(2 * rs.values[1]![0]!, 12);
    expect(() => regionalSeries(map, { timesSec: [0], durationsSec: [1, 2], fluxMolM2S: [f1] })).toThrow(/times/);
  });

  it('anomalies remove the mean; monthly anomalies remove the seasonal cycle', () => {
    expect(Array.from(anomalies([[1, 2, 3, 6]])[0]!)).toEqual([-2, -1, 0, 3]);
    const labels: string[] = [];
    const v: number[] = [];
    for (const [year, offset] of [[2020, 0], [2021, 1]] as const) {
      for (let mo = 1; mo <= 12; mo++) {
        labels.push(`${year}-${String(mo).padStart(2, '0')}`);
        v.push(Math.sin(mo) * 5 + offset);
      }
    }
    const a = monthlyAnomalies({ names: ['x'], labels, startSec: new Float64Array(24), values: [Float64Array.from(v)], coverage: new Float64Array(24).fill(1) })[0]!;
    for (let k = 0; k < 24; k++) expect(a[k]).toBeCloseTo(k < 12 ? -0.5 : 0.5, 12);
  });

  it('correlation with a climate anomaly series and per-cell correlation maps', () => {
    const climate = [0.1, -0.3, 0.5, 0.2, -0.4];
    const r = anomalyCorrelations([climate.map((x) => 2 * x + 1), climate.map((x) => -x), [1, 0, 0, 1, 1]], climate);
    expect(r[0]).toBeCloseTo(1, 12);
    expect(r[1]).toBeCloseTo(-1, 12);
    // Hand: climate mean 0.02, deviations [.08,−.32,.48,.18,−.42]; b mean 0.6, deviations [.4,−.6,−.6,.4,.4]
    // Σab = .032+.192−.288+.072−.168 = −0.16; Σaa = .0064+.1024+.2304+.0324+.1764 = .548; Σbb = 1.2
    expect(r[2]).toBeCloseTo(-0.16 / Math.sqrt(0.548 * 1.2), 12);
    const A = climate.map((x) => [x, -x, 1]);
    const B = climate.map((x) => [3 * x, x, x]);
    const cm = correlationMap(A, B);
    expect(cm[0]).toBeCloseTo(1, 12);
    expect(cm[1]).toBeCloseTo(-1, 12);
    expect(Number.isNaN(cm[2]!)).toBe(true);
  });
});

describe('ensemble period budgets', () => {
  it('σ of monthly means equals the naive sample σ of the members’ monthly totals', () => {
    const map = borealMap();
    const n = map.grid.size;
    const day = 86400;
    const t0 = Date.UTC(2022, 0, 1) / 1000;
    // Three members, four 10-day windows (Jan 1 – Feb 10), uniform fluxes k·(m+1)·1e-8.
    const members = [0, 1, 2].map((m) => ({
      timesSec: [0, 1, 2, 3].map((k) => t0 + k * 10 * day),
      durationsSec: [1, 2, 3, 4].map(() => 10 * day),
      fluxMolM2S: [1, 2, 3, 4].map((k) => new Float64Array(n).fill(k * (m + 1) * 1e-8)),
    }));
    const eb = ensemblePeriodBudgets(map, members, 'month');
    expect(eb.labels).toEqual(['2022-01', '2022-02']);
    // January = days 0–31: windows 1, 2, 3 full (30 days) + 1 day of window 4.
    const globalArea = 4 * Math.PI * R * R;
    const jan = (m: number): number => ((10 * 1 + 10 * 2 + 10 * 3 + 1 * 4) / 31) * (m + 1) * 1e-8 * globalArea * MOL_S_TO_PGC_YR;
    const vals = [0, 1, 2].map((m) => eb.members[m]![0]![0]! + eb.members[m]![1]![0]!);
    vals.forEach((v, m) => expect(v).toBeCloseTo(jan(m), 10));
    // Global = boreal + rest; sample σ (3 members, n − 1 = 2) of the members' global January means:
    const mean = (jan(0) + jan(1) + jan(2)) / 3;
    const sd = Math.sqrt(((jan(0) - mean) ** 2 + (jan(1) - mean) ** 2 + (jan(2) - mean) ** 2) / 2);
    const sumSd = Math.sqrt(
      [0, 1, 2].reduce((s, m) => s + (eb.members[m]![0]![0]! + eb.members[m]![1]![0]! - mean) ** 2, 0) / 2,
    );
    expect(sumSd).toBeCloseTo(sd, 10);
    // Per region the σ is the same scaling of the region's share.
    const share = eb.mean[0]![0]! / (eb.mean[0]![0]! + eb.mean[1]![0]!);
    expect(eb.sigma[0]![0]).toBeCloseTo(sd * share, 10);
  });
});

describe('stackedBudgetsPgCYr', () => {
  it('sums each of K stacked maps over regions by exact cell areas, then land, ocean and total', () => {
    // Three bands on a 6°×4° grid (edges −90, −86, …, −2, 2, …, 86, 90): land 2°N–86°N, ocean
    // 90°S–2°N (the row centred on the equator included), and an "other" cap 86°N–90°N.
    const grid = LatLonGrid.preset('6x4');
    const codes = Array.from({ length: grid.size }, (_, c) => (Math.floor(c / grid.nlon) === grid.nlat - 1 ? 3 : grid.latCentersDeg[Math.floor(c / grid.nlon)]! > 0 ? 1 : 2));
    const map = RegionMap.fromValues(grid, codes, [
      { code: 1, name: 'north', kind: 'land' },
      { code: 2, name: 'south', kind: 'ocean' },
      { code: 3, name: 'cap', kind: 'other' },
    ]);
    // K = 2 maps: uniform 1e-6 mol m⁻² s⁻¹, and 2e-6 · sin(lat).
    const K = 2;
    const flux = new Float64Array(grid.size * K);
    for (let c = 0; c < grid.size; c++) {
      flux[c * K] = 1e-6;
      flux[c * K + 1] = 2e-6 * Math.sin((grid.latCentersDeg[Math.floor(c / grid.nlon)]! * Math.PI) / 180);
    }
    const b = stackedBudgetsPgCYr(map, flux, K);
    expect(budgetRegionsOf(map).map((r) => r.name)).toEqual(['north', 'south', 'cap', 'Global land', 'Global ocean', 'Global total']);
    // Closed form for the uniform map: area of a latitude band 2πR²(sin φ2 − sin φ1).
    const band = (a: number, z: number): number => 2 * Math.PI * R * R * (Math.sin((z * Math.PI) / 180) - Math.sin((a * Math.PI) / 180));
    const north = 1e-6 * band(2, 86) * MOL_S_TO_PGC_YR;
    const south = 1e-6 * band(-90, 2) * MOL_S_TO_PGC_YR;
    const cap = 1e-6 * band(86, 90) * MOL_S_TO_PGC_YR;
    const uniform = [0, 1, 2, 3, 4, 5].map((r) => b[r * K]!);
    const expected = [north, south, cap, north, south, north + south + cap];
    uniform.forEach((v, r) => expect(Math.abs(v / expected[r]! - 1)).toBeLessThan(1e-12));
    // The second map region by region equals the independent loop of regionalTotalsPgC.
    const second = Float64Array.from({ length: grid.size }, (_, c) => flux[c * K + 1]!);
    const loop = regionalTotalsPgC({ grid, codes: Int32Array.from(codes, (v) => v - 1), names: ['north', 'south', 'cap'] }, second);
    for (let r = 0; r < 3; r++) expect(b[r * K + 1]! - loop[r]!).toBeCloseTo(0, 10);
    expect(b[5 * K + 1]! - (loop[0]! + loop[1]! + loop[2]!)).toBeCloseTo(0, 10);
  });
});
