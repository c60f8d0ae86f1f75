// Which kernels this thread uses for dense products and the ensemble-space transform steps:
// WebAssembly SIMD when available (default) or JavaScript. Both give the same bits.
import { TanhuiError } from '@tanhui/core';
import { wasmKernels, type WasmKernels } from './gemm-wasm';

export type GemmBackend = 'wasm-simd' | 'js';
let requested: GemmBackend | 'auto' = 'auto';

/** What setGemmBackend last asked for in this thread. */
export function requestedBackend(): GemmBackend | 'auto' {
  return requested;
}

/**
 * Choose the GEMM kernel for this thread: 'auto' (default) uses WebAssembly SIMD for large
 * products when available; 'js' forces the JavaScript kernel (e.g. to compare); 'wasm-simd'
 * uses the wasm kernel for every product (throws if unavailable). Both give the same bits.
 */
export function setGemmBackend(backend: GemmBackend | 'auto'): void {
  if (backend === 'wasm-simd' && !wasmKernels()) {
    throw new TanhuiError('InvalidArgument', 'this runtime has no WebAssembly SIMD (f64x2)', {
      hint: "use setGemmBackend('auto') or 'js'",
      context: { variable: 'backend' },
    });
  }
  requested = backend;
}

/** The kernel large products use in this thread: 'wasm-simd' or 'js'. */
export function gemmBackend(): GemmBackend {
  return requested === 'js' || !wasmKernels() ? 'js' : 'wasm-simd';
}

/** The wasm kernels unless this thread asked for JavaScript (setGemmBackend('js')) or has none. */
export function activeWasmKernels(): WasmKernels | null {
  return requested === 'js' ? null : wasmKernels();
}
