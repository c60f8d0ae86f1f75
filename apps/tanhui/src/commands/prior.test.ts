import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { isTanhuiError } from '@tanhui/core';
import { registerPrior } from './prior';
import { runRegistered } from '../__tests__/helpers';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = resolve(here, '../../../..');
const gcas = resolve(repo, '../shared/data/gcasv2');
const haveGcas = existsSync(join(gcas, 'priorflux/emissions.bio.20140906.nc'));
const python = '/usr/bin/python3';
const havePython = existsSync(python) && spawnSync(python, ['-c', 'import netCDF4, xarray, zarr'], { encoding: 'utf8' }).status === 0;

const run = (args: string[]): Promise<string> => runRegistered(registerPrior, args);

let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

describe('tanhui prior', () => {
  it('rejects unknown formats and grids with a TanhuiError', async () => {
    for (const args of [['prior', 'x.nc', '--format', 'csv'], ['prior', 'x.nc', '--grid', '5x5']]) {
      try {
        await run(args);
        throw new Error('expected a rejection');
      } catch (err) {
        expect(isTanhuiError(err, 'InvalidArgument')).toBe(true);
      }
    }
  });

  it.skipIf(!haveGcas)('real GCAS priors: totals conserved by regridding; TransCOM table from regions.nc', async () => {
    const files = ['bio', 'ocn', 'fossil', 'fire'].map((k) => join(gcas, `priorflux/emissions.${k}.20140906.nc`));
    const out = await run(['prior', ...files, '--grid', '6x4', '--regions', join(gcas, 'regions.nc'), '--json']);
    const r = JSON.parse(out) as {
      conservation: Array<{ category: string; sourcePgCYr: number; targetPgCYr: number }>;
      budget: { categories: string[]; global: number[]; regions: Array<{ code: number; totals: number[] }> };
    };
    expect(r.conservation.map((c) => c.category).sort()).toEqual(['bio', 'fire', 'fossil', 'ocean']);
    for (const c of r.conservation) expect(Math.abs(c.targetPgCYr - c.sourcePgCYr)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(c.sourcePgCYr)));
    expect(r.budget.regions.length).toBe(22);
    const bio = r.budget.categories.indexOf('bio');
    expect(r.budget.global[bio]).toBeGreaterThan(-11.2);
    expect(r.budget.global[bio]).toBeLessThan(-10.6);
    // Region totals add up to the global total minus what falls in no region (ice sheets, code 23).
    const sumFossil = r.budget.regions.reduce((s, g) => s + g.totals[r.budget.categories.indexOf('fossil')]!, 0);
    expect(sumFossil).toBeLessThanOrEqual(r.budget.global[r.budget.categories.indexOf('fossil')]! + 1e-9);
    expect(sumFossil).toBeGreaterThan(0.98 * r.budget.global[r.budget.categories.indexOf('fossil')]!);
  });

  it.skipIf(!havePython)('fixture CarbonTracker file → text table and a CF Zarr v2 store xarray reads', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tanhui-prior-cli-'));
    const g = spawnSync(python, [join(repo, 'tools/fixtures/priors/make_prior_fixtures.py'), dir], { encoding: 'utf8' });
    expect(g.status).toBe(0);
    const store = join(dir, 'out.zarr');
    const out = await run(['prior', join(dir, 'CT2019B.flux1x1.20140906.nc'), '--grid', '6x4', '--to', store]);
    expect(out).toMatch(/ct-flux1x1/);
    expect(out).toMatch(/Eurasia Temperate/);
    expect(out).toMatch(/wrote bio, ocean, fossil, fire/);
    const py = spawnSync(
      python,
      ['-c', `import xarray as xr, json\nds = xr.open_zarr(${JSON.stringify(store)})\nprint(json.dumps({"dims": dict(ds.sizes), "units": ds.bio.attrs["units"], "t0": str(ds.time.values[0]), "tot": float((ds.fossil.mean("time") * ds.cell_area).sum())}))`],
      { encoding: 'utf8' },
    );
    expect(py.status, py.stderr).toBe(0);
    const info = JSON.parse(py.stdout) as { dims: Record<string, number>; units: string; t0: string; tot: number };
    expect(info.dims).toMatchObject({ time: 8, lat: 45, lon: 60 });
    expect(info.units).toBe('mol m-2 s-1');
    expect(info.t0).toMatch(/^2014-09-06T01:30/);
    // fossil total [mol/s] from Python's own sum equals the fixture's independent total
    const exp = JSON.parse(spawnSync(python, ['-c', `import json;print(json.dumps(json.load(open(${JSON.stringify(join(dir, 'expected.json'))}))["CT2019B.flux1x1.20140906.nc"]["totals_mol_s"]["fossil_flux_imp"]))`], { encoding: 'utf8' }).stdout) as number[];
    const mean = exp.reduce((s, v) => s + v, 0) / exp.length;
    expect(Math.abs(info.tot - mean) / mean).toBeLessThan(1e-9);
  });
});
