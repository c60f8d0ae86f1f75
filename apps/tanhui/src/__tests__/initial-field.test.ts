// `initialField`: the CO2 field the first window starts from. Independent checks:
// - the default is uniform 400 ppm: its store is byte-identical to one with the explicit
//   `{source: uniform, ppm: 400}`; a uniform 380 ppm start shifts every prior-simulated point
//   sample and every synthetic observation by exactly −20 ppm (transport is linear in the initial
//   field and keeps a uniform mixing ratio uniform);
// - a file holding uniform 410 ppm gives the same store as `ppm: 410` except the attributes that
//   name the config and its inputs;
// - a non-uniform field written by Debian's netCDF4 top-first, north-first, on 0…360° longitudes
//   with two records is read into exactly the array numpy puts in the model layout, and the run's
//   prior-simulated values minus those of the uniform 400 ppm run equal the transport of
//   (numpy field − 400 ppm) with zero fluxes, sampled with the run's plan;
// - invert's background and OSSE truth start from the field;
// - bad files: one line naming file, variable and key, exit 3, no store.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { HybridLevels, LatLonGrid } from '@tanhui/core';
import { openDataset, ZarrStore } from '@tanhui/io';
import { composeWorld, FLUX_PERIOD_SECONDS } from '../compose';
import { loadConfig } from '../config/load';
import { InlineExecutor } from '../executor/inline-executor';
import { initialMoleFraction, levelAxisSurfaceFirst } from '../initial-field';
import { runInversion } from '../pipeline/invert';
import { runCycling } from '../pipeline/run';
import { builtinModelOf } from '../plugins/index';
import { SilentProgress } from '../progress';
import type { MemberGroupInput } from '../workers/tasks';
import { debianPythonWithNetcdf, expectRunRejected, PY, runCli, snapshotTree, tempDir, writeConfig } from './helpers';

const havePy = debianPythonWithNetcdf();

const RUN = (extra: string, store = 'run.zarr'): string => `time: {windows: 1, windowDays: 0.5}
solver: {members: 4}
executor: {engine: inline}
observations: {stations: {sites: [mlo, brw, spo, wlg, lfs, cgo, lef, alt], intervalHours: 3}, satellite: {soundingsPerDay: 60}}
truth: {anomalies: [{name: china, component: bio, latMin: 20, latMax: 50, lonMin: 75, lonMax: 135, delta: 0.5}]}
output: {store: ${store}}
${extra}
`;

/** Run in DIR/NAME (same store name everywhere, so only what the config changes differs). */
async function runIn(dir: string, extra: string, name: string): Promise<string> {
  const sub = join(dir, name);
  mkdirSync(sub, { recursive: true });
  const cfg = writeConfig(sub, RUN(extra));
  const r = await runCli(['run', cfg]);
  expect(r.code, r.stderr).toBe(0);
  return join(sub, 'run.zarr');
}

async function arrays(store: string, names: string[]): Promise<Record<string, Float64Array>> {
  const s = await ZarrStore.open(store);
  const out: Record<string, Float64Array> = {};
  for (const n of names) out[n] = Float64Array.from((await s.readArray(n)).data as ArrayLike<number>);
  return out;
}

/** Files written by numpy/netCDF4: the test fields, the error cases and the expected arrays. */
const WRITER = `
import sys, json, numpy as np
from netCDF4 import Dataset
spec = json.load(open(sys.argv[1])); d = spec['dir']
lat = np.array(spec['lat']); lon = np.array(spec['lon']); pmid = np.array(spec['pmidHPa'])  # model order: south first, from -180, surface first
nlev, nlat, nlon = len(pmid), len(lat), len(lon)
def write(name, data, dims, units='ppm', coords=None, lev=None, times=None, var='co2', fill=None):
    with Dataset(d + '/' + name, 'w', format='NETCDF4') as ds:
        la, lo = coords if coords is not None else (lat, lon)
        if times is not None:
            ds.createDimension('time', len(times)); v = ds.createVariable('time', 'f8', ('time',)); v.units = 'hours since 2020-05-31 00:00:00'; v[:] = times
        ds.createDimension('lev', data.shape[-3]); ds.createDimension('lat', len(la)); ds.createDimension('lon', len(lo))
        v = ds.createVariable('lat', 'f8', ('lat',)); v.units = 'degrees_north'; v[:] = la
        v = ds.createVariable('lon', 'f8', ('lon',)); v.units = 'degrees_east'; v[:] = lo
        if lev is not None:
            v = ds.createVariable('lev', 'f8', ('lev',)); v.units = 'hPa'; v.positive = 'down'; v[:] = lev
        v = ds.createVariable(var, 'f8', dims, fill_value=fill)
        if units is not None: v.units = units
        v[:] = data
# Uniform 410 ppm, model order, no level coordinate (surface first by rule).
write('uniform410.nc', np.full((nlev, nlat, nlon), 410.0), ('lev', 'lat', 'lon'))
# Non-uniform field in the model layout [level][lat][lon], mol mol-1, two records.
K, J, I = np.meshgrid(np.arange(nlev), np.radians(lat), np.radians(lon), indexing='ij')
rec = [1e-6 * (395 + 5 * np.sin(J) + 0.4 * K + 2 * np.cos(I) * np.cos(J)), 1e-6 * (402 + 6 * np.sin(J) - 0.3 * K + 3 * np.sin(I) * np.cos(J) + 0.01 * np.arange(nlat * nlon).reshape(1, nlat, nlon))]
rec[1].astype('<f8').tofile(d + '/expected.f64')
k0 = int(np.argmax(lon >= 0))  # file longitudes 0…360: cell k0 of the model first
tofile = lambda x: np.roll(x, -k0, axis=-1)[..., ::-1, :][..., ::-1, :, :]  # roll lon, north first, top first
write('field.nc', np.stack([tofile(r) for r in rec]), ('time', 'lev', 'lat', 'lon'), units='mol mol-1',
      coords=(lat[::-1], np.roll(lon, -k0) % 360), lev=pmid[::-1], times=[0.0, 24.0])
# Error cases.
u = np.full((nlev, nlat, nlon), 400.0)
write('nounits.nc', u, ('lev', 'lat', 'lon'), units=None)
write('badunits.nc', u, ('lev', 'lat', 'lon'), units='kg kg-1')
r = u.copy(); r[3, 10, 20] = 5000.0; write('range.nc', r, ('lev', 'lat', 'lon'))
m = np.ma.masked_array(u, mask=np.zeros(u.shape, bool)); m.mask[0, 0, 0] = True; write('fill.nc', m, ('lev', 'lat', 'lon'), fill=-999.0)
write('lev24.nc', u[:24], ('lev', 'lat', 'lon'))
lat2 = np.arange(-89, 90, 2.0); lon2 = np.arange(-178.5, 180, 3.0)
write('grid3x2.nc', np.full((nlev, len(lat2), len(lon2)), 400.0), ('lev', 'lat', 'lon'), coords=(lat2, lon2))
`;

/** The same uniform field as a Zarr v2 store written by xarray (when Debian's xarray + zarr are there). */
const ZARR_WRITER = `
import sys, numpy as np, xarray as xr
d = sys.argv[1]; lat = np.arange(-88, 89, 4.0); lon = np.arange(-177, 180, 6.0)
xr.Dataset({'co2': (('lev', 'lat', 'lon'), np.full((25, 45, 60), 410.0), {'units': 'umol mol-1'})}, coords={'lat': lat, 'lon': lon}).to_zarr(d + '/uniform410.zarr', mode='w')
`;
const haveZarr = havePy && (() => {
  try {
    execFileSync(PY, ['-c', 'import xarray, zarr'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const here = dirname(fileURLToPath(import.meta.url));
/** Real GEOS-Chem output (CH4, 72 hybrid levels surface first with `positive: up`, 5°×4°). */
const geosChem = resolve(here, '../../../../../shared/data/public/model_output/GEOSChem.SpeciesConc.20150101_0000z_reduced.nc4');

const grid = LatLonGrid.preset('6x4');
const levels = HybridLevels.generic25();
const dir = tempDir('initial-field');

beforeAll(() => {
  if (!havePy) return;
  const pmidHPa = Array.from({ length: levels.nlev }, (_, k) => (0.5 * (levels.aHalfPa[k]! + levels.aHalfPa[k + 1]!) + 0.5 * (levels.bHalf[k]! + levels.bHalf[k + 1]!) * 1e5) / 100);
  writeFileSync(join(dir, 'spec.json'), JSON.stringify({ dir, lat: Array.from(grid.latCentersDeg), lon: Array.from(grid.lonCentersDeg), pmidHPa }));
  writeFileSync(join(dir, 'writer.py'), WRITER);
  execFileSync(PY, [join(dir, 'writer.py'), join(dir, 'spec.json')]);
  if (haveZarr) execFileSync(PY, ['-c', ZARR_WRITER, dir]);
});

describe('initialField', () => {
  it('default = uniform 400 ppm (byte-identical store, config left out); uniform 380 shifts every point sample by −20 ppm', async () => {
    const d = tempDir('if-uniform');
    const a = await runIn(d, '', 'default');
    const b = await runIn(d, 'initialField: {source: uniform, ppm: 400}', 'explicit');
    const c = await runIn(d, 'initialField: {source: uniform, ppm: 380}', 'low');
    const sa = snapshotTree(a);
    const sb = snapshotTree(b);
    expect([...sb.keys()]).toEqual([...sa.keys()]);
    const differ = [...sa].filter(([n, bytes]) => Buffer.compare(bytes, sb.get(n)!) !== 0).map(([n]) => n);
    expect(differ).toEqual([]);
    const attrsA = (await ZarrStore.open(a)).getAttrs('');
    const attrsB = (await ZarrStore.open(b)).getAttrs('');
    const attrsC = (await ZarrStore.open(c)).getAttrs('');
    expect(attrsA.config_sha256).toBe(attrsB.config_sha256);
    expect((attrsA.config as Record<string, unknown>).initialField).toBeUndefined();
    expect((attrsC.config as Record<string, unknown>).initialField).toEqual({ source: 'uniform', ppm: 380 });

    const names = ['obs_prior_sim', 'obs_value', 'obs_kind', 'obs_flag', 'restart/truth_mole_fraction'];
    const A = await arrays(a, names);
    const C = await arrays(c, names);
    let points = 0;
    for (let k = 0; k < A.obs_prior_sim!.length; k++) {
      if (A.obs_flag![k] === -1) continue;
      const isColumn = Math.abs(A.obs_value![k]! - C.obs_value![k]!) < 19; // XCO2: averaging-kernel weighted
      if (isColumn) continue;
      points++;
      expect(A.obs_prior_sim![k]! - C.obs_prior_sim![k]!).toBeCloseTo(20, 8);
      expect(A.obs_value![k]! - C.obs_value![k]!).toBeCloseTo(20, 8);
    }
    expect(points).toBeGreaterThan(20);
    // The truth run started from 380 too: its end field is the 400 one minus 20 ppm everywhere.
    const ta = A['restart/truth_mole_fraction']!;
    const tc = C['restart/truth_mole_fraction']!;
    for (let q = 0; q < ta.length; q += 97) expect((ta[q]! - tc[q]!) * 1e6).toBeCloseTo(20, 8);
  });

  it.skipIf(!havePy)('a file of uniform 410 ppm gives the store of source uniform, ppm 410 (but for the config and input attributes)', async () => {
    const d = tempDir('if-410');
    const a = await runIn(d, `initialField: {source: file, file: ${join(dir, 'uniform410.nc')}}`, 'file');
    const b = await runIn(d, 'initialField: {source: uniform, ppm: 410}', 'uniform');
    const sa = snapshotTree(a);
    const sb = snapshotTree(b);
    expect([...sb.keys()]).toEqual([...sa.keys()]);
    const differ = [...sa].filter(([n, bytes]) => Buffer.compare(bytes, sb.get(n)!) !== 0).map(([n]) => n);
    expect(differ.sort()).toEqual(['.zattrs', '.zmetadata']);
    const attrs = (await ZarrStore.open(a)).getAttrs('');
    const sha = execFileSync('sha256sum', [join(dir, 'uniform410.nc')]).toString().split(' ')[0];
    expect(attrs.input_checksums).toEqual({ [join(dir, 'uniform410.nc')]: sha });
  });

  it.skipIf(!havePy)('a non-uniform field (top-first, north-first, 0…360°, mol mol-1, 2 records) is read as numpy lays it out and starts the run', async () => {
    const expected = new Float64Array(readFileSync(join(dir, 'expected.f64')).buffer.slice(0));
    const d = tempDir('if-field');
    // Relative path, resolved against the config file's directory.
    for (const sub of ['field', 'base']) {
      mkdirSync(join(d, sub));
      writeFileSync(join(d, sub, 'field.nc'), readFileSync(join(dir, 'field.nc')));
    }
    for (const extra of ['time: 2020-06-01T00:00:00Z', 'levelOrder: auto']) {
      const cfg = writeConfig(join(d, 'field'), RUN(`initialField: {source: file, file: field.nc, ${extra}}`), 'x.yaml');
      const loaded = await loadConfig(cfg);
      const got = await initialMoleFraction(loaded, grid, levels, Date.UTC(2020, 5, 1) / 1000);
      expect(got.length).toBe(expected.length);
      let maxDiff = 0;
      for (let q = 0; q < got.length; q++) maxDiff = Math.max(maxDiff, Math.abs(got[q]! - expected[q]!));
      expect(maxDiff).toBe(0);
    }

    const field = await runIn(d, 'initialField: {source: file, file: field.nc}', 'field');
    const base = await runIn(d, '', 'base');
    const F = await arrays(field, ['obs_prior_sim', 'obs_flag']);
    const B = await arrays(base, ['obs_prior_sim']);
    // Independent expectation: transport of (numpy field − 400 ppm) with zero flux, sampled.
    const world = await composeWorld(await loadConfig(join(d, 'base', 'run.yaml')));
    const { plan, rows } = world.planFor(0);
    const win = world.windows[0]!;
    const nPeriods = Math.round((win.endSec - win.startSec) / FLUX_PERIOD_SECONDS);
    const delta = Float64Array.from(expected, (v) => v - 400e-6);
    const out = builtinModelOf(world.transport, 'this test').forward({ window: win, nTracers: 1, initialMoleFraction: delta, fluxes: { periodSeconds: FLUX_PERIOD_SECONDS, data: new Float64Array(nPeriods * grid.size) }, plan });
    let maxSignal = 0;
    rows.forEach((k, s) => {
      const want = 1e6 * out.samples[s]!;
      maxSignal = Math.max(maxSignal, Math.abs(want));
      expect(F.obs_prior_sim![k]! - B.obs_prior_sim![k]!).toBeCloseTo(want, 7);
    });
    expect(maxSignal).toBeGreaterThan(3); // the field's structure reaches the samples
    const attrs = (await ZarrStore.open(field)).getAttrs('');
    expect(Object.keys(attrs.input_checksums as object)).toEqual(['field.nc']);
  });

  it.skipIf(!havePy)('a run from a file field resumed after its first window ends with the bytes of an uninterrupted run', async () => {
    const d = tempDir('if-resume');
    const stores: string[] = [];
    for (const [name, steps] of [['full', [2]], ['resumed', [1, 1]]] as const) {
      const sub = join(d, name);
      mkdirSync(sub);
      writeFileSync(join(sub, 'field.nc'), readFileSync(join(dir, 'field.nc')));
      const cfg = writeConfig(sub, RUN('initialField: {source: file, file: field.nc}').replace('windows: 1', 'windows: 2'));
      let done = 0;
      for (const maxWindows of steps) {
        const world = await composeWorld(await loadConfig(cfg)); // a new process would re-read the file
        const sum = await runCycling(world, { progress: new SilentProgress(), provenance: { tanhui_command: 'test' }, maxWindows });
        expect(sum.resumedFrom).toBe(done);
        done = sum.windowsDone;
      }
      stores.push(join(sub, 'run.zarr'));
    }
    const sa = snapshotTree(stores[0]!);
    const sb = snapshotTree(stores[1]!);
    expect([...sb.keys()]).toEqual([...sa.keys()]);
    expect([...sa].filter(([n, bytes]) => Buffer.compare(bytes, sb.get(n)!) !== 0).map(([n]) => n)).toEqual([]);
    expect((await ZarrStore.open(stores[1]!)).getAttrs('').windows_complete).toBe(2);
  });

  it('a previous run store continues: restart/mole_fraction of its last window (labelled by the window start) is the new run\'s start field', async () => {
    const d = tempDir('if-chain');
    const prev = await runIn(d, '', 'prev');
    const cfg = writeConfig(
      d,
      RUN(`initialField: {source: file, file: prev/run.zarr, variable: restart/mole_fraction, time: 2020-06-01T00:00:00Z}`).replace('windows: 1,', 'start: 2020-06-01T12:00:00Z, windows: 1,'),
      'next.yaml',
    );
    const world = await composeWorld(await loadConfig(cfg));
    // Read back with zarrita (not GDAL, which the initial-field reader uses).
    const restart = (await (await ZarrStore.open(prev)).readArray('restart/mole_fraction')).data as Float64Array;
    expect(world.initialMoleFraction.length).toBe(restart.length);
    for (let q = 0; q < restart.length; q++) expect(world.initialMoleFraction[q]).toBe(restart[q]);
    expect(Object.keys(world.inputChecksums)).toEqual(['prev/run.zarr']);
  });

  it.skipIf(!haveZarr)('a Zarr v2 store (xarray) is read the same way; its checksum is over the directory', async () => {
    const d = tempDir('if-zarr');
    const cfg = writeConfig(d, RUN(`initialField: {source: file, file: ${join(dir, 'uniform410.zarr')}}`));
    const world = await composeWorld(await loadConfig(cfg));
    expect(world.initialMoleFraction.length).toBe(levels.nlev * grid.size);
    for (const v of world.initialMoleFraction) expect(v).toBe(410 / 1e6);
    expect(world.inputChecksums[join(dir, 'uniform410.zarr')]).toMatch(/^[0-9a-f]{64}$/);
  });

  it.skipIf(!havePy)('invert starts its background and truth from the field', async () => {
    const d = tempDir('if-invert');
    const cfg = writeConfig(d, RUN(`initialField: {source: file, file: ${join(dir, 'uniform410.nc')}}\nsolver: {method: batch}`, 'inv.zarr').replace('solver: {members: 4}\n', ''), 'inv.yaml');
    const world = await composeWorld(await loadConfig(cfg));
    const inner = new InlineExecutor(() => import('../workers/tasks'), 0);
    const initials: Float64Array[] = [];
    const executor = {
      concurrency: 1,
      stats: () => inner.stats(),
      close: () => inner.close(),
      run: <I, O>(task: string, input: I, options?: { label?: string }): Promise<O> => {
        const extras = (input as MemberGroupInput).extras;
        if (extras) initials.push(...extras.map((e) => e.initial));
        return inner.run<I, O>(task, input, options);
      },
    };
    await runInversion(world, { progress: new SilentProgress(), provenance: {}, executor });
    await inner.close();
    expect(initials).toHaveLength(2); // background and truth of the one window
    for (const f of initials) for (let q = 0; q < f.length; q++) expect(f[q]).toBe(410 / 1e6);
  });

  it.skipIf(!existsSync(geosChem))('real GEOS-Chem output: its hybrid levels (positive: up, decreasing upwards) are read surface first', async () => {
    const ds = await openDataset(geosChem);
    try {
      const lev = (await ds.read('lev')).data as Float64Array;
      expect(lev[0]!).toBeGreaterThan(lev[lev.length - 1]!); // sigma-like: 1 at the surface
      const ctx = { file: geosChem, key: 'initialField.levelOrder' };
      expect(await levelAxisSurfaceFirst(ds, 'lev', 'auto', ctx)).toBe(true); // GEOS-Chem level 1 = surface
      expect(await levelAxisSurfaceFirst(ds, 'lev', 'top-first', ctx)).toBe(false);
    } finally {
      ds.close();
    }
  });

  describe('bad files → one line naming the file, variable and key, exit 3, no store', () => {
    const fails = async (spec: string, pattern: RegExp): Promise<void> => {
      const d = tempDir('if-bad');
      const cfg = writeConfig(d, RUN(`initialField: {source: file, ${spec}}`, 'out.zarr'));
      await expectRunRejected(cfg, join(d, 'out.zarr'), pattern);
    };
    it('missing file', async () => {
      await fails('file: nowhere/co2.nc', /MissingFile: initial-field file not found \(file nowhere\/co2\.nc, variable co2, key initialField\.file\)/);
    });
    it.skipIf(!havePy)('missing variable', async () => {
      await fails(`file: ${join(dir, 'uniform410.nc')}, variable: CO2_restart`, /MissingVariable: .*variable CO2_restart, key initialField\.variable\).*available: .*co2/);
    });
    it.skipIf(!havePy)('another grid', async () => {
      await fails(`file: ${join(dir, 'grid3x2.nc')}`, /GridMismatch: the initial field co2 is on a 120×90 lat-lon grid.*grid\.preset 6x4 is a 60×45.*variable co2, key initialField\.file/);
    });
    it.skipIf(!existsSync(geosChem))('real GEOS-Chem output on its own 5°×4° grid', async () => {
      await fails(`file: ${geosChem}, variable: SpeciesConc_CH4`, /GridMismatch: the initial field SpeciesConc_CH4 is on a 72×46 lat-lon grid.*grid\.preset 6x4 is a 60×45.*variable SpeciesConc_CH4, key initialField\.file/);
    });
    it.skipIf(!havePy)('another number of levels', async () => {
      await fails(`file: ${join(dir, 'lev24.nc')}`, /GridMismatch: co2 has 24 levels, grid\.levels generic25 has 25.*lev24\.nc, variable co2, key initialField\.file/);
    });
    it.skipIf(!havePy)('no units attribute, unknown units', async () => {
      await fails(`file: ${join(dir, 'nounits.nc')}`, /BadUnits: co2 has no units attribute.*key initialField\.units/);
      await fails(`file: ${join(dir, 'badunits.nc')}`, /BadUnits: co2 has units 'kg kg-1'.*key initialField\.units/);
    });
    it.skipIf(!havePy)('values outside 100–1000 ppm, missing values, wrong units given', async () => {
      await fails(`file: ${join(dir, 'range.nc')}`, /BadValue: co2 has the value 5000 ppm at \(level 3, lat -48, lon -57\).*variable co2, key initialField\.file, index \[3, 10, 20\]/);
      await fails(`file: ${join(dir, 'fill.nc')}`, /BadValue: co2 has a missing value at \(level 0, lat -88, lon -177\)/);
      await fails(`file: ${join(dir, 'uniform410.nc')}, units: mol mol-1`, /BadValue: co2 has the value 410000000 ppm.*key initialField\.units.*check initialField\.units/);
    });
    it.skipIf(!havePy)('a time not in the file, or none given with several records and none at time.start', async () => {
      await fails(`file: ${join(dir, 'field.nc')}, time: 2020-07-01`, /BadValue: co2 has no record at 2020-07-01T00:00:00Z \(2 records, 2020-05-31T00:00:00Z to 2020-06-01T00:00:00Z\).*key initialField\.time/);
      await fails(`file: ${join(dir, 'uniform410.nc')}, time: 2020-06-01`, /InvalidConfig: co2 has no time dimension.*key initialField\.time/);
    });
  });
});
