import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { isTanhuiError } from '@tanhui/core';
import { ZarrStore } from '@tanhui/io';
import { registerObs } from './obs';
import { runRegistered } from '../__tests__/helpers';

const here = fileURLToPath(new URL('.', import.meta.url));
const shared = resolve(here, '../../../../../shared/data');
const evalDir = join(shared, 'gcasv2/obs/EvaluObs');
const oco2 = join(shared, 'gcasv2/obs/oco2_v11.1/oco2_v11_20140906.nc');
const rc = join(shared, 'public/obs_config/ctdas_sites_and_weights_co2.rc');

const run = (args: string[]): Promise<string> => runRegistered(registerObs, args);

let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

describe.skipIf(!existsSync(shared))('tanhui obs', () => {
  it('summarises real GCAS text and OCO-2 files: counts by kind and site, ranges, QC', async () => {
    const out = await run(['obs', join(evalDir, 'srf_20140906'), oco2, '--sites', rc]);
    // srf_20140906 has 4 lines (crv, mwo, psa, wbi); the OCO-2 file 280 soundings.
    expect(out).toMatch(/observations: 284 /);
    expect(out).toMatch(/xco2 280/);
    expect(out).toMatch(/by site \(5\): oco2 280/);
    expect(out).toMatch(/time: 2014-09-06T/);
    expect(out).toMatch(/value: .* ppm/);
  });

  it('writes the canonical table as Zarr v2 (one array per field, [obs, level] columns)', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tanhui-obs-cli-'));
    const to = join(dir, 'obs.zarr');
    await run(['obs', oco2, '--to', to]);
    const store = await ZarrStore.open(to);
    const v = await store.readArray('value');
    expect(v.shape).toEqual([280]);
    expect(v.attrs.units).toBe('ppm');
    const ak = await store.readArray('averaging_kernel');
    expect(ak.shape).toEqual([280, 20]);
    const t = await store.readArray('time');
    expect(t.attrs.units).toBe('seconds since 1970-01-01 00:00:00');
    expect((t.data as Float64Array)[0]).toBeCloseTo(Date.UTC(2014, 8, 6) / 1000 + 13.46568 * 3600, 0);
  });

  it('a missing file and an unknown format are TanhuiErrors', async () => {
    const e1 = await run(['obs', join(evalDir, 'nope')]).catch((e: unknown) => e);
    expect(isTanhuiError(e1, 'MissingFile')).toBe(true);
    const e2 = await run(['obs', oco2, '--format', 'grib']).catch((e: unknown) => e);
    expect(isTanhuiError(e2, 'InvalidArgument')).toBe(true);
  });
});
