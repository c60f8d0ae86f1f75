import * as fs from 'node:fs';
import * as path from 'node:path';
import gdal from 'gdal-async';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTanhuiError } from '@tanhui/core';
import { describeDataset, formatStructure } from './describe';
import { ZarrStore } from './zarr-store';
import { hasNcgen, makeTempDir, ncgen, removeTempDirs } from './__fixtures__/env';

let tmp: string;
beforeAll(() => {
  tmp = makeTempDir();
});
afterAll(removeTempDirs);

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (isTanhuiError(e)) return e.code;
    throw e;
  }
  return 'resolved';
}

describe('describeDataset', () => {
  it.skipIf(!hasNcgen)('NetCDF: dims, variables, units, key attributes, time range', async () => {
    const file = path.join(tmp, 'd.nc');
    ncgen('interop_classic.cdl', file, 'nc4');
    const d = await describeDataset(file);
    expect(d.format).toBe('netcdf');
    expect(d.dimensions).toEqual(expect.arrayContaining([{ name: 'lon', size: 3 }]));
    const temp = d.variables.find((v) => v.name === 'temp')!;
    expect(temp).toMatchObject({ dims: ['time', 'lat', 'lon'], shape: [2, 2, 3], dtype: 'float32', units: 'K' });
    expect(temp.attrs.long_name).toBe('air temperature');
    const time = d.variables.find((v) => v.name === 'time')!;
    expect(time.timeRange).toEqual([Date.UTC(2000, 0, 1) / 1000, Date.UTC(2000, 0, 2, 12) / 1000]);
    const text = formatStructure(d);
    expect(text).toContain('float32 temp(time=2, lat=2, lon=3)  [K]');
    expect(text).toContain('time 2000-01-01T00:00:00Z … 2000-01-02T12:00:00Z');
    expect(text).toContain('title = "ncgen fixture"');
  });

  it('multi-valued numeric attributes come out whole (ncdump), not just their first value', async () => {
    const cdl = path.join(tmp, 'vr.cdl');
    fs.writeFileSync(cdl, 'netcdf vr {\ndimensions:\n x = 2 ;\nvariables:\n float v(x) ;\n  v:valid_range = -1.5f, 2.5f ;\n  v:flag_values = 1, 2, 4 ;\n :g = 0.1, 0.2 ;\ndata:\n v = 1, 2 ;\n}\n');
    const file = path.join(tmp, 'vr.nc');
    const { execFileSync } = await import('node:child_process');
    try {
      execFileSync('ncgen', ['-k', 'nc4', '-o', file, cdl]);
    } catch {
      return; // ncgen absent: nothing to check
    }
    const d = await describeDataset(file);
    const v = d.variables.find((x) => x.name === 'v')!;
    expect(v.attrs.valid_range).toEqual([-1.5, 2.5]);
    expect(v.attrs.flag_values).toEqual([1, 2, 4]);
    expect(d.attrs.g).toEqual([0.1, 0.2]);
  });

  it('GeoTIFF', async () => {
    const file = path.join(tmp, 'd.tif');
    const w = gdal.open(file, 'w', 'GTiff', 3, 2, 2, 'Int16');
    w.geoTransform = [0, 1, 0, 0, 0, -1];
    w.close();
    const d = await describeDataset(file);
    expect(d.format).toBe('geotiff');
    expect(d.variables.map((v) => `${v.name}:${v.dtype}:${v.shape.join('x')}`)).toEqual(['band1:int16:2x3', 'band2:int16:2x3', 'x:float64:3', 'y:float64:2']);
  });

  it.each([2, 3] as const)('Zarr v%i store written by ZarrStore', async (format) => {
    const root = path.join(tmp, `d${format}.zarr`);
    const s = await ZarrStore.create(root, { format, attrs: { title: 'run', provenance: { commit: 'abc' } } });
    await s.writeArray('time', new Float64Array([0, 86400]), { dims: ['time'], attrs: { units: 'days since 2014-09-06' } });
    await s.writeArray('flux', new Float32Array(2 * 3), { shape: [2, 3], dims: ['time', 'region'], chunks: [1, 3], compressor: 'zstd', attrs: { units: 'PgC yr-1' } });
    const d = await describeDataset(root);
    expect(d.format).toBe('zarr');
    expect(d.driver).toBe(`zarr v${format}`);
    expect(d.dimensions).toEqual(expect.arrayContaining([{ name: 'time', size: 2 }, { name: 'region', size: 3 }]));
    expect(d.variables.find((v) => v.name === 'flux')).toMatchObject({ dims: ['time', 'region'], shape: [2, 3], dtype: 'float32', units: 'PgC yr-1', chunks: [1, 3], compressor: 'zstd' });
    // 0 and 86400 days after 2014-09-06.
    expect(d.variables.find((v) => v.name === 'time')!.timeRange).toEqual([Date.UTC(2014, 8, 6) / 1000, Date.UTC(2014, 8, 6 + 86400) / 1000]);
    expect(d.attrs.provenance).toBe('{"commit":"abc"}');
    expect(formatStructure(d)).toContain('chunks (1, 3), compressor zstd');
  });

  it('missing, corrupt and unsupported inputs', async () => {
    expect(await code(describeDataset(path.join(tmp, 'absent.nc')))).toBe('MissingFile');
    const dir = path.join(tmp, 'plain-dir');
    fs.mkdirSync(dir);
    expect(await code(describeDataset(dir))).toBe('UnsupportedFormat');
    const junk = path.join(tmp, 'junk.h5');
    fs.writeFileSync(junk, Buffer.concat([Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(100, 7)]));
    expect(await code(describeDataset(junk))).toBe('CorruptFile');
    const badZarr = path.join(tmp, 'bad.zarr');
    fs.mkdirSync(badZarr);
    fs.writeFileSync(path.join(badZarr, '.zgroup'), '{not json');
    expect(await code(describeDataset(badZarr))).toBe('CorruptFile');
  });
});
