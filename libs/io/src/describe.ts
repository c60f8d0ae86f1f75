// The structure of any input (NetCDF, HDF5, GeoTIFF through GDAL; Zarr v2/v3 through our
// store): dimensions, variables with dims, shapes, types, units and key attributes, plus the
// time range of CF time coordinates. `formatStructure` renders it for `tanhui info`.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TanhuiError } from '@tanhui/core';
import type { Attrs, AttrValue } from './cf';
import { cfTimesToEpochSeconds, isCfTimeUnits } from './cf-time';
import { GdalDataset, assertReadableFile, type DatasetFormat, type DimensionInfo } from './gdal-reader';
import { ZarrStore, type ZarrAttrs } from './zarr-store';

export interface DescribedVariable {
  name: string;
  dims: string[];
  shape: number[];
  dtype: string;
  units?: string;
  attrs: Attrs;
  /** Zarr only. */
  chunks?: number[];
  compressor?: string;
  /** For 1-D CF time coordinates: first and last instant, seconds since 1970-01-01Z. */
  timeRange?: [number, number];
}

export interface DatasetDescription {
  file: string;
  format: DatasetFormat;
  /** GDAL driver, or "zarr v2" / "zarr v3". */
  driver: string;
  dimensions: DimensionInfo[];
  variables: DescribedVariable[];
  attrs: Attrs;
}

/** Attributes shown by default (others with --all). */
export const KEY_ATTRIBUTES = [
  'long_name',
  'standard_name',
  'units',
  'calendar',
  '_FillValue',
  'missing_value',
  'scale_factor',
  'add_offset',
  'valid_range',
  'axis',
  'positive',
];

/** True if `p` is a directory holding a Zarr store (v2 or v3). */
export function isZarrPath(p: string): boolean {
  return ['.zgroup', '.zarray', '.zmetadata', 'zarr.json'].some((f) => fs.existsSync(path.join(p, f)));
}

function toAttrs(z: ZarrAttrs): Attrs {
  const out: Attrs = {};
  for (const [k, v] of Object.entries(z)) {
    if (typeof v === 'string' || typeof v === 'number') out[k] = v;
    else if (Array.isArray(v) && v.every((x) => typeof x === 'number')) out[k] = v as number[];
    else out[k] = JSON.stringify(v) as AttrValue;
  }
  return out;
}

const MAX_TIME_VALUES = 10_000_000;

async function describeZarr(file: string): Promise<DatasetDescription> {
  const store = await ZarrStore.open(file);
  const dims = new Map<string, number>();
  const variables: DescribedVariable[] = [];
  for (const name of store.listArrays()) {
    const a = store.arrayInfo(name);
    a.dims.forEach((d, k) => dims.set(d, a.shape[k]));
    const attrs = toAttrs(a.attrs);
    const v: DescribedVariable = {
      name,
      dims: a.dims,
      shape: a.shape,
      dtype: a.dtype,
      attrs,
      chunks: a.chunks,
      compressor: a.compressor,
      ...(typeof attrs.units === 'string' ? { units: attrs.units } : {}),
    };
    if (a.shape.length === 1 && a.shape[0] > 0 && a.shape[0] <= MAX_TIME_VALUES && isCfTimeUnits(v.units) && a.dtype !== 'string') {
      const data = (await store.readArray(name)).data as ArrayLike<number>;
      v.timeRange = timeRange(data, v.units, attrs.calendar);
    }
    variables.push(v);
  }
  return {
    file,
    format: 'zarr',
    driver: `zarr v${store.format}`,
    dimensions: [...dims].map(([name, size]) => ({ name, size })),
    variables,
    attrs: toAttrs(store.getAttrs('')),
  };
}

function timeRange(data: ArrayLike<number>, units: string, calendar: AttrValue | undefined): [number, number] | undefined {
  try {
    const t = cfTimesToEpochSeconds(data, units, typeof calendar === 'string' ? calendar : 'standard');
    let lo = Infinity;
    let hi = -Infinity;
    for (const x of t) {
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    return Number.isFinite(lo) ? [lo, hi] : undefined;
  } catch {
    return undefined; // unparseable units are shown as written
  }
}

function numberOfCdl(token: string): number {
  const t = token.trim();
  const m = /^([-+]?(?:NaN|Infinity|inf|[0-9.]+(?:[eE][-+]?\d+)?))([a-zA-Z]*)$/.exec(t);
  if (!m) return Number.NaN;
  const body = m[1].toLowerCase();
  const v = body.includes('nan') ? Number.NaN : body.includes('inf') ? (body.startsWith('-') ? -Infinity : Infinity) : Number(m[1]);
  // A float attribute printed with 9 digits: round to float32 to get the stored value exactly.
  return m[2] === 'f' ? Math.fround(v) : v;
}

/**
 * Multi-valued numeric attributes (valid_range, flag_values, …) from `ncdump -h`: gdal-async
 * returns only the first value of an attribute. Key "" = global, else the variable's name
 * ("group/var" in groups). Empty when ncdump is not installed.
 */
export function ncdumpNumericLists(file: string): Promise<Map<string, Map<string, number[]>>> {
  return new Promise((resolve) => {
    execFile('ncdump', ['-h', '-p', '9,17', file], { encoding: 'utf8', maxBuffer: 1 << 28, timeout: 120_000 }, (err, stdout) => {
      const out = new Map<string, Map<string, number[]>>();
      if (err) return resolve(out);
      const groups: string[] = [];
      for (const line of stdout.split('\n')) {
        const g = /^\s*group: (\S+) \{/.exec(line);
        if (g) {
          groups.push(g[1]);
          continue;
        }
        if (/^\s*\} \/\/ group /.test(line)) {
          groups.pop();
          continue;
        }
        const a = /^\s*([^\s:"]*):([^\s=]+) = ([^"]*?) ;\s*$/.exec(line);
        if (!a || !a[3].includes(',')) continue;
        const values = a[3].split(',').map(numberOfCdl);
        const prefix = groups.join('/');
        const owner = a[1] === '' ? prefix : prefix ? `${prefix}/${a[1]}` : a[1];
        if (!out.has(owner)) out.set(owner, new Map());
        out.get(owner)!.set(a[2], values);
      }
      resolve(out);
    });
  });
}

/** Describe a NetCDF/HDF5/GeoTIFF file or a Zarr store. Rejects with MissingFile, CorruptFile, UnsupportedFormat. */
export async function describeDataset(file: string): Promise<DatasetDescription> {
  assertReadableFile(file);
  if (fs.statSync(file).isDirectory()) {
    if (!isZarrPath(file)) {
      throw new TanhuiError('UnsupportedFormat', 'a directory that is not a Zarr store', {
        context: { file },
        hint: 'expected .zgroup/.zarray (Zarr v2) or zarr.json (Zarr v3) inside',
      });
    }
    return describeZarr(file);
  }
  const ds = await GdalDataset.open(file);
  try {
    const lists = ds.format === 'netcdf' ? await ncdumpNumericLists(file) : new Map<string, Map<string, number[]>>();
    const withLists = (owner: string, attrs: Attrs): Attrs => {
      const l = lists.get(owner);
      if (!l) return attrs;
      const out = { ...attrs };
      for (const [k, v] of l) if (k in out && typeof out[k] === 'number') out[k] = v;
      return out;
    };
    const variables: DescribedVariable[] = [];
    for (const v of ds.variables()) {
      const attrs = withLists(v.name, v.attrs);
      const d: DescribedVariable = { name: v.name, dims: v.dims, shape: v.shape, dtype: v.dtype, attrs, ...(v.units ? { units: v.units } : {}) };
      if (v.shape.length === 1 && v.shape[0] > 0 && v.shape[0] <= MAX_TIME_VALUES && isCfTimeUnits(v.units) && v.dtype !== 'string') {
        const r = await ds.read(v.name, { decodeTimes: false });
        d.timeRange = timeRange(r.data, v.units, v.attrs.calendar);
      }
      variables.push(d);
    }
    return { file, format: ds.format, driver: ds.driver, dimensions: ds.dimensions(), variables, attrs: withLists('', ds.attributes()) };
  } finally {
    ds.close();
  }
}

/** Shortest text of a number; float32 values (1e15f read as 999999986991104) print as 1e+15. */
function showNumber(x: number): string {
  if (!Number.isFinite(x) || (Number.isInteger(x) && Math.abs(x) < 2 ** 24) || Math.fround(x) !== x) return String(x);
  for (let p = 1; p <= 9; p++) {
    const t = Number(x.toPrecision(p));
    if (Math.fround(t) === x) return Math.abs(t) >= 1e7 ? t.toExponential() : String(t);
  }
  return String(x);
}

function showValue(v: AttrValue, max = 100): string {
  let s: string;
  if (typeof v === 'string') s = JSON.stringify(v);
  else if (Array.isArray(v)) s = v.map(showNumber).join(', ');
  else s = showNumber(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function iso(seconds: number): string {
  const d = new Date(seconds * 1000);
  return Number.isNaN(d.getTime()) ? String(seconds) : d.toISOString().replace('.000Z', 'Z');
}

/** Human-readable text for `tanhui info`. */
export function formatStructure(d: DatasetDescription, options: { allAttributes?: boolean } = {}): string {
  const lines: string[] = [];
  lines.push(`${d.file}`);
  lines.push(`  format: ${d.format} (${d.driver})`);
  lines.push('dimensions:');
  if (d.dimensions.length === 0) lines.push('  (none)');
  const w = Math.max(0, ...d.dimensions.map((x) => x.name.length));
  for (const dim of d.dimensions) lines.push(`  ${dim.name.padEnd(w)} = ${dim.size}`);
  lines.push(`variables (${d.variables.length}):`);
  for (const v of d.variables) {
    const shape = v.dims.length ? `(${v.dims.map((n, k) => `${n}=${v.shape[k]}`).join(', ')})` : '(scalar)';
    const units = v.units ? `  [${v.units}]` : '';
    lines.push(`  ${v.dtype} ${v.name}${shape}${units}`);
    const extra: string[] = [];
    if (v.chunks) extra.push(`chunks (${v.chunks.join(', ')}), compressor ${v.compressor}`);
    if (v.timeRange) extra.push(`time ${iso(v.timeRange[0])} … ${iso(v.timeRange[1])}`);
    for (const e of extra) lines.push(`      ${e}`);
    for (const [k, val] of Object.entries(v.attrs)) {
      if (k === 'units') continue;
      if (!options.allAttributes && !KEY_ATTRIBUTES.includes(k)) continue;
      lines.push(`      ${k} = ${showValue(val)}`);
    }
  }
  const g = Object.entries(d.attrs);
  lines.push(`global attributes (${g.length}):`);
  for (const [k, val] of g) lines.push(`  ${k} = ${showValue(val, options.allAttributes ? 10_000 : 100)}`);
  return `${lines.join('\n')}\n`;
}
