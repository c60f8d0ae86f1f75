// GEMM throughput of @tanhui/solvers' two kernels (WebAssembly SIMD and JavaScript; same bits)
// in G multiply-adds per second, best of several repetitions (the machine is shared and noisy).
// Run: node --conditions=@tanhui/source --import tsx tools/bench/solvers/gemm.ts [--reps 5]
import { gemm, gemmBackend, setGemmBackend } from '@tanhui/solvers';
import { createRng } from '@tanhui/core';

const args = process.argv.slice(2);
const reps = args.indexOf('--reps') >= 0 ? Number(args[args.indexOf('--reps') + 1]) : 5;
const rng = createRng(5);
const rand = (n: number) => Float64Array.from({ length: n }, () => rng.uniform() * 2 - 1);
const shapes: [string, number, number, number, boolean][] = [
  ['X′·T of case (a)', 49175, 150, 150, false],
  ['square', 1000, 1000, 1000, false],
  ['square, Aᵀ·B', 1000, 1000, 1000, true],
  ['HX′·T of case (c)-like', 100000, 50, 50, false],
];
console.log(`gemm throughput, G multiply-adds/s, best of ${reps} — node ${process.version}; wasm SIMD available: ${gemmBackend() === 'wasm-simd'}`);
for (const [label, m, n, k, transA] of shapes) {
  const a = rand(m * k);
  const b = rand(k * n);
  const out = new Float64Array(m * n); // reused: no first-touch page faults in the timing
  const best: Record<string, number> = {};
  for (let r = 0; r < reps; r++) {
    for (const backend of ['wasm-simd', 'js'] as const) {
      setGemmBackend(backend);
      const t = performance.now();
      gemm(m, n, k, a, b, { out, transA });
      const s = (performance.now() - t) / 1000;
      best[backend] = Math.min(best[backend] ?? Infinity, s);
    }
  }
  setGemmBackend('auto');
  const g = (s: number) => ((m * n * k) / s / 1e9).toFixed(2);
  console.log(`${label.padEnd(24)} ${`${m}×${k}·${k}×${n}`.padEnd(22)} wasm-simd ${g(best['wasm-simd'])}  js ${g(best.js)}  (×${(best.js / best['wasm-simd']).toFixed(1)})`);
}
