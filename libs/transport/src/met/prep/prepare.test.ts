// Physics of the meteo preparation against closed forms: solid-body rotation given in ERA5's
// layout (0.25°, north first, levels top first, float32) arrives on 3°×2° with the analytic face
// mass fluxes; conservative averaging keeps the area integral; merging sums layer masses;
// balancing makes the column convergence equal the surface-pressure tendency; a week of the model
// on prepared real-layout met conserves tracer mass; a puff in a uniform wind lands at u·t.
import { describe, expect, it } from 'vitest';
import { GRAVITY, HybridLevels, LatLonGrid } from '@tanhui/core';
import { ArrayMeteorology } from '../array-met';
import { BuiltinTransportModel } from '../../builtin/model';
import { FaceFluxOperator } from './horizontal';
import { defaultLevelMap, ECMWF_L137, GEOS_L72, geosChem47Map, mergedLevels } from './levels';
import { columnConvergence, MetPreparer, type SourceLayout } from './prepare';

const DEG = Math.PI / 180;

/** ERA5 axes: latitudes 90 … −90 (north first), longitudes 0 … 360−d. */
function era5Axes(d: number): { lonDeg: Float64Array; latNorthFirst: Float64Array } {
  const nlon = Math.round(360 / d), nlat = Math.round(180 / d) + 1;
  return { lonDeg: Float64Array.from({ length: nlon }, (_, l) => l * d), latNorthFirst: Float64Array.from({ length: nlat }, (_, r) => 90 - r * d) };
}

/** Two-layer hybrid set (top first in files; HybridLevels orders surface first). */
const twoLayers = new HybridLevels([0, 30000, 0], [1, 0.4, 0]);

describe('horizontal preparation', () => {
  it('solid-body rotation in ERA5 layout at 0.25° arrives on 3°×2° with the analytic face mass fluxes (1e-6)', () => {
    const { lonDeg, latNorthFirst } = era5Axes(0.25);
    const nlonS = lonDeg.length, nlatS = latNorthFirst.length;
    const u0 = 40, alpha = Math.PI / 4, ps0 = 98000;
    const nsrc = twoLayers.nlev;
    const U = new Float32Array(nsrc * nlatS * nlonS), V = new Float32Array(nsrc * nlatS * nlonS);
    for (let kf = 0; kf < nsrc; kf++) {
      const scale = kf === 0 ? 0.5 : 1; // file level 0 is the top: slower there
      for (let r = 0; r < nlatS; r++) {
        const phi = latNorthFirst[r]! * DEG;
        for (let l = 0; l < nlonS; l++) {
          const lam = lonDeg[l]! * DEG;
          U[(kf * nlatS + r) * nlonS + l] = scale * u0 * (Math.cos(phi) * Math.cos(alpha) + Math.sin(phi) * Math.cos(lam) * Math.sin(alpha));
          V[(kf * nlatS + r) * nlonS + l] = -scale * u0 * Math.sin(lam) * Math.sin(alpha);
        }
      }
    }
    const ps = new Float32Array(nlatS * nlonS).fill(ps0);
    const model = LatLonGrid.preset('3x2');
    const layout: SourceLayout = { grid: { lonDeg, latDeg: latNorthFirst.slice().reverse() }, latNorthFirst: true, levTopFirst: true, levels: twoLayers, levelMap: [0, 1, 2] };
    const prep = new MetPreparer(layout, model);
    prep.addRecord({ timeSec: 0, uMS: U, vMS: V, psPa: ps });
    const met = prep.result();
    const { nlat, nlon } = model;
    const R = model.radiusM;
    // ψ = −u0 R (sin φ cos α − cos λ cos φ sin α): east flux = −Δψ along the face, north = Δψ.
    const psi = (lam: number, phi: number): number => -u0 * R * (Math.sin(phi) * Math.cos(alpha) - Math.cos(lam) * Math.cos(phi) * Math.sin(alpha));
    let worst = 0, big = 0;
    for (let k = 0; k < nsrc; k++) {
      const dp = twoLayers.aHalfPa[k]! - twoLayers.aHalfPa[k + 1]! + (twoLayers.bHalf[k]! - twoLayers.bHalf[k + 1]!) * ps0;
      const scale = k === 0 ? 1 : 0.5; // model level 0 = surface = file level 1
      for (let j = 0; j < nlat; j++) {
        for (let i = 0; i < nlon; i++) {
          const lam = model.lonEdgesDeg[i + 1]! * DEG;
          const exact = (-(psi(lam, model.latEdgesDeg[j + 1]! * DEG) - psi(lam, model.latEdgesDeg[j]! * DEG)) * scale * dp) / GRAVITY;
          worst = Math.max(worst, Math.abs(met.amKgS![(k * nlat + j) * nlon + i]! - exact));
          big = Math.max(big, Math.abs(exact));
        }
      }
      for (let je = 1; je < nlat; je++) {
        const phi = model.latEdgesDeg[je]! * DEG;
        for (let i = 0; i < nlon; i++) {
          const exact = ((psi(model.lonEdgesDeg[i + 1]! * DEG, phi) - psi(model.lonEdgesDeg[i]! * DEG, phi)) * scale * dp) / GRAVITY;
          worst = Math.max(worst, Math.abs(met.bmKgS![(k * (nlat + 1) + je) * nlon + i]! - exact));
        }
      }
      for (let i = 0; i < nlon; i++) expect([met.bmKgS![k * (nlat + 1) * nlon + i], met.bmKgS![(k * (nlat + 1) + nlat) * nlon + i]]).toEqual([0, 0]);
    }
    expect(big).toBeGreaterThan(1e9);
    expect(worst / big).toBeLessThan(1e-6);
    // Non-divergent flow, constant ps: balancing had nothing to do.
    const conv = columnConvergence(model, nsrc, met.amKgS!, met.bmKgS!);
    for (const c of conv) expect(Math.abs(c) / big).toBeLessThan(1e-6);
  });

  it('on a Gaussian (T42) source grid, conservative averages keep the area integral and a face flux of a zonal wind matches its closed form', () => {
    // T42 Gaussian latitudes (roots of P_64) by Newton iteration: an independent grid generator.
    const n = 64;
    const lat: number[] = [];
    for (let q = 1; q <= n; q++) {
      let x = Math.cos((Math.PI * (q - 0.25)) / (n + 0.5));
      for (let it = 0; it < 50; it++) {
        let p0 = 1, p1 = x;
        for (let k = 2; k <= n; k++) [p0, p1] = [p1, ((2 * k - 1) * x * p1 - (k - 1) * p0) / k];
        const dp = (n * (x * p1 - p0)) / (x * x - 1);
        x -= p1 / dp;
      }
      lat.push(Math.asin(x) / DEG);
    }
    const latDeg = Float64Array.from(lat.sort((a, b) => a - b));
    const lonDeg = Float64Array.from({ length: 128 }, (_, l) => l * 2.8125);
    const model = LatLonGrid.preset('6x4');
    const op = new FaceFluxOperator({ lonDeg, latDeg }, model);
    // Average of a field linear in sin φ per source cell = the cell value; integral check:
    const field = new Float64Array(64 * 128);
    const edges = [-90, ...Array.from({ length: 63 }, (_, r) => 0.5 * (latDeg[r]! + latDeg[r + 1]!)), 90];
    let srcIntegral = 0;
    for (let r = 0; r < 64; r++) {
      for (let l = 0; l < 128; l++) {
        field[r * 128 + l] = 1000 + 50 * Math.sin(3 * lonDeg[l]! * DEG) + 20 * r;
        srcIntegral += field[r * 128 + l]! * (Math.sin(edges[r + 1]! * DEG) - Math.sin(edges[r]! * DEG)) * 2.8125 * DEG * model.radiusM ** 2;
      }
    }
    const out = new Float64Array(model.size);
    op.average(field, 0, out, 0, new Float64Array(op.scratchLength + 64 * model.nlon));
    let modelIntegral = 0;
    for (let c = 0; c < model.size; c++) modelIntegral += out[c]! * model.cellAreaM2[c]!;
    expect(Math.abs(modelIntegral - srcIntegral) / srcIntegral).toBeLessThan(1e-13);
    // A zonal density q = c·cos²φ (a quadratic in no variable, but smooth): ∫ R q dφ closed form.
    const qu = new Float64Array(64 * 128), qv = new Float64Array(64 * 128);
    for (let r = 0; r < 64; r++) for (let l = 0; l < 128; l++) qu[r * 128 + l] = 1e4 * Math.cos(latDeg[r]! * DEG) ** 2;
    const am = new Float64Array(model.size), bm = new Float64Array((model.nlat + 1) * model.nlon);
    op.faceFluxes(qu, qv, 0, am, 0, bm, 0, new Float64Array(op.scratchLength));
    const F = (p: number): number => 1e4 * model.radiusM * (p / 2 + Math.sin(2 * p) / 4);
    let worst = 0, big = 0;
    for (let j = 0; j < model.nlat; j++) {
      const exact = F(model.latEdgesDeg[j + 1]! * DEG) - F(model.latEdgesDeg[j]! * DEG);
      worst = Math.max(worst, Math.abs(am[j * model.nlon]! - exact));
      big = Math.max(big, Math.abs(exact));
    }
    expect(worst / big).toBeLessThan(1e-4); // T42 rows are 2.8° apart: a discretisation error, not round-off
    expect(worst).toBeGreaterThan(0);
  });

  it('refuses a grid that does not cover the globe', () => {
    const lonDeg = Float64Array.from({ length: 237 }, (_, l) => 100 + l * 0.25);
    const latDeg = Float64Array.from({ length: 105 }, (_, r) => 10 + r * 0.25);
    expect(() => new FaceFluxOperator({ lonDeg, latDeg }, LatLonGrid.preset('6x4'))).toThrow(/regular global axis|not the globe/);
  });
});

describe('level merging', () => {
  it('default maps: 137→25 and 72→25 near the generic 25 levels, 72→47 as GEOS-Chem lumps them', () => {
    for (const src of [ECMWF_L137(), GEOS_L72()]) {
      const m = defaultLevelMap(src, 25);
      expect(m.length).toBe(26);
      const merged = mergedLevels(src, m);
      const g = HybridLevels.generic25();
      for (let k = 1; k < 25; k++) {
        const p = merged.aHalfPa[k]! + merged.bHalf[k]! * 1e5, pg = g.aHalfPa[k]! + g.bHalf[k]! * 1e5;
        expect(Math.abs(p - pg) / pg).toBeLessThan(0.25);
      }
    }
    const m47 = geosChem47Map();
    expect(m47.length).toBe(48);
    expect(m47[36]).toBe(36);
    expect(m47[47]).toBe(72);
    // L137 and L72 tables: surface pressure interface p = ps, top at 0 Pa (ECMWF) / 1 Pa (GEOS).
    expect(ECMWF_L137().bHalf[0]).toBe(1);
    expect(GEOS_L72().aHalfPa[72]).toBe(1);
  });

  it('merged layers carry the summed mass fluxes of their source layers', () => {
    const src = GEOS_L72();
    const { lonDeg } = era5Axes(5);
    const latDeg = Float64Array.from({ length: 37 }, (_, r) => -90 + r * 5);
    const ncolS = lonDeg.length * latDeg.length;
    const U = new Float32Array(72 * ncolS), V = new Float32Array(72 * ncolS), DELP = new Float32Array(72 * ncolS);
    const ps = 97000;
    for (let kf = 0; kf < 72; kf++) {
      const k = 71 - kf; // file top first
      const dp = src.aHalfPa[k]! - src.aHalfPa[k + 1]! + (src.bHalf[k]! - src.bHalf[k + 1]!) * ps;
      for (let c = 0; c < ncolS; c++) {
        U[kf * ncolS + c] = 5 + k;
        DELP[kf * ncolS + c] = dp;
      }
    }
    const model = LatLonGrid.preset('6x4');
    const map = geosChem47Map();
    const prep = new MetPreparer({ grid: { lonDeg, latDeg }, latNorthFirst: false, levTopFirst: true, levels: src, levelMap: map }, model);
    prep.addRecord({ timeSec: 0, uMS: U, vMS: V, delpPa: DELP });
    const met = prep.result();
    expect(Array.from(met.psPa.subarray(0, 3)).map((p) => Math.round(p * 1e3) / 1e3)).toEqual([ps, ps, ps].map((p) => Math.round(p * 1e3) / 1e3));
    // Level 40 (4 pairs above 36): source layers 44…47 → wind Σ(5+k)dp / Σdp; flux ∫R dφ Σ u dp/g.
    const m = 44;
    const { nlat, nlon } = model;
    for (const lev of [0, 36, 40, m - 1]) {
      let sum = 0;
      for (let k = map[lev]!; k < map[lev + 1]!; k++) sum += ((5 + k) * (src.aHalfPa[k]! - src.aHalfPa[k + 1]! + (src.bHalf[k]! - src.bHalf[k + 1]!) * ps)) / GRAVITY;
      const j = 20;
      const exact = sum * model.radiusM * (model.latEdgesDeg[j + 1]! - model.latEdgesDeg[j]!) * DEG;
      expect(Math.abs(met.amKgS![(lev * nlat + j) * nlon + 7]! - exact) / exact).toBeLessThan(1e-6);
    }
  });
});

/** A realistic, divergent, time-varying wind and pressure field in MERRA-2 layout (lat south first, top first, DELP). */
function merraLikeRecords(nt: number, dtSec: number, d = 2.5): { layout: SourceLayout; records: Array<{ timeSec: number; uMS: Float32Array; vMS: Float32Array; delpPa: Float32Array }> } {
  const src = new HybridLevels([0, 5000, 20000, 15000, 1], [1, 0.85, 0.4, 0.1, 0]);
  const lonDeg = Float64Array.from({ length: Math.round(360 / d) }, (_, l) => -180 + l * d);
  const latDeg = Float64Array.from({ length: Math.round(180 / d) + 1 }, (_, r) => -90 + r * d);
  const nlonS = lonDeg.length, nlatS = latDeg.length, nsrc = src.nlev;
  const records = [];
  for (let n = 0; n < nt; n++) {
    const U = new Float32Array(nsrc * nlatS * nlonS), V = new Float32Array(nsrc * nlatS * nlonS), DELP = new Float32Array(nsrc * nlatS * nlonS);
    for (let r = 0; r < nlatS; r++) {
      const phi = latDeg[r]! * DEG;
      for (let l = 0; l < nlonS; l++) {
        const lam = lonDeg[l]! * DEG;
        const ps = 1e5 - 3000 * Math.sin(phi) ** 2 + 800 * Math.cos(phi) * Math.sin(2 * lam + 0.3 * n);
        for (let kf = 0; kf < nsrc; kf++) {
          const k = nsrc - 1 - kf;
          const o = (kf * nlatS + r) * nlonS + l;
          U[o] = (8 + 12 * k) * Math.cos(phi) * (1 + 0.3 * Math.sin(lam - 0.2 * n)) + 6 * Math.sin(3 * lam) * Math.cos(phi);
          V[o] = 5 * Math.cos(2 * lam + n) * Math.cos(phi) ** 2 * Math.sin(2 * phi);
          DELP[o] = src.aHalfPa[k]! - src.aHalfPa[k + 1]! + (src.bHalf[k]! - src.bHalf[k + 1]!) * ps;
        }
      }
    }
    records.push({ timeSec: n * dtSec, uMS: U, vMS: V, delpPa: DELP });
  }
  return { layout: { grid: { lonDeg, latDeg }, latNorthFirst: false, levTopFirst: true, levels: src, levelMap: [0, 1, 2, 3, 4] }, records };
}

describe('balancing and the model on prepared met', () => {
  it('after balancing every column converges exactly its surface-pressure tendency', () => {
    const { layout, records } = merraLikeRecords(3, 10800);
    const model = LatLonGrid.preset('6x4');
    const prep = new MetPreparer(layout, model);
    for (const r of records) prep.addRecord(r);
    const report = prep.balance();
    expect(report.maxBeforePaH).toBeGreaterThan(1); // divergent winds: real work to do
    expect(report.maxAfterPaH).toBeLessThan(1e-9 * report.maxBeforePaH);
    const met = prep.result();
    const ncol = model.size, nlev = prep.nlev, na = nlev * ncol, nb = nlev * (model.nlat + 1) * model.nlon;
    const conv = columnConvergence(model, nlev, met.amKgS!.subarray(na, 2 * na), met.bmKgS!.subarray(nb, 2 * nb));
    let mean = 0, area = 0;
    const tend = new Float64Array(ncol);
    for (let c = 0; c < ncol; c++) {
      tend[c] = ((met.psPa[2 * ncol + c]! - met.psPa[c]!) / 21600) * (model.cellAreaM2[c]! / GRAVITY);
      mean += tend[c]!;
      area += model.cellAreaM2[c]!;
    }
    let worst = 0, scale = 0;
    for (let c = 0; c < ncol; c++) {
      worst = Math.max(worst, Math.abs(conv[c]! - (tend[c]! - (mean * model.cellAreaM2[c]!) / area)));
      scale = Math.max(scale, Math.abs(tend[c]!));
    }
    expect(worst / scale).toBeLessThan(1e-9);
  });

  it('a week of the model on prepared met conserves tracer mass to 1e-12 and follows the prepared surface pressure', () => {
    const { layout, records } = merraLikeRecords(57, 10800); // 7 days of 3-hourly records
    const model = LatLonGrid.preset('6x4');
    const prep = new MetPreparer(layout, model);
    for (const r of records) prep.addRecord(r);
    const met = new ArrayMeteorology(prep.result());
    const tm = new BuiltinTransportModel(met, {}); // the default 6-hour step on 6°×4° (CFL substeps inside)
    const window = { startSec: 0, endSec: 7 * 86400 };
    const nlev = met.levels.nlev, ncol = model.size, ncell = nlev * ncol;
    const c0 = new Float64Array(ncell);
    for (let q = 0; q < ncell; q++) c0[q] = 4e-4 + 1e-5 * Math.sin(0.37 * q);
    const out = tm.forward({ window, nTracers: 1, initialMoleFraction: c0, fluxes: { periodSeconds: 7 * 86400, data: new Float64Array(ncol) } });
    const ctx = tm.samplingContext(window);
    const mass = (ps: Float64Array, c: Float64Array): number => {
      let s = 0;
      for (let k = 0; k < nlev; k++) for (let col = 0; col < ncol; col++) {
        const dp = met.levels.aHalfPa[k]! - met.levels.aHalfPa[k + 1]! + (met.levels.bHalf[k]! - met.levels.bHalf[k + 1]!) * ps[col]!;
        s += c[k * ncol + col]! * dp * model.cellAreaM2[col]!;
      }
      return s;
    };
    const psEnd = ctx.surfacePressurePa(ctx.nSteps);
    const before = mass(ctx.surfacePressurePa(0), c0), after = mass(psEnd, out.finalMoleFraction);
    expect(Math.abs(after - before) / before).toBeLessThan(1e-12);
    // The model's surface pressure after a week is the prepared one (less the global mean drift).
    const target = met.surfacePressurePa(window.endSec);
    let shift = 0, area = 0;
    for (let c = 0; c < ncol; c++) {
      shift += (target[c]! - met.surfacePressurePa(0)[c]!) * model.cellAreaM2[c]!;
      area += model.cellAreaM2[c]!;
    }
    shift /= area;
    for (let c = 0; c < ncol; c++) expect(Math.abs(psEnd[c]! - (target[c]! - shift))).toBeLessThan(1);
  });

  it('a puff advected for a day by a uniform real-layout (ERA5) wind lands where u·t says, within a tenth of a cell', () => {
    const { lonDeg, latNorthFirst } = era5Axes(1);
    const nlonS = lonDeg.length, nlatS = latNorthFirst.length;
    const u0 = 20;
    const U = new Float32Array(2 * nlatS * nlonS).fill(u0), V = new Float32Array(2 * nlatS * nlonS);
    const ps = new Float32Array(nlatS * nlonS).fill(1e5);
    const model = LatLonGrid.preset('3x2');
    const prep = new MetPreparer({ grid: { lonDeg, latDeg: latNorthFirst.slice().reverse() }, latNorthFirst: true, levTopFirst: true, levels: twoLayers, levelMap: [0, 1, 2] }, model);
    prep.addRecord({ timeSec: 0, uMS: U, vMS: V, psPa: ps });
    prep.addRecord({ timeSec: 86400, uMS: U, vMS: V, psPa: ps });
    const met = new ArrayMeteorology(prep.result());
    const tm = new BuiltinTransportModel(met, { stepSeconds: 1800, diffusion: false, convection: false });
    const { nlat, nlon } = model;
    const ncol = model.size, ncell = 2 * ncol;
    const c0 = new Float64Array(ncell);
    const lam0 = -60, phi0 = 0;
    for (let j = 0; j < nlat; j++) for (let i = 0; i < nlon; i++) {
      const dl = model.lonCentersDeg[i]! - lam0, dphi = model.latCentersDeg[j]! - phi0;
      c0[j * nlon + i] = Math.exp(-(dl * dl + dphi * dphi) / (2 * 5 * 5));
    }
    const out = tm.forward({ window: { startSec: 0, endSec: 86400 }, nTracers: 1, initialMoleFraction: c0, fluxes: { periodSeconds: 86400, data: new Float64Array(ncol) } });
    const centroidLon = (c: Float64Array): number => {
      let s = 0, w = 0;
      for (let j = 0; j < nlat; j++) for (let i = 0; i < nlon; i++) {
        const m = c[j * nlon + i]! * model.cellAreaM2[j * nlon + i]!;
        s += m * model.lonCentersDeg[i]!;
        w += m;
      }
      return s / w;
    };
    // u = u0 everywhere: every latitude circle turns by u0·t/(R cos φ); the puff's mass-weighted
    // centroid moves by the mass-weighted mean of that shift.
    let s = 0, w = 0;
    for (let j = 0; j < nlat; j++) for (let i = 0; i < nlon; i++) {
      const m = c0[j * nlon + i]! * model.cellAreaM2[j * nlon + i]!;
      s += (m * (u0 * 86400)) / (model.radiusM * Math.cos(model.latCentersDeg[j]! * DEG)) / DEG;
      w += m;
    }
    const expected = lam0 + s / w;
    expect(expected - lam0).toBeGreaterThan(15);
    expect(Math.abs(centroidLon(out.finalMoleFraction) - expected)).toBeLessThan(0.3); // a tenth of a 3° cell
  });
});
