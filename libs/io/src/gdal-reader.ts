// Reader for NetCDF3/4, HDF5 (GDAL's multidimensional API) and GeoTIFF (classic raster API:
// GTiff has no multidimensional driver) into typed arrays with dimension names, shape and
// attributes, with CF decoding. gdal-async loads in one thread per process: use this module
// from the main thread only (vitest's forks pool is fine; a worker thread is not).
//
// gdal-async is imported lazily, on the first open, so the rest of @tanhui/io (Zarr stores,
// CF helpers) can be imported anywhere, including worker threads.
//
// Datasets are opened with the synchronous gdal.open in the main thread on purpose: with
// Debian's netCDF 4.9.0, opening in libuv's pool leaves HDF5's error printing switched on in
// the main thread and every variable lookup then prints pages of "HDF5-DIAG" noise about
// missing _Quantize* attributes. Opening is metadata-only and fast; bulk reads stay async.
import * as fs from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import type * as gdal from 'gdal-async';
import { TanhuiError, isTanhuiError } from '@tanhui/core';
import { cfDecode, type AttrValue, type Attrs, type NumericArray } from './cf';
import { cfTimesToEpochSeconds, isCfTimeUnits } from './cf-time';
import { classicFileSizes } from './netcdf3-header';
import { ncdumpScalarNames, ncdumpStrings } from './netcdf-strings';

export interface DimensionInfo {
  name: string;
  size: number;
}

export interface VariableInfo {
  /** Name as users write it: the basename for root variables, else the path without leading "/". */
  name: string;
  /** Full path in the file, "/group/var". */
  fullName: string;
  dims: string[];
  shape: number[];
  /** Stored type, lower case: float32, float64, int8, uint8, int16, uint16, int32, uint32, int64, uint64, string. */
  dtype: string;
  attrs: Attrs;
  units?: string;
}

export type DatasetFormat = 'netcdf' | 'hdf5' | 'geotiff' | 'zarr' | 'other';

export interface DatasetStructure {
  file: string;
  format: DatasetFormat;
  /** GDAL driver short name, or "zarrita" for Zarr stores read by this lib. */
  driver: string;
  dimensions: DimensionInfo[];
  variables: VariableInfo[];
  attrs: Attrs;
}

export interface ReadOptions {
  /** First index per dimension (default all 0). */
  start?: readonly number[];
  /** Number of elements per dimension (default: to the end). */
  count?: readonly number[];
  /** Apply CF decoding (fill → NaN, scale/offset, _Unsigned) and return Float64Array. Default true. */
  decode?: boolean;
  /** Convert CF time units to seconds since 1970-01-01Z in `times`. Default true (when decoding). */
  decodeTimes?: boolean;
}

export interface VariableData<T extends NumericArray = NumericArray> {
  file: string;
  name: string;
  dims: string[];
  /** Shape of `data` (the hyperslab read), row-major, last dimension fastest. */
  shape: number[];
  start: number[];
  dtype: string;
  attrs: Attrs;
  units?: string;
  data: T;
  /** For variables with CF time units: seconds since 1970-01-01T00:00:00Z. */
  times?: Float64Array;
}

const HIDDEN_CF_ATTRS = [
  '_FillValue',
  'missing_value',
  'units',
  'scale_factor',
  'add_offset',
  '_Unsigned',
  'calendar',
  'valid_range',
  'valid_min',
  'valid_max',
];

const GDAL_TO_DTYPE: Record<string, string> = {
  Byte: 'uint8',
  Int8: 'int8',
  UInt16: 'uint16',
  Int16: 'int16',
  UInt32: 'uint32',
  Int32: 'int32',
  UInt64: 'uint64',
  Int64: 'int64',
  Float32: 'float32',
  Float64: 'float64',
  String: 'string',
};

function dtypeOf(gdalType: string | null | undefined): string {
  if (!gdalType) return 'unknown';
  return GDAL_TO_DTYPE[gdalType] ?? gdalType.toLowerCase();
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

type GdalModule = typeof import('gdal-async');
let gdalModule: GdalModule | null = null;

/** gdal-async, loaded on first use; refuses worker threads (it crashes there). */
async function loadGdal(file: string): Promise<GdalModule> {
  if (!isMainThread) {
    throw new TanhuiError('Internal', 'NetCDF/HDF5/GeoTIFF files can only be read in the main thread (gdal-async)', {
      context: { file },
      hint: 'read files in the main thread and pass typed arrays to workers',
    });
  }
  if (!gdalModule) {
    const m = (await import('gdal-async')) as GdalModule & { default?: GdalModule };
    gdalModule = m.default ?? m;
  }
  return gdalModule;
}

/** Which code a file that exists but cannot be opened deserves. */
function classifyUnopenable(file: string): 'CorruptFile' | 'UnsupportedFormat' {
  try {
    if (fs.statSync(file).isDirectory()) return 'UnsupportedFormat';
    const fd = fs.openSync(file, 'r');
    const head = Buffer.alloc(8);
    const n = fs.readSync(fd, head, 0, 8, 0);
    fs.closeSync(fd);
    const h = head.subarray(0, n);
    const isNetcdf3 = h.subarray(0, 3).toString('latin1') === 'CDF';
    const isHdf5 = h.subarray(0, 8).equals(Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]));
    const isTiff = h.subarray(0, 4).equals(Buffer.from('II*\0', 'latin1')) || h.subarray(0, 4).equals(Buffer.from('MM\0*', 'latin1'));
    return isNetcdf3 || isHdf5 || isTiff ? 'CorruptFile' : 'UnsupportedFormat';
  } catch {
    return 'CorruptFile';
  }
}

/** Throw MissingFile unless `file` exists and is readable. */
export function assertReadableFile(file: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new TanhuiError('MissingFile', 'file not found', {
      context: { file },
      hint: 'check the path (relative paths are resolved from the current directory)',
    });
  }
  if (!stat.isFile() && !stat.isDirectory()) {
    throw new TanhuiError('UnsupportedFormat', 'not a regular file', { context: { file } });
  }
}

function formatOfDriver(driver: string): DatasetFormat {
  const d = driver.toLowerCase();
  if (d === 'netcdf') return 'netcdf';
  if (d === 'hdf5' || d === 'hdf5image') return 'hdf5';
  if (d === 'gtiff' || d === 'cog') return 'geotiff';
  if (d === 'zarr') return 'zarr';
  return 'other';
}

interface ArrayEntry {
  info: VariableInfo;
  open: () => gdal.MDArray;
}

interface BandEntry {
  info: VariableInfo;
  /** 1-based band number, or 'x' / 'y' for coordinates computed from the geotransform. */
  band: number | 'x' | 'y';
}

/**
 * An open NetCDF/HDF5/GeoTIFF file. Create with `openDataset`; call `close()` when done
 * (or use `readVariable` / `describeFile` which open and close for you).
 */
export class GdalDataset {
  readonly file: string;
  readonly driver: string;
  readonly format: DatasetFormat;
  private ds: gdal.Dataset | null;
  private readonly multidim: boolean;
  private arrays: Map<string, ArrayEntry> | null = null;
  private bands: Map<string, BandEntry> | null = null;
  private dims: DimensionInfo[] = [];
  private rootAttrs: Attrs = {};

  private constructor(file: string, ds: gdal.Dataset, multidim: boolean) {
    this.file = file;
    this.ds = ds;
    this.multidim = multidim;
    this.driver = ds.driver.description;
    this.format = formatOfDriver(this.driver);
  }

  /** Open a file; rejects with MissingFile, CorruptFile or UnsupportedFormat. */
  static async open(file: string): Promise<GdalDataset> {
    const gdal = await loadGdal(file);
    assertReadableFile(file);
    // netCDF reads the missing tail of a truncated classic file as zeros: check sizes first.
    const sizes = safe(() => classicFileSizes(file));
    if (sizes && sizes.actual < sizes.minimum) {
      throw new TanhuiError('CorruptFile', `NetCDF file is truncated: ${sizes.actual} bytes, its header needs at least ${sizes.minimum}`, {
        context: { file },
        hint: 'the file was cut short (interrupted download or copy?); fetch it again',
      });
    }
    let ds: gdal.Dataset;
    let multidim = true;
    try {
      ds = gdal.open(file, 'mr');
    } catch (errMd) {
      try {
        ds = gdal.open(file, 'r');
        multidim = false;
      } catch {
        const code = classifyUnopenable(file);
        throw new TanhuiError(
          code,
          code === 'CorruptFile' ? 'file is corrupt or truncated and cannot be opened' : 'not a NetCDF, HDF5 or GeoTIFF file',
          {
            context: { file },
            hint: `GDAL says: ${errorText(errMd)}`,
            cause: errMd,
          },
        );
      }
    }
    const out = new GdalDataset(file, ds, multidim);
    try {
      const scalars = multidim && out.format === 'netcdf' ? await ncdumpScalarNames(file) : new Map<string, string[]>();
      out.index(scalars);
    } catch (err) {
      out.close();
      if (isTanhuiError(err)) throw err;
      throw new TanhuiError('CorruptFile', 'cannot read the file structure', {
        context: { file },
        hint: `GDAL says: ${errorText(err)}`,
        cause: err,
      });
    }
    return out;
  }

  close(): void {
    if (this.ds) {
      try {
        this.ds.close();
      } catch {
        // already closed by GC or by GDAL on error: nothing to release.
      }
      this.ds = null;
    }
  }

  private dataset(): gdal.Dataset {
    if (!this.ds) throw new TanhuiError('InvalidArgument', 'dataset is closed', { context: { file: this.file } });
    return this.ds;
  }

  private index(scalars: Map<string, string[]>): void {
    const ds = this.dataset();
    if (this.multidim) this.indexMultidim(ds.root, scalars);
    else this.indexRaster(ds);
  }

  private indexMultidim(root: gdal.Group, scalars: Map<string, string[]>): void {
    this.arrays = new Map();
    this.rootAttrs = readAttributes(root.attributes, []);
    const dimSizes = new Map<string, number>();
    const walk = (group: gdal.Group, prefix: string): void => {
      for (const d of group.dimensions.names.map((n) => group.dimensions.get(n))) {
        const name = prefix + baseName(d.description);
        if (!dimSizes.has(name)) dimSizes.set(name, d.size);
      }
      // GDAL's netCDF driver lists no 0-D variables; ncdump found their names.
      const listed = group.arrays.names;
      const extra = (scalars.get(prefix.replace(/^\//, '')) ?? []).filter((n) => !listed.includes(n));
      for (const arrayName of [...listed, ...extra]) {
        const full = `${prefix}/${arrayName}`.replace(/^\/+/, '/');
        const arr = group.arrays.get(arrayName);
        const dims = arr.dimensions.names.slice();
        const shape = arr.dimensions.map((d) => d.size);
        dims.forEach((dn, k) => {
          if (!dimSizes.has(dn)) dimSizes.set(dn, shape[k]);
        });
        const attrs = readAttributes(arr.attributes, HIDDEN_CF_ATTRS);
        const units = typeof attrs.units === 'string' ? attrs.units : arr.unitType || undefined;
        const info: VariableInfo = {
          name: full.replace(/^\//, ''),
          fullName: full,
          dims,
          shape,
          dtype: dtypeOf(arr.dataType),
          attrs,
          ...(units ? { units } : {}),
        };
        this.arrays!.set(info.name, { info, open: () => group.arrays.get(arrayName) });
      }
      for (const g of group.groups.names) walk(group.groups.get(g), `${prefix}/${g}`.replace(/^\/+/, '/'));
    };
    walk(root, '');
    this.dims = [...dimSizes].map(([name, size]) => ({ name, size }));
  }

  private indexRaster(ds: gdal.Dataset): void {
    this.bands = new Map();
    const { x: nx, y: ny } = ds.rasterSize;
    this.dims = [
      { name: 'y', size: ny },
      { name: 'x', size: nx },
    ];
    const attrs: Attrs = {};
    const md = safe(() => ds.getMetadata() as Record<string, string>) ?? {};
    for (const [k, v] of Object.entries(md)) attrs[k] = v;
    const srs = safe(() => ds.srs);
    if (srs) attrs.crs_wkt = srs.toWKT();
    const gt = safe(() => ds.geoTransform);
    if (gt) attrs.geotransform = gt.slice();
    this.rootAttrs = attrs;
    ds.bands.forEach((band, i) => {
      const battrs: Attrs = {};
      const bmd = safe(() => band.getMetadata() as Record<string, string>) ?? {};
      for (const [k, v] of Object.entries(bmd)) battrs[k] = v;
      if (band.description) battrs.long_name = band.description;
      const nd = safe(() => band.noDataValue);
      if (nd !== null && nd !== undefined) battrs._FillValue = nd;
      const scale = safe(() => band.scale);
      const offset = safe(() => band.offset);
      if (scale !== null && scale !== undefined && scale !== 1) battrs.scale_factor = scale;
      if (offset !== null && offset !== undefined && offset !== 0) battrs.add_offset = offset;
      const unit = safe(() => band.unitType);
      if (unit) battrs.units = unit;
      // gdal-async numbers bands from 1 in forEach's second argument? Use explicit id.
      const id = band.id ?? i + 1;
      const name = `band${id}`;
      this.bands!.set(name, {
        band: id,
        info: { name, fullName: `/${name}`, dims: ['y', 'x'], shape: [ny, nx], dtype: dtypeOf(band.dataType), attrs: battrs, ...(unit ? { units: unit } : {}) },
      });
    });
    // Coordinates of cell centres when the geotransform has no rotation.
    if (gt && gt[2] === 0 && gt[4] === 0) {
      const geographic = srs ? safe(() => srs.isGeographic()) : false;
      this.bands.set('x', {
        band: 'x',
        info: { name: 'x', fullName: '/x', dims: ['x'], shape: [nx], dtype: 'float64', ...(geographic ? { units: 'degrees_east', attrs: { units: 'degrees_east', standard_name: 'longitude' } } : { attrs: {} }) },
      });
      this.bands.set('y', {
        band: 'y',
        info: { name: 'y', fullName: '/y', dims: ['y'], shape: [ny], dtype: 'float64', ...(geographic ? { units: 'degrees_north', attrs: { units: 'degrees_north', standard_name: 'latitude' } } : { attrs: {} }) },
      });
    }
  }

  /** Dimensions with their sizes. */
  dimensions(): DimensionInfo[] {
    return this.dims.map((d) => ({ ...d }));
  }

  /** All variables (arrays) in the file, groups flattened ("group/var"). */
  variables(): VariableInfo[] {
    const entries = this.multidim ? [...this.arrays!.values()] : [...this.bands!.values()];
    return entries.map((e) => e.info);
  }

  variableNames(): string[] {
    return this.variables().map((v) => v.name);
  }

  /** Global (root group) attributes. */
  attributes(): Attrs {
    return { ...this.rootAttrs };
  }

  structure(): DatasetStructure {
    return {
      file: this.file,
      format: this.format,
      driver: this.driver,
      dimensions: this.dimensions(),
      variables: this.variables(),
      attrs: this.attributes(),
    };
  }

  hasVariable(name: string): boolean {
    return this.lookup(name) !== undefined;
  }

  private lookup(name: string): ArrayEntry | BandEntry | undefined {
    const key = name.replace(/^\//, '');
    const map: Map<string, ArrayEntry | BandEntry> = this.multidim ? this.arrays! : this.bands!;
    return map.get(key);
  }

  /** Metadata of one variable; rejects with MissingVariable listing the available ones. */
  variable(name: string): VariableInfo {
    const e = this.lookup(name);
    if (!e) throw this.missingVariable(name);
    return e.info;
  }

  private missingVariable(name: string): TanhuiError {
    const names = this.variableNames();
    const shown = names.slice(0, 40).join(', ') + (names.length > 40 ? `, … (${names.length} in all)` : '');
    return new TanhuiError('MissingVariable', 'no such variable', {
      context: { file: this.file, variable: name },
      hint: names.length > 0 ? `available: ${shown}` : 'the file has no variables',
    });
  }

  /**
   * Read a variable or a hyperslab of it. With `decode` (default) the data is a Float64Array
   * with CF decoding applied; without, the stored typed array.
   */
  async read(name: string, options: ReadOptions = {}): Promise<VariableData> {
    const entry = this.lookup(name);
    if (!entry) throw this.missingVariable(name);
    const info = entry.info;
    const { start, count } = resolveSlab(info, options, this.file);
    let raw: NumericArray;
    try {
      if ('open' in entry) raw = await this.readArray(entry, start, count);
      else raw = await this.readBand(entry, start, count);
    } catch (err) {
      if (isTanhuiError(err)) throw err;
      throw new TanhuiError('CorruptFile', 'cannot read variable data (file corrupt or truncated?)', {
        context: { file: this.file, variable: info.name },
        hint: `GDAL says: ${errorText(err)}`,
        cause: err,
      });
    }
    const decode = options.decode ?? true;
    const data = decode ? cfDecode(raw, info.attrs) : raw;
    const out: VariableData = {
      file: this.file,
      name: info.name,
      dims: info.dims.slice(),
      shape: count,
      start,
      dtype: info.dtype,
      attrs: { ...info.attrs },
      ...(info.units ? { units: info.units } : {}),
      data,
    };
    if (decode && (options.decodeTimes ?? true) && isCfTimeUnits(info.units)) {
      const calendar = typeof info.attrs.calendar === 'string' ? info.attrs.calendar : 'standard';
      try {
        out.times = cfTimesToEpochSeconds(data, info.units, calendar);
      } catch (err) {
        if (isTanhuiError(err)) {
          throw new TanhuiError(err.code, err.message, {
            context: { file: this.file, variable: info.name },
            hint: `${err.hint ?? ''}${err.hint ? '; ' : ''}read with { decodeTimes: false } to get the raw numbers`,
            cause: err,
          });
        }
        throw err;
      }
    }
    return out;
  }

  /**
   * Strings of a char or string variable (NetCDF only; through ncdump, since gdal-async cannot
   * read GDAL's String arrays). char qcflag(obs, string_of_10chars) → obs strings.
   */
  async readStrings(name: string): Promise<string[]> {
    const info = this.variable(name);
    if (info.dtype !== 'string') {
      throw new TanhuiError('InvalidArgument', `variable is ${info.dtype}, not char/string`, {
        context: { file: this.file, variable: info.name },
        hint: 'use read() for numeric variables',
      });
    }
    if (this.format !== 'netcdf') {
      throw new TanhuiError('NotImplemented', `string variables can be read from NetCDF files only, not ${this.format}`, {
        context: { file: this.file, variable: info.name },
      });
    }
    return ncdumpStrings(this.file, info);
  }

  private async readArray(entry: ArrayEntry, start: number[], count: number[]): Promise<NumericArray> {
    const info = entry.info;
    if (info.dtype === 'string') {
      throw new TanhuiError('UnsupportedFormat', 'character/string variables cannot be read as numbers', {
        context: { file: this.file, variable: info.name },
        hint: 'use readStrings(file, variable) for char arrays',
      });
    }
    const arr = entry.open();
    if (count.some((c) => c === 0)) return emptyOf(info.dtype);
    // 64-bit integers come back as BigInt arrays; the project computes in doubles.
    const wide = info.dtype === 'int64' || info.dtype === 'uint64';
    const opts: gdal.MDArrayOptions = { origin: start, span: count };
    if (wide) opts.data_type = 'Float64';
    return (await arr.readAsync(opts)) as unknown as NumericArray;
  }

  private async readBand(entry: BandEntry, start: number[], count: number[]): Promise<NumericArray> {
    const ds = this.dataset();
    const gt = ds.geoTransform!;
    if (entry.band === 'x') {
      const out = new Float64Array(count[0]);
      for (let i = 0; i < count[0]; i++) out[i] = gt[0] + (start[0] + i + 0.5) * gt[1];
      return out;
    }
    if (entry.band === 'y') {
      const out = new Float64Array(count[0]);
      for (let j = 0; j < count[0]; j++) out[j] = gt[3] + (start[0] + j + 0.5) * gt[5];
      return out;
    }
    if (count.some((c) => c === 0)) return emptyOf(entry.info.dtype);
    const band = ds.bands.get(entry.band);
    const data = await band.pixels.readAsync(start[1], start[0], count[1], count[0]);
    return data as unknown as NumericArray;
  }
}

function emptyOf(dtype: string): NumericArray {
  return dtype === 'float32' ? new Float32Array(0) : new Float64Array(0);
}

function resolveSlab(info: VariableInfo, options: ReadOptions, file: string): { start: number[]; count: number[] } {
  const rank = info.shape.length;
  const bad = (msg: string): TanhuiError =>
    new TanhuiError('InvalidArgument', msg, {
      context: { file, variable: info.name },
      hint: `variable has dims (${info.dims.join(', ')}) and shape [${info.shape.join(', ')}]`,
    });
  const start = options.start ? [...options.start] : new Array<number>(rank).fill(0);
  if (start.length !== rank) throw bad(`start has ${start.length} entries for a ${rank}-D variable`);
  const count = options.count ? [...options.count] : info.shape.map((n, k) => n - start[k]);
  if (count.length !== rank) throw bad(`count has ${count.length} entries for a ${rank}-D variable`);
  for (let k = 0; k < rank; k++) {
    if (!Number.isInteger(start[k]) || start[k] < 0) throw bad(`start[${k}] must be an integer ≥ 0, got ${start[k]}`);
    if (!Number.isInteger(count[k]) || count[k] < 0) throw bad(`count[${k}] must be an integer ≥ 0, got ${count[k]}`);
    if (start[k] + count[k] > info.shape[k]) {
      throw bad(`start[${k}] + count[${k}] = ${start[k] + count[k]} exceeds the size ${info.shape[k]} of dimension ${info.dims[k]}`);
    }
  }
  return { start, count };
}

function baseName(full: string): string {
  const i = full.lastIndexOf('/');
  return i >= 0 ? full.slice(i + 1) : full;
}

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

interface AttributeCollection {
  readonly names: string[];
  get(name: string): gdal.Attribute;
}

/**
 * Attributes of a group or array. GDAL hides the CF attributes it interprets itself
 * (_FillValue, units, scale_factor, …) from `names`, so those are probed by name.
 * Limitation of gdal-async 3.12: a numeric attribute with several values yields its first.
 */
function readAttributes(coll: AttributeCollection, probe: readonly string[]): Attrs {
  const out: Attrs = {};
  const names = safe(() => coll.names) ?? [];
  for (const n of [...names, ...probe]) {
    if (n in out) continue;
    const a = safe(() => coll.get(n));
    if (!a) continue;
    const v = safe(() => a.value as AttrValue);
    if (v !== undefined) out[n] = v;
  }
  return out;
}

/** Open a dataset (remember to `close()` it). */
export function openDataset(file: string): Promise<GdalDataset> {
  return GdalDataset.open(file);
}

/** Open, read one variable (or hyperslab), close. */
export async function readVariable(file: string, variable: string, options: ReadOptions = {}): Promise<VariableData> {
  const ds = await GdalDataset.open(file);
  try {
    return await ds.read(variable, options);
  } finally {
    ds.close();
  }
}

export interface StringVariableData {
  file: string;
  name: string;
  /** Dimensions of the strings (a char variable's last, string-length dimension removed). */
  dims: string[];
  shape: number[];
  data: string[];
}

/** Open, read a char/string variable as strings, close. */
export async function readStringVariable(file: string, variable: string): Promise<StringVariableData> {
  const ds = await GdalDataset.open(file);
  try {
    const info = ds.variable(variable);
    const data = await ds.readStrings(variable);
    return { file, name: info.name, dims: info.dims.slice(), shape: info.shape.slice(), data };
  } finally {
    ds.close();
  }
}

/** Open, list variables, close. */
export async function listVariables(file: string): Promise<VariableInfo[]> {
  const ds = await GdalDataset.open(file);
  try {
    return ds.variables();
  } finally {
    ds.close();
  }
}
