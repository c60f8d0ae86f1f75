// A Zarr store on the file system: groups, chunked and compressed arrays, attributes, appending
// along a dimension. Default format: Zarr v2 with consolidated .zmetadata and
// _ARRAY_DIMENSIONS (what xarray, GDAL and zarr-python 2 and 3 read); Zarr v3 as an option.
//
// Metadata and chunks are written by this file (zarrita's create() writes v3 only and its
// zlib/gzip codecs cannot encode). Numeric v2 arrays with our codecs are read chunk by chunk
// here (readChunksDirect: zarrita's get costs 2–4× the decode on tens of MB); everything else
// goes through zarrita, which the tests also use to check the direct path.
//
// Every file is written to a temporary name in the same directory and renamed into place, so
// an interrupted write leaves either the old or the new file, never half of one. Appending
// writes the new chunks first and the enlarged shape last: until the metadata is replaced the
// array is the old one (chunk data beyond the old shape is ignored by every reader).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zarr from 'zarrita';
import { FileSystemStore } from '@zarrita/storage';
import { TanhuiError, isTanhuiError } from '@tanhui/core';
import type { AttrValue } from './cf';
import { writeFileAtomic } from './atomic';
import { bytesCodec, DEFAULT_LEVEL, registerNodeZlibCodecs, WRITABLE_COMPRESSORS, type Compressor } from './zarr-codecs';

registerNodeZlibCodecs();

export type ZarrFormat = 2 | 3;
export type ZarrDtype = 'float64' | 'float32' | 'int32' | 'int16' | 'int8' | 'uint8' | 'uint16' | 'uint32' | 'string';
/**
 * Types found in stores written by other tools: read (64-bit integers as Float64Array, exact
 * below 2^53 — xarray stores CF times as int64), never written. 'unknown' cannot be read.
 */
export type StoredDtype = ZarrDtype | 'int64' | 'uint64' | 'unknown';
export type ZarrNumericData = Float64Array | Float32Array | Int32Array | Int16Array | Int8Array | Uint8Array | Uint16Array | Uint32Array;
export type ZarrData = ZarrNumericData | string[];
export type { Compressor } from './zarr-codecs';

/** JSON-serialisable attribute values (CF attributes plus nested config/provenance objects). */
export type ZarrAttrValue = AttrValue | boolean | null | string[] | { [k: string]: ZarrAttrValue } | ZarrAttrValue[];
export type ZarrAttrs = Record<string, ZarrAttrValue>;

export interface CreateStoreOptions {
  /** 2 (default) or 3; 'v2'/'v3' accepted. */
  format?: ZarrFormat | 'v2' | 'v3';
  /** Root group attributes. */
  attrs?: ZarrAttrs;
  /** Replace an existing store at `path` (default false: StoreConflict). */
  overwrite?: boolean;
}

export interface ArrayOptions {
  /** Shape; defaults to [data.length] for 1-D data. */
  shape?: readonly number[];
  /** Dimension names, one per axis (become _ARRAY_DIMENSIONS / dimension_names). */
  dims: readonly string[];
  /** Chunk shape; default: whole array, split along leading axes to ≤ 2^20 elements. */
  chunks?: readonly number[];
  attrs?: ZarrAttrs;
  /** Stored type; default from the typed array (string[] → 'string'). */
  dtype?: ZarrDtype;
  /**
   * Default 'lz4' for Zarr v2 (the fastest here: see tools/bench/io; xarray/zarr-python read it),
   * 'gzip' for v3; 'zlib', 'gzip', 'zstd', 'none'. lz4 is a v2 codec only.
   */
  compressor?: Compressor;
  level?: number;
  /** Replace an existing array of that name (default false: StoreConflict). */
  overwrite?: boolean;
}

export interface ZarrArrayData {
  name: string;
  data: ZarrData;
  shape: number[];
  dims: string[];
  attrs: ZarrAttrs;
  dtype: StoredDtype;
}

export interface ZarrArrayInfo {
  name: string;
  shape: number[];
  chunks: number[];
  dims: string[];
  dtype: StoredDtype;
  compressor: Compressor | string;
  attrs: ZarrAttrs;
}

interface ArrayMeta {
  shape: number[];
  chunks: number[];
  dtype: StoredDtype;
  dims: string[];
  /** Other tools' codecs (blosc, lz4, …) are read through zarrita but not written. */
  compressor: Compressor | string;
  level: number;
  /** Max characters for v2 fixed-width unicode strings. */
  strLen: number;
  attrs: ZarrAttrs;
  /** Metadata as read from disk (.zarray or zarr.json): kept verbatim, except attributes. */
  raw?: Record<string, unknown>;
}

const V2_DTYPE: Record<Exclude<ZarrDtype, 'string'>, string> = {
  float64: '<f8',
  float32: '<f4',
  int32: '<i4',
  int16: '<i2',
  int8: '|i1',
  uint8: '|u1',
  uint16: '<u2',
  uint32: '<u4',
};

const CTOR: Record<Exclude<ZarrDtype, 'string'>, new (n: number) => ZarrNumericData> = {
  float64: Float64Array,
  float32: Float32Array,
  int32: Int32Array,
  int16: Int16Array,
  int8: Int8Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
};

const MAX_CHUNK_ELEMENTS = 1 << 20;

function dtypeOfData(data: ZarrData): ZarrDtype {
  if (Array.isArray(data)) return 'string';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Uint32Array) return 'uint32';
  throw new TanhuiError('InvalidArgument', 'data must be a numeric typed array or an array of strings');
}

function product(xs: readonly number[]): number {
  return xs.reduce((a, b) => a * b, 1);
}

function isFloat(dtype: StoredDtype): boolean {
  return dtype === 'float64' || dtype === 'float32';
}

function defaultChunks(shape: readonly number[]): number[] {
  const chunks = shape.map((n) => Math.max(1, n));
  for (let k = 0; k < chunks.length && product(chunks) > MAX_CHUNK_ELEMENTS; k++) {
    const rest = product(chunks.slice(k + 1));
    chunks[k] = Math.max(1, Math.min(chunks[k], Math.floor(MAX_CHUNK_ELEMENTS / Math.max(1, rest))));
  }
  return chunks;
}

function normaliseName(name: string): string {
  const n = name.replace(/^\/+|\/+$/g, '');
  if (n.split('/').some((p) => p === '' || p === '.' || p === '..' || p.startsWith('.'))) {
    throw new TanhuiError('InvalidArgument', `invalid array or group name "${name}"`, {
      hint: 'use names like "flux" or "posterior/flux" (no empty, "." or ".." parts, no leading dots)',
    });
  }
  return n;
}

function readJson(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new TanhuiError('MissingFile', 'Zarr metadata file not found', { context: { file }, cause: err });
  }
  try {
    return JSON.parse(text, (_k, v) => v) as Record<string, unknown>;
  } catch (err) {
    throw new TanhuiError('CorruptFile', 'Zarr metadata is not valid JSON', { context: { file }, cause: err });
  }
}

/**
 * A Zarr store on disk. `ZarrStore.create(path)` makes a new one, `ZarrStore.open(path)` opens
 * an existing one (v2 or v3, detected). Array names may contain groups: "posterior/flux".
 * Methods that write return promises; use one ZarrStore per process for writing.
 */
export class ZarrStore {
  readonly path: string;
  readonly format: ZarrFormat;
  private readonly arrays = new Map<string, ArrayMeta>();
  private readonly groups = new Map<string, ZarrAttrs>();

  private constructor(root: string, format: ZarrFormat) {
    this.path = root;
    this.format = format;
  }

  /** Create a new store (rejects with StoreConflict if one exists, unless overwrite). */
  static async create(root: string, options: CreateStoreOptions = {}): Promise<ZarrStore> {
    const f = options.format ?? 2;
    const format: ZarrFormat = f === 3 || f === 'v3' ? 3 : f === 2 || f === 'v2' ? 2 : (0 as ZarrFormat);
    if (format !== 2 && format !== 3) {
      throw new TanhuiError('InvalidArgument', `options.format must be 2 or 3, got ${String(f)}`);
    }
    if (fs.existsSync(root)) {
      const nonEmpty = fs.statSync(root).isDirectory() ? fs.readdirSync(root).length > 0 : true;
      if (nonEmpty && !options.overwrite) {
        throw new TanhuiError('StoreConflict', 'a file or non-empty directory already exists at the store path', {
          context: { file: root },
          hint: 'choose a new path, or pass { overwrite: true } to replace it',
        });
      }
      if (nonEmpty) fs.rmSync(root, { recursive: true, force: true });
    }
    fs.mkdirSync(root, { recursive: true });
    const store = new ZarrStore(root, format);
    store.groups.set('', { ...(options.attrs ?? {}) });
    store.writeGroupMeta('');
    store.consolidateSync();
    return store;
  }

  /** Open an existing store, v2 or v3. Rejects with MissingFile or CorruptFile. */
  static async open(root: string): Promise<ZarrStore> {
    if (!fs.existsSync(root)) {
      throw new TanhuiError('MissingFile', 'Zarr store not found', { context: { file: root } });
    }
    const v2 = fs.existsSync(path.join(root, '.zgroup')) || fs.existsSync(path.join(root, '.zarray'));
    const v3 = fs.existsSync(path.join(root, 'zarr.json'));
    if (!v2 && !v3) {
      throw new TanhuiError('CorruptFile', 'not a Zarr store (no .zgroup or zarr.json at its root)', {
        context: { file: root },
      });
    }
    const store = new ZarrStore(root, v3 ? 3 : 2);
    store.scan('');
    return store;
  }

  /** True if a store (v2 or v3) exists at `root`. */
  static exists(root: string): boolean {
    return fs.existsSync(path.join(root, '.zgroup')) || fs.existsSync(path.join(root, 'zarr.json'));
  }

  // ---- metadata on disk -------------------------------------------------------------------

  private scan(rel: string): void {
    const dir = path.join(this.path, rel);
    if (this.format === 2) {
      if (fs.existsSync(path.join(dir, '.zarray'))) {
        this.arrays.set(rel, this.parseV2Array(rel));
        return;
      }
      if (fs.existsSync(path.join(dir, '.zgroup'))) {
        const zg = readJson(path.join(dir, '.zgroup'));
        if (zg.zarr_format !== 2) {
          throw new TanhuiError('CorruptFile', `.zgroup says zarr_format ${String(zg.zarr_format)}, expected 2`, { context: { file: path.join(dir, '.zgroup') } });
        }
        const attrsFile = path.join(dir, '.zattrs');
        this.groups.set(rel, fs.existsSync(attrsFile) ? (readJson(attrsFile) as ZarrAttrs) : {});
      } else if (rel !== '') return;
    } else {
      const metaFile = path.join(dir, 'zarr.json');
      if (!fs.existsSync(metaFile)) return;
      const meta = readJson(metaFile);
      if (meta.zarr_format !== 3 || (meta.node_type !== 'array' && meta.node_type !== 'group')) {
        throw new TanhuiError('CorruptFile', 'zarr.json is not Zarr v3 metadata', { context: { file: metaFile } });
      }
      if (meta.node_type === 'array') {
        this.arrays.set(rel, this.parseV3Array(rel, meta));
        return;
      }
      this.groups.set(rel, (meta.attributes as ZarrAttrs) ?? {});
    }
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory() && !entry.name.startsWith('.')) {
        this.scan(rel === '' ? entry.name : `${rel}/${entry.name}`);
      }
    }
  }

  private parseV2Array(rel: string): ArrayMeta {
    const file = path.join(this.path, rel, '.zarray');
    const z = readJson(file);
    if (z.zarr_format !== 2 || !Array.isArray(z.shape) || !Array.isArray(z.chunks) || z.shape.length !== z.chunks.length) {
      throw new TanhuiError('CorruptFile', '.zarray is not valid Zarr v2 array metadata', { context: { file } });
    }
    const attrsFile = path.join(this.path, rel, '.zattrs');
    const attrs = fs.existsSync(attrsFile) ? (readJson(attrsFile) as ZarrAttrs) : {};
    const dims = Array.isArray(attrs._ARRAY_DIMENSIONS) ? (attrs._ARRAY_DIMENSIONS as string[]) : [];
    const rest = { ...attrs };
    delete rest._ARRAY_DIMENSIONS;
    const dt = String(z.dtype);
    let dtype: StoredDtype | undefined;
    let strLen = 0;
    const um = /^[<>|]U(\d+)$/.exec(dt);
    if (um) {
      dtype = 'string';
      strLen = Number(um[1]);
    } else if (dt === '<i8' || dt === '<u8') {
      dtype = dt === '<i8' ? 'int64' : 'uint64';
    } else {
      dtype = (Object.keys(V2_DTYPE) as Exclude<ZarrDtype, 'string'>[]).find((k) => V2_DTYPE[k] === dt || V2_DTYPE[k].replace('<', '|') === dt);
    }
    const comp = z.compressor as { id?: string; level?: number; acceleration?: number } | null;
    const compressor = (comp === null ? 'none' : comp?.id) as Compressor;
    const shape = z.shape as number[];
    return {
      shape,
      chunks: z.chunks as number[],
      dtype: dtype ?? 'unknown',
      dims: dims.length === shape.length ? dims : shape.map((_, k) => `dim_${k}`),
      compressor,
      level: comp?.level ?? comp?.acceleration ?? 0,
      strLen,
      attrs: rest,
      raw: z,
    };
  }

  private parseV3Array(rel: string, meta: Record<string, unknown>): ArrayMeta {
    const shape = meta.shape as number[];
    const grid = meta.chunk_grid as { configuration?: { chunk_shape?: number[] } } | undefined;
    const codecs = (meta.codecs as { name: string; configuration?: { level?: number } }[]) ?? [];
    const compCodec = codecs.find((c) => ['zstd', 'gzip', 'zlib', 'blosc', 'lz4'].includes(c.name));
    const dt = String(meta.data_type);
    const known = [...Object.keys(V2_DTYPE), 'string', 'int64', 'uint64'];
    const dtype = (known.includes(dt) ? dt : 'unknown') as StoredDtype;
    const dims = (meta.dimension_names as (string | null)[] | undefined) ?? [];
    return {
      shape,
      chunks: grid?.configuration?.chunk_shape ?? shape,
      dtype,
      dims: shape.map((_, k) => dims[k] ?? `dim_${k}`),
      compressor: compCodec?.name ?? 'none',
      level: compCodec?.configuration?.level ?? 0,
      strLen: 0,
      attrs: (meta.attributes as ZarrAttrs) ?? {},
      raw: meta,
    };
  }

  private writeGroupMeta(rel: string, attrs: ZarrAttrs = this.groups.get(rel) ?? {}): void {
    const dir = path.join(this.path, rel);
    if (this.format === 2) {
      writeFileAtomic(path.join(dir, '.zgroup'), JSON.stringify({ zarr_format: 2 }, null, 2));
      writeFileAtomic(path.join(dir, '.zattrs'), JSON.stringify(attrs, null, 2));
    } else {
      writeFileAtomic(path.join(dir, 'zarr.json'), JSON.stringify({ zarr_format: 3, node_type: 'group', attributes: attrs }, null, 2));
    }
  }

  private v2ArrayJson(m: ArrayMeta): { zarray: Record<string, unknown>; zattrs: ZarrAttrs } {
    if (m.raw) return { zarray: m.raw, zattrs: { _ARRAY_DIMENSIONS: m.dims, ...m.attrs } };
    const comp = m.compressor === 'none' ? null : m.compressor === 'lz4' ? { id: 'lz4', acceleration: m.level } : { id: m.compressor, level: m.level };
    const dtype = m.dtype === 'string' ? `<U${m.strLen}` : V2_DTYPE[m.dtype as Exclude<ZarrDtype, 'string'>];
    // Integers and strings get no fill value: xarray would otherwise mask values equal to it
    // (turning integers into floats, and "" into NaN in an object array).
    const fill = isFloat(m.dtype) ? 'NaN' : null;
    return {
      zarray: {
        zarr_format: 2,
        shape: m.shape,
        chunks: m.chunks,
        dtype,
        compressor: comp,
        fill_value: fill,
        filters: null,
        order: 'C',
        dimension_separator: '.',
      },
      zattrs: { _ARRAY_DIMENSIONS: m.dims, ...m.attrs },
    };
  }

  private v3ArrayJson(m: ArrayMeta): Record<string, unknown> {
    if (m.raw) return { ...m.raw, attributes: m.attrs };
    const codecs: Record<string, unknown>[] =
      m.dtype === 'string' ? [{ name: 'vlen-utf8', configuration: {} }] : [{ name: 'bytes', configuration: { endian: 'little' } }];
    if (m.compressor === 'zstd') codecs.push({ name: 'zstd', configuration: { level: m.level, checksum: false } });
    else if (m.compressor === 'gzip' || m.compressor === 'zlib') codecs.push({ name: 'gzip', configuration: { level: m.level } });
    return {
      zarr_format: 3,
      node_type: 'array',
      shape: m.shape,
      data_type: m.dtype,
      chunk_grid: { name: 'regular', configuration: { chunk_shape: m.chunks } },
      chunk_key_encoding: { name: 'default', configuration: { separator: '/' } },
      fill_value: m.dtype === 'string' ? '' : isFloat(m.dtype) ? 'NaN' : 0,
      codecs,
      attributes: m.attrs,
      dimension_names: m.dims,
    };
  }

  private writeArrayMeta(rel: string, m: ArrayMeta = this.arrays.get(rel)!): void {
    const dir = path.join(this.path, rel);
    if (this.format === 2) {
      const { zarray, zattrs } = this.v2ArrayJson(m);
      writeFileAtomic(path.join(dir, '.zattrs'), JSON.stringify(zattrs, null, 2));
      writeFileAtomic(path.join(dir, '.zarray'), JSON.stringify(zarray, null, 2));
    } else {
      writeFileAtomic(path.join(dir, 'zarr.json'), JSON.stringify(this.v3ArrayJson(m), null, 2));
    }
  }

  private ensureParentGroups(rel: string): void {
    const parts = rel.split('/');
    for (let k = 1; k < parts.length; k++) {
      const g = parts.slice(0, k).join('/');
      if (this.arrays.has(g)) {
        throw new TanhuiError('StoreConflict', `"${g}" is an array, not a group`, { context: { file: this.path, variable: rel } });
      }
      if (!this.groups.has(g)) {
        this.groups.set(g, {});
        this.writeGroupMeta(g);
      }
    }
  }

  private consolidateSync(): void {
    if (this.format !== 2) return; // v3 consolidated metadata is not standardised; readers scan.
    const metadata: Record<string, unknown> = {};
    for (const [g, attrs] of [...this.groups].sort(([a], [b]) => a.localeCompare(b))) {
      const p = g === '' ? '' : `${g}/`;
      metadata[`${p}.zgroup`] = { zarr_format: 2 };
      metadata[`${p}.zattrs`] = attrs;
    }
    for (const [a, m] of [...this.arrays].sort(([x], [y]) => x.localeCompare(y))) {
      const { zarray, zattrs } = this.v2ArrayJson(m);
      metadata[`${a}/.zarray`] = zarray;
      metadata[`${a}/.zattrs`] = zattrs;
    }
    writeFileAtomic(path.join(this.path, '.zmetadata'), JSON.stringify({ metadata, zarr_consolidated_format: 1 }, null, 2));
  }

  /** Rewrite the consolidated .zmetadata (v2). Writers call it for you after each change. */
  async consolidate(): Promise<void> {
    this.consolidateSync();
  }

  // ---- public API ----------------------------------------------------------------------

  /** Names of all arrays ("group/var" for arrays in groups), sorted. */
  listArrays(): string[] {
    return [...this.arrays.keys()].sort();
  }

  /** Names of all groups except the root, sorted. */
  listGroups(): string[] {
    return [...this.groups.keys()].filter((g) => g !== '').sort();
  }

  hasArray(name: string): boolean {
    return this.arrays.has(name.replace(/^\/+|\/+$/g, ''));
  }

  /** Metadata of one array. */
  arrayInfo(name: string): ZarrArrayInfo {
    const rel = name.replace(/^\/+|\/+$/g, '');
    const m = this.meta(rel);
    return {
      name: rel,
      shape: m.shape.slice(),
      chunks: m.chunks.slice(),
      dims: m.dims.slice(),
      dtype: m.dtype,
      compressor: m.compressor,
      attrs: structuredClone(m.attrs),
    };
  }

  private meta(rel: string): ArrayMeta {
    const m = this.arrays.get(rel);
    if (!m) {
      const names = this.listArrays();
      throw new TanhuiError('MissingVariable', 'no such array in the Zarr store', {
        context: { file: this.path, variable: rel },
        hint: names.length ? `available: ${names.slice(0, 40).join(', ')}` : 'the store has no arrays',
      });
    }
    return m;
  }

  /** Create a group (and its parents) with attributes. */
  async createGroup(name: string, attrs: ZarrAttrs = {}): Promise<void> {
    const rel = normaliseName(name);
    if (this.arrays.has(rel)) throw new TanhuiError('StoreConflict', `"${rel}" is an array`, { context: { file: this.path, variable: rel } });
    this.ensureParentGroups(`${rel}/x`);
    this.groups.set(rel, { ...(this.groups.get(rel) ?? {}), ...attrs });
    this.writeGroupMeta(rel);
    this.consolidateSync();
  }

  /** Attributes of a group ('' or '/' for the root) or an array. */
  getAttrs(name = ''): ZarrAttrs {
    const rel = name.replace(/^\/+|\/+$/g, '');
    if (this.groups.has(rel)) return structuredClone(this.groups.get(rel)!);
    return structuredClone(this.meta(rel).attrs);
  }

  /**
   * Set attributes of a group ('' = root) or an array. Merges into the existing attributes
   * unless `replace`; a value of `null`... is stored as null (JSON). _ARRAY_DIMENSIONS is kept.
   */
  async setAttrs(name: string, attrs: ZarrAttrs, options: { replace?: boolean } = {}): Promise<void> {
    const rel = name.replace(/^\/+|\/+$/g, '');
    // Memory changes only once the file is written, so a failed write changes nothing.
    if (this.groups.has(rel)) {
      const next = options.replace ? { ...attrs } : { ...this.groups.get(rel)!, ...attrs };
      this.writeGroupMeta(rel, next);
      this.groups.set(rel, next);
    } else {
      const m = this.meta(rel);
      const clean = { ...attrs };
      delete clean._ARRAY_DIMENSIONS;
      const next = { ...m, attrs: options.replace ? clean : { ...m.attrs, ...clean } };
      this.writeArrayMeta(rel, next);
      this.arrays.set(rel, next);
    }
    this.consolidateSync();
  }

  /** Create an array without data (all fill: NaN for floats, 0 for integers, "" for strings). */
  async createArray(name: string, options: ArrayOptions & { shape: readonly number[]; dtype: ZarrDtype; stringLength?: number }): Promise<void> {
    const rel = normaliseName(name);
    const m = this.defineArray(rel, options, options.dtype, options.stringLength ?? 1);
    // Integer and string arrays have no fill value (see v2ArrayJson) and zarr-python 2 returns
    // uninitialised memory for their missing chunks: write them all, as zeros / "".
    if (!isFloat(m.dtype)) {
      const n = product(m.shape);
      const blank: ZarrData = m.dtype === 'string' ? new Array<string>(n).fill('') : filled(m.dtype, n);
      await this.writeChunks(rel, m, new Array(m.shape.length).fill(0), m.shape.slice(), blank, true);
    }
    this.writeArrayMeta(rel);
    this.consolidateSync();
  }

  private defineArray(rel: string, options: ArrayOptions, dtype: ZarrDtype, strLen: number): ArrayMeta {
    const shape = [...(options.shape ?? [])];
    const where = { file: this.path, variable: rel };
    if (!(dtype in V2_DTYPE) && dtype !== 'string') {
      throw new TanhuiError('InvalidArgument', `options.dtype must be one of ${[...Object.keys(V2_DTYPE), 'string'].join(', ')}; got ${dtype}`, { context: where });
    }
    if (shape.some((n) => !Number.isInteger(n) || n < 0)) {
      throw new TanhuiError('InvalidArgument', `options.shape must be non-negative integers, got [${shape.join(', ')}]`, { context: where });
    }
    if (!Array.isArray(options.dims) || options.dims.length !== shape.length) {
      throw new TanhuiError('InvalidArgument', `options.dims must name each of the ${shape.length} axes, got [${(options.dims ?? []).join(', ')}]`, { context: where });
    }
    const chunks = options.chunks ? [...options.chunks] : defaultChunks(shape);
    if (chunks.length !== shape.length || chunks.some((c) => !Number.isInteger(c) || c < 1)) {
      throw new TanhuiError('InvalidArgument', `options.chunks must be ${shape.length} integers ≥ 1, got [${chunks.join(', ')}]`, { context: where });
    }
    let compressor = options.compressor ?? (this.format === 3 ? 'gzip' : 'lz4');
    // Zarr v3 has no zlib codec; gzip is the same deflate stream with a header.
    if (this.format === 3 && compressor === 'zlib') compressor = 'gzip';
    if (!WRITABLE_COMPRESSORS.includes(compressor)) {
      throw new TanhuiError('InvalidArgument', `options.compressor must be one of ${WRITABLE_COMPRESSORS.join(', ')}; got ${compressor}`, { context: where });
    }
    if (this.format === 3 && compressor === 'lz4') {
      throw new TanhuiError('InvalidArgument', 'options.compressor lz4 is written to Zarr v2 stores only', { context: where, hint: 'use zstd or gzip in a Zarr v3 store' });
    }
    if (this.arrays.has(rel) && !options.overwrite) {
      throw new TanhuiError('StoreConflict', 'array already exists', {
        context: where,
        hint: 'pass { overwrite: true } to replace it, or appendAlong() to extend it',
      });
    }
    if (this.groups.has(rel)) throw new TanhuiError('StoreConflict', `"${rel}" is a group`, { context: where });
    this.ensureParentGroups(rel);
    if (this.arrays.has(rel)) fs.rmSync(path.join(this.path, rel), { recursive: true, force: true });
    const attrs = { ...(options.attrs ?? {}) };
    delete attrs._ARRAY_DIMENSIONS;
    const m: ArrayMeta = {
      shape,
      chunks,
      dtype,
      dims: [...options.dims],
      compressor,
      level: options.level ?? DEFAULT_LEVEL[compressor],
      strLen: Math.max(1, strLen),
      attrs,
    };
    this.arrays.set(rel, m);
    fs.mkdirSync(path.join(this.path, rel), { recursive: true });
    return m;
  }

  /** Write a whole array (row-major data, last dimension fastest). */
  async writeArray(name: string, data: ZarrData, options: ArrayOptions): Promise<void> {
    const rel = normaliseName(name);
    const dtype = options.dtype ?? dtypeOfData(data);
    const shape = options.shape ? [...options.shape] : [data.length];
    if (product(shape) !== data.length) {
      throw new TanhuiError('BadShape', `data has ${data.length} values but shape [${shape.join(', ')}] needs ${product(shape)}`, {
        context: { file: this.path, variable: rel },
      });
    }
    checkDataType(data, dtype, this.path, rel);
    const strLen = dtype === 'string' ? maxStringLength(data as string[]) : 1;
    const m = this.defineArray(rel, { ...options, shape }, dtype, strLen);
    await this.writeChunks(rel, m, new Array(shape.length).fill(0), shape, data, true);
    this.writeArrayMeta(rel);
    this.consolidateSync();
  }

  /**
   * Write `data` (of shape `count`) into an existing array at `start`. The region must lie
   * inside the array; chunks only partly covered are read, merged and rewritten.
   */
  async writeRegion(name: string, start: readonly number[], count: readonly number[], data: ZarrData): Promise<void> {
    const rel = name.replace(/^\/+|\/+$/g, '');
    const m = this.meta(rel);
    const where = { file: this.path, variable: rel };
    if (start.length !== m.shape.length || count.length !== m.shape.length) {
      throw new TanhuiError('InvalidArgument', `start and count need ${m.shape.length} entries`, { context: where });
    }
    for (let k = 0; k < m.shape.length; k++) {
      if (start[k] < 0 || count[k] < 0 || start[k] + count[k] > m.shape[k]) {
        throw new TanhuiError('InvalidArgument', `region [${start[k]}, ${start[k] + count[k]}) is outside dimension ${m.dims[k]} of size ${m.shape[k]}`, { context: where });
      }
    }
    if (product(count) !== data.length) {
      throw new TanhuiError('BadShape', `data has ${data.length} values but the region needs ${product(count)}`, { context: where });
    }
    checkDataType(data, m.dtype, this.path, rel);
    if (m.dtype === 'string' && this.format === 2 && maxStringLength(data as string[]) > m.strLen) {
      throw new TanhuiError('BadValue', `strings longer than the array's ${m.strLen} characters`, { context: where });
    }
    await this.writeChunks(rel, m, [...start], [...count], data, false);
  }

  /**
   * Append `data` along dimension `dim`: its shape is the array's shape with that dimension's
   * size replaced by the number of new entries.
   */
  async appendAlong(name: string, dim: string, data: ZarrData, options: { count?: number } = {}): Promise<void> {
    const rel = name.replace(/^\/+|\/+$/g, '');
    const m = this.meta(rel);
    const where = { file: this.path, variable: rel };
    const axis = m.dims.indexOf(dim);
    if (axis < 0) {
      throw new TanhuiError('InvalidArgument', `array has no dimension "${dim}"`, { context: where, hint: `dims: ${m.dims.join(', ')}` });
    }
    const others = product(m.shape.filter((_, k) => k !== axis));
    const n = options.count ?? (others === 0 ? 0 : data.length / others);
    if (!Number.isInteger(n) || n * others !== data.length) {
      throw new TanhuiError('BadShape', `data has ${data.length} values, not a multiple of ${others} (the array's size across the other dimensions)`, { context: where });
    }
    checkDataType(data, m.dtype, this.path, rel);
    if (m.dtype === 'string' && this.format === 2 && maxStringLength(data as string[]) > m.strLen) {
      throw new TanhuiError('BadValue', `strings longer than the array's ${m.strLen} characters cannot be appended`, { context: where });
    }
    if (n === 0) return;
    const start = m.shape.map((_, k) => (k === axis ? m.shape[axis] : 0));
    const count = m.shape.map((s, k) => (k === axis ? n : s));
    // Chunks first, enlarged shape last (see the file comment).
    const shape = m.shape.map((s, k) => (k === axis ? s + n : s));
    const grown: ArrayMeta = { ...m, shape, ...(m.raw ? { raw: { ...m.raw, shape } } : {}) };
    await this.writeChunks(rel, grown, start, count, data, false);
    this.writeArrayMeta(rel, grown);
    this.arrays.set(rel, grown);
    this.consolidateSync();
  }

  /**
   * Read an array (through zarrita) with its dims and attributes: whole, or the hyperslab
   * `start`/`count` (then `shape` is `count`).
   */
  async readArray(name: string, options: { start?: readonly number[]; count?: readonly number[] } = {}): Promise<ZarrArrayData> {
    const rel = name.replace(/^\/+|\/+$/g, '');
    const m = this.meta(rel);
    const rank = m.shape.length;
    const start = options.start ? [...options.start] : new Array<number>(rank).fill(0);
    const count = options.count ? [...options.count] : m.shape.map((n, k) => n - start[k]);
    const where = { file: this.path, variable: rel };
    if (start.length !== rank || count.length !== rank) {
      throw new TanhuiError('InvalidArgument', `start and count need ${rank} entries`, { context: where });
    }
    for (let k = 0; k < rank; k++) {
      if (!Number.isInteger(start[k]) || !Number.isInteger(count[k]) || start[k] < 0 || count[k] < 0 || start[k] + count[k] > m.shape[k]) {
        throw new TanhuiError('InvalidArgument', `region [${start[k]}, ${start[k] + count[k]}) is outside dimension ${m.dims[k]} of size ${m.shape[k]}`, { context: where });
      }
    }
    const whole = start.every((s, k) => s === 0 && count[k] === m.shape[k]);
    let data: ZarrData;
    try {
      data = directlyReadable(this.format, m) ? await this.readChunksDirect(rel, m, start, count) : await readWithZarrita(this.path, rel, this.format, m, whole ? null : { start, count });
    } catch (err) {
      if (isTanhuiError(err)) throw err;
      throw new TanhuiError('CorruptFile', 'cannot read Zarr array (missing or corrupt chunk?)', {
        context: { file: this.path, variable: rel },
        hint: err instanceof Error ? err.message : String(err),
        cause: err,
      });
    }
    return { name: rel, data, shape: count, dims: m.dims.slice(), attrs: structuredClone(m.attrs), dtype: m.dtype };
  }

  // ---- chunks ----------------------------------------------------------------------------

  /**
   * Read a region of a plain numeric Zarr v2 array (C order, no filters, little-endian, a
   * compressor of ours): each chunk file decoded once and copied into the result, in blocks
   * where the rows are contiguous. zarrita reads everything else (and checks this path in
   * zarr-store.test.ts); this one is ~2–4× faster on float64 arrays of tens of MB.
   */
  private async readChunksDirect(rel: string, m: ArrayMeta, start: number[], count: number[]): Promise<ZarrNumericData> {
    const Ctor = CTOR[m.dtype as Exclude<ZarrDtype, 'string'>];
    const rank = m.shape.length;
    const out = new Ctor(product(count));
    if (out.length === 0) return out;
    const raw = this.v2ArrayJson(m).zarray;
    const fill = raw.fill_value === 'NaN' ? NaN : typeof raw.fill_value === 'number' ? raw.fill_value : 0;
    const sep = raw.dimension_separator === '/' ? '/' : '.';
    const codec = await bytesCodec(m.compressor as Compressor, m.level);
    const chunkLen = product(m.chunks);
    const bpe = (Ctor as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
    const outStrides = stridesOf(count);
    const chunkStrides = stridesOf(m.chunks);
    const c0 = start.map((s, k) => Math.floor(s / m.chunks[k]));
    const c1 = start.map((s, k) => Math.floor((s + count[k] - 1) / m.chunks[k]));
    const idx = c0.slice();
    for (;;) {
      const lo = idx.map((c, k) => Math.max(c * m.chunks[k], start[k]));
      const hi = idx.map((c, k) => Math.min((c + 1) * m.chunks[k], start[k] + count[k]));
      const ext = lo.map((l, k) => hi[k] - l);
      const file = path.join(this.path, rel, idx.length ? idx.join(sep) : '0');
      // A whole chunk that is one contiguous block of the result: decoded into it in place.
      if (codec.decodeInto && ext.every((e, k) => e === m.chunks[k] && (k === 0 || e === count[k])) && fs.existsSync(file)) {
        let dst = 0;
        for (let k = 0; k < rank; k++) dst += (lo[k] - start[k]) * outStrides[k];
        try {
          codec.decodeInto(fs.readFileSync(file), new Uint8Array(out.buffer, out.byteOffset + dst * bpe, chunkLen * bpe));
        } catch (err) {
          throw new TanhuiError('CorruptFile', `chunk ${path.basename(file)}: ${err instanceof Error ? err.message : String(err)}`, { context: { file: this.path, variable: rel }, cause: err });
        }
      } else {
        let chunk: ZarrNumericData | null = null;
        if (fs.existsSync(file)) {
          let bytes = await codec.decode(fs.readFileSync(file));
          if (bytes.byteLength !== chunkLen * bpe) throw new TanhuiError('CorruptFile', `chunk ${path.basename(file)} has ${bytes.byteLength} bytes, expected ${chunkLen * bpe}`, { context: { file: this.path, variable: rel } });
          if (bytes.byteOffset % bpe !== 0) bytes = bytes.slice();
          chunk = new (Ctor as unknown as new (b: ArrayBufferLike, o: number, l: number) => ZarrNumericData)(bytes.buffer, bytes.byteOffset, chunkLen);
        }
        // Rows of the last axis; consecutive rows merge into one block while the chunk and the
        // result both span the trailing axes.
        let inner = rank - 1;
        let blockLen = rank === 0 ? 1 : ext[rank - 1];
        while (inner > 0 && ext[inner] === m.chunks[inner] && ext[inner] === count[inner]) {
          inner--;
          blockLen *= ext[inner];
        }
        const outer = product(ext.slice(0, Math.max(0, inner)));
        const pos = new Array<number>(Math.max(0, inner)).fill(0);
        for (let r = 0; r < outer; r++) {
          let dst = 0;
          let src = 0;
          for (let k = 0; k < rank; k++) {
            const a = lo[k] + (k < inner ? pos[k] : 0);
            dst += (a - start[k]) * outStrides[k];
            src += (a - idx[k] * m.chunks[k]) * chunkStrides[k];
          }
          if (chunk) out.set(chunk.subarray(src, src + blockLen) as never, dst);
          else out.fill(fill, dst, dst + blockLen);
          for (let k = inner - 1; k >= 0; k--) {
            if (++pos[k] < ext[k]) break;
            pos[k] = 0;
          }
        }
      }
      let k = rank - 1;
      for (; k >= 0; k--) {
        if (++idx[k] <= c1[k]) break;
        idx[k] = c0[k];
      }
      if (k < 0) break;
    }
    return out;
  }

  private chunkFile(rel: string, idx: number[]): string {
    if (this.format === 2) return path.join(this.path, rel, idx.length ? idx.join('.') : '0');
    return path.join(this.path, rel, 'c', ...idx.map(String));
  }

  private assertWritable(rel: string, m: ArrayMeta): void {
    const ours = (WRITABLE_COMPRESSORS as readonly string[]).includes(m.compressor) && (this.format === 2 || m.compressor !== 'lz4');
    if (!(m.dtype in CTOR) && m.dtype !== 'string') {
      throw new TanhuiError('NotImplemented', `cannot write ${m.dtype} arrays (read-only type)`, { context: { file: this.path, variable: rel } });
    }
    if (!ours) {
      throw new TanhuiError('NotImplemented', `cannot write chunks compressed with ${m.compressor} (written by another tool)`, {
        context: { file: this.path, variable: rel },
        hint: 'this store writes lz4, zlib, gzip, zstd or uncompressed chunks; rewrite the array with writeArray(…, { overwrite: true })',
      });
    }
  }

  private async writeChunks(rel: string, m: ArrayMeta, start: number[], count: number[], data: ZarrData, fresh: boolean): Promise<void> {
    this.assertWritable(rel, m);
    const rank = m.shape.length;
    if (count.some((c) => c === 0)) return;
    const codec = await bytesCodec(m.compressor as Compressor, m.level);
    const c0 = start.map((s, k) => Math.floor(s / m.chunks[k]));
    const c1 = start.map((s, k) => Math.floor((s + count[k] - 1) / m.chunks[k]));
    const chunkLen = product(m.chunks);
    const idx = c0.slice();
    const dataStrides = stridesOf(count);
    const chunkStrides = stridesOf(m.chunks);
    for (;;) {
      // Intersection of this chunk with the region, in array coordinates.
      const lo = idx.map((c, k) => Math.max(c * m.chunks[k], start[k]));
      const hi = idx.map((c, k) => Math.min((c + 1) * m.chunks[k], start[k] + count[k]));
      const covers = idx.every((c, k) => lo[k] === c * m.chunks[k] && hi[k] === Math.min((c + 1) * m.chunks[k], m.shape[k]));
      const file = this.chunkFile(rel, idx);
      const ext = lo.map((l, k) => hi[k] - l);
      // A whole interior chunk whose values lie contiguous in `data` (the region spans the
      // trailing axes): encoded straight from a view of the caller's array, no copy.
      if (!Array.isArray(data) && ext.every((e, k) => e === m.chunks[k] && (k === 0 || e === count[k]))) {
        let src = 0;
        for (let k = 0; k < rank; k++) src += (lo[k] - start[k]) * dataStrides[k];
        writeFileAtomic(file, await codec.encode(this.encodeChunk(m, data.subarray(src, src + chunkLen))));
      } else {
        let chunk: ZarrData;
        if (!fresh && !covers && fs.existsSync(file)) chunk = await this.decodeChunk(m, fs.readFileSync(file), codec, chunkLen);
        else chunk = m.dtype === 'string' ? new Array<string>(chunkLen).fill('') : filled(m.dtype, chunkLen);
        // Copy the intersection, rows along the last axis at a time.
        const rows = product(ext.slice(0, rank - 1));
        const rowLen = rank === 0 ? 1 : ext[rank - 1];
        const pos = new Array<number>(Math.max(0, rank - 1)).fill(0);
        for (let r = 0; r < rows; r++) {
          let src = 0;
          let dst = 0;
          for (let k = 0; k < rank - 1; k++) {
            src += (lo[k] + pos[k] - start[k]) * dataStrides[k];
            dst += (lo[k] + pos[k] - idx[k] * m.chunks[k]) * chunkStrides[k];
          }
          if (rank > 0) {
            src += lo[rank - 1] - start[rank - 1];
            dst += lo[rank - 1] - idx[rank - 1] * m.chunks[rank - 1];
          }
          if (Array.isArray(chunk)) {
            const s = data as string[];
            for (let q = 0; q < rowLen; q++) chunk[dst + q] = s[src + q];
          } else {
            (chunk as ZarrNumericData).set((data as ZarrNumericData).subarray(src, src + rowLen) as never, dst);
          }
          for (let k = rank - 2; k >= 0; k--) {
            if (++pos[k] < ext[k]) break;
            pos[k] = 0;
          }
        }
        writeFileAtomic(file, await codec.encode(this.encodeChunk(m, chunk)));
      }
      // Next chunk index (odometer).
      let k = rank - 1;
      for (; k >= 0; k--) {
        if (++idx[k] <= c1[k]) break;
        idx[k] = c0[k];
      }
      if (k < 0) break;
    }
  }

  private encodeChunk(m: ArrayMeta, chunk: ZarrData): Uint8Array {
    if (Array.isArray(chunk)) {
      if (this.format === 2) {
        // Fixed-width UTF-32LE ("<U n"), zero padded.
        const out = new Uint32Array(chunk.length * m.strLen);
        chunk.forEach((s, i) => {
          let j = 0;
          for (const ch of s) out[i * m.strLen + j++] = ch.codePointAt(0)!;
        });
        return new Uint8Array(out.buffer);
      }
      // v3 vlen-utf8: u32 count, then (u32 length, bytes) per item, little-endian.
      const enc = chunk.map((s) => Buffer.from(s, 'utf8'));
      const buf = Buffer.alloc(4 + enc.reduce((a, b) => a + 4 + b.length, 0));
      buf.writeUInt32LE(chunk.length, 0);
      let o = 4;
      for (const b of enc) {
        buf.writeUInt32LE(b.length, o);
        b.copy(buf, o + 4);
        o += 4 + b.length;
      }
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
    }
    return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }

  private async decodeChunk(m: ArrayMeta, bytes: Uint8Array, codec: { decode(b: Uint8Array): Promise<Uint8Array> | Uint8Array }, n: number): Promise<ZarrData> {
    const raw = await codec.decode(new Uint8Array(bytes));
    const copy = new Uint8Array(raw); // own, aligned buffer
    if (m.dtype === 'string') {
      if (this.format === 2) {
        const u = new Uint32Array(copy.buffer, 0, n * m.strLen);
        const out: string[] = [];
        for (let i = 0; i < n; i++) {
          let s = '';
          for (let j = 0; j < m.strLen; j++) {
            const c = u[i * m.strLen + j];
            if (c === 0) break;
            s += String.fromCodePoint(c);
          }
          out.push(s);
        }
        return out;
      }
      const b = Buffer.from(copy.buffer, 0, copy.length);
      const count = b.readUInt32LE(0);
      const out: string[] = [];
      let o = 4;
      for (let i = 0; i < count; i++) {
        const len = b.readUInt32LE(o);
        out.push(b.toString('utf8', o + 4, o + 4 + len));
        o += 4 + len;
      }
      return out;
    }
    const Ctor = CTOR[m.dtype as Exclude<ZarrDtype, 'string'>];
    const bpe = (Ctor as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
    if (copy.byteLength !== n * bpe) {
      throw new TanhuiError('CorruptFile', `chunk has ${copy.byteLength} bytes, expected ${n * bpe}`);
    }
    return new (Ctor as unknown as new (b: ArrayBufferLike, o: number, l: number) => ZarrNumericData)(copy.buffer, 0, n);
  }
}

/** Whether readChunksDirect handles the array (else zarrita reads it). */
function directlyReadable(format: ZarrFormat, m: ArrayMeta): boolean {
  if (format !== 2 || !(m.dtype in CTOR) || !(WRITABLE_COMPRESSORS as readonly string[]).includes(m.compressor)) return false;
  const raw = m.raw;
  if (!raw) return true; // defined by this store: C order, no filters, little-endian
  const filters = raw.filters as unknown[] | null | undefined;
  return (raw.order ?? 'C') === 'C' && (filters === null || filters === undefined || filters.length === 0) && /^[<|]/.test(String(raw.dtype));
}

function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let k = shape.length - 2; k >= 0; k--) s[k] = s[k + 1] * shape[k + 1];
  return s;
}

function filled(dtype: StoredDtype, n: number): ZarrNumericData {
  const a = new CTOR[dtype as Exclude<ZarrDtype, 'string'>](n);
  if (isFloat(dtype)) a.fill(NaN);
  return a;
}

function maxStringLength(xs: string[]): number {
  let n = 1;
  for (const s of xs) n = Math.max(n, [...s].length);
  return n;
}

function checkDataType(data: ZarrData, dtype: StoredDtype, file: string, variable: string): void {
  const got = Array.isArray(data) ? 'string' : dtypeOfData(data);
  if (got !== dtype) {
    throw new TanhuiError('InvalidArgument', `data is ${got} but the array is ${dtype}`, {
      context: { file, variable },
      hint: dtype === 'string' ? 'pass an array of strings' : `pass a ${CTOR[dtype as Exclude<ZarrDtype, 'string'>].name}`,
    });
  }
  if (Array.isArray(data) && data.some((s) => typeof s !== 'string')) {
    throw new TanhuiError('InvalidArgument', 'string arrays must contain only strings', { context: { file, variable } });
  }
}

async function readWithZarrita(root: string, rel: string, format: ZarrFormat, m: ArrayMeta, region: { start: number[]; count: number[] } | null): Promise<ZarrData> {
  const store = new FileSystemStore(root);
  const loc = zarr.root(store).resolve(rel);
  const arr = format === 2 ? await zarr.open.v2(loc, { kind: 'array' }) : await zarr.open.v3(loc, { kind: 'array' });
  if (m.dtype === 'unknown') {
    throw new TanhuiError('NotImplemented', 'unsupported Zarr data type', { context: { file: root, variable: rel } });
  }
  const n = region ? product(region.count) : product(m.shape);
  if (n === 0) return m.dtype === 'string' ? [] : m.dtype in CTOR ? new CTOR[m.dtype as Exclude<ZarrDtype, 'string'>](0) : new Float64Array(0);
  const chunk = region ? await zarr.get(arr, region.start.map((s, k) => zarr.slice(s, s + region.count[k]))) : await zarr.get(arr);
  const d = chunk.data as unknown;
  if (m.dtype === 'string') {
    const s = d as { length: number; get(i: number): string } | string[];
    if (Array.isArray(s)) return s.map(String);
    const out: string[] = new Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = String(s.get(i));
    return out;
  }
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) return Float64Array.from(d, (x) => Number(x));
  return d as ZarrNumericData;
}
