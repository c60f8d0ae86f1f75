// The pieces of GCASv2's local EnSRF against closed forms and published values (the whole
// against GCASv2's own outputs: apps/tanhui/src/gcas/reference.test.ts).
import { describe, expect, it } from 'vitest';
import { createRng } from '@tanhui/core';
import { greatCircleKm } from '../ensrf/localization';
import { andoyerLambertKm, nearestIndex } from './geodesy';
import { GCAS_CLAMPS, clampLambda, continuityLambda, fluxAdjust, gcasLambda } from './lambda';
import { gcasCorrelationThreshold, gcasLocalEnsrf, type GcasObs } from './local-ensrf';
import { gcasCellAreaKm2, gcasSpatialInterp } from './regrid';
import { buildSuperObs } from './superobs';

describe('Andoyer–Lambert distance', () => {
  it('matches the published geodesic Flinders Peak – Buninyong (54 972.271 m, GRS80) within 2 m', () => {
    // Geoscience Australia's Vincenty example: (−37°57′03.72030″, 144°25′29.52440″) → (−37°39′10.15610″, 143°55′35.38390″).
    const d = andoyerLambertKm(-37.95103342, 144.42486789, -37.65282114, 143.92649554);
    expect(Math.abs(d * 1000 - 54972.271)).toBeLessThan(2);
  });

  it('is symmetric, 0 for identical points, and within 0.6 % of the spherical distance', () => {
    const rng = createRng(5);
    expect(andoyerLambertKm(10, 20, 10, 20)).toBe(0);
    for (let k = 0; k < 200; k++) {
      const [a, b, c, d] = [rng.uniform() * 160 - 80, rng.uniform() * 360, rng.uniform() * 160 - 80, rng.uniform() * 360];
      const al = andoyerLambertKm(a, b, c, d);
      expect(Math.abs(al - andoyerLambertKm(c, d, a, b))).toBeLessThan(1e-6 * al + 1e-9);
      const gc = greatCircleKm(a, b, c, d);
      if (gc > 100 && gc < 19000) expect(Math.abs(al / gc - 1)).toBeLessThan(0.006);
    }
  });

  it('nearestIndex: first minimum, no wrap-around in longitude', () => {
    expect(nearestIndex(2.5, [0, 5, 10])).toBe(0);
    expect(nearestIndex(359, [0, 5, 355])).toBe(2);
    expect(nearestIndex(-1, [0, 5, 355])).toBe(0);
  });
});

describe('super-obs', () => {
  it('inverse-variance weights, σ = max(1, 1.9·√(1/Σw)), first position, mean altitude', () => {
    const so = buildSuperObs(
      [
        { key: 'a', kind: 2, lat: 1, lon: 2, altM: -999, yPpm: 400, sigmaPpm: 1, hxPpm: [399, 401] },
        { key: 'b', kind: 1, lat: 5, lon: 6, altM: 10, yPpm: 390, sigmaPpm: 0.3, hxPpm: [391, 392] },
        { key: 'a', kind: 2, lat: 3, lon: 4, altM: -999, yPpm: 402, sigmaPpm: 2, hxPpm: [403, 405] },
      ],
      2,
    );
    expect(so.n).toBe(2);
    const w1 = 1;
    const w2 = 1 / 4;
    expect(so.yPpm[0]).toBeCloseTo((400 * w1 + 402 * w2) / (w1 + w2), 12);
    expect(so.hxPpm[0]).toBeCloseTo((399 * w1 + 403 * w2) / (w1 + w2), 12);
    expect(so.hxPpm[1]).toBeCloseTo((401 * w1 + 405 * w2) / (w1 + w2), 12);
    expect(so.sigmaPpm[0]).toBeCloseTo(1.9 * Math.sqrt(1 / (w1 + w2)), 12);
    expect([so.lat[0], so.lon[0], so.count[0]]).toEqual([1, 2, 2]);
    // 1.9 × 0.3 = 0.57 → floor 1 ppm
    expect(so.sigmaPpm[1]).toBe(1);
    expect(so.altM[1]).toBe(10);
  });
});

/** One cell at (0, 0) and obs on the equator at given distances with prescribed correlations. */
function cellAndObs(dKm: number[], rho: number[], N = 50): { cells: Parameters<typeof gcasLocalEnsrf>[0]; obs: GcasObs } {
  const rng = createRng(11);
  const x = Array.from({ length: N }, () => rng.normal());
  const mx = x.reduce((a, b) => a + b) / N;
  const xs = x.map((v) => v - mx);
  const nx = Math.sqrt(xs.reduce((a, b) => a + b * b, 0));
  const hx = new Float64Array(dKm.length * N);
  for (const [o, r] of rho.entries()) {
    // h = r·x̂ + √(1−r²)·ẑ with ẑ ⟂ x̂: exact correlation r.
    const z = Array.from({ length: N }, () => rng.normal());
    const mz = z.reduce((a, b) => a + b) / N;
    const zc = z.map((v) => v - mz);
    const proj = zc.reduce((a, v, n) => a + v * xs[n], 0) / (nx * nx);
    const zp = zc.map((v, n) => v - proj * xs[n]);
    const nz = Math.sqrt(zp.reduce((a, b) => a + b * b, 0));
    for (let n = 0; n < N; n++) hx[o * N + n] = 400 + r * (xs[n] / nx) * 3 + Math.sqrt(1 - r * r) * (zp[n] / nz) * 3;
  }
  const kmPerDeg = andoyerLambertKm(0, 0, 0, 1);
  return {
    cells: { n: 1, lat: [0], lon: [0.0001], members: Float64Array.from(x) },
    obs: {
      n: dKm.length,
      kind: dKm.map(() => 1),
      lat: dKm.map(() => 0),
      lon: dKm.map((d) => d / kmPerDeg),
      yPpm: dKm.map(() => 401),
      sigmaPpm: dKm.map(() => 1),
      hxPpm: hx,
    },
  };
}

describe('ring selection (Calc_correl)', () => {
  it('stage 1 overflow: the 20 best of > 20 positively correlated obs within 500 km, Lscale 500', () => {
    const d = Array.from({ length: 25 }, (_, k) => 50 + 10 * k);
    const r = d.map((_, k) => 0.9 - 0.02 * k);
    const { cells, obs } = cellAndObs(d, r);
    const a = gcasLocalEnsrf(cells, obs);
    expect(a.nObs[0]).toBe(20);
    expect(a.lscaleKm[0]).toBe(500);
    expect(Array.from(a.selObs)).toEqual(Array.from({ length: 20 }, (_, k) => k));
  });

  it('stage 2: rings from 750 km, r ≥ r_t, obs in 250–500 km twice; below r_t or r ≤ 0 never', () => {
    // obs 0: 300 km r .6 (stage 1 and 2); 1: 100 km r .3 (stage 1 only); 2: 900 km r .5; 3: 1200 km r .1 (< r_t);
    // 4: 2900 km r .4; 5: 200 km r −.5 (never); 6: 3100 km r .9 (beyond 3000 km)
    const { cells, obs } = cellAndObs([300, 100, 900, 1200, 2900, 200, 3100], [0.6, 0.3, 0.5, 0.1, 0.4, -0.5, 0.9]);
    const a = gcasLocalEnsrf(cells, obs);
    // stage 1 sorted by r: 0 (.6), 1 (.3); stage 2 at l = 3000, sorted: 0 (.6), 2 (.5), 4 (.4)
    expect(Array.from(a.selObs)).toEqual([0, 1, 0, 2, 4]);
    expect(a.lscaleKm[0]).toBe(3000);
    expect(gcasCorrelationThreshold(50)).toBe(0.2352);
    expect(gcasCorrelationThreshold(20)).toBe(0.15);
  });

  it('stage 2 overflow stops at the first ring that would exceed 20 (count capped at 20)', () => {
    const d = [...Array.from({ length: 15 }, (_, k) => 800 + k), ...Array.from({ length: 10 }, (_, k) => 1100 + k)];
    const { cells, obs } = cellAndObs(d, d.map((_, k) => 0.8 - 0.01 * k));
    const a = gcasLocalEnsrf(cells, obs);
    expect(a.nObs[0]).toBe(20);
    expect(a.lscaleKm[0]).toBe(1250);
  });
});

describe('cell-local update (ensrf_noGuassian)', () => {
  it('one obs at the cell: the posterior mean and spread are the Kalman ones of the ensemble covariance', () => {
    const { cells, obs } = cellAndObs([1], [0.7]);
    const N = 50;
    const a = gcasLocalEnsrf(cells, obs);
    const x = Array.from(cells.members);
    const h = Array.from(obs.hxPpm);
    const mx = x.reduce((s, v) => s + v) / N;
    const mh = h.reduce((s, v) => s + v) / N;
    let pxx = 0;
    let pxh = 0;
    let phh = 0;
    for (let n = 0; n < N; n++) {
      pxx += (x[n] - mx) ** 2 / (N - 1);
      pxh += (x[n] - mx) * (h[n] - mh) / (N - 1);
      phh += (h[n] - mh) ** 2 / (N - 1);
    }
    const rho = 1 - (5 / 3) * (1 / 3000) ** 2; // GC at 1 km (higher terms < 1e-10)
    const k = (rho * pxh) / (phh + 1);
    expect(a.xmeanPost[0]).toBeCloseTo(mx + k * (401 - mh), 8);
    // Square-root update (ρ ≈ 1): the posterior variance is the Kalman one, P − P_xh²/(P_hh + R).
    let va = 0;
    for (let n = 0; n < N; n++) va += (a.xnew[n] - a.xmeanPost[0]) ** 2 / (N - 1);
    expect(va).toBeCloseTo(pxx - (pxh * pxh) / (phh + 1), 5);
  });

  it('skips obs with a negative gain, weights by Gaspari–Cohn at 3000 km (5/24 at 3000 km), ×1.5 for columns on boosted cells', () => {
    // A negatively correlated obs is not selected (GCAS); with the ensemble sign (scaling-factor
    // states, a sink cell) it is, and its gain, negative in the flux sense, is used.
    const neg = cellAndObs([100], [-0.6]);
    expect(gcasLocalEnsrf(neg.cells, neg.obs).nObs[0]).toBe(0);
    const signed = gcasLocalEnsrf(neg.cells, neg.obs, { sensitivitySign: 'ensemble' });
    expect(signed.nObs[0]).toBe(1);
    expect(signed.nUsed[0]).toBe(1);
    const far = cellAndObs([2999.9], [0.7]);
    const near = cellAndObs([0.01], [0.7]);
    const inc = (c: ReturnType<typeof cellAndObs>, opts = {}): number => {
      const a = gcasLocalEnsrf(c.cells, c.obs, opts);
      return a.xmeanPost[0] - a.xmeanPrior[0];
    };
    expect(inc(far) / inc(near)).toBeCloseTo(5 / 24, 3);
    const col = cellAndObs([0.01], [0.7]);
    col.obs.kind = [2];
    const boosted = { ...col.cells, columnBoost: Uint8Array.of(1) };
    expect(inc({ cells: boosted, obs: col.obs }) / inc(near)).toBeCloseTo(1.5, 6);
  });
});

describe('λ clamps, continuity, fluxadjust', () => {
  it('clamps bio/ocn to [0.1, 10] (mirrored below 0) and fire to [0.2, 5] (negative → 0.2)', () => {
    const [bio, , fire] = GCAS_CLAMPS;
    expect([clampLambda(20, bio), clampLambda(0.01, bio), clampLambda(-0.01, bio), clampLambda(-20, bio), clampLambda(0, bio), clampLambda(3, bio)]).toEqual([10, 0.1, -0.1, -10, 0, 3]);
    expect([clampLambda(7, fire), clampLambda(0.1, fire), clampLambda(-3, fire)]).toEqual([5, 0.2, 0.2]);
  });

  it('continuity: a change beyond +150 % → 2.5·λ_old, below −150 % → −0.5·λ_old, then the clamp', () => {
    const bio = GCAS_CLAMPS[0];
    expect(continuityLambda(3, 1, bio)).toBe(2.5);
    expect(continuityLambda(-1, 1, bio)).toBe(-0.5);
    expect(continuityLambda(2, 1, bio)).toBe(2);
    expect(continuityLambda(5, 0, bio)).toBe(5);
    expect(continuityLambda(-1, -5, bio)).toBe(-1); // f = −0.8
    expect(continuityLambda(-20, -5, bio)).toBe(-10); // f = 3 → 2.5·(−5) = −12.5 → clamp −10
  });

  it('λ = (x_org + Δx̄)/x_org, 1 where x_org = 0, dflux = λ·x_org − x_org', () => {
    const r = gcasLambda({ xorg: [10, 0, -4], xmeanPrior: [5, 1, 0], xmeanPost: [7, 3, 2], component: [0, 0, 0] });
    expect(Array.from(r.lambda)).toEqual([1.2, 1, 0.5]);
    expect(Array.from(r.dflux).map((v) => +v.toFixed(12))).toEqual([2, 0, 2]);
  });

  it('fluxadjust keeps Σ_t f = λT per cell and moves each step in proportion to |f|', () => {
    const rng = createRng(3);
    const cells = 7;
    const f = Float64Array.from({ length: 8 * cells }, () => rng.normal() * 5 - 1);
    const lambda = Float64Array.from({ length: cells }, () => rng.uniform() * 3 - 1);
    const before = f.slice();
    fluxAdjust(f, lambda, 8);
    for (let c = 0; c < cells; c++) {
      let t0 = 0;
      let t1 = 0;
      let a = 0;
      for (let s = 0; s < 8; s++) {
        t0 += before[s * cells + c];
        t1 += f[s * cells + c];
        a += Math.abs(before[s * cells + c]);
      }
      expect(t1).toBeCloseTo(lambda[c] * t0, 9);
      for (let s = 0; s < 8; s++) {
        const b = before[s * cells + c];
        expect(f[s * cells + c] - b).toBeCloseTo((-Math.abs(b) * (1 - lambda[c]) * t0) / a, 9);
      }
    }
  });
});

describe('spatial_interp (1° → transport grid)', () => {
  const lat = Float64Array.from({ length: 180 }, (_, j) => j - 89.5);
  const lon = Float64Array.from({ length: 360 }, (_, i) => i + 0.5);
  const lat1 = Float64Array.from({ length: 37 }, (_, j) => j * 5 - 90);
  const lon1 = Float64Array.from({ length: 72 }, (_, i) => i * 5);
  it('keeps a uniform field uniform and Σ area·flux of any field', () => {
    const ones = new Float64Array(180 * 360).fill(1);
    const u = gcasSpatialInterp(ones, 1, lat, lon, lat1, lon1);
    for (const v of u.flux) expect(v).toBeCloseTo(1, 12);
    const rng = createRng(9);
    const f = Float64Array.from({ length: 2 * 180 * 360 }, () => rng.normal());
    const r = gcasSpatialInterp(f, 2, lat, lon, lat1, lon1);
    for (let t = 0; t < 2; t++) {
      let before = 0;
      for (let j = 0; j < 180; j++) for (let i = 0; i < 360; i++) before += f[t * 64800 + j * 360 + i] * gcasCellAreaKm2(lat[j], 1);
      let after = 0;
      for (let p = 0; p < 37 * 72; p++) after += r.flux[t * 37 * 72 + p] * r.areaKm2[p];
      expect(after).toBeCloseTo(before, 6);
    }
    // the 1° areas sum to the sphere
    let total = 0;
    for (let j = 0; j < 180; j++) total += 360 * gcasCellAreaKm2(lat[j], 1);
    expect(total / (4 * Math.PI * 6371 ** 2)).toBeCloseTo(1, 12);
  });
});
