// The files a Slurm batch passes through the shared filesystem. Task inputs are plain objects
// with typed arrays inside: the arrays of all tasks of a batch go once into `inputs.bin` (each
// distinct array once, 8-byte aligned), and each task's `task-<i>.json` holds its object with
// references into it, so a window's big inputs are written once, not once per task, and a task
// reads only the ranges it names. A result is one file, `result-<i>.bin` (magic, header JSON
// with its own total length, then the arrays), written under a temporary name and renamed, so a
// result either is complete or is recognisably truncated.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, readFileSync, statSync } from 'node:fs';
import { TanhuiError } from '@tanhui/core';
import { writeFileAtomic } from '@tanhui/io';

type Typed = Float64Array | Float32Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array | BigInt64Array;
const TYPES: Record<string, new (b: ArrayBuffer, o?: number, n?: number) => Typed> = {
  Float64Array,
  Float32Array,
  Int32Array,
  Uint32Array,
  Int16Array,
  Uint16Array,
  Int8Array,
  Uint8Array,
  BigInt64Array,
};

/** Columns offset … offset+count−1 of a [row][stride] table a task writes into (shared memory on
 * one machine; through the result file here). */
export interface ColumnsRef {
  array: Float64Array;
  stride: number;
  offset: number;
}

/** Where a task's output columns go, keyed as in the encoded input ('$c'). */
export interface ColumnsOut {
  key: string;
  dest: ColumnsRef;
  rows: number;
  count: number;
}

function isTyped(v: unknown): v is Typed {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

/** Collects the distinct arrays of a batch (by identity, then by content) at aligned offsets. */
export class ArraySink {
  private readonly parts: Uint8Array[] = [];
  private size = 0;
  private readonly byIdentity = new Map<Typed, number>();
  private readonly byHash = new Map<string, number>();
  private readonly hash = createHash('sha256');

  add(a: Typed): number {
    const known = this.byIdentity.get(a);
    if (known !== undefined) return known;
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const h = createHash('sha256').update(bytes).digest('hex');
    let at = this.byHash.get(h);
    if (at === undefined) {
      at = this.size;
      // A view, not a copy: the batch's files are written before control returns to the caller.
      this.parts.push(bytes);
      const pad = (8 - (bytes.byteLength % 8)) % 8;
      if (pad > 0) this.parts.push(new Uint8Array(pad));
      this.size += bytes.byteLength + pad;
      this.byHash.set(h, at);
      this.hash.update(h);
    }
    this.byIdentity.set(a, at);
    return at;
  }

  bytes(): Uint8Array {
    return Buffer.concat(this.parts, this.size);
  }

  get byteLength(): number {
    return this.size;
  }

  /** Copy the arrays into `out` from byte `at` (one copy, no intermediate buffer). */
  copyInto(out: Uint8Array, at: number): void {
    for (const p of this.parts) {
      out.set(p, at);
      at += p.byteLength;
    }
  }

  /** Hash of the contents (with the task JSONs it names a batch). */
  digest(): string {
    return this.hash.copy().digest('hex');
  }
}

/**
 * An input object as JSON with its arrays in `sink`: {"$a": [type, offset, length]}; output
 * columns (`columns`, by identity of the ColumnsRef object) as {"$c": [key, rows, count]};
 * non-finite numbers as {"$n": "NaN"}.
 */
export function encodeTree(v: unknown, sink: ArraySink, columns: ReadonlyMap<object, ColumnsOut> = new Map()): unknown {
  if (isTyped(v)) return { $a: [v.constructor.name, sink.add(v), v.length] };
  if (typeof v === 'number' && !Number.isFinite(v)) return { $n: String(v) };
  if (v instanceof ArrayBuffer || v instanceof SharedArrayBuffer) return { $a: ['Uint8Array', sink.add(new Uint8Array(v)), v.byteLength], buffer: true };
  if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : encodeTree(x, sink, columns)));
  if (v !== null && typeof v === 'object') {
    const col = columns.get(v);
    if (col) return { $c: [col.key, col.rows, col.count] };
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined && typeof x !== 'function') out[k] = encodeTree(x, sink, columns);
    return out;
  }
  return v;
}

/** Reads the ranges of a batch's inputs.bin that a task names, each into its own aligned array. */
export class ArraySource {
  private fd: number | undefined;
  constructor(private readonly file: string) {}
  read(type: string, offset: number, length: number): Typed {
    const C = TYPES[type];
    if (!C) throw new TanhuiError('InvalidArgument', `unknown array type '${type}' in a task file`, { context: { file: this.file } });
    const bytes = length * (C as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
    const buf = new ArrayBuffer(bytes);
    this.fd ??= openSync(this.file, 'r');
    let got = 0;
    while (got < bytes) {
      const n = readSync(this.fd, new Uint8Array(buf, got), 0, bytes - got, offset + got);
      if (n === 0) throw new TanhuiError('InvalidArgument', `the task inputs file ${this.file} ends at byte ${offset + got}, before an array that needs ${offset + bytes}`, { context: { file: this.file } });
      got += n;
    }
    return new C(buf);
  }
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** The inverse of encodeTree; columns are fresh local [rows][count] tables, returned in `columns`. */
export function decodeTree(v: unknown, arrays: (type: string, offset: number, length: number) => Typed, columns: Map<string, ColumnsRef> = new Map()): unknown {
  if (Array.isArray(v)) return v.map((x) => decodeTree(x, arrays, columns));
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (Array.isArray(o.$a)) {
      const [type, offset, length] = o.$a as [string, number, number];
      const a = arrays(type, offset, length);
      return o.buffer ? a.buffer : a;
    }
    if (typeof o.$n === 'string') return Number(o.$n);
    if (Array.isArray(o.$c)) {
      const [key, rows, count] = o.$c as [string, number, number];
      const ref: ColumnsRef = { array: new Float64Array(rows * count), stride: count, offset: 0 };
      columns.set(key, ref);
      return ref;
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) out[k] = decodeTree(x, arrays, columns);
    return out;
  }
  return v;
}

/** What a task file holds. */
export interface TaskFile {
  /** Exported function of the task module. */
  task: string;
  label: string;
  /** The batch's inputs file (absolute). */
  inputs: string;
  input: unknown;
  /** Where the result goes (absolute); `error` gets the failure message. */
  result: string;
  error: string;
}

const MAGIC = 'TANHUIR1';

/** Timing of a task as its worker measured it [epoch ms]. */
export interface WorkerTimes {
  /** Process start (performance.timeOrigin). */
  processStartMs: number;
  /** Task file and inputs read, task module loaded. */
  readyMs: number;
  /** The task function's start and end. */
  taskStartMs: number;
  taskEndMs: number;
  /** Result file written. */
  writtenMs: number;
}

/** Write a task's result (value and output columns) atomically. */
export function writeResult(file: string, value: unknown, columns: ReadonlyMap<string, ColumnsRef>, times: Omit<WorkerTimes, 'writtenMs'>, truncate = false): void {
  const sink = new ArraySink();
  const cols: Record<string, unknown> = {};
  for (const [k, c] of columns) cols[k] = encodeTree(c.array, sink);
  const body = { value: encodeTree(value, sink), columns: cols, times: { ...times, writtenMs: Date.now() } };
  const arraysBytes = sink.byteLength;
  const headerPadOf = (h: Buffer): number => (8 - ((16 + h.byteLength) % 8)) % 8;
  // The header names the file's total length, which depends on the header's own length.
  let header = Buffer.from(JSON.stringify({ ...body, total: 0 }));
  for (let i = 0; i < 4; i++) {
    const total = 16 + header.byteLength + headerPadOf(header) + arraysBytes;
    const next = Buffer.from(JSON.stringify({ ...body, total }));
    const same = next.byteLength + headerPadOf(next) === header.byteLength + headerPadOf(header);
    header = next;
    if (same) break;
  }
  const start = 16 + header.byteLength + headerPadOf(header);
  // One buffer, each array copied into it once (results are hundreds of MB with final fields).
  const out = Buffer.allocUnsafe(start + arraysBytes);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(header.byteLength, 8);
  out.writeUInt32LE(0, 12);
  header.copy(out, 16);
  out.fill(0, 16 + header.byteLength, start);
  sink.copyInto(out, start);
  // Test seam: a result cut short (a full disk, a copy interrupted).
  writeFileAtomic(file, truncate ? out.subarray(0, Math.max(16, out.byteLength >> 1)) : out);
}

export interface TaskResult {
  value: unknown;
  columns: Map<string, Float64Array>;
  times: WorkerTimes;
}

/** Read a result file; throws a one-line TanhuiError for a truncated or foreign file. */
export function readResult(file: string): TaskResult {
  const buf = readFileSync(file);
  const bad = (why: string): TanhuiError => new TanhuiError('WorkerFailed', `the task result ${file} ${why}`, { context: { file } });
  if (buf.byteLength < 16 || buf.toString('latin1', 0, 8) !== MAGIC) throw bad(`is not a tanhui result (${buf.byteLength} bytes)`);
  const hlen = buf.readUInt32LE(8);
  if (16 + hlen > buf.byteLength) throw bad(`is truncated (${buf.byteLength} bytes, its header alone needs ${16 + hlen})`);
  let header: { value: unknown; columns: Record<string, unknown>; times: WorkerTimes; total: number };
  try {
    header = JSON.parse(buf.toString('utf8', 16, 16 + hlen));
  } catch {
    throw bad('has an unreadable header');
  }
  if (header.total !== buf.byteLength) throw bad(`is truncated (${buf.byteLength} of ${header.total} bytes)`);
  const start = 16 + hlen + ((8 - ((16 + hlen) % 8)) % 8);
  const arrays = (type: string, offset: number, length: number): Typed => {
    const C = TYPES[type]!;
    const size = (C as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
    const at = buf.byteOffset + start + offset;
    // A view into the file's buffer where aligned (a big file has a buffer of its own), else a copy.
    if (at % size === 0) return new C(buf.buffer as ArrayBuffer, at, length);
    const copy = new ArrayBuffer(length * size);
    new Uint8Array(copy).set(buf.subarray(start + offset, start + offset + length * size));
    return new C(copy);
  };
  const columns = new Map<string, Float64Array>();
  for (const [k, c] of Object.entries(header.columns)) columns.set(k, decodeTree(c, arrays) as Float64Array);
  return { value: decodeTree(header.value, arrays), columns, times: header.times };
}

/** True when `file` exists with at least its header (a quick check before reading it). */
export function resultPresent(file: string): boolean {
  try {
    return statSync(file).size >= 16;
  } catch {
    return false;
  }
}
