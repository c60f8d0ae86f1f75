// Every export format read back by an independent reader against the store itself (read by
// Debian's xarray/zarr): NetCDF and flux1x1 through netCDF4/xarray, GeoTIFF through GDAL, CSV
// through Python's csv module, GCAS tables by splitting their columns. The 1° regrid is checked
// against its closed form (the 6°×4° cells are unions of whole 1° cells, so each 1° value is its
// coarse cell's value) and against the conservation of global totals to 1e-12.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readPriorFile } from '@tanhui/priors';
import { debianPythonWithNetcdf, PY, runCli, tempDir, writeConfig } from '../__tests__/helpers';
import { SMALL_RUN_YAML } from './test-run';
import { readRunStore } from '../analysis/run-store-reader';
import { GCAS_HEADERS } from './gcas';

const PRE = String.raw`
import sys, glob, csv, json, numpy as np, xarray as xr, netCDF4
store, out = sys.argv[1], sys.argv[2]
ds = xr.open_zarr(store, decode_times=False)
W = ds.sizes['time']
area = ds.cell_area.values
tb = ds.time_bnds.values
G = 12.0107
`;

const py = (script: string, ...args: string[]): string => execFileSync(PY, ['-c', PRE + script, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

let store = '';
let dir = '';
const exportTo = async (format: string): Promise<string> => {
  const out = join(dir, format);
  const r = await runCli(['export', store, '--format', format, '--out', out]);
  expect(r.code, r.stderr).toBe(0);
  return out;
};

describe.skipIf(!debianPythonWithNetcdf())('tanhui export', () => {
  beforeAll(async () => {
    dir = tempDir('export');
    store = join(dir, 'run.zarr');
    const r = await runCli(['run', writeConfig(dir, `${SMALL_RUN_YAML}output: {store: run.zarr}\n`)]);
    expect(r.code, r.stderr).toBe(0);
  }, 180_000);

  it('ct-flux1x1: CarbonTracker names and units, 1° values = coarse cells, totals to 1e-12; read back by the ct-flux1x1 prior reader', async () => {
    const out = await exportTo('ct-flux1x1');
    const res = py(String.raw`
files = sorted(glob.glob(out + '/*.flux1x1.*.nc'))
assert len(files) == W, files
pairs = {'bio_flux_opt': 'flux_posterior_bio', 'ocn_flux_opt': 'flux_posterior_ocean', 'fossil_flux_imp': 'flux_posterior_fossil',
         'fire_flux_imp': 'flux_posterior_fire', 'bio_flux_prior': 'flux_prior_bio', 'ocn_flux_prior': 'flux_prior_ocean'}
worst = 0.0
for w, f in enumerate(files):
    d = netCDF4.Dataset(f)
    assert d['date'].units == 'days since 2000-01-01 00:00:00 UTC'
    mid = (tb[w, 0] + tb[w, 1]) / 2
    assert abs(d['date'][0] - (mid - 946684800) / 86400) < 1e-9
    dc = list(d['date_components'][0]); assert dc[0] == 2020 and dc[1] == 6, dc
    assert 2020 < d['decimal_date'][0] < 2021
    lat, lon = d['latitude'][:], d['longitude'][:]
    assert np.allclose(lat, np.arange(-89.5, 90)) and np.allclose(lon, np.arange(-179.5, 180))
    assert np.allclose(d['latitude_bounds'][:, 1] - d['latitude_bounds'][:, 0], 1)
    a1 = d['cell_area'][:].astype(np.float64)
    assert abs(a1.sum() / area.sum() - 1) < 1e-12
    for ct, name in pairs.items():
        v = d[ct]
        assert v.units == 'mol m-2 s-1' and v.dimensions == ('date', 'latitude', 'longitude'), (ct, v.units, v.dimensions)
        fine = np.asarray(v[0], dtype=np.float64)
        coarse = ds[name].values[w]
        # closed form: a 1x1 cell lies inside one 6x4 cell
        assert np.array_equal(fine, np.repeat(np.repeat(coarse, 4, axis=0), 6, axis=1)), ct
        t1, t0 = (fine * a1).sum(), (coarse * area).sum()
        worst = max(worst, abs(t1 - t0) / abs(t0))
print(worst)
`, store, out);
    expect(Number(res)).toBeLessThanOrEqual(1e-12);
    // Our own CarbonTracker reader takes the file as a prior: period = the window, values = store's.
    const run = await readRunStore(store);
    const pf = await readPriorFile(join(out, 'run.flux1x1.20200601.nc'), { format: 'ct-flux1x1', periodSeconds: run.windows[0]!.endSec - run.windows[0]!.startSec });
    const bio = pf.components.find((c) => c.category === 'bio')!;
    expect(bio.timesSec[0]).toBe(run.windows[0]!.startSec);
  }, 120_000);

  it('netcdf: the store as one CF file, values equal, flags and DSG coordinates in xarray', async () => {
    const out = await exportTo('netcdf');
    expect(py(String.raw`
n = xr.open_dataset(out + '/run.nc', decode_times=False)
for v in ('flux_posterior_bio', 'flux_prior_ocean', 'flux_posterior_sd_bio', 'budget_posterior', 'budget_posterior_sd', 'region_map', 'obs_flag', 'obs_value', 'obs_qc_flags'):
    a, b = n[v].values, ds[v].values
    assert a.shape == b.shape and np.array_equal(np.nan_to_num(a, nan=-1), np.nan_to_num(b, nan=-1)), v
r1, r0 = n.uncertainty_reduction_ocean.values, ds.uncertainty_reduction_ocean.values
assert np.array_equal(np.isnan(r1), np.isnan(r0)) and np.allclose(r1[~np.isnan(r1)], r0[~np.isnan(r0)], rtol=0, atol=0)
for c in ('obs_time', 'obs_lat', 'obs_lon', 'obs_altitude'): assert c in n.coords
assert n.attrs['featureType'] == 'point'
assert list(n.obs_flag.attrs['flag_values']) == [-1, 0, 1, 2]
txt = lambda a: [x.decode() if isinstance(x, bytes) else str(x) for x in a]
assert txt(n.region_name.values) == txt(ds.region_name.values), (txt(n.region_name.values)[:3], txt(ds.region_name.values)[:3])
assert n.flux_posterior_sd_bio.attrs['units'] == 'gC m-2 yr-1'
print('ok')
`, store, out)).toBe('ok');
  }, 60_000);

  it('geotiff: GDAL reads EPSG:4326, the global extent, one band per window, north-up rows equal the store', async () => {
    const out = await exportTo('geotiff');
    const m = (await import('gdal-async')) as typeof import('gdal-async') & { default?: typeof import('gdal-async') };
    const gdal = m.default ?? m;
    const run = await readRunStore(store);
    const ds = gdal.open(join(out, 'run.flux_posterior_bio.tif'));
    try {
      const info = gdal.info(ds, []);
      expect(info).toMatch(/ID\["EPSG",4326\]/);
      expect(info).toMatch(/Upper Left\s+\(-180\.0+,\s+90\.0+\)/);
      expect(info).toMatch(/Lower Right\s+\(\s*180\.0+,\s+-90\.0+\)/);
      expect(ds.bands.count()).toBe(run.windows.length);
      const { nlat, nlon } = run.grid;
      for (let b = 0; b < run.windows.length; b++) {
        const px = ds.bands.get(b + 1).pixels.read(0, 0, nlon, nlat) as Float64Array;
        const want = run.fluxPosterior.bio[b]!;
        for (let j = 0; j < nlat; j++) for (let i = 0; i < nlon; i++) expect(px[j * nlon + i]).toBe(want[(nlat - 1 - j) * nlon + i]);
      }
    } finally {
      ds.close();
    }
  }, 60_000);

  it('csv: budgets with σ and the observation table with decoded flags, by Python csv', async () => {
    const out = await exportTo('csv');
    expect(py(String.raw`
rows = list(csv.DictReader(open(out + '/run.budgets.csv')))
codes = list(ds.region.values)
assert len(rows) == W * len(codes)
for r in rows:
    w, k = int(r['window']), codes.index(int(r['region_code']))
    for col, v in (('prior_PgC_yr', 'budget_prior'), ('prior_sigma_PgC_yr', 'budget_prior_sd'), ('posterior_PgC_yr', 'budget_posterior'), ('posterior_sigma_PgC_yr', 'budget_posterior_sd'), ('truth_PgC_yr', None)):
        want = float(xr.open_zarr(store, group='truth').budget.values[w, k]) if v is None else float(ds[v].values[w, k])
        assert float(r[col]) == want, (col, r[col], want)
obs = list(csv.DictReader(open(out + '/run.observations.csv')))
assert len(obs) == ds.sizes['obs']
meanings = dict(zip(ds.obs_flag.attrs['flag_values'], ds.obs_flag.attrs['flag_meanings'].split()))
bits = list(zip(ds.obs_qc_flags.attrs['flag_masks'], ds.obs_qc_flags.attrs['flag_meanings'].split()))
kinds = ds.obs_kind.attrs['flag_meanings'].split()
for k, r in enumerate(obs):
    assert r['use_flag'] == meanings[int(ds.obs_flag.values[k])]
    q = int(ds.obs_qc_flags.values[k])
    assert r['qc'] == ('|'.join(m for b, m in bits if q & b) or 'passed')
    assert r['kind'] == kinds[int(ds.obs_kind.values[k])]
    v = ds.obs_value.values[k]
    assert (r['value_ppm'] == '' and np.isnan(v)) or float(r['value_ppm']) == v
    assert abs(float(r['lat']) - ds.obs_lat.values[k]) == 0
print('ok')
`, store, out)).toBe('ok');
  }, 60_000);

  it("gcas: GCAS's table headers, Globe totals and posterior.fluxes equal the store's integrals", async () => {
    const out = await exportTo('gcas');
    const ref = readFileSync('/work/shared/gcas/reference/Globe_monthlyflux.txt', 'utf8').split('\n')[0];
    const mine = readFileSync(join(out, 'Globe_monthlyflux.txt'), 'utf8').split('\n');
    if (ref) expect(mine[0]).toBe(ref);
    expect(mine[0]).toBe(GCAS_HEADERS.monthlyFlux);
    expect(readFileSync(join(out, 'Globe_annualuncertainties.txt'), 'utf8').split('\n')[0]).toBe(GCAS_HEADERS.annualUnc);
    expect(py(String.raw`
YR = 365.25 * 86400
def tgc(name, w): return (ds[name].values[w] * area).sum() * G * (tb[w, 1] - tb[w, 0]) / 1e12  # mol s-1 x s x g/mol -> TgC
lines = open(out + '/Globe_monthlyflux.txt').read().split('\n')
vals = [float(x) for x in lines[1].split()[3:]]
cols = ['flux_prior_bio', 'flux_posterior_bio', 'flux_prior_ocean', 'flux_posterior_ocean', 'flux_prior_fire', 'flux_posterior_fire', 'flux_posterior_fossil']
for c, got in zip(cols, vals):
    want = sum(tgc(c, w) for w in range(W))
    assert abs(got - want) <= 0.0051, (c, got, want)
assert abs(vals[8] - sum(vals[i] for i in (1, 3, 5, 6))) <= 0.03
ann = [float(x) for x in open(out + '/Globe_annualflux.txt').read().split('\n')[1].split()[1:]]
assert abs(ann[1] - vals[1] / 1000) <= 0.0051
# sigma of the month: variances of the windows' global-land sigma add
sd = ds.budget_posterior_sd.values[:, list(ds.region.values).index(101)]
want = np.sqrt(sum((sd[w] * (tb[w, 1] - tb[w, 0]) / YR * 1000) ** 2 for w in range(W)))
unc = [float(x) for x in open(out + '/Globe_monthlyuncertainties.txt').read().split('\n')[1].split()[3:]]
assert abs(unc[1] - want) <= 0.0051, (unc[1], want)
p = netCDF4.Dataset(glob.glob(out + '/posterior.fluxes.*.nc')[0])
R = 6.371e6; e = np.radians(np.arange(-90, 91, 1.0))
a1 = (R**2 * np.radians(1.0) * (np.sin(e[1:]) - np.sin(e[:-1])))[:, None] * np.ones((1, 360))
for w in range(W):
    got = (np.asarray(p['bio_opt'][w], dtype=np.float64) * a1).sum() / 1e12
    assert abs(got / tgc('flux_posterior_bio', w) - 1) < 1e-9, (got, tgc('flux_posterior_bio', w))
assert p['bio_opt'].units == 'gC m-2' and list(p['date'][:]) == [20200601, 20200603][:W]
print('ok')
`, store, out)).toBe('ok');
  }, 60_000);

  it('bad input: unknown format and missing store → one line, exit 3', async () => {
    const a = await runCli(['export', store, '--format', 'grib']);
    expect(a.code).toBe(3);
    expect(a.stderr.trim().split('\n')).toHaveLength(1);
    expect(a.stderr).toMatch(/unknown export format 'grib' \(known: netcdf, ct-flux1x1, gcas, geotiff, csv\)/);
    const b = await runCli(['export', join(dir, 'nowhere.zarr'), '--format', 'csv']);
    expect(b.code).toBe(3);
    expect(b.stderr).toMatch(/MissingFile: run store not found/);
  });
});
