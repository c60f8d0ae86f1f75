// The WebAssembly SIMD kernels (GEMM, the transform's vector steps) against naive loops,
// against the JavaScript kernels (same arithmetic, so the same bits), their fallback, and the
// committed bytes against the source.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRng } from '@tanhui/core';
import { gemm, gemmBackend, gemmStrided, setGemmBackend } from './gemm';
import { transformSteps } from './transform-ops';
import { buildKernels } from './wasm/gemm-kernel';
import { KERNELS_WASM } from './wasm/kernels.bytes';

// The lib's TypeScript setup has no DOM library: the WebAssembly global, typed as used here.
const wasmApi = (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly;

const rng = createRng(7);
const rand = (n: number) => Float64Array.from({ length: n }, () => rng.uniform() * 2 - 1);

/** Naive C = alpha·op(A)·op(B) + beta·C0 with long sums (independent of any blocking). */
function naive(m: number, n: number, k: number, a: Float64Array, b: Float64Array, transA: boolean, transB: boolean, alpha: number, beta: number, c0?: Float64Array): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]);
      c[i * n + j] = alpha * s + (c0 ? beta * c0[i * n + j] : 0);
    }
  return c;
}

/** max |x − y| / max |y|. */
function relErr(x: Float64Array, y: Float64Array): number {
  expect(x.length).toBe(y.length);
  let d = 0;
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    d = Math.max(d, Math.abs(x[i] - y[i]));
    s = Math.max(s, Math.abs(y[i]));
  }
  return d / (s || 1);
}

afterEach(() => setGemmBackend('auto'));

describe('WebAssembly SIMD GEMM kernel', () => {
  it('is available in this runtime (Node ≥ 16 has WebAssembly SIMD)', () => {
    expect(wasmApi.validate(KERNELS_WASM)).toBe(true);
    expect(gemmBackend()).toBe('wasm-simd');
  });

  // Odd sizes: not multiples of the 4×4 tile, 1×1, tall-skinny, wide, deeper than one 256 block,
  // more rows than one 64-row block and more columns than one 1024-column panel.
  const shapes: [number, number, number][] = [[1, 1, 1], [1, 7, 3], [5, 1, 9], [3, 5, 7], [67, 33, 300], [130, 9, 513], [1001, 6, 5], [6, 1030, 2], [9, 13, 257]];
  for (const [m, n, k] of shapes) {
    it(`equals the naive loop to 1e-12 for ${m}×${k}·${k}×${n}, all transposes, alpha/beta`, () => {
      const a = rand(m * k);
      const b = rand(k * n);
      const c0 = rand(m * n);
      for (const transA of [false, true])
        for (const transB of [false, true])
          for (const [alpha, beta] of [[1, 0], [-0.75, 1], [2.5, -0.5]] as const) {
            const ref = naive(m, n, k, a, b, transA, transB, alpha, beta, c0);
            setGemmBackend('wasm-simd');
            const cw = gemm(m, n, k, a, b, { transA, transB, alpha, beta, out: Float64Array.from(c0) });
            expect(relErr(cw, ref)).toBeLessThan(1e-12);
            // Same arithmetic as the JavaScript kernel: identical bits.
            setGemmBackend('js');
            const cj = gemm(m, n, k, a, b, { transA, transB, alpha, beta, out: Float64Array.from(c0) });
            for (let i = 0; i < cw.length; i++) if (!Object.is(cw[i], cj[i])) expect([i, cw[i]]).toEqual([i, cj[i]]);
          }
    });
  }

  it('works on strided sub-blocks and leaves the rest of C alone', () => {
    setGemmBackend('wasm-simd');
    const a = rand(70 * 40);
    const b = rand(45 * 90);
    const big = rand(80 * 100);
    const out = Float64Array.from(big);
    // C[3:3+66, 5:5+61] += A[2:68, 1:38] · B[4:41, 7:68]
    gemmStrided(false, false, 66, 61, 37, 1, a, 2 * 40 + 1, 40, b, 4 * 90 + 7, 90, 1, out, 3 * 100 + 5, 100);
    for (let i = 0; i < 80; i++)
      for (let j = 0; j < 100; j++) {
        const inside = i >= 3 && i < 69 && j >= 5 && j < 66;
        let s = 0;
        if (inside) for (let p = 0; p < 37; p++) s += a[(2 + i - 3) * 40 + 1 + p] * b[(4 + p) * 90 + 7 + j - 5];
        if (inside) expect(Math.abs(out[i * 100 + j] - big[i * 100 + j] - s)).toBeLessThan(1e-12 * 37);
        else expect(out[i * 100 + j]).toBe(big[i * 100 + j]);
      }
  });

  it('propagates NaN and Inf from A and B like the JavaScript kernel, and beta = 0 ignores NaN in C', () => {
    const m = 9, n = 11, k = 6;
    const a = rand(m * k);
    const b = rand(k * n);
    a[2 * k + 3] = NaN;
    b[1 * n + 4] = Infinity;
    const c0 = new Float64Array(m * n).fill(NaN);
    setGemmBackend('wasm-simd');
    const cw = gemm(m, n, k, a, b, { out: Float64Array.from(c0), beta: 0 });
    setGemmBackend('js');
    const cj = gemm(m, n, k, a, b, { out: Float64Array.from(c0), beta: 0 });
    expect(Number.isNaN(cw[2 * n + 0])).toBe(true); // row 2 sees the NaN
    expect(Math.abs(cw[0 * n + 4])).toBe(Infinity); // column 4 sees the Inf
    expect(Number.isFinite(cw[0])).toBe(true); // beta = 0: the NaN in C is not read
    for (let i = 0; i < cw.length; i++) expect(Object.is(cw[i], cj[i]) || (Number.isNaN(cw[i]) && Number.isNaN(cj[i]))).toBe(true);
  });

  it('the committed bytes are what gemm-kernel.ts and vector-kernel.ts assemble (regenerate with scripts/generate-wasm.ts)', () => {
    expect(Array.from(KERNELS_WASM)).toEqual(Array.from(buildKernels()));
  });

  for (const N of [1, 2, 7, 150]) {
    it(`transform steps (h = a·T, u = T·h·s, T −= α·u·hᵀ) match naive loops and the JavaScript steps bit for bit, N = ${N}`, () => {
      const run = (backend: 'wasm-simd' | 'js') => {
        setGemmBackend(backend);
        const steps = transformSteps(N);
        const out: number[] = [];
        const r = createRng(N); // same inputs for both backends
        for (let k = 0; k < 4; k++) {
          const a = Float64Array.from({ length: N + 3 }, () => r.uniform() * 2 - 1);
          out.push(...steps.combine(a, 3));
          out.push(...steps.rowDots(0.5 + r.uniform()));
          steps.rankOne(r.uniform());
        }
        out.push(...steps.transform());
        return out;
      };
      // Naive reference of the same sequence.
      const r = createRng(N);
      const T = new Float64Array(N * N);
      for (let j = 0; j < N; j++) T[j * N + j] = 1;
      const ref: number[] = [];
      for (let k = 0; k < 4; k++) {
        const a = Float64Array.from({ length: N + 3 }, () => r.uniform() * 2 - 1);
        const h = new Float64Array(N);
        for (let j = 0; j < N; j++) for (let i = 0; i < N; i++) h[j] += a[3 + i] * T[i * N + j];
        const scale = 0.5 + r.uniform();
        const u = new Float64Array(N);
        for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) u[i] += T[i * N + j] * h[j] * scale;
        const alpha = r.uniform();
        for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) T[i * N + j] -= alpha * u[i] * h[j];
        ref.push(...h, ...u);
      }
      ref.push(...T);
      const wasm = run('wasm-simd');
      const js = run('js');
      expect(relErr(Float64Array.from(wasm), Float64Array.from(ref))).toBeLessThan(1e-12);
      expect(wasm.length).toBe(js.length);
      for (let i = 0; i < wasm.length; i++) if (!Object.is(wasm[i], js[i])) expect([i, wasm[i]]).toEqual([i, js[i]]);
    });
  }

  it('falls back to the JavaScript kernel when WebAssembly SIMD is not available', async () => {
    vi.resetModules();
    vi.stubGlobal('WebAssembly', { ...wasmApi, validate: () => false });
    try {
      const fresh = await import('./gemm');
      expect(fresh.gemmBackend()).toBe('js');
      expect(() => fresh.setGemmBackend('wasm-simd')).toThrow(/no WebAssembly SIMD/);
      const [m, n, k] = [70, 50, 40];
      const a = rand(m * k);
      const b = rand(k * n);
      expect(relErr(fresh.gemm(m, n, k, a, b), naive(m, n, k, a, b, false, false, 1, 0))).toBeLessThan(1e-12);
    } finally {
      vi.unstubAllGlobals();
      vi.resetModules();
    }
  });
});
