import * as fs from 'node:fs';
import * as path from 'node:path';
import gdal from 'gdal-async';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTanhuiError, type TanhuiError } from '@tanhui/core';
import { listVariables, openDataset, readVariable } from './gdal-reader';
import { parseNcdumpStrings } from './netcdf-strings';
import { classicFileSizes } from './netcdf3-header';
import { hasNcgen, hasPythonNetcdf, makeTempDir, ncgen, removeTempDirs, runPython } from './__fixtures__/env';

async function rejection(p: Promise<unknown>): Promise<TanhuiError> {
  try {
    await p;
  } catch (e) {
    if (isTanhuiError(e)) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

let tmp: string;
beforeAll(() => {
  tmp = makeTempDir();
});
afterAll(removeTempDirs);

// Expected values are the CDL's own data (tools/fixtures/interop_classic.cdl), decoded by hand:
// packed = raw * 0.5 + 100 with _FillValue -1; temp's "_" and -999 are missing.
const TEMP = [280.5, 281, NaN, 282.25, 283, 284, 290, NaN, 291.5, 292, 293, 294];
const PACKED = [100, 105, NaN, 90];

describe.skipIf(!hasNcgen)('files written by ncgen', () => {
  for (const kind of ['classic', 'nc4'] as const) {
    it(`reads a NetCDF ${kind === 'classic' ? '3 classic' : '4'} file exactly`, async () => {
      const file = path.join(tmp, `ncgen_${kind}.nc`);
      ncgen('interop_classic.cdl', file, kind);
      const ds = await openDataset(file);
      try {
        expect(ds.format).toBe('netcdf');
        expect(ds.attributes()).toMatchObject({ title: 'ncgen fixture', answer: 42 });
        expect(ds.dimensions()).toEqual(
          expect.arrayContaining([
            { name: 'time', size: 2 },
            { name: 'lat', size: 2 },
            { name: 'lon', size: 3 },
          ]),
        );
        const temp = await ds.read('temp');
        expect(temp.dims).toEqual(['time', 'lat', 'lon']);
        expect(temp.shape).toEqual([2, 2, 3]);
        expect(temp.units).toBe('K');
        expect(temp.attrs.long_name).toBe('air temperature');
        expect(Array.from(temp.data)).toEqual(TEMP);
        expect(Array.from((await ds.read('packed')).data)).toEqual(PACKED);
        expect(Array.from((await ds.read('packed', { decode: false })).data)).toEqual([0, 10, -1, -20]);
        expect(Array.from((await ds.read('ival')).data)).toEqual([-7, 0, 123456]);
        expect(Array.from((await ds.read('sb')).data)).toEqual([-128, 0, 127]);
        const time = await ds.read('time');
        expect(Array.from(time.times!)).toEqual([Date.UTC(2000, 0, 1) / 1000, Date.UTC(2000, 0, 2, 12) / 1000]);
        // Hyperslab: time 1, lat 0..1, lon 1..2 → elements [1][j][1..2].
        const slab = await ds.read('temp', { start: [1, 0, 1], count: [1, 2, 2] });
        expect(slab.shape).toEqual([1, 2, 2]);
        expect(slab.start).toEqual([1, 0, 1]);
        expect(Array.from(slab.data)).toEqual([NaN, 291.5, 293, 294]);
      } finally {
        ds.close();
      }
    });
  }
});

describe.skipIf(!hasPythonNetcdf)('a NetCDF4 file written by Python netCDF4', () => {
  it('decodes like netCDF4-python itself (mask, scale/offset, time, groups)', async () => {
    const file = path.join(tmp, 'py.nc');
    const expected = JSON.parse(runPython('write_netcdf4.py', [file])) as {
      [k: string]: { shape?: number[]; dims?: string[]; values: (number | null)[] };
    } & { time_iso: string[]; attrs: Record<string, unknown> };
    const ds = await openDataset(file);
    try {
      expect(ds.attributes()).toMatchObject(expected.attrs);
      for (const name of ['flux', 'co2_packed', 'count', 'flag_u8', 'lat', 'lon', 'extra/pressure']) {
        const v = await ds.read(name);
        const want = expected[name].values.map((x) => (x === null ? NaN : x));
        expect(v.data.length).toBe(want.length);
        if (expected[name].shape) expect(v.shape).toEqual(expected[name].shape);
        if (expected[name].dims) expect(v.dims).toEqual(expected[name].dims);
        v.data.forEach((x, i) => {
          if (Number.isNaN(want[i])) expect(x, `${name}[${i}]`).toBeNaN();
          else expect(Math.abs(x - want[i]), `${name}[${i}]`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want[i])));
        });
      }
      const t = await ds.read('time');
      expect(Array.from(t.times!).map((s) => new Date(s * 1000).toISOString().replace('.000Z', 'Z'))).toEqual(expected.time_iso);
      expect(ds.variable('flux').dtype).toBe('float32');
      expect(ds.variable('flag_u8').dtype).toBe('uint8');
    } finally {
      ds.close();
    }
    // The same bytes named .h5 are opened by GDAL's HDF5 driver instead of netCDF.
    const h5 = path.join(tmp, 'py.h5');
    fs.copyFileSync(file, h5);
    const hd = await openDataset(h5);
    try {
      expect(hd.format).toBe('hdf5');
      for (const name of ['flux', 'co2_packed', 'extra/pressure']) {
        const v = await hd.read(name);
        const want = expected[name].values.map((x) => (x === null ? NaN : x));
        v.data.forEach((x, i) => {
          if (Number.isNaN(want[i])) expect(x, `${name}[${i}]`).toBeNaN();
          else expect(Math.abs(x - want[i]), `${name}[${i}]`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want[i])));
        });
      }
      expect((await hd.read('flux')).dims).toEqual(['time', 'lat', 'lon']);
      expect(Array.from((await hd.read('time')).times!).map((s) => new Date(s * 1000).toISOString().replace('.000Z', 'Z'))).toEqual(expected.time_iso);
    } finally {
      hd.close();
    }
  });
});

describe('GeoTIFF through the classic raster API', () => {
  it('reads bands with nodata → NaN and cell-centre coordinates', async () => {
    const file = path.join(tmp, 'grid.tif');
    const w = gdal.open(file, 'w', 'GTiff', 4, 3, 1, 'Float32');
    w.geoTransform = [100, 0.5, 0, 50, 0, -2];
    w.srs = gdal.SpatialReference.fromEPSG(4326);
    const band = w.bands.get(1);
    band.noDataValue = -9999;
    band.pixels.write(0, 0, 4, 3, new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, -9999]));
    w.close();
    const ds = await openDataset(file);
    try {
      expect(ds.format).toBe('geotiff');
      expect(ds.variableNames()).toEqual(['band1', 'x', 'y']);
      const b = await ds.read('band1');
      expect(b.dims).toEqual(['y', 'x']);
      expect(b.shape).toEqual([3, 4]);
      expect(Array.from(b.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, NaN]);
      expect(Array.from((await ds.read('band1', { start: [1, 2], count: [2, 2] })).data)).toEqual([7, 8, 11, NaN]);
      expect(Array.from((await ds.read('x')).data)).toEqual([100.25, 100.75, 101.25, 101.75]);
      expect(Array.from((await ds.read('y')).data)).toEqual([49, 47, 45]);
      expect(ds.variable('x').attrs.units).toBe('degrees_east');
      expect(String(ds.attributes().crs_wkt)).toContain('WGS 84');
    } finally {
      ds.close();
    }
  });
});

describe('errors name the file and the variable', () => {
  it('missing file → MissingFile', async () => {
    const e = await rejection(readVariable(path.join(tmp, 'nope.nc'), 'x'));
    expect(e.code).toBe('MissingFile');
    expect(e.context.file).toContain('nope.nc');
  });

  it.skipIf(!hasNcgen)('missing variable → MissingVariable listing the available ones', async () => {
    const file = path.join(tmp, 'mv.nc');
    ncgen('interop_classic.cdl', file, 'classic');
    const e = await rejection(readVariable(file, 'co2'));
    expect(e.code).toBe('MissingVariable');
    expect(e.context).toMatchObject({ file, variable: 'co2' });
    expect(e.hint).toContain('temp');
    expect(e.toLine()).toContain('co2');
  });

  it.skipIf(!hasNcgen)('truncated NetCDF3 and NetCDF4 files → CorruptFile', async () => {
    for (const kind of ['classic', 'nc4'] as const) {
      const file = path.join(tmp, `full_${kind}.nc`);
      ncgen('interop_classic.cdl', file, kind);
      const bytes = fs.readFileSync(file);
      const cut = path.join(tmp, `cut_${kind}.nc`);
      fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 3)));
      const e = await rejection(readVariable(cut, 'temp'));
      expect(e.code, kind).toBe('CorruptFile');
      expect(e.context.file).toBe(cut);
    }
  });

  it('a text file → UnsupportedFormat', async () => {
    const file = path.join(tmp, 'notes.nc');
    fs.writeFileSync(file, 'this is not a netcdf file\n');
    const e = await rejection(listVariables(file));
    expect(e.code).toBe('UnsupportedFormat');
  });

  it.skipIf(!hasNcgen)('a bad hyperslab → InvalidArgument naming the dimension', async () => {
    const file = path.join(tmp, 'hs.nc');
    ncgen('interop_classic.cdl', file, 'classic');
    const ds = await openDataset(file);
    try {
      const e = await rejection(ds.read('temp', { start: [0, 0, 2], count: [1, 1, 2] }));
      expect(e.code).toBe('InvalidArgument');
      expect(e.message).toContain('lon');
      expect((await rejection(ds.read('temp', { start: [0, 0] }))).code).toBe('InvalidArgument');
    } finally {
      ds.close();
    }
  });
});

describe('parseNcdumpStrings', () => {
  it('handles escapes, fills and adjacent literals', () => {
    const text = 'netcdf x {\ndata:\n\n site =\n  "mlo",\n  "a\\"b\\\\c",\n  _,\n  "tab\\there" "+more",\n  "caf\\303\\251" ;\n}\n';
    expect(parseNcdumpStrings(text, 'site')).toEqual(['mlo', 'a"b\\c', '', 'tab\there+more', 'caf\u00c3\u00a9']);
  });
});

describe.skipIf(!hasNcgen)('char and string variables written by ncgen', () => {
  it('reads char(n, len) and NetCDF4 string variables as strings', async () => {
    const cdl = path.join(tmp, 's.cdl');
    // Expected values are the literals below.
    fs.writeFileSync(
      cdl,
      'netcdf s {\ndimensions:\n n = 3 ;\n len = 8 ;\nvariables:\n char site(n, len) ;\n string name(n) ;\n int k(n) ;\ndata:\n site = "mlo", "spo_x", "a,b;c" ;\n name = "Mauna Loa", "", "Waliguan \\"WLG\\"" ;\n k = 1, 2, 3 ;\n}\n',
    );
    const file = path.join(tmp, 's.nc');
    const { execFileSync } = await import('node:child_process');
    execFileSync('ncgen', ['-k', 'nc4', '-o', file, cdl]);
    const ds = await openDataset(file);
    try {
      expect(ds.variable('site')).toMatchObject({ dtype: 'string', dims: ['n'], shape: [3] });
      expect(await ds.readStrings('site')).toEqual(['mlo', 'spo_x', 'a,b;c']);
      expect(await ds.readStrings('name')).toEqual(['Mauna Loa', '', 'Waliguan "WLG"']);
      await expect(ds.readStrings('k')).rejects.toMatchObject({ code: 'InvalidArgument' });
    } finally {
      ds.close();
    }
  });
});

describe.skipIf(!hasNcgen)('NetCDF classic truncation check', () => {
  it('an intact file passes; each byte short of the end fails', async () => {
    const file = path.join(tmp, 'c.nc');
    ncgen('interop_classic.cdl', file, 'classic');
    const bytes = fs.readFileSync(file);
    expect(classicFileSizes(file)).toEqual({ actual: bytes.length, minimum: bytes.length });
    for (const cut of [1, 4, 5, 100, bytes.length - 10]) {
      const f = path.join(tmp, `cut${cut}.nc`);
      fs.writeFileSync(f, bytes.subarray(0, bytes.length - cut));
      const s = classicFileSizes(f)!;
      expect(s.actual < s.minimum, `cut ${cut}`).toBe(true);
    }
    expect(classicFileSizes(path.join(tmp, 's.cdl'))).toBeNull();
  });
});

describe.skipIf(!hasNcgen)('scalar (0-D) variables, which GDAL does not list', () => {
  it('are listed and read, in the root and in groups', async () => {
    const cdl = path.join(tmp, 'scalar.cdl');
    fs.writeFileSync(
      cdl,
      'netcdf scalar {\ndimensions:\n n = 2 ;\nvariables:\n float num_of_land ;\n  num_of_land:units = "1" ;\n double P0 ;\n int v(n) ;\ndata:\n num_of_land = 145 ;\n P0 = 100000 ;\n v = 1, 2 ;\n\ngroup: inner {\n variables:\n  short flag ;\n data:\n  flag = -3 ;\n }\n}\n',
    );
    const file = path.join(tmp, 'scalar.nc');
    const { execFileSync } = await import('node:child_process');
    execFileSync('ncgen', ['-k', 'nc4', '-o', file, cdl]);
    const ds = await openDataset(file);
    try {
      expect(ds.variableNames().sort()).toEqual(['P0', 'inner/flag', 'num_of_land', 'v']);
      const land = await ds.read('num_of_land');
      expect(land).toMatchObject({ dims: [], shape: [], units: '1' });
      expect(Array.from(land.data)).toEqual([145]);
      expect(Array.from((await ds.read('P0')).data)).toEqual([100000]);
      expect(Array.from((await ds.read('inner/flag')).data)).toEqual([-3]);
    } finally {
      ds.close();
    }
  });
});
