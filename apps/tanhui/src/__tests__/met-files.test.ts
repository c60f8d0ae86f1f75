// `met.source: files`: meteorology read from a NetCDF file drives `tanhui run`. The file is the
// built-in synthetic climate sampled at 3-hourly records (u, v at cell centres from its air-mass
// fluxes, ps, Kz on interfaces, convective mass fluxes), written top-first and north-first by
// Debian's netCDF4. Independent checks: the run's prior simulated values (HX of the prior mean)
// equal those of a model built in memory from the same arrays (no file, no compose, no worker);
// they are close to the synthetic climate's own; bad files fail with one line naming the config key.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRAVITY, HybridLevels, LatLonGrid } from '@tanhui/core';
import { buildColumnOperator, buildPointOperator, selectWindow } from '@tanhui/observations';
import { ensembleFlux } from '@tanhui/priors';
import { ArrayMeteorology, BuiltinTransportModel, SyntheticClimate, type ArrayMetData, type SamplePlan, type WindMetData } from '@tanhui/transport';
import { readRunStore } from '../analysis/run-store-reader';
import { composeWorld, concatPlans, FLUX_PERIOD_SECONDS } from '../compose';
import { loadConfig } from '../config/load';
import { runInversion } from '../pipeline/invert';
import { INITIAL_MOLE_FRACTION } from '../pipeline/run';
import type { BuiltinPlugin } from '../plugins/transport-builtin';
import { SilentProgress } from '../progress';
import { modelCacheKey } from '../workers/tasks';
import { debianPythonWithNetcdf, expectRunRejected, PY, runCli, tempDir, writeConfig } from './helpers';

const havePy = debianPythonWithNetcdf();

const DEG = Math.PI / 180;
const T0 = Date.UTC(2020, 5, 1) / 1000;
const RECORD_SECONDS = 3 * 3600;

/** Writes met.nc from raw float64 arrays in the model layout (surface first, south first),
 * storing levels top first and latitudes north first as reanalyses do. */
const WRITER = `
import sys, json, numpy as np
from netCDF4 import Dataset
spec = json.load(open(sys.argv[1]))
nt, nlev, nlat, nlon = spec['nt'], spec['nlev'], spec['nlat'], spec['nlon']
lon = np.array(spec['lon'])
k0 = int(np.argmax(lon >= 0)) if spec.get('lon360') else 0  # lon360: longitudes 0…360, fields rolled
roll = lambda x: np.roll(x, -k0, axis=-1)
raw = lambda n, shape: roll(np.fromfile(spec['raw'] + '/' + n + '.f64', dtype='<f8').reshape(shape))
with Dataset(spec['out'], 'w', format='NETCDF4') as ds:
    ds.createDimension('time', nt); ds.createDimension('lev', nlev); ds.createDimension('ilev', nlev + 1)
    ds.createDimension('lat', nlat); ds.createDimension('lon', nlon)
    v = ds.createVariable('time', 'f8', ('time',)); v.units = 'hours since 2020-06-01 00:00:00'; v[:] = spec['hours']
    v = ds.createVariable('lat', 'f8', ('lat',)); v.units = 'degrees_north'; v[:] = np.array(spec['lat'])[::-1]
    v = ds.createVariable('lon', 'f8', ('lon',)); v.units = 'degrees_east'; v[:] = roll(lon) % 360 if k0 else lon
    top = not spec.get('surfaceFirst')  # surfaceFirst: no hybrid coefficients, level axis surface first
    if top:
        v = ds.createVariable('P0', 'f8', ()); v.units = 'Pa'; v.assignValue(1e5)
        v = ds.createVariable('hyai', 'f8', ('ilev',)); v[:] = np.array(spec['a'])[::-1] / 1e5
        v = ds.createVariable('hybi', 'f8', ('ilev',)); v[:] = np.array(spec['b'])[::-1]
    lv = slice(None, None, -1) if top else slice(None)
    for name, units in (('u', 'm s-1'), ('v', 'm s-1')):
        v = ds.createVariable(spec.get('names', {}).get(name, name), 'f8', ('time', 'lev', 'lat', 'lon')); v.units = units
        v[:] = raw(name, (nt, nlev, nlat, nlon))[:, lv, ::-1, :]
    v = ds.createVariable('ps', 'f8', ('time', 'lat', 'lon')); v.units = 'hPa'
    v[:] = raw('ps', (nt, nlat, nlon))[:, ::-1, :] / 100
    if spec.get('physics'):
        kz = np.zeros((nt, nlev + 1, nlat, nlon)); kz[:, 1:nlev] = raw('kz', (nt, nlev - 1, nlat, nlon))
        v = ds.createVariable('kz', 'f8', ('time', 'ilev', 'lat', 'lon')); v.units = 'm2 s-1'; v[:] = kz[:, ::-1, ::-1, :]
        for name in ('entu', 'detu', 'entd', 'detd'):
            v = ds.createVariable(name, 'f8', ('time', 'lev', 'lat', 'lon')); v.units = 'kg m-2 s-1'
            v[:] = raw(name, (nt, nlev, nlat, nlon))[:, ::-1, ::-1, :]
`;

interface Sampled {
  data: WindMetData;
  /** Raw arrays by file variable name (model layout). */
  raw: Record<string, Float64Array>;
}

/**
 * The synthetic climate at record times: u (v) at cell centres = mean of the east/west (south/
 * north) face winds recovered from its air-mass fluxes am = u·R·Δφ·Δp/g·dt (bm = v·R·cosφ·Δλ·Δp/g·dt);
 * ps, Kz and convection as the climate gives them.
 */
function sampleSynthetic(grid: LatLonGrid, levels: HybridLevels, nt: number, physics: boolean): Sampled {
  const met = new SyntheticClimate(grid, levels);
  const { nlat, nlon } = grid;
  const nlev = levels.nlev;
  const ncol = nlat * nlon;
  const R = grid.radiusM;
  const ps = met.surfacePressurePa();
  const dp = (k: number, p: number): number => levels.aHalfPa[k]! - levels.aHalfPa[k + 1]! + (levels.bHalf[k]! - levels.bHalf[k + 1]!) * p;
  const U = new Float64Array(nt * nlev * ncol), V = new Float64Array(nt * nlev * ncol), PS = new Float64Array(nt * ncol);
  const KZ = new Float64Array(nt * (nlev - 1) * ncol);
  const conv = { entu: new Float64Array(nt * nlev * ncol), detu: new Float64Array(nt * nlev * ncol), entd: new Float64Array(nt * nlev * ncol), detd: new Float64Array(nt * nlev * ncol) };
  const times = new Float64Array(nt);
  for (let q = 0; q < nt; q++) {
    const t = T0 + q * RECORD_SECONDS;
    times[q] = t;
    PS.set(ps, q * ncol);
    const am = new Float64Array(nlev * ncol), bm = new Float64Array(nlev * (nlat + 1) * nlon);
    met.massFluxes(t - 0.5, 1, ps, am, bm); // dt = 1 s centred on t: fluxes per second at t
    for (let k = 0; k < nlev; k++) {
      for (let j = 0; j < nlat; j++) {
        const dphi = (grid.latEdgesDeg[j + 1]! - grid.latEdgesDeg[j]!) * DEG;
        for (let i = 0; i < nlon; i++) {
          const face = (ii: number): number => {
            const i2 = (ii + nlon) % nlon;
            const pf = 0.5 * (ps[j * nlon + i2]! + ps[j * nlon + ((i2 + 1) % nlon)]!);
            return am[(k * nlat + j) * nlon + i2]! / ((R * dphi * dp(k, pf)) / GRAVITY);
          };
          U[(q * nlev + k) * ncol + j * nlon + i] = 0.5 * (face(i - 1) + face(i));
          const edge = (je: number): number => {
            if (je === 0 || je === nlat) return 0;
            const dl = (grid.lonEdgesDeg[i + 1]! - grid.lonEdgesDeg[i]!) * DEG;
            const pf = 0.5 * (ps[(je - 1) * nlon + i]! + ps[je * nlon + i]!);
            return bm[(k * (nlat + 1) + je) * nlon + i]! / ((R * Math.cos(grid.latEdgesDeg[je]! * DEG) * dl * dp(k, pf)) / GRAVITY);
          };
          V[(q * nlev + k) * ncol + j * nlon + i] = 0.5 * (edge(j) + edge(j + 1));
        }
      }
    }
    if (physics) {
      met.verticalDiffusion(t, ps, KZ.subarray(q * (nlev - 1) * ncol, (q + 1) * (nlev - 1) * ncol));
      const s = (a: Float64Array) => a.subarray(q * nlev * ncol, (q + 1) * nlev * ncol);
      met.convection(t, ps, { entrainUp: s(conv.entu), detrainUp: s(conv.detu), entrainDown: s(conv.entd), detrainDown: s(conv.detd) });
    }
  }
  const data: WindMetData = {
    lonEdgesDeg: grid.lonEdgesDeg, latEdgesDeg: grid.latEdgesDeg, aHalfPa: levels.aHalfPa, bHalf: levels.bHalf,
    timesSec: times, psPa: PS, uMS: U, vMS: V,
    ...(physics ? { kzM2S: KZ, entrainUp: conv.entu, detrainUp: conv.detu, entrainDown: conv.entd, detrainDown: conv.detd } : {}),
  };
  return { data, raw: { u: U, v: V, ps: PS, ...(physics ? { kz: KZ, ...conv } : {}) } };
}

function writeMetFile(dir: string, name: string, grid: LatLonGrid, levels: HybridLevels, s: Sampled, extra: Record<string, unknown> = {}): string {
  const out = join(dir, name);
  const rawDir = tempDir('metraw');
  for (const [k, a] of Object.entries(s.raw)) writeFileSync(join(rawDir, `${k}.f64`), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  const spec = {
    out, raw: rawDir, nt: s.data.timesSec.length, nlev: levels.nlev, nlat: grid.nlat, nlon: grid.nlon,
    hours: Array.from(s.data.timesSec, (t) => (t - T0) / 3600), lat: Array.from(grid.latCentersDeg), lon: Array.from(grid.lonCentersDeg),
    a: Array.from(levels.aHalfPa), b: Array.from(levels.bHalf), physics: s.data.kzM2S !== undefined, ...extra,
  };
  writeFileSync(join(rawDir, 'spec.json'), JSON.stringify(spec));
  writeFileSync(join(rawDir, 'writer.py'), WRITER);
  try {
    execFileSync(PY, [join(rawDir, 'writer.py'), join(rawDir, 'spec.json')], { stdio: ['ignore', 'ignore', 'pipe'] });
  } finally {
    rmSync(rawDir, { recursive: true, force: true });
  }
  return out;
}

const RUN = `time: {windows: 1, windowDays: 1}
solver: {members: 4, twoStep: combine}
executor: {workers: 2, membersPerTask: 2}
observations: {stations: {sites: [mlo, brw, spo, wlg, lfs, sdz, lan, cgo, smo, alt, lef, pal], intervalHours: 3}, satellite: {soundingsPerDay: 40}}
truth: {anomalies: []}
`;

describe('worker model cache', () => {
  it('keys models by spec.key and never stringifies met arrays', () => {
    const data = {
      get uMS(): Float64Array {
        throw new Error('the met arrays were stringified');
      },
    } as unknown as ArrayMetData;
    expect(modelCacheKey({ met: { kind: 'arrays', data }, key: 'abc' })).toBe('key:abc');
    expect(modelCacheKey({ met: { kind: 'arrays', data } })).toBeUndefined();
    const syn = { met: { kind: 'synthetic' as const, grid: '6x4' as const } };
    expect(modelCacheKey(syn)).toBe(`json:${JSON.stringify(syn)}`);
  });
});

describe.skipIf(!havePy)('met.source: files', () => {
  const grid = LatLonGrid.preset('6x4');
  const levels = HybridLevels.generic25();
  let dir = '';
  let sampled: Sampled;
  let metFile = '';

  beforeAll(() => {
    dir = tempDir('metfiles');
    sampled = sampleSynthetic(grid, levels, 9, true); // 00 UTC … 24 UTC, 3-hourly
    metFile = writeMetFile(dir, 'met.nc', grid, levels, sampled);
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true }); // ~40 MB of met files and stores
  });

  it('runs end to end: HX from the file equals a model built in memory from the same arrays, and is close to the synthetic climate', async () => {
    const cfgFile = writeConfig(dir, `${RUN}met: {source: files, path: met.nc}\noutput: {store: file.zarr}\n`, 'file.yaml');
    const cfgSyn = writeConfig(dir, `${RUN}output: {store: syn.zarr}\n`, 'syn.yaml'); // composed, never run

    // The composed world: fields on SharedArrayBuffers, a content-hash cache key, the file's checksum.
    const fileWorld = await composeWorld(await loadConfig(cfgFile));
    const spec = (fileWorld.transport as BuiltinPlugin).modelSpec;
    expect(spec.met.kind).toBe('arrays');
    const data = (spec.met as { data: WindMetData }).data;
    for (const a of [data.uMS, data.vMS, data.psPa, data.kzM2S!, data.entrainUp!]) expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(spec.key).toMatch(/^[0-9a-f]{64}:/);
    expect(modelCacheKey(spec)).toBe(`key:${spec.key}`);
    expect(fileWorld.inputChecksums['met.nc']).toBe(createHash('sha256').update(readFileSync(metFile)).digest('hex'));
    // The file round trip (flips of levels and latitudes, ps in hPa) gives back the arrays.
    let worst = 0;
    for (const k of ['uMS', 'vMS', 'psPa', 'kzM2S', 'entrainUp', 'detrainDown'] as const) {
      const a = data[k]!, b = sampled.data[k]!;
      expect(a.length).toBe(b.length);
      for (let q = 0; q < a.length; q++) worst = Math.max(worst, Math.abs(a[q]! - b[q]!) / (Math.abs(b[q]!) + 1e-30));
    }
    expect(worst).toBeLessThan(1e-14);

    const a = await runCli(['run', cfgFile]);
    expect(a.stderr.split('\n').filter((l) => /error|fail/i.test(l))).toEqual([]);
    expect(a.code).toBe(0);
    const fileRun = await readRunStore(join(dir, 'file.zarr'));

    // Independent HX: the prior mean's fluxes through a model on an in-memory ArrayMeteorology
    // of the sampled arrays, plan built from that model (no file, no compose, no worker).
    const synWorld = await composeWorld(await loadConfig(cfgSyn));
    const model = new BuiltinTransportModel(new ArrayMeteorology(sampled.data), {});
    const win = synWorld.windows[0]!;
    const ctx = model.samplingContext(win);
    const inWin = selectWindow(ctx, synWorld.obs.table, synWorld.obs.windowRows[0]!);
    const point = Int32Array.from(Array.from(inWin).filter((k) => !synWorld.obs.isColumn[k]));
    const column = Int32Array.from(Array.from(inWin).filter((k) => synWorld.obs.isColumn[k]));
    const parts = [buildPointOperator(ctx, synWorld.obs.table, { rows: point }), buildColumnOperator(ctx, synWorld.obs.table, { rows: column })];
    const plan: SamplePlan = concatPlans(parts.map((p) => p.plan));
    const offset = [...parts[0]!.offsetPpm, ...parts[1]!.offsetPpm];
    const rows = [...point, ...column];
    const prior = await synWorld.priorFor(0);
    const flux = ensembleFlux(prior.mapping, prior.fixed, synWorld.xPrior, 1);
    const nField = levels.nlev * grid.size;
    const out = model.forward({ window: win, nTracers: 1, initialMoleFraction: new Float64Array(nField).fill(INITIAL_MOLE_FRACTION), fluxes: { periodSeconds: FLUX_PERIOD_SECONDS, data: flux }, plan });
    expect(point.length).toBeGreaterThan(50);
    expect(column.length).toBeGreaterThan(10);

    // The synthetic climate itself (what the file samples), and for scale a met that is visibly
    // wrong: the same winds without Kz and convection.
    const forwardOn = (m: BuiltinTransportModel) =>
      m.forward({ window: win, nTracers: 1, initialMoleFraction: new Float64Array(nField).fill(INITIAL_MOLE_FRACTION), fluxes: { periodSeconds: FLUX_PERIOD_SECONDS, data: flux }, plan }).samples;
    const syn = forwardOn(new BuiltinTransportModel(new SyntheticClimate(grid, levels), {}));
    const { kzM2S: _kz, entrainUp: _eu, detrainUp: _du, entrainDown: _ed, detrainDown: _dd, ...windsOnly } = sampled.data;
    const dry = forwardOn(new BuiltinTransportModel(new ArrayMeteorology(windsOnly), {}));

    let dMem = 0, dSyn = 0, dDry = 0, sumSq = 0, signal = 0, n = 0;
    rows.forEach((k, s) => {
      const hxMem = offset[s]! + 1e6 * out.samples[s]!;
      const hxFile = fileRun.obs.priorPpm[k]!;
      const hxSyn = offset[s]! + 1e6 * syn[s]!;
      dDry = Math.max(dDry, Math.abs(offset[s]! + 1e6 * dry[s]! - hxSyn));
      expect(Number.isFinite(hxFile)).toBe(true);
      dMem = Math.max(dMem, Math.abs(hxFile - hxMem));
      dSyn = Math.max(dSyn, Math.abs(hxFile - hxSyn));
      sumSq += (hxFile - hxSyn) ** 2;
      signal = Math.max(signal, Math.abs(hxSyn - 1e6 * INITIAL_MOLE_FRACTION));
      n++;
    });
    expect(n).toBe(fileRun.obs.window.filter((w) => w === 0).length);
    console.log(`met files: ${n} HX; |file − in-memory| max ${dMem.toExponential(2)} ppm; |file − synthetic| max ${dSyn.toFixed(4)} ppm, rms ${Math.sqrt(sumSq / n).toFixed(4)} ppm; without Kz and convection max ${dDry.toFixed(3)} ppm; flux signal max |HX − 400| ${signal.toFixed(3)} ppm`);
    // Same arrays, same arithmetic: only rounding may differ.
    expect(dMem).toBeLessThan(1e-9);
    // Close to the synthetic climate, not equal: the file holds winds at cell centres, which the
    // model averages back to the faces (a [¼ ½ ¼] smoothing of the face winds that damps the
    // shortest synoptic waves; the pressure fixer removes the divergence it leaves). The model's
    // 6-hour steps evaluate the met at record times (mass fluxes mid-step, mixing at the step
    // start), so time interpolation plays no part here. The error is second order in the grid
    // spacing and acts on the transport part of the signal only: bound it at 2 % of the flux
    // signal |HX − 400 ppm| and at a tenth of the effect of dropping Kz and convection.
    expect(signal).toBeGreaterThan(1);
    expect(dSyn).toBeLessThan(0.02 * signal);
    expect(dSyn).toBeLessThan(0.1 * dDry);
  });

  it('tanhui invert runs on the same meteorology: budgets equal to those of in-memory arrays', async () => {
    const cfg = writeConfig(
      dir,
      `time: {windows: 1, windowDays: 0.5}
solver: {method: batch}
executor: {engine: inline}
prior: {components: [{name: bio, optimise: true}, {name: ocean}, {name: fossil}]}
observations: {stations: {sites: [mlo, brw, spo, wlg, lfs, sdz, lan, cgo, smo, alt, lef, pal], intervalHours: 2}, satellite: {soundingsPerDay: 80}}
truth: {anomalies: [{name: china, component: bio, latMin: 20, latMax: 50, lonMin: 75, lonMax: 135, delta: 0.5}]}
met: {source: files, path: met.nc}
output: {store: inv-file.zarr}
`,
      'invert.yaml',
    );
    const fileWorld = await composeWorld(await loadConfig(cfg));
    const progress = new SilentProgress();
    const viaFile = await runInversion(fileWorld, { progress, provenance: {} });
    // The same world with its model on the in-memory arrays (no file).
    const memWorld = { ...fileWorld, modelSpec: { met: { kind: 'arrays' as const, data: sampled.data }, options: {}, key: 'in-memory' }, storePath: join(dir, 'inv-mem.zarr') };
    const viaMem = await runInversion(memWorld, { progress, provenance: {} });
    const land = viaFile.regions.indexOf('Global land');
    const sd = viaFile.budgetPriorSd[land]!;
    let dMem = 0;
    viaFile.budgetPosterior.forEach((v, r) => (dMem = Math.max(dMem, Math.abs(v - viaMem.budgetPosterior[r]!))));
    console.log(`met files, invert: ${viaFile.nobs} obs; global land prior ${viaFile.budgetPrior[land]!.toFixed(3)} ± ${sd.toFixed(3)}, posterior ${viaFile.budgetPosterior[land]!.toFixed(3)} PgC/yr; max |file − in-memory| ${dMem.toExponential(2)}`);
    expect(viaFile.nobs).toBe(viaMem.nobs);
    expect(viaFile.nobs).toBeGreaterThan(50);
    // The observations moved the budget (the check compares a real posterior) ...
    expect(Math.abs(viaFile.budgetPosterior[land]! - viaFile.budgetPrior[land]!)).toBeGreaterThan(0.05 * sd);
    // ... and the file's met gives exactly the in-memory arrays' inversion.
    expect(dMem).toBeLessThan(1e-9 * (1 + sd));
  });

  it('met.levels: grid reads a file without hybrid coefficients, named variables, level axis surface first, longitudes 0…360°', async () => {
    const short = sampleSynthetic(grid, levels, 3, false); // 00, 03 and 06 UTC: one 6-hour step
    writeMetFile(dir, 'met-nolev.nc', grid, levels, short, { surfaceFirst: true, names: { u: 'uwnd', v: 'vwnd' }, lon360: true });
    const cfg = writeConfig(dir, `${RUN.replace('windowDays: 1', 'windowDays: 0.25')}met: {source: files, path: met-nolev.nc, levels: grid, variables: {u: uwnd, v: vwnd}}\noutput: {store: nolev.zarr}\n`, 'nolev.yaml');
    const w = await composeWorld(await loadConfig(cfg));
    const d = ((w.transport as BuiltinPlugin).modelSpec.met as { data: WindMetData }).data;
    expect(d.kzM2S).toBeUndefined();
    expect(Array.from(d.aHalfPa)).toEqual(Array.from(levels.aHalfPa));
    expect(Array.from(d.lonEdgesDeg)).toEqual(Array.from(grid.lonEdgesDeg)); // rolled to the model's −180° origin
    let worst = 0;
    for (const k of ['uMS', 'vMS', 'psPa'] as const) {
      const a = d[k], b = short.data[k];
      expect(a.length).toBe(b.length);
      for (let q = 0; q < b.length; q++) worst = Math.max(worst, Math.abs(a[q]! - b[q]!) / (Math.abs(b[q]!) + 1e-30));
    }
    expect(worst).toBeLessThan(1e-14);
  });

  describe('bad meteorology: one line naming the config key, exit 3, no store', () => {
    const fail = async (metYaml: string, pattern: RegExp): Promise<void> => {
      const cfg = writeConfig(dir, `${RUN}met: ${metYaml}\noutput: {store: bad.zarr}\n`, 'bad.yaml');
      await expectRunRejected(cfg, join(dir, 'bad.zarr'), pattern);
    };

    it('a missing file', async () => {
      await fail('{source: files, path: nowhere/met.nc}', /MissingFile: meteorology file not found \(file nowhere\/met\.nc, key met\.path\)/);
    });

    it('a file on another grid (12°×10°)', async () => {
      const g = LatLonGrid.regular(12, 10);
      writeMetFile(dir, 'met-12x10.nc', g, levels, sampleSynthetic(g, levels, 2, false));
      await fail('{source: files, path: met-12x10.nc}', /GridMismatch: the meteorology is on a 30×18 lat-lon grid .*grid\.preset 6x4 is a 60×45 lat-lon grid.*key met\.path/);
    });

    it('a file with other levels (4 instead of generic25)', async () => {
      const l4 = new HybridLevels([0, 0, 20000, 5000, 0], [1, 0.8, 0.3, 0.05, 0]);
      writeMetFile(dir, 'met-4lev.nc', grid, l4, sampleSynthetic(grid, l4, 2, false));
      await fail('{source: files, path: met-4lev.nc}', /GridMismatch: the meteorology has 4 levels, grid\.levels generic25 has 25 .*key met\.path/);
    });

    it('a file with 25 levels whose coefficients are not generic25', async () => {
      const a = Array.from(levels.aHalfPa);
      a[5] = a[5]! + 500;
      writeMetFile(dir, 'met-lev5.nc', grid, levels, sampleSynthetic(grid, levels, 2, false), { a });
      await fail('{source: files, path: met-lev5.nc}', /GridMismatch: the meteorology's hybrid coefficients differ from grid\.levels generic25 at interface 5 .*key met\.path/);
    });

    it('a file that ends before the run does (00–03 UTC for a one-day window)', async () => {
      writeMetFile(dir, 'met-short.nc', grid, levels, sampleSynthetic(grid, levels, 2, false));
      await fail('{source: files, path: met-short.nc}', /EmptyInput: the meteorology covers 2020-06-01T00:00Z to 2020-06-01T03:00Z, the run needs 2020-06-01T00:00Z to 2020-06-02T00:00Z .*key met\.path/);
    });

    it('a file without hybrid coefficients read with met.levels: file (the default)', async () => {
      writeMetFile(dir, 'met-nohybrid.nc', grid, levels, sampleSynthetic(grid, levels, 2, false), { surfaceFirst: true });
      await fail('{source: files, path: met-nohybrid.nc}', /MissingVariable: meteorology file lacks hyai.*key met\.path\) — .*needs met\.levels: grid/);
    });

    it('a variable named in met.variables that the file lacks', async () => {
      await fail('{source: files, path: met-short.nc, variables: {u: uwnd}}', /MissingVariable: meteorology file lacks uwnd .*variable uwnd, key met\.variables\.u/);
    });
  });
});
