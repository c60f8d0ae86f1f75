import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HybridLevels, LatLonGrid, mulberry32 } from '@tanhui/core';
import { ObservationTableBuilder, QC, emptyTable, selectRows } from './record';
import { applyQc, ctKeysFor, parseCtSiteTable, rejectByInnovation } from './qc';
import { parseDatasetName } from './obspack';
import { superObservations, superObsVariance } from './superobs';
import { syntheticOco2, syntheticStations } from './synthetic';
import { applyPlan, buildColumnOperator, evaluateOperator } from './operators';
import { findSite, SITES } from './sites';

const here = fileURLToPath(new URL('.', import.meta.url));
const rcFile = resolve(here, '../../../../shared/data/public/obs_config/ctdas_sites_and_weights_co2.rc');

describe('ObsPack dataset names', () => {
  it('parses site, platform, lab, selection and intake height', () => {
    expect(parseDatasetName('co2_lef_tower-insitu_1_allvalid-396magl')).toMatchObject({
      species: 'co2', site: 'lef', project: 'tower-insitu', platform: 'tower', strategy: 'insitu', lab: '1', selection: 'allvalid-396magl', intakeHeightM: 396, kind: 'tower',
    });
    expect(parseDatasetName('co2_psa_surface-flask_1_representative')).toMatchObject({ site: 'psa', kind: 'flask', intakeHeightM: undefined });
    expect(parseDatasetName('obspack_co2_1_GLOBALVIEWplus_v6.0~co2_car_aircraft-pfp_1_allvalid~123')).toMatchObject({ site: 'car', kind: 'aircraft' });
    expect(parseDatasetName('not a dataset')).toBeUndefined();
    expect(ctKeysFor('co2_lef_tower-insitu_1_allvalid-396magl')).toContain('lef_01_surface-insitu');
  });
});

describe.skipIf(!existsSync(rcFile))('CarbonTracker site table (real rc file)', () => {
  const table = parseCtSiteTable(readFileSync(rcFile, 'utf8'), rcFile);
  it('has the 8 categories with the published MDMs and switches, 143 sites, 16 moves', () => {
    expect(table.rejectionThreshold).toBe(3);
    expect(table.globalRScaling).toBe(1);
    expect(table.classes.mbl).toEqual({ name: 'mbl', mdmPpm: 0.75, mayLocalize: false, mayReject: false });
    expect(table.classes.land).toEqual({ name: 'land', mdmPpm: 2.5, mayLocalize: true, mayReject: true });
    expect(table.classes.mixed!.mdmPpm).toBe(1.5);
    expect(table.classes.aircraft!.mdmPpm).toBe(2.0);
    expect(table.classes.tower!.mdmPpm).toBe(3.0);
    expect(table.sites.size).toBe(143);
    expect(table.sites.get('lef_01_surface-insitu')).toBe('tower');
    expect(table.sites.get('brw_01_surface-flask')).toBe('mixed');
    expect(table.moves.get('brw_01_surface-flask')).toEqual({ dLatDeg: 1, dLonDeg: 0 });
  });

  it('assigns classes from the table, per-site overrides win, errors combine in quadrature', () => {
    const b = new ObservationTableBuilder();
    const row = (dataset: string, site: string, kind: 'flask' | 'tower' | 'insitu', value = 400, err = 0.1) =>
      b.push({ id: 1, timeSec: 0, latDeg: 0, lonDeg: 0, altitudeM: 0, pressureHPa: NaN, valuePpm: value, errorPpm: err, kind, site, dataset, flags: 0 });
    row('co2_lef_tower-insitu_1_allvalid-396magl', 'lef', 'tower');
    row('co2_abp_surface-flask_1_representative', 'abp', 'flask');
    row('co2_amt_surface-flask_1_representative', 'amt', 'flask'); // do-not-use in CT2010
    row('co2_zzz_surface-flask_1_representative', 'zzz', 'flask'); // unknown → default land
    row('co2_brw_surface-flask_1_representative', 'brw', 'flask', 700); // out of range
    const t = b.build();
    const qc = applyQc(t, { siteTable: table, perSite: { zzz: 'mbl' } });
    expect(Array.from(qc.mdmPpm)).toEqual([3.0, 0.75, 1000, 0.75, 1.5]);
    expect(qc.totalErrorPpm[0]).toBeCloseTo(Math.sqrt(0.01 + 9), 12);
    expect(Array.from(qc.mayReject)).toEqual([1, 0, 1, 0, 1]);
    expect(t.flags[2]! & QC.doNotUse).toBeTruthy();
    expect(t.flags[4]! & QC.outOfRange).toBeTruthy();
    expect(qc.nGood).toBe(3);
    expect(qc.failures.doNotUse).toBe(1);
    expect(qc.failures.outOfRange).toBe(1);
    // site.move.001: brw_01_surface-flask; +1.0; 0.0 — applied on request only.
    const brwLat = t.latDeg[4]!;
    applyQc(t, { siteTable: table, applySiteMoves: true });
    expect(t.latDeg[4]).toBeCloseTo(brwLat + 1, 12);
    expect(t.latDeg[0]).toBe(0);
  });
});

describe('QC filters and innovation rejection', () => {
  it('land/ocean, mode and window filters; |innovation| > 3 sqrt(HPHᵀ+R) rejects may_reject classes only', () => {
    const t = emptyTable(4);
    t.sites.push('x');
    t.datasets.push('co2_x_surface-flask_1_rep');
    t.valuePpm.fill(400);
    t.errorPpm.fill(1);
    t.landFraction.set([1, 0, 1, 1]);
    t.mode.set([0, 0, 1, 0]);
    t.timeSec.set([0, 0, 0, 1e9]);
    const qc = applyQc(t, { surface: 'land', modes: [0], window: [-1, 1] });
    expect(Array.from(t.flags, (f) => f !== 0)).toEqual([false, true, true, true]);
    expect(qc.failures.surfaceType).toBe(1);
    expect(qc.failures.mode).toBe(1);
    expect(qc.failures.outsideWindow).toBe(1);
    // Default class for a flask: land (2.5 ppm, may_reject) → R = 1 + 6.25 = 7.25.
    const limit = 3 * Math.sqrt(1 + 7.25);
    const n = rejectByInnovation(t, qc, Float64Array.from([limit + 0.01, 0, 0, 0]), Float64Array.from([1, 1, 1, 1]), 3);
    expect(n).toBe(1);
    expect(t.flags[0]! & QC.innovation).toBeTruthy();
    const t2 = selectRows(t, [0]);
    t2.flags[0] = 0;
    expect(rejectByInnovation(t2, applyQc(t2), Float64Array.from([limit - 0.01]), Float64Array.from([1]), 3)).toBe(0);
  });
});

describe('super-observations', () => {
  it('variance formula equals the brute-force wᵀCw/W² with uniform correlation', () => {
    const r = mulberry32(9);
    for (const rho of [0, 0.3, 1]) {
      const sigma = Array.from({ length: 7 }, () => 0.3 + r());
      const w = sigma.map((s) => 1 / (s * s));
      const W = w.reduce((a, b) => a + b, 0);
      let q = 0;
      for (let i = 0; i < 7; i++) for (let j = 0; j < 7; j++) q += w[i]! * w[j]! * (i === j ? sigma[i]! ** 2 : rho * sigma[i]! * sigma[j]!);
      expect(superObsVariance(sigma, rho)).toBeCloseTo(q / (W * W), 14);
    }
    // ρ = 0: independent errors, 1/W; N equal σ and ρ = 1: no reduction at all.
    expect(superObsVariance([2, 2, 2, 2], 1)).toBeCloseTo(4, 14);
    expect(superObsVariance([2, 2, 2, 2], 0)).toBeCloseTo(1, 14);
  });

  it('groups by cell and window; the super-ob column operator equals the weighted mean of the members’ (brute force)', () => {
    const grid = LatLonGrid.preset('6x4');
    const levels = HybridLevels.generic25();
    const start = Date.UTC(2014, 8, 6) / 1000;
    // Constant surface pressure: all members share σ levels, the case where averaging is exact.
    const sat = syntheticOco2({ startSec: start, durationSec: 86400, seed: 3, spacingSec: 4, surfacePressureHPa: () => 985 });
    expect(sat.n).toBeGreaterThan(1000);
    // Give the members distinct values so the mean is not trivial.
    const r = mulberry32(4);
    for (let k = 0; k < sat.n; k++) sat.valuePpm[k] = 395 + 10 * r();
    const so = superObservations(sat, { grid, windowStartSec: start, windowSec: 3600, errorCorrelation: 0.3 });
    expect(so.table.n).toBeLessThan(sat.n);
    expect(so.memberPtr[so.table.n]).toBe(sat.n);
    const ctx = {
      grid, levels, windowStartSec: start, stepSeconds: 3600, nSteps: 24,
      surfacePressurePa: () => new Float64Array(grid.size).fill(99000),
    };
    const ncell3d = levels.nlev * grid.size;
    // Exact case: a field constant in time (members differ in time and kernel; the product of the
    // two is the only non-linear term). A time-varying field gives a second-order difference.
    const fields = Float64Array.from({ length: 25 * ncell3d }, (_, q) => 4e-4 + 1e-5 * Math.sin((q % ncell3d) * 0.37));
    const varying = Float64Array.from({ length: 25 * ncell3d }, (_, q) => 4e-4 + 1e-5 * Math.sin(q * 0.37));
    const sup = buildColumnOperator(ctx, so.table);
    const ySup = evaluateOperator(sup.plan, sup.offsetPpm, applyPlan(sup.plan, fields, ncell3d));
    const ySupV = evaluateOperator(sup.plan, sup.offsetPpm, applyPlan(sup.plan, varying, ncell3d));
    const mem = buildColumnOperator(ctx, sat);
    const yMem = evaluateOperator(mem.plan, mem.offsetPpm, applyPlan(mem.plan, fields, ncell3d));
    const yMemV = evaluateOperator(mem.plan, mem.offsetPpm, applyPlan(mem.plan, varying, ncell3d));
    for (let g = 0; g < so.table.n; g++) {
      let W = 0;
      let y = 0;
      let obs = 0;
      let yV = 0;
      const hours = new Set<number>();
      for (let q = so.memberPtr[g]!; q < so.memberPtr[g + 1]!; q++) {
        const k = so.memberRows[q]!;
        const w = 1 / sat.errorPpm[k]! ** 2;
        W += w;
        y += w * yMem[k]!;
        yV += w * yMemV[k]!;
        obs += w * sat.valuePpm[k]!;
        hours.add(Math.floor((sat.timeSec[k]! - start) / 3600));
      }
      expect(hours.size).toBe(1);
      expect(so.table.valuePpm[g]).toBeCloseTo(obs / W, 10);
      expect(ySup[g]).toBeCloseTo(y / W, 9);
      expect(Math.abs(ySupV[g]! - yV / W)).toBeLessThan(1e-3);
      expect(so.inflation[g]).toBeGreaterThanOrEqual(1 - 1e-12);
    }
  });
});

describe('synthetic OCO-2 tracks and the site catalogue', () => {
  it('is deterministic per seed, sun-synchronous (~13:36 local at low latitudes) and land-filtered', () => {
    const start = Date.UTC(2014, 8, 6) / 1000;
    const a = syntheticOco2({ startSec: start, durationSec: 86400, seed: 1 });
    const b = syntheticOco2({ startSec: start, durationSec: 86400, seed: 1 });
    expect(Array.from(a.latDeg)).toEqual(Array.from(b.latDeg));
    const c = syntheticOco2({ startSec: start, durationSec: 86400, seed: 2 });
    expect(Array.from(c.lonDeg)).not.toEqual(Array.from(a.lonDeg));
    // ~14.6 sunlit half-orbits/day × ~2.3 ks / 10 s ≈ 3000+ soundings.
    expect(a.n).toBeGreaterThan(2500);
    for (let k = 0; k < a.n; k++) {
      expect(Math.abs(a.latDeg[k]!)).toBeLessThanOrEqual(70 + 1e-9);
      if (Math.abs(a.latDeg[k]!) < 5) {
        const local = ((((a.timeSec[k]! % 86400) / 3600 + a.lonDeg[k]! / 15) % 24) + 24) % 24;
        expect(Math.abs(local - 13.6)).toBeLessThan(0.5);
      }
      // Pressure weights sum to 1; the column a-priori equals Σ h u_a.
      let hs = 0;
      let xa = 0;
      for (let j = 0; j < 20; j++) {
        hs += a.column!.pressureWeight[k * 20 + j]!;
        xa += a.column!.pressureWeight[k * 20 + j]! * a.column!.aprioriProfilePpm[k * 20 + j]!;
      }
      expect(hs).toBeCloseTo(1, 12);
      expect(a.column!.aprioriXco2Ppm[k]).toBeCloseTo(xa, 10);
    }
    const landOnly = syntheticOco2({ startSec: start, durationSec: 86400, seed: 1, isLand: (lat) => lat > 0 });
    expect(Math.min(...landOnly.latDeg)).toBeGreaterThan(0);
  });

  it('synthetic stations sample at 14 h local solar time at the catalogue positions', () => {
    const start = Date.UTC(2014, 8, 6) / 1000;
    const t = syntheticStations({ startSec: start, durationSec: 7 * 86400, sites: ['mlo', 'wlg', 'lfs', 'spo'] });
    expect(t.n).toBe(28);
    for (let k = 0; k < t.n; k++) {
      const s = findSite(t.sites[t.site[k]!]!)!;
      expect(t.latDeg[k]).toBe(s.latDeg);
      expect(t.altitudeM[k]).toBe(s.elevationM + s.intakeHeightM);
      const local = ((((t.timeSec[k]! % 86400) / 3600 + s.lonDeg / 15) % 24) + 24) % 24;
      expect(local).toBeCloseTo(14, 9);
      expect(t.timeSec[k]).toBeGreaterThanOrEqual(start);
      expect(t.timeSec[k]).toBeLessThan(start + 7 * 86400);
    }
    expect(() => syntheticStations({ startSec: start, durationSec: 86400, sites: ['xxx'] })).toThrow(/catalogue/);
  });

  it('has the named stations at their real positions', () => {
    expect(SITES.length).toBeGreaterThanOrEqual(35);
    expect(findSite('MLO')).toMatchObject({ latDeg: 19.5362, lonDeg: -155.5763 });
    expect(findSite('wlg')!.latDeg).toBeCloseTo(36.29, 1);
    expect(findSite('lfs')!.lonDeg).toBeCloseTo(127.6, 1);
    expect(findSite('sdz')!.latDeg).toBeCloseTo(40.65, 2);
    expect(findSite('lan')!.lonDeg).toBeCloseTo(119.73, 2);
    expect(findSite('spo')!.latDeg).toBeLessThan(-89.9);
    for (const s of SITES) {
      expect(Math.abs(s.latDeg)).toBeLessThanOrEqual(90);
      expect(s.lonDeg).toBeGreaterThanOrEqual(-180);
      expect(s.lonDeg).toBeLessThan(180);
    }
  });
});
