// met.source era5 | merra2 | geosfp end to end: file patterns, `tanhui met check|prepare`, the
// prepared-met cache, a run on MERRA-2-layout files and bad input (one line, exit ≠ 0, nothing
// written). Files in the full layouts come from tools/fixtures/met/write_met_fixtures.py.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { HybridLevels, LatLonGrid } from '@tanhui/core';
import { composeWorld } from '../compose';
import { loadConfig } from '../config/load';
import { EXIT } from '../main';
import { preparedMetForRun } from '../met/prepared';
import type { BuiltinPlugin } from '../plugins/transport-builtin';
import { debianPythonWithNetcdf, expectRunRejected, PY, runCli, tempDir, writeConfig } from './helpers';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const sharedMet = existsSync(resolve(repo, '../../shared/data/public/met')) ? resolve(repo, '../../shared/data/public/met') : '/work/shared/data/public/met';

const RUN = `time: {start: 2021-01-10, windows: 1, windowDays: 1}
grid: {preset: 6x4}
solver: {members: 4, twoStep: combine}
executor: {workers: 2, membersPerTask: 2}
observations: {stations: {sites: [mlo, brw, spo, wlg, lfs, sdz, lan, cgo, smo, alt, lef, pal], intervalHours: 3}, satellite: {soundingsPerDay: 40}}
truth: {anomalies: []}
`;

describe.skipIf(!debianPythonWithNetcdf())('real meteorology sources', () => {
  let dir = '';
  let fx = '';
  const merra = (extra = '') => `met:
  source: merra2
  files: ${fx}/MERRA2_400.inst3_3d_asm_Nv.{yyyy}{mm}{dd}.nc4
  diffusionFiles: ${fx}/MERRA2_400.tavg3_3d_trb_Ne.{yyyy}{mm}{dd}.nc4
  convectionFiles: ${fx}/MERRA2_400.tavg3_3d_mst_Ne.{yyyy}{mm}{dd}.nc4
  cache: cache
${extra}`;
  beforeAll(() => {
    dir = tempDir('met-real');
    fx = join(dir, 'met');
    execFileSync(PY, [join(repo, 'tools/fixtures/met/write_met_fixtures.py'), fx, 'all'], { stdio: 'ignore' });
  }, 120_000);

  it('met check explains a usable ERA5 model-level set and refuses a single-level file with one line', async () => {
    const ok = await runCli(['met', 'check', '--source', 'era5', join(fx, 'era5_ml_new_20210110.nc'), join(fx, 'era5_lnsp_new_20210110.nc')]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/2024\+ layout/);
    expect(ok.stdout).toMatch(/137 model levels 1…137/);
    expect(ok.stdout).toMatch(/can drive a run/);
    const bad = await runCli(['met', 'check', '--source', 'era5', join(sharedMet, 'era5/era5_1995-07-14T12.nc')]);
    expect(bad.code).not.toBe(0);
    expect(bad.stdout).toMatch(/pre-2024 layout: time, packed int16; single level/);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/cannot drive a run: no winds \(u, v\)/);
  });

  it('met prepare reports files, grid, level map and mass balance; the rerun reads the cache; a run uses it', async () => {
    const cfg = writeConfig(dir, `${RUN}${merra()}output: {store: run.zarr}\n`, 'merra.yaml');
    const a = await runCli(['met', 'prepare', cfg, '--window', '2021-01-10', '--json']);
    expect(a.code).toBe(0);
    const ra = JSON.parse(a.stdout);
    expect(ra.records).toBe(9);
    expect(ra.files).toHaveLength(2);
    expect(ra.levels).toBe('72 → 25');
    expect(ra.cached).toBe(false);
    expect(ra.massBalance.maxAfterPaH).toBeLessThan(1e-6 * Math.max(ra.massBalance.maxBeforePaH, 1e-3));
    const b = JSON.parse((await runCli(['met', 'prepare', cfg, '--json'])).stdout);
    expect(b.cached).toBe(true);
    expect(b.store).toBe(ra.store);
    // The run composes from the cache: prepared fluxes, Kz and convection on SharedArrayBuffers; inputs fingerprinted.
    const w = await composeWorld(await loadConfig(cfg));
    const data = ((w.transport as BuiltinPlugin).modelSpec.met as { kind: 'arrays'; data: { amKgS?: Float64Array; kzM2S?: Float64Array; entrainUp?: Float64Array } }).data;
    expect(data.amKgS!.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(data.kzM2S).toBeDefined();
    expect(data.entrainUp).toBeDefined();
    const r = await runCli(['run', cfg]);
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, 'run.zarr'))).toBe(true);
  }, 120_000);

  it('a run prepares window by window: windows done by met prepare are read from the cache and joined in time', async () => {
    const cfg = writeConfig(dir, `${RUN.replace('windows: 1, windowDays: 1', 'windows: 2, windowDays: 0.5')}${merra().replace('cache: cache', 'cache: cache-windows')}output: {store: two.zarr}\n`, 'two.yaml');
    for (const w of ['2021-01-10T00:00:00Z', '2021-01-10T12:00:00Z']) expect((await runCli(['met', 'prepare', cfg, '--window', w])).code).toBe(0);
    expect(readdirSync(join(dir, 'cache-windows')).filter((f) => f.endsWith('.zarr'))).toHaveLength(2);
    const p = await preparedMetForRun(await loadConfig(cfg), LatLonGrid.preset('6x4'), HybridLevels.generic25());
    expect(p.cached).toBe(true);
    const t0 = Date.UTC(2021, 0, 10) / 1000;
    expect(Array.from(p.data.timesSec)).toEqual(Array.from({ length: 9 }, (_, q) => t0 + q * 10800));
    expect(p.data.amKgS!.length).toBe(9 * 25 * 45 * 60);
    expect(p.data.amKgS!.buffer).toBeInstanceOf(SharedArrayBuffer);
  }, 60_000);

  it('ERA5 2024+ layout with lnsp in its own files drives composeWorld on the default 137 → 25 map', async () => {
    const cfg = writeConfig(dir, `${RUN}met: {source: era5, files: '${fx}/era5_ml_new_{yyyy}{mm}{dd}.nc', surfaceFiles: '${fx}/era5_lnsp_new_{yyyy}{mm}{dd}.nc', cache: cache}\noutput: {store: era5.zarr}\n`, 'era5.yaml');
    const w = await composeWorld(await loadConfig(cfg));
    const data = ((w.transport as BuiltinPlugin).modelSpec.met as { kind: 'arrays'; data: { aHalfPa: Float64Array; timesSec: Float64Array } }).data;
    expect(data.aHalfPa.length).toBe(26);
    expect(data.timesSec.length).toBe(5);
  }, 60_000);

  it('bad input: a missing day names the date and the pattern; nothing is written', async () => {
    const cfg = writeConfig(dir, `${RUN.replace('windows: 1', 'windows: 3')}${merra().replace('cache: cache', 'cache: cache-missing')}output: {store: missing.zarr}\n`, 'missing.yaml');
    await expectRunRejected(cfg, join(dir, 'missing.zarr'), /no met file for 2021-01-12 \(pattern .*MERRA2_400\.inst3_3d_asm_Nv\.\{yyyy\}\{mm\}\{dd\}\.nc4\)/);
    expect(existsSync(join(dir, 'cache-missing'))).toBe(false);
    const p = await runCli(['met', 'prepare', cfg, '--window', '2021-01-11']);
    expect(p.code).toBe(EXIT.badInput);
    expect(p.stderr).toMatch(/no met file for 2021-01-12/);
    // A config without files for a real source.
    const nofiles = writeConfig(dir, `${RUN}met: {source: geosfp}\n`, 'nofiles.yaml');
    const q = await runCli(['run', nofiles]);
    expect(q.code).toBe(EXIT.badInput);
    expect(q.stderr).toMatch(/expected 'files' \(a path pattern or a list\) for era5, merra2 and geosfp.*key met\.files/);
    expect(readdirSync(dir).filter((f) => f.startsWith('cache-missing'))).toEqual([]);
  }, 60_000);
});
