// The run store as a user opens it in Debian's xarray: flag variables carry CF 1.8
// flag_values/flag_meanings (flag_masks for QC bits) consistent with their data, the observation
// table is a point DSG whose position and time are coordinates, and the per-cell σ maps have
// units and equal |prior flux| × the state's ensemble spread (each cell maps to one state
// element with region scaling), recomputed here from the store's other arrays.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SMALL_RUN_YAML } from '../export/test-run';
import { readRunStore } from '../analysis/run-store-reader';
import { debianPythonWithNetcdf, LAG2_KILL_CONFIG, PY, runChild, runCli, snapshotTree, tempDir, writeConfig } from './helpers';

const CHECK_PY = String.raw`
import sys, re, numpy as np, xarray as xr
ds = xr.open_zarr(sys.argv[1])
def words(a): return a['flag_meanings'].split(' ')
# Flags: one word per value, words CF-legal, data values among the flag values.
for name in ('obs_flag', 'obs_kind', 'obs_window', 'region_map'):
    a = ds[name].attrs
    fv = np.asarray(a['flag_values']); w = words(a)
    assert len(fv) == len(w) == len(set(w)), (name, fv, w)
    assert all(re.fullmatch(r'[A-Za-z0-9_.+-]+', x) for x in w), (name, w)
    assert set(np.unique(ds[name].values)) <= set(fv.tolist()), (name, np.unique(ds[name].values), fv)
a = ds.obs_qc_flags.attrs
masks = np.asarray(a['flag_masks'])
assert len(masks) == len(words(a)) and all(m & (m - 1) == 0 for m in masks)
assert np.all((ds.obs_qc_flags.values & ~np.bitwise_or.reduce(masks)) == 0)
# Decoding by hand: region names of region_map through its flag attributes = the region table.
fv = list(ds.region_map.attrs['flag_values']); meanings = words(ds.region_map.attrs)
names = {int(c): n for c, n in zip(ds.region.values, ds.region_name.values)}
for c, m in zip(fv, meanings):
    if c: assert m == re.sub(r'[^A-Za-z0-9_.+-]+', '_', names[c].strip()), (c, m, names[c])
assert ds.obs_flag.attrs['flag_meanings'].split()[list(ds.obs_flag.attrs['flag_values']).index(0)] == 'assimilated'
# Point DSG: position and time are coordinates of every obs variable.
assert ds.attrs['featureType'] == 'point'
for c in ('obs_time', 'obs_lat', 'obs_lon', 'obs_altitude'): assert c in ds.coords, c
assert np.issubdtype(ds.obs_time.dtype, np.datetime64)
v = ds.obs_value
assert set(v.coords) >= {'obs_time', 'obs_lat', 'obs_lon', 'obs_altitude'}
south = ds.obs_value.where(ds.obs_lat < 0, drop=True)
assert 0 < south.size < ds.obs_value.size
# sigma maps: units, and |prior flux| x state spread of the cell's region (gC m-2 yr-1).
G = 12.0107 * 365.25 * 86400
labels = list(ds.state_label.values)
for comp in ('bio', 'ocean'):
    for which, spread in (('prior', 'scaling_factor_prior_spread'), ('posterior', 'scaling_factor_spread')):
        sd = ds[f'flux_{which}_sd_{comp}']
        assert sd.attrs['units'] == 'gC m-2 yr-1', sd.attrs
        for t in range(ds.sizes['time']):
            expect = np.zeros(ds.region_map.shape)
            rm = ds.region_map.values
            for (j, i), code in np.ndenumerate(rm):
                lab = f'{comp}:b0:r{code}e1'
                if lab in labels:
                    expect[j, i] = abs(float(ds[f'flux_prior_{comp}'].values[t, j, i])) * float(ds[spread].values[t, labels.index(lab)]) * G
            got = sd.values[t]
            assert np.allclose(got, expect, rtol=1e-9, atol=1e-12 * np.abs(expect).max()), (comp, which, t, np.abs(got - expect).max())
    red = ds[f'uncertainty_reduction_{comp}']
    assert red.attrs['units'] == '1'
    pr, po = ds[f'flux_prior_sd_{comp}'].values, ds[f'flux_posterior_sd_{comp}'].values
    ok = pr > 0
    assert np.allclose(red.values[ok], 1 - po[ok] / pr[ok], rtol=1e-12) and np.all(np.isnan(red.values[~ok]))
    assert np.nanmax(red.values) > 0.05  # observations reduce the uncertainty somewhere
print('ok')
`;

describe.skipIf(!debianPythonWithNetcdf())('the run store in xarray: CF flags, point DSG, σ maps', () => {
  let store = '';
  beforeAll(async () => {
    const dir = tempDir('store-cf');
    store = join(dir, 'run.zarr');
    const r = await runCli(['run', writeConfig(dir, `${SMALL_RUN_YAML}output: {store: run.zarr}\n`)]);
    expect(r.code, r.stderr).toBe(0);
  }, 180_000);

  it('decodes per CF 1.8 (checked by hand: no cf_xarray in Debian 12)', () => {
    const out = execFileSync(PY, ['-c', CHECK_PY, store], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out.trim()).toBe('ok');
  }, 60_000);
});

// A store written before the σ maps existed (here: the same store with them removed after its
// first window) resumes: the rerun writes no σ map and every other file ends with the bytes of
// an uninterrupted run. Lag 2, so the lag restart arrays carry the state (the σ maps need no new
// restart array: the prior σ comes from restart/lag_prior_spread).
describe('stores without the σ maps (written before them)', () => {
  it('a lag-2 store resumes without them, other arrays byte-identical to an uninterrupted run', async () => {
    const CONFIG = LAG2_KILL_CONFIG;
    const a = tempDir('old-a');
    const b = tempDir('old-b');
    const [full, killed] = await Promise.all([runChild(writeConfig(a, CONFIG)), runChild(writeConfig(b, CONFIG), (ev) => ev.event === 'window-complete' && ev.window === 0)]);
    expect(full.code, full.stderr).toBe(0);
    expect(killed.signal).toBe('SIGKILL');
    const storeB = join(b, 'run.zarr');
    const isSigma = (name: string): boolean => /^(flux_prior_sd_|flux_posterior_sd_|uncertainty_reduction_)/.test(name);
    for (const e of readdirSync(storeB)) if (isSigma(e)) rmSync(join(storeB, e), { recursive: true });
    const meta = JSON.parse(readFileSync(join(storeB, '.zmetadata'), 'utf8')) as { metadata: Record<string, unknown> };
    for (const k of Object.keys(meta.metadata)) if (isSigma(k)) delete meta.metadata[k];
    writeFileSync(join(storeB, '.zmetadata'), JSON.stringify(meta));
    const resumed = await runChild(join(b, 'run.yaml'));
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resuming after window [12]/);
    const sa = snapshotTree(join(a, 'run.zarr'));
    const sb = snapshotTree(storeB);
    const kept = [...sa.keys()].filter((k) => !isSigma(k) && k !== '.zmetadata');
    expect([...sb.keys()].filter((k) => k !== '.zmetadata')).toEqual(kept);
    expect(kept.filter((k) => Buffer.compare(sa.get(k)!, sb.get(k)!) !== 0)).toEqual([]);
    expect((await readRunStore(storeB)).uncertainty).toEqual({});
  }, 300_000);
});
