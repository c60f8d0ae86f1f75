// Public API of @tanhui/solvers: pure math on row-major Float64Array (no I/O, worker-safe).
export * from './kernels/gemm';
export * from './kernels/syrk';
export * from './kernels/cholesky';
export * from './kernels/vector';
export * from './batch';
export * from './ensrf/index';
export * from './ensemble';
export * from './adjoint';
export * from './fourdvar';
export * from './problem';
export * from './gcas/index';
