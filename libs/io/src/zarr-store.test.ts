import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zarr from 'zarrita';
import { FileSystemStore } from '@zarrita/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTanhuiError, type TanhuiError } from '@tanhui/core';
import { _faultInjection, writeFileAtomic } from './atomic';
import { ZarrStore } from './zarr-store';
import { makeTempDir, removeTempDirs } from './__fixtures__/env';

let tmp: string;
beforeAll(() => {
  tmp = makeTempDir();
});
afterAll(removeTempDirs);

async function rejection(p: Promise<unknown>): Promise<TanhuiError> {
  try {
    await p;
  } catch (e) {
    if (isTanhuiError(e)) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

/** Value at (t, j, i) of the test field: an explicit formula, so expectations are independent. */
const f = (t: number, j: number, i: number): number => 1000 * t + 10 * j + i + 0.125;
function field(nt: number, nj: number, ni: number, t0 = 0): Float64Array {
  const out = new Float64Array(nt * nj * ni);
  for (let t = 0; t < nt; t++) for (let j = 0; j < nj; j++) for (let i = 0; i < ni; i++) out[(t * nj + j) * ni + i] = f(t + t0, j, i);
  return out;
}

function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => path.join(d.parentPath ?? (d as unknown as { path: string }).path, d.name));
}

describe.each([2, 3] as const)('ZarrStore v%i', (format) => {
  for (const compressor of format === 2 ? (['lz4', 'zlib', 'gzip', 'zstd', 'none'] as const) : (['zlib', 'gzip', 'zstd', 'none'] as const)) {
    it(`round-trips arrays (${compressor}), appends along time across partial chunks`, async () => {
      const root = path.join(tmp, `rt_${format}_${compressor}.zarr`);
      const store = await ZarrStore.create(root, { format, attrs: { title: 'run', config: { members: 4 } } });
      // 3 × 5 × 7 with chunks 2 × 2 × 3: every axis has a partial edge chunk.
      await store.writeArray('flux', field(3, 5, 7), { shape: [3, 5, 7], dims: ['time', 'lat', 'lon'], chunks: [2, 2, 3], compressor, attrs: { units: 'mol m-2 s-1' } });
      await store.writeArray('time', new Float64Array([0, 3600, 7200]), { dims: ['time'], chunks: [2], compressor, attrs: { units: 'seconds since 1970-01-01' } });
      await store.writeArray('post/site', ['mlo', 'spo', '北京'], { dims: ['site'], compressor });
      await store.writeArray('post/count', new Int32Array([-1, 0, 2147483647]), { dims: ['site'], compressor });
      await store.writeArray('mask', new Uint8Array([0, 1, 255]), { dims: ['site'], compressor });
      await store.writeArray('s8', new Int8Array([-128, 0, 127]), { dims: ['site'], compressor });
      await store.writeArray('f32', new Float32Array([1.5, NaN, -2.25]), { dims: ['site'], compressor });
      // Append 2 then 1 steps: the first fills the partial chunk (t=2) and starts a new one.
      await store.appendAlong('flux', 'time', field(2, 5, 7, 3));
      await store.appendAlong('flux', 'time', field(1, 5, 7, 5));
      await store.appendAlong('time', 'time', new Float64Array([10800, 14400, 18000]));

      const again = await ZarrStore.open(root);
      expect(again.format).toBe(format);
      expect(again.listArrays()).toEqual(['f32', 'flux', 'mask', 'post/count', 'post/site', 's8', 'time']);
      expect(again.listGroups()).toEqual(['post']);
      expect(again.getAttrs('')).toEqual({ title: 'run', config: { members: 4 } });
      const flux = await again.readArray('flux');
      expect(flux.shape).toEqual([6, 5, 7]);
      expect(flux.dims).toEqual(['time', 'lat', 'lon']);
      expect(flux.attrs).toEqual({ units: 'mol m-2 s-1' });
      expect(Array.from(flux.data as Float64Array)).toEqual(Array.from(field(6, 5, 7)));
      expect(Array.from((await again.readArray('time')).data as Float64Array)).toEqual([0, 3600, 7200, 10800, 14400, 18000]);
      // A hyperslab across chunk boundaries: t 2..4, j 1..3, i 2..6.
      const slab = await again.readArray('flux', { start: [2, 1, 2], count: [3, 3, 5] });
      expect(slab.shape).toEqual([3, 3, 5]);
      const want: number[] = [];
      for (let t = 2; t < 5; t++) for (let j = 1; j < 4; j++) for (let i = 2; i < 7; i++) want.push(f(t, j, i));
      expect(Array.from(slab.data as Float64Array)).toEqual(want);
      await expect(again.readArray('flux', { start: [5, 0, 0], count: [2, 5, 7] })).rejects.toMatchObject({ code: 'InvalidArgument' });
      expect((await again.readArray('post/site')).data).toEqual(['mlo', 'spo', '北京']);
      expect(Array.from((await again.readArray('post/count')).data as Int32Array)).toEqual([-1, 0, 2147483647]);
      expect(Array.from((await again.readArray('mask')).data as Uint8Array)).toEqual([0, 1, 255]);
      expect(Array.from((await again.readArray('s8')).data as Int8Array)).toEqual([-128, 0, 127]);
      expect(Array.from((await again.readArray('f32')).data as Float32Array)).toEqual([1.5, NaN, -2.25]);
      const stored = format === 3 && compressor === 'zlib' ? 'gzip' : compressor; // v3 has no zlib codec
      expect(again.arrayInfo('flux')).toMatchObject({ chunks: [2, 2, 3], dtype: 'float64', compressor: stored });
      // No temporary files are left behind.
      expect(listFiles(root).filter((p) => path.basename(p).includes('.tmp-'))).toEqual([]);
    });
  }

  it('attributes: merge, replace, arrays keep their dims', async () => {
    const root = path.join(tmp, `attrs_${format}.zarr`);
    const store = await ZarrStore.create(root, { format });
    await store.writeArray('x', new Float64Array([1, 2]), { dims: ['n'], attrs: { units: 'm', long_name: 'x' } });
    await store.setAttrs('', { a: 1 });
    await store.setAttrs('/', { b: 'two' });
    await store.setAttrs('x', { units: 'km', _ARRAY_DIMENSIONS: ['bogus'] });
    await store.createGroup('windows/w0', { complete: false });
    await store.setAttrs('windows/w0', { complete: true });
    const again = await ZarrStore.open(root);
    expect(again.getAttrs('')).toEqual({ a: 1, b: 'two' });
    expect(again.getAttrs('x')).toEqual({ units: 'km', long_name: 'x' });
    expect(again.arrayInfo('x').dims).toEqual(['n']);
    expect(again.getAttrs('windows/w0')).toEqual({ complete: true });
    expect(again.listGroups()).toEqual(['windows', 'windows/w0']);
    await again.setAttrs('', { only: true }, { replace: true });
    expect((await ZarrStore.open(root)).getAttrs('')).toEqual({ only: true });
  });

  it('writeRegion into a created array; untouched cells stay fill', async () => {
    const root = path.join(tmp, `region_${format}.zarr`);
    const store = await ZarrStore.create(root, { format });
    await store.createArray('a', { shape: [4, 5], dims: ['y', 'x'], chunks: [3, 2], dtype: 'float64' });
    await store.writeRegion('a', [1, 1], [2, 3], new Float64Array([1, 2, 3, 4, 5, 6]));
    const got = Array.from((await store.readArray('a')).data as Float64Array);
    const want = new Array(20).fill(NaN);
    [1, 2, 3].forEach((v, k) => (want[5 + 1 + k] = v));
    [4, 5, 6].forEach((v, k) => (want[10 + 1 + k] = v));
    expect(got).toEqual(want);
  });
});

describe('ZarrStore v2 layout', () => {
  it('writes .zgroup/.zattrs/.zarray with _ARRAY_DIMENSIONS and a consolidated .zmetadata that zarrita accepts', async () => {
    const root = path.join(tmp, 'layout.zarr');
    const store = await ZarrStore.create(root);
    await store.writeArray('g/v', new Float32Array([1, 2, 3, 4]), { shape: [2, 2], dims: ['a', 'b'], attrs: { units: 'ppm' } });
    await store.appendAlong('g/v', 'a', new Float32Array([5, 6]));
    const zarray = JSON.parse(fs.readFileSync(path.join(root, 'g/v/.zarray'), 'utf8'));
    expect(zarray).toMatchObject({ zarr_format: 2, shape: [3, 2], dtype: '<f4', fill_value: 'NaN', order: 'C', dimension_separator: '.' });
    const zattrs = JSON.parse(fs.readFileSync(path.join(root, 'g/v/.zattrs'), 'utf8'));
    expect(zattrs).toEqual({ _ARRAY_DIMENSIONS: ['a', 'b'], units: 'ppm' });
    const zmeta = JSON.parse(fs.readFileSync(path.join(root, '.zmetadata'), 'utf8'));
    expect(zmeta.zarr_consolidated_format).toBe(1);
    expect(zmeta.metadata['g/v/.zarray'].shape).toEqual([3, 2]);
    expect(Object.keys(zmeta.metadata).sort()).toEqual(['.zattrs', '.zgroup', 'g/.zattrs', 'g/.zgroup', 'g/v/.zarray', 'g/v/.zattrs']);
    // zarrita through the consolidated metadata only.
    const cons = await zarr.withConsolidatedMetadata(new FileSystemStore(root), { format: 'v2' });
    const arr = await zarr.open.v2(zarr.root(cons).resolve('g/v'), { kind: 'array' });
    const chunk = await zarr.get(arr);
    expect(Array.from(chunk.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe('ZarrStore errors and atomicity', () => {
  it('validates options with messages naming them', async () => {
    const store = await ZarrStore.create(path.join(tmp, 'err.zarr'));
    const d = new Float64Array(6);
    expect((await rejection(store.writeArray('a', d, { shape: [2, 2], dims: ['y', 'x'] }))).code).toBe('BadShape');
    expect((await rejection(store.writeArray('a', d, { shape: [2, 3], dims: ['y'] }))).message).toContain('options.dims');
    expect((await rejection(store.writeArray('a', d, { shape: [2, 3], dims: ['y', 'x'], chunks: [0, 1] }))).message).toContain('options.chunks');
    expect((await rejection(store.writeArray('../a', d, { dims: ['n'] }))).code).toBe('InvalidArgument');
    await store.writeArray('a', d, { shape: [2, 3], dims: ['y', 'x'] });
    expect((await rejection(store.writeArray('a', d, { shape: [2, 3], dims: ['y', 'x'] }))).code).toBe('StoreConflict');
    expect((await rejection(store.appendAlong('a', 'z', d))).message).toContain('no dimension "z"');
    expect((await rejection(store.appendAlong('a', 'y', new Float64Array(4)))).code).toBe('BadShape');
    expect((await rejection(store.appendAlong('a', 'y', new Float32Array(3)))).code).toBe('InvalidArgument');
    const missing = await rejection(store.readArray('b'));
    expect(missing.code).toBe('MissingVariable');
    expect(missing.hint).toContain('a');
    expect((await rejection(ZarrStore.create(path.join(tmp, 'err.zarr')))).code).toBe('StoreConflict');
    expect((await rejection(ZarrStore.open(path.join(tmp, 'nope.zarr')))).code).toBe('MissingFile');
  });

  it('a corrupt chunk or metadata file gives CorruptFile naming the store', async () => {
    const root = path.join(tmp, 'corrupt.zarr');
    const store = await ZarrStore.create(root);
    await store.writeArray('v', new Float64Array([1, 2, 3]), { dims: ['n'] });
    fs.writeFileSync(path.join(root, 'v/0'), 'garbage');
    const e = await rejection((await ZarrStore.open(root)).readArray('v'));
    expect(e.code).toBe('CorruptFile');
    expect(e.context).toMatchObject({ file: root, variable: 'v' });
    fs.writeFileSync(path.join(root, 'v/.zarray'), '{"zarr_format": 2, "shape": [');
    expect((await rejection(ZarrStore.open(root))).code).toBe('CorruptFile');
  });

  it('an interrupted append leaves the previous array readable and unchanged', async () => {
    const root = path.join(tmp, 'interrupt.zarr');
    const store = await ZarrStore.create(root);
    await store.writeArray('v', field(3, 2, 2), { shape: [3, 2, 2], dims: ['time', 'y', 'x'], chunks: [2, 2, 2] });
    // Simulate a crash after the new chunks were written but before the metadata was: write
    // the chunks through a store whose metadata writes fail.
    let calls = 0;
    _faultInjection.beforeRename = (target) => {
      if (target.endsWith('.zattrs') || target.endsWith('.zarray')) throw new Error('disk full');
      calls++;
    };
    try {
      await expect(store.appendAlong('v', 'time', field(2, 2, 2, 3))).rejects.toThrow('disk full');
    } finally {
      delete _faultInjection.beforeRename;
    }
    expect(calls).toBeGreaterThan(0); // the chunks did get written
    // The same store object still describes the old array, and can append again.
    expect(store.arrayInfo('v').shape).toEqual([3, 2, 2]);
    const again = await ZarrStore.open(root);
    const v = await again.readArray('v');
    expect(v.shape).toEqual([3, 2, 2]);
    expect(Array.from(v.data as Float64Array)).toEqual(Array.from(field(3, 2, 2)));
    expect(listFiles(root).filter((p) => path.basename(p).includes('.tmp-'))).toEqual([]);
    await store.appendAlong('v', 'time', field(2, 2, 2, 3));
    expect(Array.from((await store.readArray('v')).data as Float64Array)).toEqual(Array.from(field(5, 2, 2)));
  });

  it('writeFileAtomic replaces whole files only', () => {
    const file = path.join(tmp, 'atomic', 'f.json');
    writeFileAtomic(file, 'one');
    writeFileAtomic(file, 'two');
    expect(fs.readFileSync(file, 'utf8')).toBe('two');
    expect(fs.readdirSync(path.dirname(file))).toEqual(['f.json']);
  });
});

describe('ZarrStore v2 reads chunks itself where it can, and agrees with zarrita', () => {
  // zarrita (an independent implementation) reads the same stores: every region of arrays with
  // partial edge chunks, missing chunks (fill), several types and codecs must match it exactly.
  async function viaZarrita(root: string, name: string, start: number[], count: number[]): Promise<ArrayLike<number>> {
    const arr = await zarr.open.v2(zarr.root(new FileSystemStore(root)).resolve(name), { kind: 'array' });
    const got = await zarr.get(arr, start.map((s, k) => zarr.slice(s, s + count[k])));
    return got.data as ArrayLike<number>;
  }
  for (const compressor of ['lz4', 'zlib', 'zstd', 'none'] as const) {
    it(`every region of 3-D arrays (${compressor}), default store options, a missing chunk`, async () => {
      const root = path.join(tmp, `direct_${compressor}.zarr`);
      const store = await ZarrStore.create(root);
      await store.writeArray('flux', field(4, 5, 7), { shape: [4, 5, 7], dims: ['t', 'y', 'x'], chunks: [3, 2, 7], compressor });
      await store.writeArray('whole', field(4, 5, 7), { shape: [4, 5, 7], dims: ['t', 'y', 'x'], chunks: [2, 5, 7], compressor });
      await store.createArray('count', { shape: [3, 4], chunks: [2, 3], dims: ['a', 'b'], dtype: 'int32', compressor });
      await store.writeRegion('count', [0, 0], [2, 3], new Int32Array([1, -2, 3, 4, 5, 2147483647]));
      await store.createArray('part', { shape: [5, 3], chunks: [2, 3], dims: ['a', 'b'], dtype: 'float32', compressor });
      await store.writeRegion('part', [2, 0], [2, 3], new Float32Array([1.5, 2.5, 3.5, 4.5, 5.5, 6.5]));
      const again = await ZarrStore.open(root);
      for (const name of ['flux', 'whole', 'count', 'part']) {
        const shape = again.arrayInfo(name).shape;
        const regions: Array<[number[], number[]]> = [[shape.map(() => 0), shape]];
        for (let s0 = 0; s0 < shape[0]; s0 += 1) for (let c0 = 1; s0 + c0 <= shape[0]; c0 += 2) regions.push([[s0, ...shape.slice(1).map((n) => Math.floor(n / 3))], [c0, ...shape.slice(1).map((n) => n - Math.floor(n / 3))]]);
        for (const [start, count] of regions) {
          const ours = (await again.readArray(name, { start, count })).data as ArrayLike<number>;
          expect(Array.from(ours), `${name} [${start}] + [${count}]`).toEqual(Array.from(await viaZarrita(root, name, start, count)));
        }
      }
      expect(Array.from((await again.readArray('part')).data as Float32Array).slice(0, 6)).toEqual([NaN, NaN, NaN, NaN, NaN, NaN]);
    });
  }
});
