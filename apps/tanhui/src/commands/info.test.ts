// `tanhui info` end to end through main(): output for a NetCDF4 file, a GeoTIFF and a Zarr
// store; one line and a non-zero exit for missing or corrupt inputs.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import gdal from 'gdal-async';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZarrStore } from '@tanhui/io';
import { runCli } from '../__tests__/helpers';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tanhui-info-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await runCli(args);
  return { code: r.code, out: r.stdout, err: r.stderr };
}

function hasNcgen(): boolean {
  try {
    execFileSync('ncgen', ['-h'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('tanhui info', () => {
  it.skipIf(!hasNcgen())('prints the structure of a NetCDF4 file', async () => {
    const file = path.join(tmp, 'a.nc');
    execFileSync('ncgen', ['-k', 'nc4', '-o', file, path.join(repoRoot, 'tools/fixtures/interop_classic.cdl')]);
    const r = await run('info', file);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toContain('format: netcdf');
    expect(r.out).toMatch(/time\s+= 2/);
    expect(r.out).toContain('float32 temp(time=2, lat=2, lon=3)  [K]');
    expect(r.out).toContain('long_name = "air temperature"');
    expect(r.out).toContain('time 2000-01-01T00:00:00Z … 2000-01-02T12:00:00Z');
    const j = await run('info', '--json', file);
    expect(JSON.parse(j.out).variables.map((v: { name: string }) => v.name)).toContain('packed');
  });

  it('prints the structure of a GeoTIFF', async () => {
    const file = path.join(tmp, 'a.tif');
    const w = gdal.open(file, 'w', 'GTiff', 6, 4, 1, 'Float32');
    w.geoTransform = [70, 10, 0, 55, 0, -10];
    w.srs = gdal.SpatialReference.fromEPSG(4326);
    w.close();
    const r = await run('info', file);
    expect(r.code).toBe(0);
    expect(r.out).toContain('format: geotiff');
    expect(r.out).toContain('float32 band1(y=4, x=6)');
    expect(r.out).toContain('float64 x(x=6)  [degrees_east]');
  });

  it('prints the structure of a Zarr store', async () => {
    const root = path.join(tmp, 'a.zarr');
    const s = await ZarrStore.create(root, { attrs: { title: 'posterior' } });
    await s.writeArray('flux', new Float64Array(12), { shape: [2, 6], dims: ['time', 'region'], attrs: { units: 'PgC yr-1' } });
    const r = await run('info', root);
    expect(r.code).toBe(0);
    expect(r.out).toContain('format: zarr (zarr v2)');
    expect(r.out).toContain('float64 flux(time=2, region=6)  [PgC yr-1]');
    expect(r.out).toContain('title = "posterior"');
  });

  it('a missing file: one line naming it, non-zero exit', async () => {
    const r = await run('info', path.join(tmp, 'nope.nc'));
    expect(r.code).not.toBe(0);
    expect(r.out).toBe('');
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toContain('MissingFile');
    expect(r.err).toContain('nope.nc');
  });

  it.skipIf(!hasNcgen())('a corrupt (truncated) file: one line naming it, non-zero exit', async () => {
    const file = path.join(tmp, 'b.nc');
    execFileSync('ncgen', ['-k', 'classic', '-o', file, path.join(repoRoot, 'tools/fixtures/interop_classic.cdl')]);
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(file, bytes.subarray(0, bytes.length - 4));
    const r = await run('info', file);
    expect(r.code).not.toBe(0);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toContain('CorruptFile');
    expect(r.err).toContain('b.nc');
  });
});
