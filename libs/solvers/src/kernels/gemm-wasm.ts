// GEMM through the WebAssembly SIMD macro-kernels (wasm/gemm-kernel.ts): operands are packed
// by the same packA/packB as the JavaScript kernel, straight into the module's memory; the
// kernel writes each MC×NC block of C there and it is added into the caller's C. Same
// summation order, same bits as the JavaScript kernel. Each thread instantiates its own module
// on first use (~2.8 MB of memory, more when scratch is asked for); without WebAssembly SIMD,
// gemm stays in JavaScript. The module also holds the vector kernels (wasm/vector-kernel.ts)
// used by the ensemble-space transform (transform-ops.ts) and the localised serial EnSRF's row
// kernel (wasm/rows-kernel.ts, driven by ensrf/rows-wasm.ts), in memory above gemm's.
import { packA, packB, MR, NR } from './pack';
import { A_ROW_STRIDE, KERNELS_WASM } from './wasm/kernels.bytes';

const KC = A_ROW_STRIDE; // depth of a block (256): the A block MC×KC (128 KB) stays in L2
const MC = 64;
const NC = 1024; // B panel NC×KC (2 MB)

// Layout of the module's memory, in doubles.
const A_AT = 0;
const B_AT = A_AT + MC * KC;
const C_AT = B_AT + NC * KC;
/** First double of the memory that gemm does not use (callers' scratch, see ensureScratch). */
export const SCRATCH_AT = C_AT + MC * NC;

type Kernel = (ap: number, bp: number, cp: number, mBlocks: number, nBlocks: number, kc: number) => void;
type VectorKernel = (p0: number, p1: number, p2: number, n: number, ld: number, scalar: number) => void;
/** ensrf_rows(seq, count, n, blk, xp, groups, tValue, nf): see wasm/rows-kernel.ts. */
export type RowsKernel = (seq: number, count: number, n: number, blk: number, xp: number, groups: number, tValue: number, nf: number) => void;

export interface WasmKernels {
  /** A as packed row micro-panels (packA). */
  panels: Kernel;
  /** A as plain rows, A_ROW_STRIDE doubles apart. */
  rows: Kernel;
  combineRows: VectorKernel;
  rowDots: VectorKernel;
  rankOne: VectorKernel;
  ensrfRows: RowsKernel;
  memory: WasmMemory;
  /** View of the whole memory; replaced when ensureScratch grows it. */
  mem: Float64Array;
}

let instance: WasmKernels | null | undefined;

// The few WebAssembly JS-API members used here, typed locally: the lib's TypeScript setup has
// no DOM library, and the global may be absent (then gemm stays in JavaScript).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

function load(): WasmKernels | null {
  try {
    const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    if (!api || !api.validate(KERNELS_WASM)) return null;
    const inst = new api.Instance(new api.Module(KERNELS_WASM), {});
    const e = inst.exports;
    const memory = e.memory as WasmMemory;
    const w: WasmKernels = {
      panels: e.gemm_panels as Kernel,
      rows: e.gemm_rows as Kernel,
      combineRows: e.combine_rows as VectorKernel,
      rowDots: e.row_dots as VectorKernel,
      rankOne: e.rank_one as VectorKernel,
      ensrfRows: e.ensrf_rows as RowsKernel,
      memory,
      mem: new Float64Array(memory.buffer),
    };
    ensureScratch(w, 0);
    return w;
  } catch {
    return null;
  }
}

/** The kernels, or null when this runtime has no WebAssembly SIMD (checked once per thread). */
export function wasmKernels(): WasmKernels | null {
  if (instance === undefined) instance = load();
  return instance;
}

/** Grow the memory so that `doubles` doubles from SCRATCH_AT fit; refreshes w.mem. */
export function ensureScratch(w: WasmKernels, doubles: number): void {
  const bytes = (SCRATCH_AT + doubles) * 8;
  const need = Math.ceil((bytes - w.memory.buffer.byteLength) / 65536);
  if (need > 0) w.memory.grow(need);
  if (w.mem.buffer !== w.memory.buffer) w.mem = new Float64Array(w.memory.buffer);
}

/**
 * C = alpha·opA·opB + beta·C on sub-matrices, as gemmStrided, through the wasm kernel.
 * Needs m, n, k ≥ 1, alpha ≠ 0 and wasmKernels() ≠ null.
 */
export function gemmStridedWasm(
  w: WasmKernels,
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float64Array,
  aOff: number,
  lda: number,
  b: Float64Array,
  bOff: number,
  ldb: number,
  beta: number,
  c: Float64Array,
  cOff: number,
  ldc: number,
): void {
  const mem = w.mem;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    const nBlocks = Math.ceil(nc / NR);
    const ldw = nBlocks * NR;
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      packB(transB, b, bOff, ldb, pc, kc, jc, nc, mem, B_AT);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        const mBlocks = Math.ceil(mc / MR);
        if (transA) {
          packA(transA, a, aOff, lda, ic, mc, pc, kc, alpha, mem, A_AT);
          w.panels(A_AT * 8, B_AT * 8, C_AT * 8, mBlocks, nBlocks, kc);
        } else {
          // Rows of A as they are (alpha applied on the way, as packA does).
          for (let q = 0; q < mc; q++) {
            const src = aOff + (ic + q) * lda + pc;
            const dst = A_AT + q * KC;
            if (alpha === 1) mem.set(a.subarray(src, src + kc), dst);
            else for (let p = 0; p < kc; p++) mem[dst + p] = alpha * a[src + p];
          }
          w.rows(A_AT * 8, B_AT * 8, C_AT * 8, mBlocks, nBlocks, kc);
        }
        // Into C with the JavaScript kernel's arithmetic: beta·C first, then the partial sums
        // of each depth block. (For beta = 0 that is 0 + sum = sum: a sum that starts at +0
        // is never −0.)
        const first = pc === 0;
        for (let q = 0; q < mc; q++) {
          const r = cOff + (ic + q) * ldc + jc;
          const s = C_AT + q * ldw;
          if (first && beta === 0) c.set(mem.subarray(s, s + nc), r);
          else if (!first || beta === 1) for (let j = 0; j < nc; j++) c[r + j] += mem[s + j];
          else for (let j = 0; j < nc; j++) c[r + j] = c[r + j] * beta + mem[s + j];
        }
      }
    }
  }
}
