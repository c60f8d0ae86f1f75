// Benchmarks of @tanhui/analysis (run once, not in tests):
//   node --conditions=@tanhui/source --import tsx libs/analysis/bench/main.ts
// Prints wall times and ratios measured in this one run (the machine is noisy).
import { LatLonGrid } from '@tanhui/core';
import {
  evaluateClosure,
  latitudeBandRegionMap,
  propagateCovariance,
  regionalTotalsPgC,
  renderReport,
  syntheticReportData,
  type RegionMapInput,
} from '../src/index';

function time<T>(label: string, f: () => T, reps = 1): { ms: number; value: T } {
  let value!: T;
  const t0 = performance.now();
  for (let k = 0; k < reps; k++) value = f();
  const ms = (performance.now() - t0) / reps;
  console.log(`${label.padEnd(52)} ${ms.toFixed(2).padStart(10)} ms`);
  return { ms, value };
}

// Report rendering, warm (the coastline is decoded once).
renderReport(syntheticReportData(LatLonGrid.preset('6x4')));
const r32 = time('synthetic data + renderReport, 3°×2° (5 maps)', () => renderReport(syntheticReportData(LatLonGrid.preset('3x2'))), 3);
const r11 = time('synthetic data + renderReport, 1°×1° (5 maps)', () => renderReport(syntheticReportData(LatLonGrid.preset('1x1'))), 2);
console.log(`  HTML size 3x2 ${(r32.value.length / 1e6).toFixed(2)} MB, 1x1 ${(r11.value.length / 1e6).toFixed(2)} MB; time ratio 1x1/3x2 ${(r11.ms / r32.ms).toFixed(1)} (cells ×6)`);

// Regional totals: one year of weekly 1°×1° fields over 22 regions.
const grid = LatLonGrid.preset('1x1');
const codes = new Int32Array(grid.size);
for (let c = 0; c < grid.size; c++) codes[c] = c % 22;
const map22: RegionMapInput = { grid, codes, names: Array.from({ length: 22 }, (_, k) => `R${k + 1}`) };
const fields = Array.from({ length: 52 }, (_, t) => Float64Array.from({ length: grid.size }, (_, c) => Math.sin(c * 1e-3 + t) * 1e-7));
const tot = time('regionalTotalsPgC, 52 weekly 1°×1° fields, 22 regions', () => fields.map((f) => regionalTotalsPgC(map22, f)), 3);
console.log(`  per field ${(tot.ms / 52).toFixed(3)} ms`);
const bands = latitudeBandRegionMap(grid);
time('regionalTotalsPgC, 1 field, 6 latitude bands', () => regionalTotalsPgC(bands, fields[0]!), 20);

// Covariance propagation: region × month state (22 × 12 = 264), 23 output rows.
const n = 264;
const A = Float64Array.from({ length: 23 * n }, (_, k) => ((k * 7919) % 13) / 13);
const P = new Float64Array(n * n);
for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) P[i * n + j] = Math.exp(-Math.abs(i - j) / 10);
const cov = time('A P Aᵀ, A 23×264, P 264×264', () => propagateCovariance(A, 23, n, P), 10);
console.log(`  flops ≈ ${((2 * 23 * n * n + 23 * 23 * n) / cov.ms / 1e6).toFixed(2)} Gflop/s`);

// Closure Monte Carlo on a 14-term spec like the China example.
const terms = Object.fromEntries(Array.from({ length: 14 }, (_, k) => [`t${k}`, { value: 0.01 * k, sigma: 0.005 * (k + 1) }]));
const spec = {
  name: 'bench',
  units: 'PgC yr-1' as const,
  terms,
  estimates: {
    td: { sum: ['t0', '-t1', '-t2', '-t3', 't4'] },
    bu: { sum: ['t5', 't6', 't7', 't8', 't9'] },
    both: { combine: ['td', 'bu'] },
    nep: { sum: ['both', 't10', 't11', 't12', '-t13'] },
  },
  gaps: [['td', 'bu']] as [string, string][],
};
const mc1 = time('evaluateClosure, 10 000 samples', () => evaluateClosure(spec, { samples: 10_000 }));
const mc2 = time('evaluateClosure, 100 000 samples', () => evaluateClosure(spec, { samples: 100_000 }));
console.log(`  ratio 100k/10k ${(mc2.ms / mc1.ms).toFixed(1)} (samples ×10)`);
