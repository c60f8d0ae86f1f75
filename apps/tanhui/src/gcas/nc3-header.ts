// The variable table of a NetCDF classic (CDF-1/CDF-2) file, for the two places GCAS's files are
// touched byte-wise: update-ic patches variables in place; the observation operator reads only
// the tracer values it samples (GDAL would decode every tracer field in full).
import * as fs from 'node:fs';
import { TanhuiError } from '@tanhui/core';

export interface Nc3Var {
  name: string;
  dimLens: number[];
  type: number;
  vsize: number;
  begin: number;
  record: boolean;
}

export const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 4, 6: 8 };
export const NC_FLOAT = 5;
export const NC_DOUBLE = 6;

/** The variable table of a NetCDF classic (CDF-1/CDF-2) header. */
export function readHeader(buf: Buffer, file: string): { vars: Nc3Var[]; numrecs: number } {
  if (buf.subarray(0, 3).toString('latin1') !== 'CDF' || (buf[3] !== 1 && buf[3] !== 2)) {
    throw new TanhuiError('UnsupportedFormat', 'not a NetCDF classic (CDF-1 or CDF-2) file', { context: { file } });
  }
  const v2 = buf[3] === 2;
  let pos = 4;
  const u32 = (): number => {
    const v = buf.readUInt32BE(pos);
    pos += 4;
    return v;
  };
  const name = (): string => {
    const n = u32();
    const s = buf.subarray(pos, pos + n).toString('utf8');
    pos += (n + 3) & ~3;
    return s;
  };
  const attrs = (): void => {
    const tag = u32();
    const n = u32();
    if (tag === 0 && n === 0) return;
    for (let i = 0; i < n; i++) {
      name();
      const type = u32();
      const len = u32() * (TYPE_SIZE[type] ?? 1);
      pos += (len + 3) & ~3;
    }
  };
  const numrecs = u32();
  const dims: number[] = [];
  let tag = u32();
  let n = u32();
  if (!(tag === 0 && n === 0)) for (let i = 0; i < n; i++) (name(), dims.push(u32()));
  attrs();
  tag = u32();
  n = u32();
  const vars: Nc3Var[] = [];
  if (!(tag === 0 && n === 0)) {
    for (let i = 0; i < n; i++) {
      const vname = name();
      const nd = u32();
      const ids = Array.from({ length: nd }, () => u32());
      attrs();
      const type = u32();
      const vsize = u32();
      const begin = v2 ? Number(buf.readBigUInt64BE(pos)) : buf.readUInt32BE(pos);
      pos += v2 ? 8 : 4;
      vars.push({ name: vname, dimLens: ids.map((d) => dims[d]), type, vsize, begin, record: nd > 0 && dims[ids[0]] === 0 });
    }
  }
  return { vars, numrecs };
}

export function readField(fd: number, v: Nc3Var, count: number, offset: number): Float64Array {
  const size = TYPE_SIZE[v.type];
  const b = Buffer.alloc(count * size);
  fs.readSync(fd, b, 0, b.length, offset);
  return Float64Array.from({ length: count }, (_, k) => (v.type === NC_DOUBLE ? b.readDoubleBE(k * 8) : b.readFloatBE(k * 4)));
}


/** The header of a classic file, or null when the file is not classic (NetCDF-4/HDF5). */
export function classicHeader(file: string): { vars: Nc3Var[]; numrecs: number } | null {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(Math.min(fs.fstatSync(fd).size, 1 << 20));
    fs.readSync(fd, head, 0, head.length, 0);
    if (head.subarray(0, 3).toString('latin1') !== 'CDF' || (head[3] !== 1 && head[3] !== 2)) return null;
    return readHeader(head, file);
  } finally {
    fs.closeSync(fd);
  }
}
