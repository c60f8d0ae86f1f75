// Successful runs from input files (the failure paths are in bad-input.test.ts): `tanhui run`
// and `tanhui invert` with prior components, observations and the region map read from the
// real GCASv2 files in ../shared/data (and the real OCO-2 Lite sounding). Every expectation is
// computed independently, from the raw files, by a numpy + netCDF4 script (Debian's python3):
// unit conversion, 1°→6°×4° conservative regridding as area-weighted block means, spherical
// cell areas, the majority-area region map, window selection of the observations.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ZarrStore } from '@tanhui/io';
import { OBS_KINDS } from '@tanhui/observations';
import { runCli, tempDir, writeConfig } from './helpers';

const here = dirname(fileURLToPath(import.meta.url));
const shared = resolve(here, '../../../../../shared/data');
const g = join(shared, 'gcasv2');
const python = '/usr/bin/python3';
const DAYS = ['20140906', '20140907'];
const bioFiles = DAYS.map((d) => join(g, `priorflux/emissions.bio.${d}.nc`));
const oco2Files = DAYS.map((d) => join(g, `obs/oco2_v11.1/oco2_v11_${d}.nc`));
const surfaceFiles = DAYS.map((d) => join(g, `obs/EvaluObs/srf_${d}`));
const regionsFile = join(g, 'regions.nc');
const liteFile = join(shared, 'public/satellite/oco2-spectrometer_oco2_20150131-336_co2-column.nc');
const needed = [...bioFiles, ...DAYS.map((d) => join(g, `priorflux/emissions.ocn.${d}.nc`)), ...oco2Files, ...surfaceFiles, regionsFile, liteFile];
const hasPython = (() => {
  try {
    execFileSync(python, ['-c', 'import netCDF4, numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const available = hasPython && needed.every((f) => existsSync(f));

// One window of one day that straddles the two daily files: 2014-09-06T12:00 → 09-07T12:00.
const T0 = Date.UTC(2014, 8, 6, 12) / 1000;
const T1 = T0 + 86400;
const PGC_PER_MOL_S = (12.0107e-3 / 1e12) * 365.25 * 86400;

// Independent expectations (no tanhui code): see the header comment.
const EXPECT_PY = String.raw`
import json, sys, time, calendar, numpy as np, netCDF4
shared, out, t0, t1 = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
g = shared + '/gcasv2'
NA, R = 6.02214076e23, 6.371e6
PGC = 12.0107e-3 / 1e12 * 365.25 * 86400  # mol s-1 -> PgC yr-1
def day0(d): return calendar.timegm((d // 10000, d // 100 % 100, d % 100, 0, 0, 0))
def roll(a): return np.roll(a, 180, axis=-1)  # lon 0.5..359.5 -> -179.5..179.5
def periods(name):
    maps, starts = [], []
    for day in ('20140906', '20140907'):
        d = netCDF4.Dataset(f'{g}/priorflux/emissions.{name}.{day}.nc')
        assert d['lat'][0] < 0 and abs(d['lon'][0] - 0.5) < 1e-6
        e = np.asarray(d['emissions'][:], dtype=np.float64) * 1e4 / NA  # MOZART-4 molecules cm-2 s-1 -> mol m-2 s-1
        for k in range(e.shape[0]):
            maps.append(roll(e[k])); starts.append(day0(int(d['date'][k])) + int(d['datesec'][k]) - 5400)
    return np.array(maps), np.array(starts, dtype=np.float64)
fe = np.radians(np.arange(-90, 91, 1.0))
fine_area = (R**2 * np.radians(1.0) * (np.sin(fe[1:]) - np.sin(fe[:-1])))[:, None] * np.ones((1, 360))
coarse_area = fine_area.reshape(45, 4, 60, 6).sum(axis=(1, 3))
def coarse(m): return (m * fine_area).reshape(45, 4, 60, 6).sum(axis=(1, 3)) / coarse_area
res = {'cellArea': coarse_area.ravel().tolist()}
win = {}
for name, key in (('bio', 'bio'), ('ocn', 'ocean')):
    maps, starts = periods(name)
    sel = (starts >= t0) & (starts < t1)
    assert sel.sum() == 8, sel.sum()
    fm = maps[sel].mean(axis=0)
    win[key] = fm
    res[key] = {'map': coarse(fm).ravel().tolist(), 'globalPgCYr': float((fm * fine_area).sum() * PGC)}
    if key == 'ocean':  # the same fluxes written on the model grid as a CF NetCDF in GCAS layout
        o = netCDF4.Dataset(out + '/emissions.ocn.6x4.nc', 'w')
        o.createDimension('time', len(starts)); o.createDimension('lat', 45); o.createDimension('lon', 60)
        v = o.createVariable('lat', 'f8', ('lat',)); v[:] = np.arange(-88, 89, 4.0); v.units = 'degrees_north'
        v = o.createVariable('lon', 'f8', ('lon',)); v[:] = np.arange(-177, 178, 6.0); v.units = 'degrees_east'
        o.createVariable('date', 'i4', ('time',))[:] = [int(time.strftime('%Y%m%d', time.gmtime(s))) for s in starts]
        o.createVariable('datesec', 'i4', ('time',))[:] = [int(s) % 86400 + 5400 for s in starts]
        v = o.createVariable('emissions', 'f8', ('time', 'lat', 'lon')); v.units = 'mol m-2 s-1'
        v[:] = np.array([coarse(m) for m in maps])
        o.close()
# TransCOM map: 23 (ice sheets) is no region; a 6x4 cell takes the code covering most of its area (ties: lower code)
rg = netCDF4.Dataset(g + '/regions.nc'); assert rg['lat'][0] < 0
codes = roll(np.rint(np.asarray(rg['region'][:], dtype=np.float64)).astype(int)); codes[codes == 23] = 0
cmap = np.zeros((45, 60), dtype=int)
for j in range(45):
    for i in range(60):
        c = codes[4*j:4*j+4, 6*i:6*i+6].ravel(); a = fine_area[4*j:4*j+4, 6*i:6*i+6].ravel()
        tot = {}
        for cc, aa in zip(c, a): tot[cc] = tot.get(cc, 0.0) + aa
        best = max(tot.values()); cmap[j, i] = min(cc for cc, v in tot.items() if v >= best * (1 - 1e-12))
nat = win['bio'] + win['ocean']
cellInt = (nat * fine_area).reshape(45, 4, 60, 6).sum(axis=(1, 3))  # mol s-1 per model cell
res['regionMap'] = cmap.ravel().tolist()
res['budgetPrior'] = [float(cellInt[cmap == r].sum() * PGC) for r in range(1, 23)]
res['outsideRegionsPgCYr'] = float(cellInt[cmap == 0].sum() * PGC)
# Observations in the window: OCO-2 (GCAS layout, date + hour of day) and the surface tables
vals = {'oco2': [], 'surface': []}
for day in ('20140906', '20140907'):
    d = netCDF4.Dataset(f'{g}/obs/oco2_v11.1/oco2_v11_{day}.nc')
    t = np.array([day0(int(a)) for a in d['date'][:]]) + np.asarray(d['time'][:], dtype=np.float64) * 3600
    x = np.asarray(d['xco2'][:], dtype=np.float64)
    vals['oco2'] += x[(t >= t0) & (t < t1) & np.isfinite(x)].tolist()
    for line in open(f'{g}/obs/EvaluObs/srf_{day}'):
        f = line.split()
        if len(f) == 8 and t0 <= day0(int(f[1])) + float(f[2]) < t1: vals['surface'].append(float(f[6]))
res['obs'] = {k: sorted(v) for k, v in vals.items()}
# The same surface rows (both days, in and out of the window) re-encoded in the ObsPack CO2 merged
# layout (real CO2 ObsPack files are not in ../shared/data: its ObsPack files are CH4).
rows = [l.split() for day in ('20140906', '20140907') for l in open(f'{g}/obs/EvaluObs/srf_{day}') if len(l.split()) == 8]
with netCDF4.Dataset(out + '/obspack_co2_1_gcasv2-evaluation_201409.nc', 'w', format='NETCDF4') as o:
    o.createDimension('obs', None); o.createDimension('string_of_200chars', 200)
    v = o.createVariable('time', 'i4', ('obs',)); v.units = 'seconds since 1970-01-01T00:00:00Z'
    v[:] = [day0(int(f[1])) + int(f[2]) for f in rows]
    for name, col, units in (('latitude', 3, 'degrees_north'), ('longitude', 4, 'degrees_east'), ('altitude', 5, 'm')):
        v = o.createVariable(name, 'f8', ('obs',)); v.units = units
        v[:] = [(float(f[col]) + 180) % 360 - 180 if name == 'longitude' else float(f[col]) for f in rows]
    v = o.createVariable('value', 'f8', ('obs',)); v.units = 'mol mol-1'; v[:] = [float(f[6]) * 1e-6 for f in rows]
    o.createVariable('obs_flag', 'i4', ('obs',))[:] = np.ones(len(rows), dtype='i4')
    o.createVariable('obspack_num', 'i4', ('obs',))[:] = np.arange(len(rows))
    ids = [f'obspack_co2_1_GLOBALVIEWplus_v6.0_2020-09-11~{f[0]}~{k}'.ljust(200) for k, f in enumerate(rows)]
    o.createVariable('obspack_id', 'S1', ('obs', 'string_of_200chars'))[:] = netCDF4.stringtochar(np.array(ids, dtype='S200'))
res['obspackRows'] = len(rows)
d = netCDF4.Dataset(shared + '/public/satellite/oco2-spectrometer_oco2_20150131-336_co2-column.nc')
res['lite'] = {k: float(d[k][0]) for k in ('time', 'xco2', 'lat', 'lon')}
json.dump(res, open(out + '/expected.json', 'w'))
`;

interface Expected {
  cellArea: number[];
  bio: { map: number[]; globalPgCYr: number };
  ocean: { map: number[]; globalPgCYr: number };
  regionMap: number[];
  budgetPrior: number[];
  outsideRegionsPgCYr: number;
  obs: { oco2: number[]; surface: number[] };
  obspackRows: number;
  lite: { time: number; xco2: number; lat: number; lon: number };
}

let dir = '';
let exp: Expected;

/** The window's config: bio from the regridded Zarr prior, ocean from the model-grid NetCDF,
 * OCO-2 and surface observations (the GCAS tables, or their ObsPack re-encoding). */
const config = (store: string, extra = '', surface: string[] = surfaceFiles): string => `time: {start: 2014-09-06T12:00:00Z, windowDays: 1, windows: 1}
prior:
  components:
    - {name: bio, source: file, path: bio.zarr, optimise: true}
    - {name: ocean, source: file, path: emissions.ocn.6x4.nc, format: gcas, optimise: true}
observations:
  stations: {enabled: false}
  satellite: {enabled: false}
  files:
${[...oco2Files, ...surface].map((f) => `    - {path: ${f}}`).join('\n')}
executor: {workers: 1}
output: {store: ${store}}
${extra}`;

async function arrays(path: string, names: string[]): Promise<Record<string, any>> {
  const s = await ZarrStore.open(path);
  const out: Record<string, any> = { attrs: s.getAttrs('') };
  for (const n of names) out[n] = (await s.readArray(n)).data;
  return out;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let k = 0; k < expected.length; k++) worst = Math.max(worst, Math.abs(actual[k]! - expected[k]!));
  expect(worst).toBeLessThanOrEqual(tol);
}

/** Budgets rows: 1–22, 101 land, 102 ocean, 103 total; the aggregates are sums of the regions. */
function expectAggregates(codes: Int32Array, b: Float64Array, off = 0): void {
  const at = (c: number): number => b[off + codes.indexOf(c)]!;
  let land = 0;
  let ocean = 0;
  for (let c = 1; c <= 11; c++) land += at(c);
  for (let c = 12; c <= 22; c++) ocean += at(c);
  expect(at(101)).toBeCloseTo(land, 10);
  expect(at(102)).toBeCloseTo(ocean, 10);
  expect(at(103)).toBeCloseTo(land + ocean, 10);
}

describe.skipIf(!available)('runs from real input files (../shared/data/gcasv2, OCO-2 Lite)', () => {
  beforeAll(async () => {
    dir = tempDir('file-inputs');
    writeFileSync(join(dir, 'expect.py'), EXPECT_PY);
    execFileSync(python, [join(dir, 'expect.py'), shared, dir, String(T0), String(T1)], { stdio: ['ignore', 'ignore', 'inherit'] });
    exp = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Expected;
    // The documented route for a prior on another grid: `tanhui prior … --grid --to` (conservative).
    const r = await runCli(['prior', ...bioFiles, '--grid', '6x4', '--to', join(dir, 'bio.zarr')]);
    expect(r.code, r.stderr).toBe(0);
  }, 60_000);

  it('tanhui run: GCAS prior files (regridded Zarr + model-grid NetCDF), OCO-2 and ObsPack observation files', async () => {
    // bulk EnSRF: the stored HPHᵀ + R of every observation is the prior ensemble's (the serial
    // algorithm stores it at assimilation, after the earlier observations), so χ²/n can be
    // recomputed from the store's columns.
    const obspack = join(dir, 'obspack_co2_1_gcasv2-evaluation_201409.nc');
    const cfg = writeConfig(dir, config('run.zarr', 'solver: {members: 8, algorithm: bulk}', [obspack]), 'run.yaml');
    const r = await runCli(['run', cfg]);
    expect(r.code, r.stderr).toBe(0);
    const s = await arrays(join(dir, 'run.zarr'), [
      'obs_qc_flags', 'obs_kind', 'obs_value', 'obs_flag', 'obs_time', 'obs_innovation', 'obs_hphr', 'obs_prior_sim', 'obs_posterior_sim',
      'flux_prior_bio', 'flux_prior_ocean', 'flux_posterior_bio', 'flux_posterior_ocean', 'cell_area', 'budget_posterior', 'chi2',
    ]);
    // Observations: the rows of the files inside the window pass QC, exactly those the script counts.
    const oco2: number[] = [];
    const surface: number[] = [];
    for (let k = 0; k < s.obs_value.length; k++) {
      const inWindow = s.obs_time[k] >= T0 && s.obs_time[k] < T1;
      expect(s.obs_qc_flags[k] === 0).toBe(inWindow);
      if (s.obs_qc_flags[k] !== 0) {
        expect(s.obs_flag[k]).toBe(-1);
        continue;
      }
      expect([0, 2]).toContain(s.obs_flag[k]); // assimilated or rejected by the innovation test
      expect(Number.isFinite(s.obs_posterior_sim[k])).toBe(true);
      (OBS_KINDS[s.obs_kind[k]] === 'xco2' ? oco2 : surface).push(s.obs_value[k]);
    }
    expect(oco2.length).toBe(exp.obs.oco2.length);
    expect(surface.length).toBe(exp.obs.surface.length);
    expect(oco2.length + surface.length).toBe(346);
    expect(s.obs_value.length).toBe(280 + 381 + exp.obspackRows); // every row of the files (ncdump: nSamples 280, 381), in the window or not
    expectClose(oco2.sort((a, b) => a - b), exp.obs.oco2, 1e-9);
    expectClose(surface.sort((a, b) => a - b), exp.obs.surface, 1e-9);
    // Prior maps: the window mean of the files on the model grid (bio through the conservative
    // regridding of `tanhui prior`, ocean as written), in mol m⁻² s⁻¹.
    const maxBio = Math.max(...exp.bio.map.map(Math.abs));
    expectClose(s.cell_area, exp.cellArea, 1e-12 * Math.max(...exp.cellArea));
    expectClose(s.flux_prior_bio, exp.bio.map, 1e-12 * maxBio);
    expectClose(s.flux_prior_ocean, exp.ocean.map, 1e-12 * Math.max(...exp.ocean.map.map(Math.abs)));
    // Conservation: the model-grid integral equals the 1° file's global integral.
    const integral = (m: Float64Array): number => m.reduce((acc, v, c) => acc + v * exp.cellArea[c]!, 0) * PGC_PER_MOL_S;
    expect(exp.bio.globalPgCYr).toBeLessThan(-5); // a September day: a real sink
    expect(integral(s.flux_prior_bio)).toBeCloseTo(exp.bio.globalPgCYr, 9);
    expect(integral(s.flux_prior_ocean)).toBeCloseTo(exp.ocean.globalPgCYr, 9);
    // Posterior finite; χ²/n printed and equal to the mean of innovation²/(HPHᵀ+R) of the assimilated rows.
    for (const a of [s.flux_posterior_bio, s.flux_posterior_ocean, s.budget_posterior]) expect(Array.from(a as Float64Array).every(Number.isFinite)).toBe(true);
    let chi = 0;
    let n = 0;
    for (let k = 0; k < s.obs_flag.length; k++) {
      if (s.obs_flag[k] !== 0) continue;
      expect(s.obs_innovation[k]).toBeCloseTo(s.obs_value[k] - s.obs_prior_sim[k], 9);
      chi += s.obs_innovation[k] ** 2 / s.obs_hphr[k];
      n++;
    }
    expect(n).toBeGreaterThan(0);
    expect(s.chi2[0]).toBeCloseTo(chi / n, 9);
    const printed = /chi2\/n = ([\d.]+)/.exec(r.stdout);
    expect(printed, r.stdout).not.toBeNull();
    expect(Number(printed![1])).toBeCloseTo(s.chi2[0], 2);
    // Provenance: a checksum for every input, the Zarr prior directory included.
    expect(Object.keys(s.attrs.input_checksums as object).sort()).toEqual(['bio.zarr', 'emissions.ocn.6x4.nc', ...oco2Files, obspack].sort());
  });

  it('tanhui run with stateVector.regions from the GCASv2 TransCOM map: budgets per region sum to the totals', async () => {
    const cfg = writeConfig(dir, config('regions.zarr', `solver: {members: 8}\nstateVector: {regions: {path: ${regionsFile}, variable: region}}`), 'regions.yaml');
    const r = await runCli(['run', cfg]);
    expect(r.code, r.stderr).toBe(0);
    const s = await arrays(join(dir, 'regions.zarr'), ['region', 'region_map', 'budget_prior', 'budget_posterior', 'flux_prior_bio', 'flux_prior_ocean']);
    const codes = s.region as Int32Array;
    expect(Array.from(codes)).toEqual([...Array.from({ length: 22 }, (_, i) => i + 1), 101, 102, 103]);
    // The 1° map on the model grid: majority of area per cell, 23 (ice sheets) = no region.
    expect(Array.from(s.region_map as Int32Array)).toEqual(exp.regionMap);
    // Prior budgets = integrals of the files' (bio + ocean) window-mean flux over each region.
    expectClose((s.budget_prior as Float64Array).subarray(0, 22), exp.budgetPrior, 1e-9);
    expectAggregates(codes, s.budget_prior);
    expectAggregates(codes, s.budget_posterior);
    expect(Array.from(s.budget_posterior as Float64Array).every(Number.isFinite)).toBe(true);
    // Global total of the regions + the cells of no region = the files' global integral.
    expect(s.budget_prior[24] + exp.outsideRegionsPgCYr).toBeCloseTo(exp.bio.globalPgCYr + exp.ocean.globalPgCYr, 9);
  });

  it('tanhui invert (batch) with the prior, observations and region map from files', async () => {
    const cfg = writeConfig(dir, config('invert.zarr', `solver: {method: batch}\nstateVector: {regions: {path: ${regionsFile}, variable: region}}`), 'invert.yaml');
    const r = await runCli(['invert', cfg]);
    expect(r.code, r.stderr).toBe(0);
    const s = await arrays(join(dir, 'invert.zarr'), ['region', 'budget_prior', 'budget_posterior', 'budget_posterior_sd', 'x_posterior']);
    expect(s.attrs.nobs).toBe(346);
    expect(Number.isFinite(s.attrs.J_chi2_per_obs)).toBe(true);
    expect((s.x_posterior as Float64Array).length).toBe(22); // 11 land + 11 ocean regions × 1 month
    expectClose((s.budget_prior as Float64Array).subarray(0, 22), exp.budgetPrior, 1e-9);
    expectAggregates(s.region, s.budget_prior);
    expectAggregates(s.region, s.budget_posterior);
    for (const a of [s.budget_posterior, s.budget_posterior_sd, s.x_posterior]) expect(Array.from(a as Float64Array).every(Number.isFinite)).toBe(true);
  });

  it('tanhui run with the real OCO-2 Lite sounding as the only observation (synthetic prior)', async () => {
    const cfg = writeConfig(
      dir,
      `time: {start: 2015-01-31T00:00:00Z, windowDays: 1, windows: 1}
observations: {stations: {enabled: false}, satellite: {enabled: false}, files: [{path: ${liteFile}, format: oco2-lite}]}
solver: {members: 8}
executor: {workers: 1}
output: {store: lite.zarr}
`,
      'lite.yaml',
    );
    const r = await runCli(['run', cfg]);
    expect(r.code, r.stderr).toBe(0);
    const s = await arrays(join(dir, 'lite.zarr'), ['obs_value', 'obs_time', 'obs_lat', 'obs_lon', 'obs_flag', 'obs_posterior_sim', 'budget_posterior', 'chi2']);
    expect(s.obs_value.length).toBe(1);
    expect(s.obs_value[0]).toBeCloseTo(exp.lite.xco2, 9);
    expect(s.obs_time[0]).toBeCloseTo(exp.lite.time, 3);
    expect(s.obs_lat[0]).toBeCloseTo(exp.lite.lat, 9);
    expect(s.obs_lon[0]).toBeCloseTo(exp.lite.lon, 9);
    expect([0, 2]).toContain(s.obs_flag[0]);
    expect(Number.isFinite(s.obs_posterior_sim[0])).toBe(true);
    expect(Number.isFinite(s.chi2[0])).toBe(true);
    expect(Array.from(s.budget_posterior as Float64Array).every(Number.isFinite)).toBe(true);
  });
});
