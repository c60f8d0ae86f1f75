// The per-observation O(N²) steps of the ensemble-space transform (ensrf/sequence.ts) on the
// N×N matrix T: h = a·T, u = (T·h)·scale, T −= alpha·u·hᵀ. With WebAssembly SIMD, T, h and u
// live in the kernels module's memory (wasm/vector-kernel.ts: compiled before the first call,
// so even a process's first solve runs at speed); otherwise plain loops. Same bits either way.
import { activeWasmKernels } from './backend';
import { ensureScratch, SCRATCH_AT, type WasmKernels } from './gemm-wasm';
import { dot } from './vector';

export interface TransformSteps {
  readonly N: number;
  /** h = Σ_i a[aOff + i]·T[i, :]; the returned view (N values) is valid until the next call. */
  combine(a: Float64Array, aOff: number): Float64Array;
  /** u = (T·h)·scale with the last h; view valid until the next call. */
  rowDots(scale: number): Float64Array;
  /** T −= alpha·u·hᵀ with the last u and h. */
  rankOne(alpha: number): void;
  /** T (N×N, a copy). */
  transform(): Float64Array;
}

/** Steps on T = I (N×N). */
export function transformSteps(N: number): TransformSteps {
  const w = activeWasmKernels();
  if (w) {
    try {
      return new WasmSteps(w, N);
    } catch {
      // The module's memory could not grow to N² doubles (wasm32: 4 GB at most): stay in JS.
    }
  }
  return new JsSteps(N);
}

class JsSteps implements TransformSteps {
  private readonly T: Float64Array;
  private readonly h: Float64Array;
  private readonly u: Float64Array;
  constructor(readonly N: number) {
    this.T = new Float64Array(N * N);
    for (let j = 0; j < N; j++) this.T[j * N + j] = 1;
    this.h = new Float64Array(N);
    this.u = new Float64Array(N);
  }
  combine(a: Float64Array, aOff: number): Float64Array {
    const { N, T, h } = this;
    h.fill(0);
    for (let i = 0; i < N; i++) {
      const ai = a[aOff + i];
      const ti = i * N;
      for (let j = 0; j < N; j++) h[j] += ai * T[ti + j];
    }
    return h;
  }
  rowDots(scale: number): Float64Array {
    const { N, T, h, u } = this;
    for (let i = 0; i < N; i++) u[i] = dot(N, T, h, i * N, 0) * scale;
    return u;
  }
  rankOne(alpha: number): void {
    const { N, T, h, u } = this;
    for (let i = 0; i < N; i++) {
      const au = alpha * u[i];
      const ti = i * N;
      for (let j = 0; j < N; j++) T[ti + j] -= au * h[j];
    }
  }
  transform(): Float64Array {
    return this.T.slice();
  }
}

class WasmSteps implements TransformSteps {
  /** Row length in memory: N rounded up to even (two columns per f64x2), padding zero. */
  private readonly ld: number;
  private readonly aAt: number;
  private readonly hAt: number;
  private readonly uAt: number;
  private readonly tAt: number;
  constructor(
    private readonly w: WasmKernels,
    readonly N: number,
  ) {
    const ld = N + (N & 1);
    this.ld = ld;
    this.aAt = SCRATCH_AT;
    this.hAt = this.aAt + ld;
    this.uAt = this.hAt + ld;
    this.tAt = this.uAt + ld;
    ensureScratch(w, 3 * ld + N * ld);
    const mem = w.mem;
    mem.fill(0, this.aAt, this.tAt + N * ld);
    for (let j = 0; j < N; j++) mem[this.tAt + j * ld + j] = 1;
  }
  combine(a: Float64Array, aOff: number): Float64Array {
    const { w, N, ld } = this;
    w.mem.set(a.subarray(aOff, aOff + N), this.aAt);
    w.combineRows(this.aAt * 8, this.tAt * 8, this.hAt * 8, N, ld, 0);
    return w.mem.subarray(this.hAt, this.hAt + N);
  }
  rowDots(scale: number): Float64Array {
    const { w, N, ld } = this;
    w.rowDots(this.tAt * 8, this.hAt * 8, this.uAt * 8, N, ld, scale);
    return w.mem.subarray(this.uAt, this.uAt + N);
  }
  rankOne(alpha: number): void {
    this.w.rankOne(this.tAt * 8, this.uAt * 8, this.hAt * 8, this.N, this.ld, alpha);
  }
  transform(): Float64Array {
    const { w, N, ld } = this;
    const T = new Float64Array(N * N);
    for (let i = 0; i < N; i++) T.set(w.mem.subarray(this.tAt + i * ld, this.tAt + i * ld + N), i * N);
    return T;
  }
}
