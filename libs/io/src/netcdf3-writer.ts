// NetCDF classic writer (64-bit offset, CDF-2), for the files other systems read: MOZART/TM5
// inputs, GCAS outputs, CarbonTracker flux1x1 exports. Classic because every Fortran model's
// netCDF library and every tool reads it; GDAL's netCDF driver cannot write multi-variable files
// with shared dimensions. Layout: https://docs.unidata.ucar.edu/netcdf-c/current/file_format_specifications.html
// All dimensions are fixed (no record dimension). The file appears atomically (temp + rename).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TanhuiError } from '@tanhui/core';
import { _faultInjection } from './atomic';

export type Nc3Type = 'byte' | 'char' | 'short' | 'int' | 'float' | 'double';
type NumericArray = ArrayLike<number>;
/** Attribute value: string → char; number or number[] → double; a typed array keeps its type. */
export type Nc3AttrValue = string | number | readonly number[] | Int8Array | Uint8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface Nc3Variable {
  name: string;
  type: Nc3Type;
  /** Dimension names, slowest first (C order); [] for a scalar. */
  dims: readonly string[];
  /** Values in C order; for char variables a string (1-D) or strings padded with NUL to the last dimension. */
  data: NumericArray | string | readonly string[];
  attrs?: Record<string, Nc3AttrValue>;
}

export interface Nc3File {
  /** [name, length] in order; the order fixes the dimension ids. */
  dims: ReadonlyArray<readonly [string, number]>;
  vars: readonly Nc3Variable[];
  attrs?: Record<string, Nc3AttrValue>;
}

/** A file description that cannot be written (programming or input error): names the file. */
const invalid = (file: string, message: string): TanhuiError => new TanhuiError('InvalidArgument', message, { context: { file } });

const TYPE_CODE: Record<Nc3Type, number> = { byte: 1, char: 2, short: 3, int: 4, float: 5, double: 6 };
const TYPE_SIZE: Record<Nc3Type, number> = { byte: 1, char: 1, short: 2, int: 4, float: 4, double: 8 };
const NC_DIMENSION = 0x0a;
const NC_VARIABLE = 0x0b;
const NC_ATTRIBUTE = 0x0c;
const pad4 = (n: number): number => (n + 3) & ~3;

class HeaderWriter {
  private parts: Buffer[] = [];
  length = 0;
  private push(b: Buffer): void {
    this.parts.push(b);
    this.length += b.length;
  }
  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v);
    this.push(b);
  }
  u64(v: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(v));
    this.push(b);
  }
  bytes(b: Buffer): void {
    this.push(b);
    const padding = pad4(b.length) - b.length;
    if (padding) this.push(Buffer.alloc(padding));
  }
  name(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.u32(b.length);
    this.bytes(b);
  }
  buffer(): Buffer {
    return Buffer.concat(this.parts);
  }
}

function attrTypeAndValues(value: Nc3AttrValue): { type: Nc3Type; values: NumericArray | string } {
  if (typeof value === 'string') return { type: 'char', values: value };
  if (typeof value === 'number') return { type: 'double', values: [value] };
  if (value instanceof Int8Array || value instanceof Uint8Array) return { type: 'byte', values: value };
  if (value instanceof Int16Array) return { type: 'short', values: value };
  if (value instanceof Int32Array) return { type: 'int', values: value };
  if (value instanceof Float32Array) return { type: 'float', values: value };
  return { type: 'double', values: value as NumericArray };
}

const TYPED: Record<Nc3Type, new (n: number) => { set(a: ArrayLike<number>): void; buffer: ArrayBufferLike }> = {
  byte: Int8Array, char: Int8Array, short: Int16Array, int: Int32Array, float: Float32Array, double: Float64Array,
};

/** Big-endian bytes of `values` as `type` (native typed-array conversion, then a byte swap), padded to 4 bytes when `pad`. */
function encodeValues(type: Nc3Type, values: NumericArray, pad: boolean): Buffer {
  const size = TYPE_SIZE[type];
  const bytes = values.length * size;
  const total = pad ? pad4(bytes) : bytes;
  const typed = new TYPED[type](total / size + (total % size ? 1 : 0));
  typed.set(values);
  const b = Buffer.from(typed.buffer, 0, total);
  const body = b.subarray(0, bytes);
  if (size === 2) body.swap16();
  else if (size === 4) body.swap32();
  else if (size === 8) body.swap64();
  return b;
}

function writeAttrs(h: HeaderWriter, attrs: Record<string, Nc3AttrValue> | undefined): void {
  const entries = Object.entries(attrs ?? {});
  if (entries.length === 0) {
    h.u32(0);
    h.u32(0);
    return;
  }
  h.u32(NC_ATTRIBUTE);
  h.u32(entries.length);
  for (const [name, value] of entries) {
    h.name(name);
    const { type, values } = attrTypeAndValues(value);
    h.u32(TYPE_CODE[type]);
    if (typeof values === 'string') {
      const b = Buffer.from(values, 'utf8');
      h.u32(b.length);
      h.bytes(b);
    } else {
      h.u32(values.length);
      h.bytes(encodeValues(type, values, false));
    }
  }
}

interface Layout {
  shape: number[];
  count: number;
}

function layoutOf(file: Nc3File, where: string): Layout[] {
  const dimLength = new Map<string, number>();
  for (const [name, length] of file.dims) {
    if (!Number.isInteger(length) || length < 0) throw invalid(where, `dimension '${name}' has length ${length} (expected an integer ≥ 0)`);
    if (dimLength.has(name)) throw invalid(where, `dimension '${name}' declared twice`);
    dimLength.set(name, length);
  }
  const seen = new Set<string>();
  return file.vars.map((v) => {
    if (seen.has(v.name)) throw invalid(where, `variable '${v.name}' declared twice`);
    seen.add(v.name);
    const shape = v.dims.map((d) => {
      const length = dimLength.get(d);
      if (length === undefined) throw invalid(where, `variable '${v.name}' uses undeclared dimension '${d}'`);
      return length;
    });
    const count = shape.reduce((a, b) => a * b, 1);
    if (v.type === 'char') return { shape, count }; // encodeChar checks the strings against the shape
    const given = (v.data as NumericArray).length;
    if (given !== count) throw invalid(where, `variable '${v.name}' has ${given} values for shape [${shape.join(', ')}] (${count})`);
    return { shape, count };
  });
}

/** Char variable bytes in C order: each string NUL-padded to the last dimension. */
function encodeChar(v: Nc3Variable, layout: Layout, where: string): Buffer {
  const strings = typeof v.data === 'string' ? [v.data] : (v.data as readonly string[]);
  const width = layout.shape.length === 0 ? 1 : layout.shape[layout.shape.length - 1];
  const rows = width === 0 ? 0 : layout.count / width;
  if (strings.length !== rows) throw invalid(where, `char variable '${v.name}' has ${strings.length} strings for ${rows} rows`);
  const b = Buffer.alloc(pad4(layout.count));
  strings.forEach((s, i) => {
    const bytes = Buffer.from(s, 'utf8');
    if (bytes.length > width) throw invalid(where, `char variable '${v.name}': '${s}' is longer than ${width} bytes`);
    bytes.copy(b, i * width);
  });
  return b;
}

function header(file: Nc3File, layouts: Layout[], dataBegin: number | null): { buffer: Buffer; begins: number[] } {
  const h = new HeaderWriter();
  h.bytes(Buffer.from([0x43, 0x44, 0x46, 0x02])); // 'CDF' version 2: 64-bit offsets
  h.u32(0); // numrecs: no record dimension
  if (file.dims.length === 0) {
    h.u32(0);
    h.u32(0);
  } else {
    h.u32(NC_DIMENSION);
    h.u32(file.dims.length);
    for (const [name, length] of file.dims) {
      h.name(name);
      h.u32(length);
    }
  }
  writeAttrs(h, file.attrs);
  const dimId = new Map(file.dims.map(([name], i) => [name, i]));
  const begins: number[] = [];
  let offset = dataBegin ?? 0;
  if (file.vars.length === 0) {
    h.u32(0);
    h.u32(0);
  } else {
    h.u32(NC_VARIABLE);
    h.u32(file.vars.length);
    file.vars.forEach((v, i) => {
      h.name(v.name);
      h.u32(v.dims.length);
      for (const d of v.dims) h.u32(dimId.get(d)!);
      writeAttrs(h, v.attrs);
      h.u32(TYPE_CODE[v.type]);
      const vsize = pad4(layouts[i].count * TYPE_SIZE[v.type]);
      h.u32(vsize >= 0xfffffffc ? 0xffffffff : vsize); // the format's cap; readers recompute it
      begins.push(offset);
      h.u64(offset);
      offset += vsize;
    });
  }
  return { buffer: h.buffer(), begins };
}

const CHUNK = 1 << 20;

/** Write `file` as NetCDF classic (CDF-2) to `target`, atomically (temporary name, then rename). */
export async function writeNetcdf3(target: string, file: Nc3File): Promise<void> {
  const layouts = layoutOf(file, target);
  // The header's size does not depend on the offsets it holds (they are fixed width).
  const headerLength = header(file, layouts, 0).buffer.length;
  const { buffer } = header(file, layouts, headerLength);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, buffer);
    file.vars.forEach((v, i) => {
      if (v.type === 'char') {
        fs.writeSync(fd, encodeChar(v, layouts[i], target));
        return;
      }
      const data = v.data as NumericArray;
      const n = layouts[i].count;
      for (let start = 0; start < n; start += CHUNK) {
        const end = Math.min(n, start + CHUNK);
        const slice = ArrayBuffer.isView(data) ? (data as unknown as Float64Array).subarray(start, end) : Array.prototype.slice.call(data, start, end);
        fs.writeSync(fd, encodeValues(v.type, slice, end === n));
      }
    });
    fs.closeSync(fd);
    _faultInjection.beforeRename?.(target);
    fs.renameSync(tmp, target);
  } catch (err) {
    try {
      fs.closeSync(fd);
    } catch {
      // already closed
    }
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}
