// Readers of ERA5 / MERRA-2 / GEOS-FP files: on the real samples in ../shared/data/public/met and
// on files in the full layouts written by Python netCDF4 (tools/fixtures/met/write_met_fixtures.py)
// with a solid-body rotation, so the prepared face mass fluxes are known in closed form.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, truncateSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { GRAVITY, HybridLevels, isTanhuiError, LatLonGrid } from '@tanhui/core';
import { describeMetFile } from './met-sources';
import { prepareMet } from './met-prepare';
import { ECMWF_L137, GEOS_L72 } from '../met/prep/levels';

// @tanhui/io is loaded lazily by this lib (lint): the test does the same.
const readVariable = async (file: string, name: string) => (await import('@tanhui/io')).readVariable(file, name);

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const shared = resolve(repo, '../../shared/data/public/met');
const sharedAlt = '/work/shared/data/public/met';
const metDir = existsSync(shared) ? shared : sharedAlt;
const haveShared = existsSync(metDir);
const havePython = existsSync('/usr/bin/python3');
const DEG = Math.PI / 180;
const t0 = Date.UTC(2021, 0, 10) / 1000;

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (err) {
    if (isTanhuiError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected a failure');
}

describe.skipIf(!haveShared)('real met samples', () => {
  it('ERA5 CDS single-level file (old layout): packed int16 decoded, latitudes north first; without model-level winds it cannot drive a run', async () => {
    const d = await describeMetFile(join(metDir, 'era5/era5_1995-07-14T12.nc'), 'era5');
    expect(d.layout).toMatch(/pre-2024/);
    expect(d.latNorthFirst).toBe(true);
    expect(d.timesSec.length).toBe(1);
    expect(new Date(d.timesSec[0]! * 1000).toISOString()).toBe('1995-07-14T12:00:00.000Z');
    expect(d.variables.ps?.name).toBe('sp');
    expect(d.variables.u).toBeUndefined(); // u10 is not a model-level wind
    const sp = await readVariable(join(metDir, 'era5/era5_1995-07-14T12.nc'), 'sp');
    const vals = Array.from(sp.data as Float64Array).filter(Number.isFinite);
    expect(Math.min(...vals)).toBeGreaterThan(50000);
    expect(Math.max(...vals)).toBeLessThan(110000);
    const f = await failure(prepareMet({ source: 'era5', files: [join(metDir, 'era5/era5_1995-07-14T12.nc')] }, { grid: LatLonGrid.preset('6x4'), startSec: d.timesSec[0]!, endSec: d.timesSec[0]! }));
    expect(f.code).toBe('MissingVariable');
    expect(f.message).toMatch(/no u \(eastward wind\)/);
  });

  it('ERA-Interim packed pressure-level winds: 3 levels in hPa described; preparation asks for model levels', async () => {
    const file = join(metDir, 'eraint_uvz.nc');
    // Its time axis is "month" without CF units: the reader says so.
    const f = await failure(describeMetFile(file, 'era5'));
    expect(f.code).toMatch(/MissingVariable|BadUnits/);
    const u = await readVariable(file, 'u');
    expect(u.shape).toEqual([2, 3, 241, 480]);
    let top = 0;
    for (const x of u.data as Float64Array) top = Math.max(top, Math.abs(x));
    expect(top).toBeGreaterThan(20); // decoded from int16 with a negative scale_factor: real jets
    expect(top).toBeLessThan(120);
  });

  it('MERRA-2 and GEOS FP-IT surface pressure: GMAO metadata, global 576×361 grid, fill 1e15', async () => {
    for (const [file, source, n] of [['merra2/MERRA2_400.tavg1_2d_slv_Nx.20210110.PS.nc4', 'merra2', 2], ['GEOS5124-lat-lon_PS.nc4', 'geosfp', 1]] as const) {
      const d = await describeMetFile(join(metDir, file), source);
      expect(d.lonDeg.length).toBe(576);
      expect(d.latDeg.length).toBe(361);
      expect(d.latNorthFirst).toBe(false);
      expect(d.levelKind).toBe('none');
      expect(d.timesSec.length).toBe(n);
      expect(d.variables.ps?.units).toBe('Pa');
    }
  });

  it('T42 Gaussian pressure-level winds (uvt.nc): real winds through the face-flux operator keep the zonal-mean flux of the source', async () => {
    const file = join(metDir, 'pressure_levels/uvt.nc');
    const u = await readVariable(file, 'U');
    const lat = (await readVariable(file, 'lat')).data as Float64Array;
    const lon = (await readVariable(file, 'lon')).data as Float64Array;
    expect(u.shape).toEqual([1, 14, 64, 128]);
    expect(lat[1]! - lat[0]!).not.toBeCloseTo(lat[32]! - lat[31]!, 6); // Gaussian, not regular
    const { FaceFluxOperator } = await import('../met/prep/horizontal');
    const model = LatLonGrid.preset('6x4');
    const op = new FaceFluxOperator({ lonDeg: Float64Array.from(lon), latDeg: Float64Array.from(lat) }, model);
    // 500 hPa (level index 5 in this file's 1000…10 hPa axis): q = u·Δp/g with Δp = 100 hPa.
    const k = Array.from((await readVariable(file, 'lev')).data as Float64Array).indexOf(500);
    const q = Float64Array.from((u.data as Float64Array).subarray(k * 64 * 128, (k + 1) * 64 * 128), (x) => (x * 1e4) / GRAVITY);
    const am = new Float64Array(model.size), bm = new Float64Array((model.nlat + 1) * model.nlon);
    op.faceFluxes(q, new Float64Array(q.length), 0, am, 0, bm, 0, new Float64Array(op.scratchLength));
    // Global sum of east-face fluxes of one meridian ≈ ∫ R q dφ along it; over all meridians the
    // mean is R ∫ q̄(φ) dφ — compare with a trapezoid sum over the source rows (independent).
    let model_ = 0;
    for (let j = 0; j < model.nlat; j++) for (let i = 0; i < model.nlon; i++) model_ += am[j * model.nlon + i]!;
    model_ /= model.nlon;
    let src = 0;
    for (let r = 0; r < 63; r++) {
      let a = 0, b = 0;
      for (let l = 0; l < 128; l++) {
        a += q[r * 128 + l]!;
        b += q[(r + 1) * 128 + l]!;
      }
      src += (0.5 * (a + b)) / 128 * (lat[r + 1]! - lat[r]!) * DEG * model.radiusM;
    }
    expect(Math.abs(model_ - src) / Math.abs(src)).toBeLessThan(0.02);
  });
});

describe.skipIf(!haveShared)('a week on real winds', () => {
  it('real T42 winds (uvt.nc, 14 pressure levels) prepared to 6°×4°×25 and balanced: a week of the model conserves tracer mass to 1e-12', async () => {
    const file = join(metDir, 'pressure_levels/uvt.nc');
    const u = (await readVariable(file, 'U')).data as Float64Array;
    const v = (await readVariable(file, 'V')).data as Float64Array;
    const lat = Float64Array.from((await readVariable(file, 'lat')).data as Float64Array);
    const lon = Float64Array.from((await readVariable(file, 'lon')).data as Float64Array);
    const hPa = Float64Array.from((await readVariable(file, 'lev')).data as Float64Array);
    const { MetPreparer } = await import('../met/prep/prepare');
    const { ArrayMeteorology } = await import('../met/array-met');
    const { BuiltinTransportModel } = await import('../builtin/model');
    const model = LatLonGrid.preset('6x4');
    const prep = new MetPreparer({ grid: { lonDeg: lon, latDeg: lat }, latNorthFirst: false, levTopFirst: false, levels: HybridLevels.generic25(), levelMap: [], pressureLevels: { hPa, model: HybridLevels.generic25() } }, model);
    // The file has one time and no surface pressure: a travelling surface-pressure wave, 3-hourly.
    for (let n = 0; n <= 56; n++) {
      const ps = new Float64Array(64 * 128);
      for (let r = 0; r < 64; r++) for (let l = 0; l < 128; l++) ps[r * 128 + l] = 99000 + 600 * Math.cos(lat[r]! * DEG) * Math.sin(lon[l]! * DEG - 0.2 * n);
      prep.addRecord({ timeSec: n * 10800, uMS: u, vMS: v, psPa: ps });
    }
    const report = prep.balance();
    expect(report.maxBeforePaH).toBeGreaterThan(10); // real winds are divergent
    const met = new ArrayMeteorology(prep.result());
    const tm = new BuiltinTransportModel(met, {}); // the default 6-hour step on 6°×4° (CFL substeps inside)
    const window = { startSec: 0, endSec: 7 * 86400 };
    const ncol = model.size, ncell = 25 * ncol;
    const c0 = Float64Array.from({ length: ncell }, (_, q) => 4e-4 + 2e-5 * Math.sin(0.11 * q));
    const out = tm.forward({ window, nTracers: 1, initialMoleFraction: c0, fluxes: { periodSeconds: 7 * 86400, data: new Float64Array(ncol) } });
    const ctx = tm.samplingContext(window);
    const lv = met.levels;
    const mass = (ps: Float64Array, c: Float64Array): number => {
      let s = 0;
      for (let k = 0; k < 25; k++) for (let col = 0; col < ncol; col++) s += c[k * ncol + col]! * (lv.aHalfPa[k]! - lv.aHalfPa[k + 1]! + (lv.bHalf[k]! - lv.bHalf[k + 1]!) * ps[col]!) * model.cellAreaM2[col]!;
      return s;
    };
    const before = mass(ctx.surfacePressurePa(0), c0), after = mass(ctx.surfacePressurePa(ctx.nSteps), out.finalMoleFraction);
    expect(Math.abs(after - before) / before).toBeLessThan(1e-12);
    for (const x of out.finalMoleFraction) expect(Number.isFinite(x) && x > 0).toBe(true);
  }, 120_000);
});

describe.skipIf(!havePython)('files in the full layouts (Python netCDF4), solid-body rotation', () => {
  let dir = '';
  beforeAll(() => {
    mkdirSync(join(repo, 'tmp'), { recursive: true });
    dir = mkdtempSync(join(repo, 'tmp', 'met-fixtures-'));
    execFileSync('/usr/bin/python3', [join(repo, 'tools/fixtures/met/write_met_fixtures.py'), dir, 'all'], { stdio: 'ignore' });
  }, 120_000);

  const grid = LatLonGrid.preset('6x4');
  const u0 = 40, alpha = Math.PI / 4, ps0 = 98000;
  const psi = (lam: number, phi: number): number => -u0 * grid.radiusM * (Math.sin(phi) * Math.cos(alpha) - Math.cos(lam) * Math.cos(phi) * Math.sin(alpha));

  /** Worst face error relative to the largest face flux, against the closed form of the merged levels. */
  function faceError(data: { amKgS?: Float64Array; bmKgS?: Float64Array; aHalfPa: Float64Array; bHalf: Float64Array }, src: { aHalfPa: Float64Array; bHalf: Float64Array }, map: readonly number[], record: number): number {
    const { nlat, nlon } = grid;
    const nlev = map.length - 1;
    const na = nlev * grid.size, nb = nlev * (nlat + 1) * nlon;
    let worst = 0, big = 0;
    for (let m = 0; m < nlev; m++) {
      // Σ s_k Δp_k / g over the source layers of model level m (s = 0.5 above 500 hPa).
      let w = 0;
      for (let k = map[m]!; k < map[m + 1]!; k++) {
        const dp = src.aHalfPa[k]! - src.aHalfPa[k + 1]! + (src.bHalf[k]! - src.bHalf[k + 1]!) * ps0;
        const pmid = 0.5 * (src.aHalfPa[k]! + src.aHalfPa[k + 1]! + (src.bHalf[k]! + src.bHalf[k + 1]!) * ps0);
        w += ((pmid < 50000 ? 0.5 : 1) * dp) / GRAVITY;
      }
      for (let j = 0; j < nlat; j++) for (let i = 0; i < nlon; i++) {
        const lam = grid.lonEdgesDeg[i + 1]! * DEG;
        const exact = -(psi(lam, grid.latEdgesDeg[j + 1]! * DEG) - psi(lam, grid.latEdgesDeg[j]! * DEG)) * w;
        worst = Math.max(worst, Math.abs(data.amKgS![record * na + (m * nlat + j) * nlon + i]! - exact));
        big = Math.max(big, Math.abs(exact));
      }
      for (let je = 1; je < nlat; je++) for (let i = 0; i < nlon; i++) {
        const phi = grid.latEdgesDeg[je]! * DEG;
        const exact = (psi(grid.lonEdgesDeg[i + 1]! * DEG, phi) - psi(grid.lonEdgesDeg[i]! * DEG, phi)) * w;
        worst = Math.max(worst, Math.abs(data.bmKgS![record * nb + (m * (nlat + 1) + je) * nlon + i]! - exact));
      }
    }
    return worst / big;
  }

  for (const tag of ['new', 'old'] as const) {
    it(`ERA5 model levels, ${tag === 'new' ? '2024+ CDS layout (valid_time, model_level, float32, expver, number)' : 'pre-2024 CDS layout (time, level, packed int16)'}: L137 → 25 levels, analytic face fluxes on 6°×4°`, async () => {
      const files = ['20210110', '20210111'].map((d) => join(dir, `era5_ml_${tag}_${d}.nc`));
      const surfaceFiles = ['20210110', '20210111'].map((d) => join(dir, `era5_lnsp_${tag}_${d}.nc`));
      const d = await describeMetFile(files[0]!, 'era5');
      expect(d.layout).toMatch(tag === 'new' ? /2024\+/ : /pre-2024/);
      expect(d.levelKind).toBe('model');
      const p = await prepareMet({ source: 'era5', files, surfaceFiles }, { grid, startSec: t0, endSec: t0 + 86400 });
      expect(p.report.records).toBe(5); // 00, 06, 12, 18 and the next day's 00 UTC
      expect(p.report.sourceLevels).toBe(137);
      expect(p.data.aHalfPa.length).toBe(26);
      expect(p.data.psPa[0]).toBeCloseTo(ps0, 1);
      // 5° source → 6° model: 4th-order interpolation error (the 0.25° case is at 1e-6 in prepare.test.ts); int16 packing adds ~1e-5.
      expect(faceError(p.data, ECMWF_L137(), p.report.levelMap, 2)).toBeLessThan(tag === 'new' ? 3e-4 : 5e-4);
      expect(p.report.balance.maxAfterPaH).toBeLessThan(1e-6);
    });
  }

  it('ERA5 pressure levels (2024+ layout) with sp from a single-level file: 13 levels → the generic 25 by pressure overlap, analytic fluxes', async () => {
    const files = ['20210110', '20210111'].map((d) => join(dir, `era5_pl_${d}.nc`));
    const surfaceFiles = ['20210110', '20210111'].map((d) => join(dir, `era5_sfc_${d}.nc`));
    const p = await prepareMet({ source: 'era5', files, surfaceFiles }, { grid, startSec: t0, endSec: t0 + 86400 });
    expect(p.report.pressureLevelsHPa).toHaveLength(13);
    const g = HybridLevels.generic25();
    // Winds equal at every level: each model layer carries Δψ·Δp_m(ps)/g, Δp_m the model layer at ps0.
    const { nlat, nlon } = grid;
    const na = 25 * grid.size;
    let worst = 0, big = 0;
    for (let m = 0; m < 25; m++) {
      const dp = g.aHalfPa[m]! - g.aHalfPa[m + 1]! + (g.bHalf[m]! - g.bHalf[m + 1]!) * ps0;
      for (let j = 0; j < nlat; j++) for (let i = 0; i < nlon; i++) {
        const lam = grid.lonEdgesDeg[i + 1]! * DEG;
        const exact = (-(psi(lam, grid.latEdgesDeg[j + 1]! * DEG) - psi(lam, grid.latEdgesDeg[j]! * DEG)) * dp) / GRAVITY;
        worst = Math.max(worst, Math.abs(p.data.amKgS![2 * na + (m * nlat + j) * nlon + i]! - exact));
        big = Math.max(big, Math.abs(exact));
      }
    }
    expect(worst / big).toBeLessThan(3e-4);
  });

  it('MERRA-2 inst3_3d_asm_Nv + trb_Ne (KH) + mst_Ne (CMFMC): 72 → 47 levels, fluxes, Kz and convection from the known fields', async () => {
    const day = (c: string) => ['20210110', '20210111'].map((d) => join(dir, `MERRA2_400.${c}.${d}.nc4`));
    const map47 = (await import('../met/prep/levels')).geosChem47Map();
    const p = await prepareMet({ source: 'merra2', files: day('inst3_3d_asm_Nv'), diffusionFiles: day('tavg3_3d_trb_Ne'), convectionFiles: day('tavg3_3d_mst_Ne') }, { grid, startSec: t0, endSec: t0 + 86400, levelMap: map47 });
    expect(p.report.records).toBe(9);
    expect(p.data.aHalfPa.length).toBe(48);
    expect(faceError(p.data, GEOS_L72(), map47, 4)).toBeLessThan(3e-4);
    // KH at model interface m = KH at source edge map[m] (top-first edge e = 72 − map[m]): 10·(e+1)/73.
    const kz = p.data.kzM2S!;
    for (const m of [1, 20, 40, 46]) expect(kz[(m - 1) * grid.size + 100]).toBeCloseTo((10 * (72 - map47[m]! + 1)) / 73, 5);
    // CMFMC 0.01 between top-first edges 40…69 ⇒ surface-first edges 3…32: entrainment where it starts, detrainment where it ends.
    const ent = p.data.entrainUp!, det = p.data.detrainUp!;
    let sumE = 0, sumD = 0;
    for (let m = 0; m < 47; m++) {
      sumE += ent[m * grid.size + 7]!;
      sumD += det[m * grid.size + 7]!;
    }
    expect(sumE).toBeCloseTo(0.01, 6);
    expect(sumD).toBeCloseTo(0.01, 6);
  });

  it('bad input, one clear error each', async () => {
    const day = ['20210110', '20210111'].map((d) => join(dir, `MERRA2_400.inst3_3d_asm_Nv.${d}.nc4`));
    // Not covering the window.
    let f = await failure(prepareMet({ source: 'merra2', files: [day[0]!] }, { grid, startSec: t0, endSec: t0 + 2 * 86400 }));
    expect(f.code).toBe('EmptyInput');
    expect(f.message).toMatch(/covers 2021-01-10T00:00Z to 2021-01-10T21:00Z, the run needs 2021-01-10T00:00Z to 2021-01-12T00:00Z/);
    // Truncated file.
    const cut = join(dir, 'cut.nc4');
    copyFileSync(day[0]!, cut);
    truncateSync(cut, 100000);
    f = await failure(prepareMet({ source: 'merra2', files: [cut] }, { grid, startSec: t0, endSec: t0 + 3600 }));
    expect(f.code).toBe('CorruptFile');
    // Wrong units, NaN and too-fast winds, levels that do not match L72: edited copies.
    const edit = (name: string, py: string): string => {
      const out = join(dir, name);
      copyFileSync(day[0]!, out);
      execFileSync('/usr/bin/python3', ['-c', `import netCDF4 as nc, numpy as np\nd = nc.Dataset('${out}', 'a')\n${py}\nd.close()`]);
      return out;
    };
    f = await failure(prepareMet({ source: 'merra2', files: [edit('units.nc4', "d['U'].units = 'km h-1'")] }, { grid, startSec: t0, endSec: t0 + 3600 }));
    expect([f.code, f.message]).toEqual(['BadUnits', "U has units 'km h-1', expected m s-1"]);
    f = await failure(prepareMet({ source: 'merra2', files: [edit('nan.nc4', "d['V'][0, 10, 5, 5] = 1e15")] }, { grid, startSec: t0, endSec: t0 + 3600 }));
    expect(f.code).toBe('BadValue');
    expect(f.message).toMatch(/wind is missing \(NaN or fill value\) at level 11 of 72 \(top = 1\).*at 2021-01-10T00:00Z/);
    f = await failure(prepareMet({ source: 'merra2', files: [edit('fast.nc4', "d['U'][0, 3, 5, 5] = 350")] }, { grid, startSec: t0, endSec: t0 + 3600 }));
    expect(f.message).toMatch(/wind of 350 m s-1 exceeds 300 m s-1 at level 4 of 72/);
    const few = join(dir, 'few.nc4');
    execFileSync('/usr/bin/python3', ['-c', `import netCDF4 as nc\ns = nc.Dataset('${day[0]}')\nd = nc.Dataset('${few}', 'w')\nfor n, x in s.dimensions.items(): d.createDimension(n, 71 if n == 'lev' else (None if x.isunlimited() else len(x)))\nfor n, v in s.variables.items():\n    y = d.createVariable(n, v.dtype, v.dimensions)\n    y.setncatts({k: v.getncattr(k) for k in v.ncattrs() if k != '_FillValue'})\n    y[:] = v[:, :71] if 'lev' in v.dimensions and v.ndim == 4 else (v[:71] if n == 'lev' else v[:])\nd.close()`]);
    f = await failure(prepareMet({ source: 'merra2', files: [few] }, { grid, startSec: t0, endSec: t0 + 3600 }));
    expect([f.code, f.message]).toEqual(['BadShape', 'U is on 71 model levels, the declared merra2 coefficients have 72 levels']);
  }, 60_000);
});
