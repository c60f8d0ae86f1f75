// Benchmark of the built-in transport model. Prints, in one run:
//  1. cell·tracer·steps per second of the full model step for K = 1, 8, 50 on 3°×2°×25;
//  3. the time of one simulated week for 50 tracers at 6°×4°×25 and 3°×2°×25;
//  4. the demo's case (one week, 33 tracers, 6°×4°×25), first and second run of a model;
//  5. the per-step preparation (K-independent) and the fused step against the plain order;
//  2. (printed last) the speed of the zonal advection kernel relative to a straightforward C
//     version of the same loop (tools/bench/transport/xadvect.c, compiled with gcc -O2 into tmp/).
// Run: node --conditions=@tanhui/source --import tsx tools/bench/transport/main.ts [--quick] [--only=throughput|week|demo|prep|kernel]
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { advectionKernel, createBuiltinModel, type BuiltinTransportModel } from '@tanhui/transport';

const { periodicRowForward, SweepScratch, allocSweepCoefficients, setCell, setFace } = advectionKernel;

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const quick = process.argv.includes('--quick');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
const START = Date.UTC(2021, 6, 1) / 1000;

/** Wall and CPU seconds of one forward run (the machine is shared: CPU time is the steadier figure). */
function runForward(model: BuiltinTransportModel, K: number, steps: number): { wall: number; cpu: number } {
  const ncell = model.grid.size * model.levels.nlev;
  const c0 = new Float64Array(ncell * K).fill(400e-6);
  const flux = new Float64Array(model.grid.size * K);
  for (let q = 0; q < flux.length; q++) flux[q] = 1e-8 * Math.sin(q);
  const window = { startSec: START, endSec: START + steps * model.stepSeconds };
  model.surfacePressures(window); // met-only pass, as the sampling context does before a run
  const t0 = performance.now();
  const u0 = process.cpuUsage();
  model.forward({ window, nTracers: K, initialMoleFraction: c0, fluxes: { periodSeconds: window.endSec - window.startSec, data: flux } });
  const u = process.cpuUsage(u0);
  return { wall: (performance.now() - t0) / 1000, cpu: (u.user + u.system) / 1e6 };
}

// 1. Throughput of the full step.
const m32 = createBuiltinModel({ met: { kind: 'synthetic', grid: '3x2', seed: 1 } });
const ncell32 = m32.grid.size * m32.levels.nlev;
console.log(`built-in model, 3°×2°×25 (${ncell32} cells), step ${m32.stepSeconds / 3600} h`);
for (const K of only && only !== 'throughput' ? [] : [1, 8, 50]) {
  const steps = quick ? 2 : 4;
  const { wall, cpu } = runForward(m32, K, steps);
  const n = ncell32 * K * steps;
  console.log(`  K = ${String(K).padStart(2)}: ${(n / cpu / 1e6).toFixed(2)} M cell·tracer·steps per CPU-second (${(n / wall / 1e6).toFixed(2)} per wall-second; ${steps} steps, ${cpu.toFixed(2)} s CPU, ${wall.toFixed(2)} s wall)`);
}

// 3. One simulated week, 50 tracers.
for (const grid of ['6x4', '3x2'] as const) {
  if ((quick && grid === '3x2') || (only && only !== 'week')) continue;
  const model = grid === '3x2' ? m32 : createBuiltinModel({ met: { kind: 'synthetic', grid, seed: 1 } });
  const steps = (7 * 86400) / model.stepSeconds;
  const { wall, cpu } = runForward(model, 50, steps);
  console.log(`one simulated week, 50 tracers, ${grid === '6x4' ? '6°×4°' : '3°×2°'}×25: ${cpu.toFixed(2)} s CPU, ${wall.toFixed(2)} s wall (${steps} steps of ${model.stepSeconds / 3600} h)`);
}

// 4. The demo's case: one week of 33 tracers (32 members + mean) at 6°×4°×25, both splittings.
if (!only || only === 'demo') {
  for (const splitting of ['xyzzyx', 'xyzyx'] as const) {
    const model = createBuiltinModel({ met: { kind: 'synthetic', grid: '6x4', seed: 1 }, options: { splitting } });
    const steps = (7 * 86400) / model.stepSeconds;
    // Twice on the same model: the first run of a model pays its JIT warm-up (the per-step
    // preparation and mixing code run once per step, so they tier up slowly); a worker pays it
    // once, later windows run at the second figure.
    const runs = [runForward(model, 33, steps), runForward(model, 33, steps)];
    console.log(`demo case, one week, 33 tracers, 6°×4°×25, ${splitting}: ${runs.map((r) => r.cpu.toFixed(2)).join(' s, then ')} s CPU (${runs.map((r) => r.wall.toFixed(2)).join(', ')} s wall)`);
  }
}

// 5. The per-step preparation (met → mass fluxes, CFL plan, sweep coefficients, mixing
// operators): it does not depend on the tracers, so every worker of an ensemble repeats it and
// it bounds the speed-up of splitting members over workers. And the fused step against the
// plain sweep-by-sweep order (same bits) for the ensemble step's group size.
if (!only || only === 'prep') {
  for (const grid of quick ? (['6x4'] as const) : (['6x4', '3x2'] as const)) {
    const model = grid === '3x2' ? m32 : createBuiltinModel({ met: { kind: 'synthetic', grid, seed: 1 } });
    const steps = 8;
    const window = { startSec: START, endSec: START + steps * model.stepSeconds };
    const ps = model.surfacePressures(window);
    const build = () => {
      const u0 = process.cpuUsage();
      for (let n = 0; n < steps; n++) model.builder.build(window.startSec + n * model.stepSeconds, ps[n]!);
      const u = process.cpuUsage(u0);
      return (u.user + u.system) / 1000 / steps;
    };
    for (let rep = 0; rep < 4; rep++) build(); // JIT warm-up (a worker's first window)
    const prep = Math.min(build(), build(), build());
    const K = 16;
    const plainModel = createBuiltinModel({ met: { kind: 'synthetic', grid, seed: 1 }, options: { fusedStep: false } });
    const time = (fused: boolean) => runForward(fused ? model : plainModel, K, steps).cpu;
    time(true);
    time(false);
    const plain = Math.min(time(false), time(false));
    const fused = Math.min(time(true), time(true));
    console.log(
      `per-step preparation, ${grid}x25: ${prep.toFixed(1)} ms CPU per step; K = ${K} forward step ${((1000 * fused) / steps).toFixed(1)} ms CPU fused, ` +
        `${((1000 * plain) / steps).toFixed(1)} ms plain order (fused/plain ${(fused / plain).toFixed(2)}); preparation share ${((100 * prep * steps) / (1000 * fused)).toFixed(0)} %`,
    );
  }
}

// 2. Zonal advection kernel against C (same data, same loop, K = 8, 3°×2°×25 rows), interleaved
// runs, last: every fork (gcc, the C runs) happens after the model timings above. Two harness effects were measured and are avoided: (a) a timed loop in module top-level
// code runs slower than the same calls from a function (the model calls the kernel from
// xSweepForward); (b) forking a child process (the C run, gcc) makes the parent's later writes to
// typed arrays allocated before the fork ~2.5× slower (27 vs 67 M cell·tracer/s). So each rep
// runs C first, then allocates and fills fresh arrays and times the JS loop inside a function.
function timeKernelRows(nlon: number, nrows: number, K: number, iters: number): number {
  const n = nlon * nrows;
  const co = allocSweepCoefficients(n, n);
  for (let q = 0; q < n; q++) {
    setFace(co, q, 0.3, 1);
    setCell(co, q, 0.3, 0.3, 1);
  }
  const rm = new Float64Array(n * K), sa = new Float64Array(n * K), s1 = new Float64Array(n * K), s2 = new Float64Array(n * K);
  for (let q = 0; q < n * K; q++) {
    rm[q] = 1 + (q % 7) * 0.1;
    sa[q] = 0.01 * (q % 5);
  }
  const w = new SweepScratch(nlon * K, nlon * K);
  for (let r = 0; r < nrows; r++) periodicRowForward(co, r * nlon, nlon, K, r * nlon * K, rm, sa, s1, s2, w); // warm-up
  const u0 = process.cpuUsage();
  for (let it = 0; it < iters; it++) for (let r = 0; r < nrows; r++) periodicRowForward(co, r * nlon, nlon, K, r * nlon * K, rm, sa, s1, s2, w);
  const uu = process.cpuUsage(u0);
  return (uu.user + uu.system) / 1e6;
}

if (!only || only === 'kernel') {
  const nlon = 120, nrows = 90 * 25, K = 8, iters = quick ? 5 : 20;
  const n = nlon * nrows;
  mkdirSync(join(root, 'tmp'), { recursive: true });
  const exe = join(root, 'tmp', 'xadvect');
  execFileSync('gcc', ['-O2', '-o', exe, join(here, 'xadvect.c')]);
  const ratios: number[] = [];
  for (let rep = 0; rep < 3; rep++) {
    const c = Number(execFileSync(exe, [String(nlon), String(nrows), String(K), String(iters)]).toString().split(' ')[0]);
    const js = timeKernelRows(nlon, nrows, K, iters);
    ratios.push(c / js);
    console.log(`  x-advection kernel (CPU time): JS ${((n * K * iters) / js / 1e6).toFixed(1)} M cell·tracer/s, C -O2 ${((n * K * iters) / c / 1e6).toFixed(1)} M cell·tracer/s`);
  }
  ratios.sort((a, b) => a - b);
  console.log(`x-advection speed ratio JS/C (median of 3 interleaved runs, loop time vs loop time): ${ratios[1]!.toFixed(2)}  (target ≥ 0.5)`);
}
