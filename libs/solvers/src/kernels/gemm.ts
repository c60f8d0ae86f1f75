// General matrix multiply on row-major Float64Array, BLIS-style: op(B) is packed into
// column micro-panels [p][4] and op(A) into row micro-panels [p][4] per cache block, so the
// 4×4 register kernel streams both with unit stride whatever the transposes are.
// Two kernels with identical arithmetic (same bits): a WebAssembly SIMD one (gemm-wasm.ts,
// f64x2) for products of at least WASM_MIN_MADDS multiply-adds when the runtime has
// WebAssembly SIMD, else the JavaScript one below (~1.4–1.7 G multiply-adds/s per core here).
import { requestedBackend } from './backend';
import { gemmStridedWasm, wasmKernels } from './gemm-wasm';
import { MR, NR, packA, packB } from './pack';

const KC = 256; // depth of a packed block: A panel MC×KC (128 KB) stays in L2
const MC = 64;
const NC = 1024; // B panel NC×KC (2 MB) stays in the shared L3

/** Below this many multiply-adds the JavaScript kernel is used (packing and call overheads). */
const WASM_MIN_MADDS = 32 * 32 * 32;

export { gemmBackend, setGemmBackend, type GemmBackend } from './backend';

export interface GemmOptions {
  /** Use Aᵀ: A is stored k×m. */
  transA?: boolean;
  /** Use Bᵀ: B is stored n×k. */
  transB?: boolean;
  /** Scale of op(A)·op(B); default 1. */
  alpha?: number;
  /** Scale of the existing C; default 0 (C is overwritten). */
  beta?: number;
  /** Output (m×n); allocated when absent. */
  out?: Float64Array;
}

/**
 * C = alpha·op(A)·op(B) + beta·C with op(A) m×k and op(B) k×n, all row-major and dense.
 * Returns C.
 */
export function gemm(
  m: number,
  n: number,
  k: number,
  a: Float64Array,
  b: Float64Array,
  options: GemmOptions = {},
): Float64Array {
  const transA = options.transA ?? false;
  const transB = options.transB ?? false;
  const c = options.out ?? new Float64Array(m * n);
  gemmStrided(
    transA,
    transB,
    m,
    n,
    k,
    options.alpha ?? 1,
    a,
    0,
    transA ? m : k,
    b,
    0,
    transB ? k : n,
    options.out === undefined ? 0 : (options.beta ?? 0),
    c,
    0,
    n,
  );
  return c;
}

/**
 * BLAS-style dgemm on sub-matrices: C[cOff + i·ldc + j] = alpha·Σ_p opA(i,p)·opB(p,j) + beta·C.
 * opA(i,p) = A[aOff + i·lda + p] (or A[aOff + p·lda + i] when transA); likewise B.
 */
export function gemmStrided(
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
  if (m <= 0 || n <= 0) return;
  const requested = requestedBackend();
  if (alpha !== 0 && k > 0 && requested !== 'js' && (requested === 'wasm-simd' || m * n * k >= WASM_MIN_MADDS)) {
    const w = wasmKernels();
    if (w) {
      gemmStridedWasm(w, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
      return;
    }
  }
  if (beta !== 1) {
    for (let i = 0; i < m; i++) {
      const r = cOff + i * ldc;
      if (beta === 0) c.fill(0, r, r + n);
      else for (let j = r; j < r + n; j++) c[j] *= beta;
    }
  }
  if (alpha === 0 || k <= 0) return;
  const ncMax = Math.min(NC, roundUp(n, NR));
  const kcMax = Math.min(KC, k);
  const bp = new Float64Array(ncMax * kcMax);
  const ap = new Float64Array(Math.min(MC, roundUp(m, MR)) * kcMax);
  const edge = new Float64Array(MR * NR);
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      packB(transB, b, bOff, ldb, pc, kc, jc, nc, bp, 0);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        packA(transA, a, aOff, lda, ic, mc, pc, kc, alpha, ap, 0);
        macroKernel(ap, bp, mc, nc, kc, c, cOff + ic * ldc + jc, ldc, edge);
      }
    }
  }
}

function roundUp(x: number, q: number): number {
  return Math.ceil(x / q) * q;
}

function macroKernel(
  ap: Float64Array,
  bp: Float64Array,
  mc: number,
  nc: number,
  kc: number,
  c: Float64Array,
  cBase: number,
  ldc: number,
  edge: Float64Array,
): void {
  const span = MR * kc;
  for (let ir = 0; ir < mc; ir += MR) {
    const aStart = ir * kc;
    const rows = Math.min(MR, mc - ir);
    for (let jr = 0; jr < nc; jr += NR) {
      const cols = Math.min(NR, nc - jr);
      let aa = aStart;
      let bb = jr * kc;
      const end = aStart + span;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (; aa < end; aa += MR, bb += NR) {
        const y0 = bp[bb], y1 = bp[bb + 1], y2 = bp[bb + 2], y3 = bp[bb + 3];
        let x = ap[aa];
        c00 += x * y0; c01 += x * y1; c02 += x * y2; c03 += x * y3;
        x = ap[aa + 1];
        c10 += x * y0; c11 += x * y1; c12 += x * y2; c13 += x * y3;
        x = ap[aa + 2];
        c20 += x * y0; c21 += x * y1; c22 += x * y2; c23 += x * y3;
        x = ap[aa + 3];
        c30 += x * y0; c31 += x * y1; c32 += x * y2; c33 += x * y3;
      }
      let r = cBase + ir * ldc + jr;
      if (rows === MR && cols === NR) {
        c[r] += c00; c[r + 1] += c01; c[r + 2] += c02; c[r + 3] += c03; r += ldc;
        c[r] += c10; c[r + 1] += c11; c[r + 2] += c12; c[r + 3] += c13; r += ldc;
        c[r] += c20; c[r + 1] += c21; c[r + 2] += c22; c[r + 3] += c23; r += ldc;
        c[r] += c30; c[r + 1] += c31; c[r + 2] += c32; c[r + 3] += c33;
      } else {
        edge[0] = c00; edge[1] = c01; edge[2] = c02; edge[3] = c03;
        edge[4] = c10; edge[5] = c11; edge[6] = c12; edge[7] = c13;
        edge[8] = c20; edge[9] = c21; edge[10] = c22; edge[11] = c23;
        edge[12] = c30; edge[13] = c31; edge[14] = c32; edge[15] = c33;
        for (let q = 0; q < rows; q++, r += ldc) {
          for (let s = 0; s < cols; s++) c[r + s] += edge[q * NR + s];
        }
      }
    }
  }
}
