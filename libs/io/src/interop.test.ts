// Interop with independent implementations: Debian's xarray/zarr-python 2 reads our Zarr
// stores; GDAL's Zarr driver reads them too. (Readers of files written by Python netCDF4 and
// ncgen are in gdal-reader.test.ts.)
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cfTimesToEpochSeconds } from './cf-time';
import { openDataset } from './gdal-reader';
import { ZarrStore, type Compressor } from './zarr-store';
import { hasPythonXarray, makeTempDir, removeTempDirs, runPython } from './__fixtures__/env';

interface XrVar {
  dims: string[];
  shape: number[];
  attrs: Record<string, unknown>;
  dtype: string;
  values: (number | string | null)[];
}
interface XrView {
  dims: Record<string, number>;
  attrs: Record<string, unknown>;
  vars: Record<string, XrVar>;
}

let tmp: string;
beforeAll(() => {
  tmp = makeTempDir();
});
afterAll(removeTempDirs);

const NT = 4;
const SITES = ['mlo', '', 'brw', 'waliguan'];
const NLAT = 3;
const NLON = 5;
// An explicit formula, NaN at one cell, so expected values do not come from our code.
const fluxAt = (t: number, j: number, i: number): number => (t === 1 && j === 2 && i === 4 ? NaN : (t + 1) * 1e-8 + j * 1e-9 - i * 1e-10);

function flux(t0: number, nt: number): Float64Array {
  const out = new Float64Array(nt * NLAT * NLON);
  for (let t = 0; t < nt; t++) for (let j = 0; j < NLAT; j++) for (let i = 0; i < NLON; i++) out[(t * NLAT + j) * NLON + i] = fluxAt(t0 + t, j, i);
  return out;
}

async function writeRunStore(root: string, compressor: Compressor): Promise<void> {
  const store = await ZarrStore.create(root, { attrs: { title: 'tanhui interop', members: 8, config: { solver: 'ensrf', window_days: 7 } } });
  await store.writeArray('lat', new Float64Array([-60, 0, 60]), { dims: ['lat'], compressor, attrs: { units: 'degrees_north', standard_name: 'latitude' } });
  await store.writeArray('lon', new Float64Array([-144, -72, 0, 72, 144]), { dims: ['lon'], compressor, attrs: { units: 'degrees_east' } });
  // The first two windows, then two appends of one window each.
  await store.writeArray('time', new Float64Array([0, 7 * 86400]), { dims: ['time'], chunks: [1], compressor, attrs: { units: 'seconds since 2014-09-06 00:00:00', calendar: 'standard' } });
  await store.writeArray('flux', flux(0, 2), { shape: [2, NLAT, NLON], dims: ['time', 'lat', 'lon'], chunks: [1, 2, 3], compressor, attrs: { units: 'mol m-2 s-1', long_name: 'posterior flux' } });
  await store.writeArray('site', SITES, { dims: ['site'], compressor });
  await store.writeArray('nobs', new Int32Array([10, 0, -3, 2147483647]), { dims: ['site'], compressor });
  for (let t = 2; t < NT; t++) {
    await store.appendAlong('time', 'time', new Float64Array([t * 7 * 86400]));
    await store.appendAlong('flux', 'time', flux(t, 1));
  }
  // Created empty, one element written: the rest must read as 0 / "" / NaN, not garbage.
  await store.createArray('nflag', { shape: [4], chunks: [1], dims: ['site'], dtype: 'int32', compressor });
  await store.writeRegion('nflag', [2], [1], new Int32Array([5]));
  await store.createArray('note', { shape: [4], chunks: [2], dims: ['site'], dtype: 'string', stringLength: 5, compressor });
  await store.writeRegion('note', [1], [1], ['ok']);
  await store.createArray('score', { shape: [4], chunks: [1], dims: ['site'], dtype: 'float32', compressor });
  await store.writeRegion('score', [3], [1], new Float32Array([0.5]));
  await store.createGroup('diagnostics', { comment: 'per window' });
  await store.writeArray('diagnostics/chi2', new Float32Array([1.5, 0.75]), { dims: ['window'], compressor });
}

const COMPRESSORS = ['lz4', 'zlib', 'zstd', 'gzip', 'none'] as const;

describe.skipIf(!hasPythonXarray)('xarray (Debian /usr/bin/python3) opens our Zarr v2 stores', () => {
  // Python starts once (importing xarray takes seconds) and reports on every store.
  const views = new Map<string, XrView>();
  beforeAll(async () => {
    const args: string[] = [];
    for (const c of COMPRESSORS) {
      const root = path.join(tmp, `run_${c}.zarr`);
      await writeRunStore(root, c);
      args.push(root, `${root}::diagnostics`);
    }
    const out = JSON.parse(runPython('check_zarr.py', args)) as XrView[];
    COMPRESSORS.forEach((c, k) => {
      views.set(c, out[2 * k]);
      views.set(`${c}/diagnostics`, out[2 * k + 1]);
    });
  });

  for (const compressor of COMPRESSORS) {
    it(`values, dims and attributes match (${compressor}, after appends)`, () => {
      const xr = views.get(compressor)!;
      expect(xr.dims).toEqual({ time: NT, lat: NLAT, lon: NLON, site: 4 });
      expect(xr.attrs).toEqual({ title: 'tanhui interop', members: 8, config: { solver: 'ensrf', window_days: 7 } });
      const f = xr.vars.flux;
      expect(f.dims).toEqual(['time', 'lat', 'lon']);
      expect(f.attrs).toMatchObject({ units: 'mol m-2 s-1', long_name: 'posterior flux' });
      const want: (number | null)[] = [];
      for (let t = 0; t < NT; t++) for (let j = 0; j < NLAT; j++) for (let i = 0; i < NLON; i++) {
        const v = fluxAt(t, j, i);
        want.push(Number.isNaN(v) ? null : v);
      }
      expect(f.values).toEqual(want);
      // xarray decodes CF time itself: its instants must be 2014-09-06 + 7 days × t.
      expect(xr.vars.time.dtype).toBe('datetime');
      expect(xr.vars.time.values).toEqual([0, 1, 2, 3].map((t) => Date.UTC(2014, 8, 6 + 7 * t) / 1000));
      expect(xr.vars.lat.attrs).toMatchObject({ units: 'degrees_north', standard_name: 'latitude' });
      expect(xr.vars.site.dtype).toBe('string');
      expect(xr.vars.site.values).toEqual(SITES);
      expect(xr.vars.nobs.dtype).toBe('int32');
      expect(xr.vars.nobs.values).toEqual([10, 0, -3, 2147483647]);
      expect(xr.vars.nflag.values).toEqual([0, 0, 5, 0]);
      expect(xr.vars.note.values).toEqual(['', 'ok', '', '']);
      expect(xr.vars.score.values).toEqual([null, null, null, 0.5]);
      const g = views.get(`${compressor}/diagnostics`)!;
      expect(g.attrs).toEqual({ comment: 'per window' });
      expect(g.vars.chi2.dtype).toBe('float32');
      expect(g.vars.chi2.values).toEqual([1.5, 0.75]);
    });
  }
});

describe.skipIf(!hasPythonXarray)('a store written by xarray (blosc, int64 CF time, strings) is read by ZarrStore', () => {
  it('values, dims, attributes; appending to blosc arrays is refused clearly', async () => {
    const root = path.join(tmp, 'by_xarray.zarr');
    const expected = JSON.parse(runPython('write_zarr_xarray.py', [root])) as { flux: (number | null)[]; time_units: string };
    const store = await ZarrStore.open(root);
    expect(store.format).toBe(2);
    expect(store.listArrays()).toEqual(['count', 'flux', 'lat', 'lon', 'site_code', 'time']);
    expect(store.getAttrs('')).toEqual({ title: 'written by xarray', version: 2 });
    const flux = await store.readArray('flux');
    expect(flux.dims).toEqual(['time', 'lat', 'lon']);
    expect(flux.attrs).toMatchObject({ units: 'mol m-2 s-1' });
    expect(Array.from(flux.data as Float64Array)).toEqual(expected.flux.map((x) => (x === null ? NaN : x)));
    const time = await store.readArray('time');
    expect(time.dtype).toBe('int64');
    expect(time.attrs.units).toBe(expected.time_units);
    expect(Array.from(cfTimesToEpochSeconds(time.data as Float64Array, String(time.attrs.units)))).toEqual([0, 7, 14].map((d) => Date.UTC(2014, 8, 6 + d) / 1000));
    expect((await store.readArray('site_code')).data).toEqual(['mlo', 'waliguan']);
    expect(Array.from((await store.readArray('count')).data as Int32Array)).toEqual([3, -1]);
    await expect(store.appendAlong('flux', 'time', new Float64Array(8))).rejects.toMatchObject({ code: 'NotImplemented' });
    // Attributes can still be changed; the foreign .zarray (blosc settings) is kept verbatim.
    await store.setAttrs('flux', { comment: 'checked' });
    const again = await ZarrStore.open(root);
    expect(again.getAttrs('flux')).toMatchObject({ units: 'mol m-2 s-1', comment: 'checked' });
    expect(again.arrayInfo('flux').compressor).toBe('blosc');
    expect(Array.from((await again.readArray('flux')).data as Float64Array)).toEqual(expected.flux.map((x) => (x === null ? NaN : x)));
  });
});

describe('GDAL’s Zarr driver opens our Zarr v2 stores', () => {
  it('reads the appended flux with its dimension names', async () => {
    const root = path.join(tmp, 'gdal_run.zarr');
    await writeRunStore(root, 'lz4'); // the default codec
    const ds = await openDataset(root);
    try {
      expect(ds.format).toBe('zarr');
      const f = await ds.read('flux');
      expect(f.dims).toEqual(['time', 'lat', 'lon']);
      expect(f.shape).toEqual([NT, NLAT, NLON]);
      expect(Array.from(f.data)).toEqual(Array.from(flux(0, NT)));
      const t = await ds.read('time');
      expect(Array.from(t.times!)).toEqual([0, 1, 2, 3].map((k) => Date.UTC(2014, 8, 6 + 7 * k) / 1000));
    } finally {
      ds.close();
    }
  });
});
