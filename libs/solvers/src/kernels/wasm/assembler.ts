// A very small WebAssembly binary writer: just what the kernels (gemm-kernel.ts, vector-kernel.ts,
// rows-kernel.ts) need — one memory, exported functions, i32 arithmetic, structured loops and
// if/else, a few f64 scalar ops, and the 128-bit SIMD (f64x2) loads, stores, arithmetic,
// comparisons and bit masks. Opcodes are named as in the spec's text format
// (https://webassembly.github.io/spec/core/binary/instructions.html); the kernel source reads
// like a .wat file. Used only to (re)generate kernels.bytes.ts; nothing runs this at load.

export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F64 | typeof V128;

/** Unsigned LEB128. */
export function uleb(v: number): number[] {
  const out: number[] = [];
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 (32-bit). */
export function sleb(v: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function name(s: string): number[] {
  const bytes = Array.from(new TextEncoder().encode(s));
  return [...uleb(bytes.length), ...bytes];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

/** Instruction emitter; each method appends one instruction and returns this for chaining. */
export class Code {
  readonly bytes: number[] = [];
  private op(...b: number[]): this {
    this.bytes.push(...b);
    return this;
  }
  private simd(opcode: number, ...imm: number[]): this {
    return this.op(0xfd, ...uleb(opcode), ...imm);
  }
  // control (block type 0x40: no result)
  block(): this { return this.op(0x02, 0x40); }
  loop(): this { return this.op(0x03, 0x40); }
  if_(): this { return this.op(0x04, 0x40); }
  else_(): this { return this.op(0x05); }
  end(): this { return this.op(0x0b); }
  br(depth: number): this { return this.op(0x0c, ...uleb(depth)); }
  br_if(depth: number): this { return this.op(0x0d, ...uleb(depth)); }
  // locals
  local_get(i: number): this { return this.op(0x20, ...uleb(i)); }
  local_set(i: number): this { return this.op(0x21, ...uleb(i)); }
  local_tee(i: number): this { return this.op(0x22, ...uleb(i)); }
  // i32
  i32_const(v: number): this { return this.op(0x41, ...sleb(v)); }
  i32_eqz(): this { return this.op(0x45); }
  i32_lt_u(): this { return this.op(0x49); }
  i32_add(): this { return this.op(0x6a); }
  i32_sub(): this { return this.op(0x6b); }
  i32_mul(): this { return this.op(0x6c); }
  i32_shl(): this { return this.op(0x74); }
  // f64
  f64_load(offset: number): this { return this.op(0x2b, 3, ...uleb(offset)); }
  f64_store(offset: number): this { return this.op(0x39, 3, ...uleb(offset)); }
  f64_ne(): this { return this.op(0x62); }
  f64_add(): this { return this.op(0xa0); }
  f64_sub(): this { return this.op(0xa1); }
  f64_mul(): this { return this.op(0xa2); }
  f64_const(v: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    return this.op(0x44, ...b);
  }
  // 128-bit SIMD; memarg = (log2 alignment, byte offset)
  v128_load(offset: number, align = 3): this { return this.simd(0x00, ...uleb(align), ...uleb(offset)); }
  v128_load64_splat(offset: number): this { return this.simd(0x0a, ...uleb(3), ...uleb(offset)); }
  v128_store(offset: number, align = 3): this { return this.simd(0x0b, ...uleb(align), ...uleb(offset)); }
  v128_const_zero(): this { return this.simd(0x0c, ...new Array<number>(16).fill(0)); }
  f64x2_splat(): this { return this.simd(0x14); }
  f64x2_extract_lane(lane: number): this { return this.simd(0x21, lane); }
  f64x2_lt(): this { return this.simd(0x49); }
  f64x2_gt(): this { return this.simd(0x4a); }
  v128_and(): this { return this.simd(0x4e); }
  v128_andnot(): this { return this.simd(0x4f); }
  f64x2_abs(): this { return this.simd(0xec); }
  f64x2_sqrt(): this { return this.simd(0xef); }
  f64x2_add(): this { return this.simd(0xf0); }
  f64x2_sub(): this { return this.simd(0xf1); }
  f64x2_mul(): this { return this.simd(0xf2); }
  f64x2_div(): this { return this.simd(0xf3); }
}

export interface FunctionDef {
  name: string;
  params: ValType[];
  /** Local declarations after the parameters, in order: [count, type]. */
  locals: [number, ValType][];
  body: Code;
}

/** A module with one exported memory ("memory", `pages` × 64 KiB initially) and the functions (no results). */
export function assembleModule(functions: FunctionDef[], pages: number): Uint8Array {
  const types = vec(functions.map((f) => [0x60, ...uleb(f.params.length), ...f.params, 0x00]));
  const funcs = vec(functions.map((_, i) => uleb(i)));
  const memory = vec([[0x00, ...uleb(pages)]]);
  const exports = vec([...functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]), [...name('memory'), 0x02, 0x00]]);
  const bodies = vec(
    functions.map((f) => {
      const body = [...vec(f.locals.map(([n, t]) => [...uleb(n), t])), ...f.body.bytes, 0x0b];
      return [...uleb(body.length), ...body];
    }),
  );
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, types),
    ...section(3, funcs),
    ...section(5, memory),
    ...section(7, exports),
    ...section(10, bodies),
  ]);
}
