// The header of NetCDF classic files (CDF-1, CDF-2, CDF-5), format:
// https://docs.unidata.ucar.edu/netcdf-c/current/file_format_specifications.html
// Two uses: the truncation check (the netCDF library, and so GDAL and ncdump, reads the missing
// tail of a truncated classic file as zeros without any error; the header says where every
// variable ends), and byte-wise slab reads/patches where GDAL would decode whole fields.
import * as fs from 'node:fs';

const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 4, 6: 8, 7: 1, 8: 2, 9: 4, 10: 8, 11: 8 };
const NC_DIMENSION = 0x0a;
const NC_VARIABLE = 0x0b;
const NC_ATTRIBUTE = 0x0c;
const STREAMING = 0xffffffff;

class OutOfHeader extends Error {}

class Reader {
  pos = 0;
  constructor(
    private readonly buf: Buffer,
    private readonly version: number,
  ) {}
  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new OutOfHeader();
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  u64(): number {
    this.need(8);
    const v = Number(this.buf.readBigUInt64BE(this.pos));
    this.pos += 8;
    return v;
  }
  /** NON_NEG / nelems: 8 bytes in CDF-5, else 4. */
  count(): number {
    return this.version === 5 ? this.u64() : this.u32();
  }
  offset(): number {
    return this.version === 1 ? this.u32() : this.u64();
  }
  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }
  name(): string {
    const n = this.count();
    this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n + ((4 - (n % 4)) % 4);
    return s;
  }
  attributes(): void {
    const tag = this.u32();
    const n = this.count();
    if (tag === 0 && n === 0) return;
    if (tag !== NC_ATTRIBUTE) throw new Error('bad attribute list tag');
    for (let i = 0; i < n; i++) {
      this.name();
      const type = this.u32();
      const nelems = this.count();
      const bytes = nelems * (TYPE_SIZE[type] ?? 1);
      this.skip(bytes + ((4 - (bytes % 4)) % 4));
    }
  }
}

/** NetCDF classic type codes and their sizes in bytes. */
export const NC_CLASSIC_TYPE = { byte: 1, char: 2, short: 3, int: 4, float: 5, double: 6 } as const;
export const CLASSIC_TYPE_SIZE: Readonly<Record<number, number>> = TYPE_SIZE;

export interface ClassicVariable {
  name: string;
  /** Lengths of its dimensions (0 for the record dimension). */
  dimLens: number[];
  /** NetCDF type code (NC_CLASSIC_TYPE). */
  type: number;
  vsize: number;
  /** Byte offset of its data (of its first record's slab for a record variable). */
  begin: number;
  record: boolean;
  /** Bytes of one record's slab (of the whole variable when not a record variable), unpadded. */
  bytesPerRecord: number;
}

export interface ClassicHeader {
  version: number;
  /** Number of records; null while a file is being streamed (numrecs = STREAMING). */
  numrecs: number | null;
  vars: ClassicVariable[];
  /** Bytes from one record to the next (a lone record variable is not padded). */
  recordBytes: number;
  /** Bytes of the header itself. */
  headerBytes: number;
}

/** Parse a classic header from `buf`; throws OutOfHeader if `buf` is too short. */
function parse(buf: Buffer): ClassicHeader {
  const version = buf[3];
  const r = new Reader(buf, version);
  r.skip(4);
  const numrecs = version === 5 ? r.u64() : r.u32();
  // Dimensions.
  const dimLens: number[] = [];
  let tag = r.u32();
  let n = r.count();
  if (!(tag === 0 && n === 0)) {
    if (tag !== NC_DIMENSION) throw new Error('bad dimension list tag');
    for (let i = 0; i < n; i++) {
      r.name();
      dimLens.push(r.count());
    }
  }
  r.attributes();
  // Variables.
  tag = r.u32();
  n = r.count();
  const vars: ClassicVariable[] = [];
  if (!(tag === 0 && n === 0)) {
    if (tag !== NC_VARIABLE) throw new Error('bad variable list tag');
    for (let i = 0; i < n; i++) {
      const name = r.name();
      const ndims = r.count();
      const ids: number[] = [];
      for (let k = 0; k < ndims; k++) ids.push(r.count());
      r.attributes();
      const type = r.u32();
      const vsize = r.count();
      const begin = r.offset();
      const record = ids.length > 0 && dimLens[ids[0]] === 0;
      const elems = ids.filter((_, k) => !(record && k === 0)).reduce((a, id) => a * (dimLens[id] ?? 1), 1);
      vars.push({ name, dimLens: ids.map((id) => dimLens[id] ?? 0), type, vsize, begin, record, bytesPerRecord: elems * (TYPE_SIZE[type] ?? 1) });
    }
  }
  const recVars = vars.filter((v) => v.record);
  // One record holds each record variable's slab padded to 4 bytes, except a lone record
  // variable, which is not padded.
  const recordBytes = recVars.length === 1 ? recVars[0].bytesPerRecord : recVars.reduce((a, v) => a + v.vsize, 0);
  return { version, numrecs: numrecs === STREAMING && version !== 5 ? null : numrecs, vars, recordBytes, headerBytes: r.pos };
}

/** Smallest valid size of a file with this header (null while streaming). */
function minimumSize(h: ClassicHeader): number | null {
  if (h.numrecs === null) return null;
  let minimum = h.headerBytes;
  for (const v of h.vars) {
    // Unpadded ends: a lower bound that never flags a valid file.
    const end = v.record ? (h.numrecs > 0 ? v.begin + (h.numrecs - 1) * h.recordBytes + v.bytesPerRecord : 0) : v.begin + v.bytesPerRecord;
    minimum = Math.max(minimum, end);
  }
  return minimum;
}

/** The header of a classic file read from `fd`, growing the read until it fits; null when not classic or unparsable. */
function headerOf(fd: number, actual: number): ClassicHeader | 'cut' | null {
  let len = Math.min(actual, 1 << 16);
  for (;;) {
    const buf = Buffer.alloc(len);
    fs.readSync(fd, buf, 0, len, 0);
    if (buf.length < 4 || buf.toString('latin1', 0, 3) !== 'CDF' || ![1, 2, 5].includes(buf[3])) return null;
    try {
      return parse(buf);
    } catch (err) {
      if (!(err instanceof OutOfHeader)) return null;
      if (len >= actual) return 'cut'; // the header itself is cut short
      len = Math.min(actual, len * 4);
    }
  }
}

/**
 * The variable table of a NetCDF classic file (CDF-1, CDF-2, CDF-5), for reading or patching
 * slabs byte-wise where GDAL would decode whole fields. Null for any other file (NetCDF-4/HDF5)
 * or a header that cannot be parsed.
 */
export function readClassicHeader(file: string): ClassicHeader | null {
  const fd = fs.openSync(file, 'r');
  try {
    const h = headerOf(fd, fs.fstatSync(fd).size);
    return h === 'cut' ? null : h;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * For a NetCDF classic file: its actual and minimum sizes. Returns null for any other file
 * (or a header that cannot be parsed, which GDAL will report itself).
 */
export function classicFileSizes(file: string): { actual: number; minimum: number } | null {
  const actual = fs.statSync(file).size;
  const fd = fs.openSync(file, 'r');
  try {
    const h = headerOf(fd, actual);
    if (h === 'cut') return { actual, minimum: actual + 1 };
    const minimum = h === null ? null : minimumSize(h);
    return minimum === null ? null : { actual, minimum };
  } finally {
    fs.closeSync(fd);
  }
}
