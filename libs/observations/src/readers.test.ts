// Readers on files written in the public layouts by Debian's netCDF4-python
// (tools/fixtures/observations/write_fixtures.py) and on the real files in ../shared/data.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTanhuiError } from '@tanhui/core';
import { OBS_KINDS, QC } from './record';
import { openNcSource, readObservationFile } from './readers';
import { numericData } from './source';
import { applyPlan, buildColumnOperator, buildPointOperator, evaluateOperator } from './operators';
import { HybridLevels, LatLonGrid } from '@tanhui/core';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = resolve(here, '../../..');
const shared = resolve(repo, '../shared/data');
const script = join(repo, 'tools/fixtures/observations/write_fixtures.py');
const python = '/usr/bin/python3';
const hasPython = existsSync(python) && (() => {
  try {
    execFileSync(python, ['-c', 'import netCDF4, numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const hasShared = existsSync(shared);

let dir = '';
let exp: any = {};
beforeAll(() => {
  if (!hasPython) return;
  dir = mkdtempSync(join(tmpdir(), 'tanhui-obs-'));
  execFileSync(python, [script, dir], { stdio: 'ignore' });
  exp = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function rejection(p: Promise<unknown>): Promise<{ code: string; file?: string; variable?: string; message: string }> {
  try {
    await p;
  } catch (err) {
    if (!isTanhuiError(err)) throw err;
    return { code: err.code, file: err.context.file, variable: err.context.variable, message: err.message };
  }
  throw new Error('expected a rejection');
}

const kindName = (k: number): string => OBS_KINDS[k]!;

describe.skipIf(!hasPython)('readers on files written by netCDF4-python', () => {
  it('ObsPack per-site file: values mol/mol → ppm, dataset name → site and kind, obs_flag', async () => {
    const r = await readObservationFile(join(dir, 'co2_lef_tower-insitu_1_allvalid-396magl.nc'));
    expect(r.format).toBe('obspack');
    const t = r.table;
    expect(t.n).toBe(5);
    for (let k = 0; k < t.n; k++) {
      expect(t.valuePpm[k]).toBeCloseTo(exp.obspack_site.ppm[k], 3);
      expect(t.timeSec[k]).toBe(exp.obspack_site.time[k]);
      expect(t.sites[t.site[k]!]).toBe('lef');
      expect(kindName(t.kind[k]!)).toBe('tower');
      expect(t.errorPpm[k]).toBeCloseTo(0.2, 5);
      expect(t.altitudeM[k]).toBe(868);
    }
    expect(t.flags[2]! & QC.providerFlag).toBeTruthy();
    expect(t.flags[0]).toBe(0);
  });

  it('ObsPack merged file: dataset per observation from obspack_id', async () => {
    const { table: t } = await readObservationFile(join(dir, 'obspack_co2_1_GLOBALVIEWplus_v6.0_2020-09-11.20140906.nc'));
    expect(Array.from(t.site, (s) => t.sites[s])).toEqual(exp.obspack_merged.sites);
    expect(Array.from(t.kind, kindName)).toEqual(exp.obspack_merged.kinds);
    expect(Array.from(t.id)).toEqual([1000, 1001, 1002, 1003, 1004, 1005]); // obspack_num
  });

  it('ObsPack aircraft (CONTRAIL layout): per-sample position along the track', async () => {
    const { table: t } = await readObservationFile(join(dir, 'co2_conx_aircraft-insitu_42_allvalid.nc'));
    expect(t.n).toBe(8);
    for (let k = 0; k < 8; k++) {
      expect(kindName(t.kind[k]!)).toBe('aircraft');
      expect(t.latDeg[k]).toBeCloseTo(exp.aircraft.lat[k], 5);
      expect(t.lonDeg[k]).toBeCloseTo(exp.aircraft.lon[k], 5);
      expect(t.altitudeM[k]).toBeCloseTo(exp.aircraft.alt[k], 3);
    }
    expect(t.sites[t.site[0]!]).toBe('conx');
  });

  it('OCO-2 Lite: levels detected space→surface and flipped, groups, quality flag', async () => {
    const r = await readObservationFile(join(dir, 'oco2_LtCO2_140906_B11014Ar_fixture.nc4'));
    expect(r.format).toBe('oco2-lite');
    const t = r.table;
    const c = t.column!;
    const e = exp.lite;
    expect(t.n).toBe(e.n);
    expect(c.nLevels).toBe(e.L);
    for (let k = 0; k < t.n; k++) {
      for (let j = 0; j < e.L; j++) {
        expect(c.pressureHPa[k * e.L + j]).toBeCloseTo(e.p_surface_first[k][j], 3);
        expect(c.averagingKernel[k * e.L + j]).toBeCloseTo(e.ak_surface_first[k][j], 6);
        expect(c.aprioriProfilePpm[k * e.L + j]).toBeCloseTo(e.ua_surface_first[k][j], 3);
      }
      expect(c.aprioriXco2Ppm[k]).toBeCloseTo(e.xa[k], 3);
      expect(t.valuePpm[k]).toBeCloseTo(e.x[k], 3);
      expect(t.landFraction[k]).toBeCloseTo(e.land_fraction[k], 6);
      expect(t.mode[k]).toBe(e.mode[k]);
      expect(kindName(t.kind[k]!)).toBe('xco2');
    }
    expect(t.flags[1]! & QC.providerFlag).toBeTruthy();
    expect(t.flags[0]).toBe(0);
  });

  it('GCAS OCO-2 layout: date + hour of day, 0–360 longitudes, level order detected', async () => {
    const r = await readObservationFile(join(dir, 'oco2_v11_20140906.nc'));
    expect(r.format).toBe('gcas');
    const t = r.table;
    for (let k = 0; k < t.n; k++) {
      expect(t.timeSec[k]).toBeCloseTo(exp.gcas.time[k], 6);
      expect(t.lonDeg[k]).toBeCloseTo(exp.gcas.lon[k], 4);
    }
    for (let j = 0; j < 20; j++) expect(t.column!.pressureHPa[j]).toBeCloseTo(exp.gcas.p_surface_first_0[j], 3);
  });

  it('TCCON GGG2020: atm → hPa, wet → dry form keeps Σ h′ u′_a = Σ h f_a', async () => {
    const r = await readObservationFile(join(dir, 'xx20140906_20140906.public.qc.nc'));
    expect(r.format).toBe('tccon');
    const t = r.table;
    const c = t.column!;
    const L = c.nLevels;
    expect(L).toBe(51);
    expect(c.pressureHPa[0]).toBeCloseTo(1013.25, 2);
    let s = 0;
    for (let j = 0; j < L; j++) s += c.pressureWeight[j]! * c.aprioriProfilePpm[j]!;
    expect(s).toBeCloseTo(exp.tccon.prior_xco2, 3);
    expect(t.altitudeM[0]).toBeCloseTo(442, 3);
    expect(t.sites[t.site[0]!]).toBe('xx');
  });

  it('GCAS evaluation text and NOAA event text', async () => {
    const g = (await readObservationFile(join(dir, 'srf_20140906'))).table;
    expect(Array.from(g.timeSec)).toEqual(exp.gcas_text.time);
    expect(g.lonDeg[0]).toBeCloseTo(exp.gcas_text.lon[0], 6);
    expect(Array.from(g.site, (s) => g.sites[s])).toEqual(exp.gcas_text.sites);
    const e = (await readObservationFile(join(dir, 'co2_xyz_surface-flask_1_ccgg_event.txt'))).table;
    expect(Array.from(e.timeSec)).toEqual(exp.noaa_event.time);
    expect(e.valuePpm[0]).toBeCloseTo(exp.noaa_event.ppm0, 9);
    expect(e.flags[1]! & QC.missing).toBeTruthy();
    expect(e.flags[1]! & QC.providerFlag).toBeTruthy();
  });

  it('wrong units → BadUnits naming file and variable', async () => {
    const e = await rejection(readObservationFile(join(dir, 'bad_units.nc')));
    expect(e).toMatchObject({ code: 'BadUnits', file: join(dir, 'bad_units.nc'), variable: 'value' });
  });
  it('missing variable → MissingVariable naming file and variable', async () => {
    const e = await rejection(readObservationFile(join(dir, 'bad_missing.nc')));
    expect(e).toMatchObject({ code: 'MissingVariable', file: join(dir, 'bad_missing.nc'), variable: 'latitude' });
  });
  it('NaN coordinate → BadValue naming file, variable and index', async () => {
    const e = await rejection(readObservationFile(join(dir, 'bad_nan.nc')));
    expect(e).toMatchObject({ code: 'BadValue', file: join(dir, 'bad_nan.nc'), variable: 'latitude' });
  });
  it('out-of-range coordinate → BadValue', async () => {
    const e = await rejection(readObservationFile(join(dir, 'bad_range.nc')));
    expect(e).toMatchObject({ code: 'BadValue', file: join(dir, 'bad_range.nc'), variable: 'latitude' });
    expect(e.message).toMatch(/95/);
  });
  it('empty file (0 observations) → EmptyInput; 0-byte file → EmptyInput', async () => {
    const e = await rejection(readObservationFile(join(dir, 'bad_empty.nc')));
    expect(e).toMatchObject({ code: 'EmptyInput', file: join(dir, 'bad_empty.nc') });
    const z = join(dir, 'zero.nc');
    writeFileSync(z, '');
    expect(await rejection(readObservationFile(z))).toMatchObject({ code: 'EmptyInput', file: z });
  });
  it('bad text line → CorruptFile naming file and line', async () => {
    const f = join(dir, 'srf_bad');
    writeFileSync(f, 'co2_mlo_surface-insitu_1_allvalid 20140906 100 19.5 204.4 3397 abc 1\n');
    expect(await rejection(readObservationFile(f))).toMatchObject({ code: 'CorruptFile', file: f, variable: 'value' });
  });
});

describe.skipIf(!hasShared)('readers on the real files in ../shared/data', () => {
  it('GCASv2 OCO-2 v11.1 (GCAS layout): 280 soundings on 2014-09-06, top→surface flipped', async () => {
    const f = join(shared, 'gcasv2/obs/oco2_v11.1/oco2_v11_20140906.nc');
    const { table: t, format } = await readObservationFile(f, 'auto');
    expect(format).toBe('gcas');
    expect(t.n).toBe(280);
    const c = t.column!;
    expect(c.nLevels).toBe(20);
    // ncdump: pressure[0,:] runs 0.0979 … 979.055 hPa; xco2[0] = 392.44327; time[0] = 13.46568 h.
    expect(c.pressureHPa[0]).toBeCloseTo(979.055, 2);
    expect(c.pressureHPa[19]).toBeCloseTo(0.0979, 3);
    expect(t.valuePpm[0]).toBeCloseTo(392.44327, 3);
    expect(t.timeSec[0]).toBeCloseTo(Date.UTC(2014, 8, 6) / 1000 + 13.46568 * 3600, 0);
    expect(c.aprioriXco2Ppm[0]).toBeCloseTo(397.31873, 3);
    // Independent check of the layout: weighting functions sum to 1 (the file's own property).
    for (let k = 0; k < t.n; k++) {
      let s = 0;
      for (let j = 0; j < 20; j++) s += c.pressureWeight[k * 20 + j]!;
      expect(s).toBeCloseTo(1, 5);
    }
  });

  it('GCASv2 surface evaluation tables: all 7 days, 68 observations, lon 0–360 → ±180', async () => {
    let n = 0;
    for (let d = 6; d <= 12; d++) {
      const { table: t } = await readObservationFile(join(shared, `gcasv2/obs/EvaluObs/srf_201409${String(d).padStart(2, '0')}`));
      n += t.n;
      for (let k = 0; k < t.n; k++) {
        expect(t.lonDeg[k]).toBeGreaterThanOrEqual(-180);
        expect(t.lonDeg[k]).toBeLessThan(180);
      }
    }
    expect(n).toBe(68);
    const { table: t } = await readObservationFile(join(shared, 'gcasv2/obs/EvaluObs/srf_20140906'));
    // First line: co2_crv_surface-pfp_1_allvalid-32magl 20140906 79356 64.99 212.40 643.1 388.86 2
    expect(t.sites[t.site[0]!]).toBe('crv');
    expect(t.lonDeg[0]).toBeCloseTo(212.4 - 360, 6);
    expect(t.valuePpm[0]).toBe(388.86);
    expect(t.timeSec[0]).toBe(Date.UTC(2014, 8, 6) / 1000 + 79356);
  });

  it('real ObsPack NetCDF (CH4 species): flask mol/mol and tower nanomol/mol → ppm', async () => {
    const esp = (await readObservationFile(join(shared, 'public/obspack_format/ch4_esp_surface-flask_2_representative.nc'))).table;
    expect(esp.n).toBe(109);
    expect(esp.sites[esp.site[0]!]).toBe('esp');
    expect(kindName(esp.kind[0]!)).toBe('flask');
    // ncdump: time[0] = 740275950, value[0] = 1.76763e-06 mol mol-1 = 1.76763 ppm.
    expect(esp.timeSec[0]).toBe(740275950);
    expect(esp.valuePpm[0]).toBeCloseTo(1.76763, 5);
    const bao = (await readObservationFile(join(shared, 'public/obspack_format/ch4_bao_tower-insitu_1_ccgg_all.nc'))).table;
    expect(bao.n).toBe(4190);
    expect(kindName(bao.kind[0]!)).toBe('tower');
    for (let k = 0; k < bao.n; k++) if (Number.isFinite(bao.valuePpm[k]!)) expect(bao.valuePpm[k]).toBeGreaterThan(1.5);
  });

  it('real OCO-2 Lite sounding (lat/lon/pressure_weights names, no xco2_apriori)', async () => {
    const f = join(shared, 'public/satellite/oco2-spectrometer_oco2_20150131-336_co2-column.nc');
    const { table: t, format } = await readObservationFile(f);
    expect(format).toBe('oco2-lite');
    expect(t.n).toBe(1);
    const c = t.column!;
    expect(c.pressureHPa[0]).toBeGreaterThan(c.pressureHPa[19]!);
    expect(c.pressureHPa[0]).toBeGreaterThan(500);
    let hs = 0;
    for (let j = 0; j < 20; j++) hs += c.pressureWeight[j]!;
    expect(hs).toBeCloseTo(1, 4);
    expect(c.aprioriXco2Ppm[0]).toBeGreaterThan(380);
    expect(c.aprioriXco2Ppm[0]).toBeLessThan(420);
  });

  it('real TCCON GGG2020 file (Harwell): 64 spectra; Σ h′u′_a reproduces prior_xco2 within 0.05 ppm', async () => {
    const { table: t, format } = await readObservationFile(join(shared, 'public/tccon/hw20230402_20230402.public.qc.nc'));
    expect(format).toBe('tccon');
    expect(t.n).toBe(64);
    const c = t.column!;
    const L = c.nLevels;
    expect(t.sites[t.site[0]!]).toBe('hw');
    // ncdump: xco2[0] = 420.81, lat 51.57, long −1.32, ak_pressure[0] = 1014.59 hPa.
    expect(t.valuePpm[0]).toBeCloseTo(420.81, 2);
    expect(t.latDeg[0]).toBeCloseTo(51.57, 2);
    for (let k = 0; k < t.n; k++) {
      let s = 0;
      for (let j = 0; j < L; j++) s += c.pressureWeight[k * L + j]! * c.aprioriProfilePpm[k * L + j]!;
      expect(Math.abs(s - c.aprioriXco2Ppm[k]!)).toBeLessThan(0.05);
    }
  });

  it('TCCON operator on the real file equals the GGG2020 wet-profile formula computed from the raw variables', async () => {
    const f = join(shared, 'public/tccon/hw20230402_20230402.public.qc.nc');
    const { table: t } = await readObservationFile(f);
    // Model: a uniform dry mole fraction u0 → every interpolated level is u0.
    const grid = LatLonGrid.preset('6x4');
    const levels = HybridLevels.generic25();
    const ctx = { grid, levels, windowStartSec: t.timeSec[0]! - 600, stepSeconds: 3600, nSteps: 6, surfacePressurePa: () => new Float64Array(grid.size).fill(101000) };
    const u0 = 421.5;
    const ncell3d = levels.nlev * grid.size;
    const { plan, offsetPpm } = buildColumnOperator(ctx, t);
    const y = evaluateOperator(plan, offsetPpm, applyPlan(plan, new Float64Array(7 * ncell3d).fill(u0 * 1e-6), ncell3d));
    // Independent: x = prior_xco2 + Σ_j h_j a_j (u0 (1 − q_j) − f_a,j) with the raw wet variables.
    const src = await openNcSource(f);
    try {
      const h = numericData(src, await src.variable('integration_operator'));
      const a = numericData(src, await src.variable('ak_xco2'));
      const q = numericData(src, await src.variable('prior_h2o'));
      const fa = numericData(src, await src.variable('prior_co2'));
      const xa = numericData(src, await src.variable('prior_xco2'));
      const L = 51;
      for (let k = 0; k < t.n; k++) {
        let x = xa[k]!;
        for (let j = 0; j < L; j++) x += h[k * L + j]! * a[k * L + j]! * (u0 * (1 - q[k * L + j]!) - fa[k * L + j]!);
        expect(y[k]).toBeCloseTo(x, 8);
      }
    } finally {
      src.close();
    }
  });

  it('point operator on the real GCAS evaluation table: weights of every sample sum to 1', async () => {
    const { table: t } = await readObservationFile(join(shared, 'gcasv2/obs/EvaluObs/srf_20140908'));
    const grid = LatLonGrid.preset('3x2');
    const levels = HybridLevels.generic25();
    const ctx = { grid, levels, windowStartSec: Date.UTC(2014, 8, 8) / 1000, stepSeconds: 3600, nSteps: 24, surfacePressurePa: () => new Float64Array(grid.size).fill(100000) };
    const { plan } = buildPointOperator(ctx, t);
    expect(plan.nSamples).toBe(14);
    for (let s = 0; s < plan.nSamples; s++) {
      let w = 0;
      for (let e = plan.rowPtr[s]!; e < plan.rowPtr[s + 1]!; e++) w += plan.weight[e]!;
      expect(w).toBeCloseTo(1, 14);
    }
  });

  it('real NOAA GML text files: event, MonthlyData, month (catalogue position), co2_mm', async () => {
    const mko = (await readObservationFile(join(shared, 'public/noaa_gml/co2_mko_surface-flask_1_ccgg_event.txt'))).table;
    expect(mko.n).toBe(420);
    // First record: MKO 1978-12-15T14:55:00Z 333.61 ppm at 19.83, −155.47, 4220 m.
    expect(mko.timeSec[0]).toBe(Date.UTC(1978, 11, 15, 14, 55) / 1000);
    expect(mko.valuePpm[0]).toBeCloseTo(333.61, 9);
    expect(mko.altitudeM[0]).toBe(4220);
    const mlo = (await readObservationFile(join(shared, 'public/noaa_gml/co2_mlo_surface-insitu_1_ccgg_MonthlyData.txt'))).table;
    expect(mlo.n).toBe(612);
    expect(mlo.flags[0]! & QC.missing).toBeTruthy(); // −999.99 in January 1974
    const smo = (await readObservationFile(join(shared, 'public/noaa_gml/co2_smo_surface-flask_1_ccgg_month.txt'))).table;
    expect(smo.n).toBe(603); // grep -c "^SMO"
    expect(smo.latDeg[0]).toBeCloseTo(-14.2474, 4);
    expect(smo.valuePpm[0]).toBe(330.14);
    const mm = (await readObservationFile(join(shared, 'public/noaa_gml/co2_mm_mlo_2025-04.txt'))).table;
    expect(mm.valuePpm[0]).toBe(315.71);
    expect(mm.timeSec[0]).toBe(Date.UTC(1958, 2, 1) / 1000);
    // Older ObsPack/NOAA event layout (sample_* / analysis_* fields, CH4 in ppb, no units line):
    // first record SCS 1991-07-05 17:00:00, 1713.210 ppb at 6.05 N 107.98 E, 20 m.
    const scs = (await readObservationFile(join(shared, 'public/obspack_format/ch4_scsn06_surface-flask_1_ccgg_event.txt'))).table;
    expect(scs.n).toBe(10);
    expect(scs.timeSec[0]).toBe(Date.UTC(1991, 6, 5, 17) / 1000);
    expect(scs.valuePpm[0]).toBeCloseTo(1.71321, 9);
    expect(scs.latDeg[0]).toBe(6.05);
    expect(scs.lonDeg[0]).toBe(107.98);
    expect(scs.altitudeM[0]).toBe(20);
    const gl = await rejection(readObservationFile(join(shared, 'public/noaa_gml/co2_mm_gl_2016-01.txt')));
    expect(gl.code).toBe('UnsupportedFormat');
  });
});
