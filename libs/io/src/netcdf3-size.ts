// Truncation check for NetCDF classic files (CDF-1, CDF-2, CDF-5). The netCDF library (and so
// GDAL and ncdump) reads the missing tail of a truncated classic file as zeros without any
// error; the header, however, says where every variable ends. This parses just enough of the
// header (format: https://docs.unidata.ucar.edu/netcdf-c/current/file_format_specifications.html)
// to compute the smallest size the file must have.
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

export interface ClassicLayout {
  version: number;
  /** Smallest valid file size in bytes implied by the header (null when streaming). */
  minimumSize: number | null;
}

/** Parse a classic header from `buf`; throws OutOfHeader if `buf` is too short. */
function parse(buf: Buffer): ClassicLayout {
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
  const vars: { recordVar: boolean; begin: number; vsize: number; bytesPerRecord: number }[] = [];
  if (!(tag === 0 && n === 0)) {
    if (tag !== NC_VARIABLE) throw new Error('bad variable list tag');
    for (let i = 0; i < n; i++) {
      r.name();
      const ndims = r.count();
      const ids: number[] = [];
      for (let k = 0; k < ndims; k++) ids.push(r.count());
      r.attributes();
      const type = r.u32();
      const vsize = r.count();
      const begin = r.offset();
      const recordVar = ids.length > 0 && dimLens[ids[0]] === 0;
      const elems = ids.filter((_, k) => !(recordVar && k === 0)).reduce((a, id) => a * (dimLens[id] ?? 1), 1);
      vars.push({ recordVar, begin, vsize, bytesPerRecord: elems * (TYPE_SIZE[type] ?? 1) });
    }
  }
  if (numrecs === STREAMING && version !== 5) return { version, minimumSize: null };
  const recVars = vars.filter((v) => v.recordVar);
  // One record holds each record variable's slab padded to 4 bytes, except a lone record
  // variable, which is not padded.
  const recsize = recVars.length === 1 ? recVars[0].bytesPerRecord : recVars.reduce((a, v) => a + v.vsize, 0);
  let minimumSize = r.pos;
  for (const v of vars) {
    // Unpadded ends: a lower bound that never flags a valid file.
    const end = v.recordVar
      ? numrecs > 0
        ? v.begin + (numrecs - 1) * recsize + v.bytesPerRecord
        : 0
      : v.begin + v.bytesPerRecord;
    minimumSize = Math.max(minimumSize, end);
  }
  return { version, minimumSize };
}

/**
 * For a NetCDF classic file: its actual and minimum sizes. Returns null for any other file
 * (or a header that cannot be parsed, which GDAL will report itself).
 */
export function classicFileSizes(file: string): { actual: number; minimum: number } | null {
  const actual = fs.statSync(file).size;
  const fd = fs.openSync(file, 'r');
  try {
    let len = Math.min(actual, 1 << 16);
    for (;;) {
      const buf = Buffer.alloc(len);
      fs.readSync(fd, buf, 0, len, 0);
      if (buf.length < 4 || buf.toString('latin1', 0, 3) !== 'CDF' || ![1, 2, 5].includes(buf[3])) return null;
      try {
        const layout = parse(buf);
        return layout.minimumSize === null ? null : { actual, minimum: layout.minimumSize };
      } catch (err) {
        if (!(err instanceof OutOfHeader)) return null;
        if (len >= actual) return { actual, minimum: actual + 1 }; // header itself is cut short
        len = Math.min(actual, len * 4);
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}
