// Benchmark of the mozart4 kind's ingest: sampling one day of MOZART-4 h0 history on a GEOS-5 2°
// grid (144×96×56, 8 three-hourly records, N = 50 tracers EN001…EN050, float32: 1.24 GB) for
// 5000 OCO-2-like soundings + 100 surface observations with sampleMozartHistory (streamed: one
// record of one tracer in memory at a time). Target (issue 17): ≤ 20 s, peak memory ≤ 2 GiB.
// Baseline measured in the same run: reading the file's bytes once (fs, 16 MiB chunks), so the
// ratio says how far ingest + sampling is from the cost of reading the file at all.
// The file is written by one child process (writeNetcdf3), the sampling runs in another so that
// its peak RSS is its own. Checked: the surface samples equal the analytic field.
// Run: node --conditions=@tanhui/source --import tsx tools/bench/external/main.ts [--tracers 50]
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { concatPlans, HybridLevels, LatLonGrid, type SamplingContext } from '@tanhui/core';
import { writeNetcdf3, type Nc3Variable } from '@tanhui/io';
import { buildColumnOperator, buildPointOperator, ObservationTableBuilder, syntheticOco2 } from '@tanhui/observations';
import { sampleMozartHistory } from '@tanhui/transport';

const NLON = 144, NLAT = 96, NLEV = 56, NREC = 8, STEP = 10800;
const START = Date.UTC(2020, 5, 1) / 1000;
const args = process.argv.slice(2);
const opt = (name: string, d: string): string => (args.includes(name) ? args[args.indexOf(name) + 1]! : d);
const K = Number(opt('--tracers', '50'));
const grid = LatLonGrid.regular(360 / NLON, 180 / NLAT, -180);
// 56 hybrid levels (σ-like, surface first), the top half level at 1 Pa.
const levels = new HybridLevels(
  Array.from({ length: NLEV + 1 }, (_, k) => (k === NLEV ? 1 : 0)),
  Array.from({ length: NLEV + 1 }, (_, k) => (1 - k / NLEV) ** 2),
);
const ncell = NLEV * NLAT * NLON;
/** The analytic field: tracer t, record r (uniform in space, so a point sample is exact). */
const value = (t: number, r: number): number => 4e-4 + 1e-6 * t + 1e-8 * r;

async function writePhase(file: string): Promise<void> {
  const times = Array.from({ length: NREC }, (_, r) => START + r * STEP);
  const vars: Nc3Variable[] = [
    { name: 'date', type: 'int', dims: ['time'], data: Int32Array.from(times, () => 20200601) },
    { name: 'datesec', type: 'int', dims: ['time'], data: Int32Array.from(times, (t) => t - START) },
    { name: 'lat', type: 'double', dims: ['lat'], data: grid.latCentersDeg },
    { name: 'lon', type: 'double', dims: ['lon'], data: grid.lonCentersDeg },
    { name: 'hyai', type: 'double', dims: ['ilev'], data: Float64Array.from({ length: NLEV + 1 }, (_, kf) => levels.aHalfPa[NLEV - kf]! / 1e5) },
    { name: 'hybi', type: 'double', dims: ['ilev'], data: Float64Array.from({ length: NLEV + 1 }, (_, kf) => levels.bHalf[NLEV - kf]!) },
  ];
  for (let t = 0; t < K; t++) {
    const d = new Float32Array(NREC * ncell);
    for (let r = 0; r < NREC; r++) d.fill(value(t, r), r * ncell, (r + 1) * ncell);
    vars.push({ name: `EN${String(t + 1).padStart(3, '0')}_VMR_avrg`, type: 'float', dims: ['time', 'lev', 'lat', 'lon'], data: d, attrs: { units: 'mol/mol' } });
  }
  await writeNetcdf3(file, { dims: [['time', NREC], ['lev', NLEV], ['ilev', NLEV + 1], ['lat', NLAT], ['lon', NLON]], vars });
}

async function samplePhase(dir: string): Promise<void> {
  const t0 = performance.now();
  const ps = new Float64Array(grid.size).fill(1e5);
  const ctx: SamplingContext = { grid, levels, windowStartSec: START, stepSeconds: STEP, nSteps: NREC - 1, surfacePressurePa: () => ps };
  const window = { startSec: START, endSec: START + (NREC - 1) * STEP };
  const sat = syntheticOco2({ startSec: START, durationSec: window.endSec - START, seed: 3, spacingSec: 2 });
  if (sat.n < 5000) throw new Error(`only ${sat.n} soundings`);
  const b = new ObservationTableBuilder();
  for (let s = 0; s < 100; s++) {
    b.push({ id: s + 1, timeSec: START + 600 + s * 700, latDeg: -80 + 1.6 * s, lonDeg: -175 + 3.4 * s, altitudeM: 50 + s, pressureHPa: NaN, valuePpm: 400, errorPpm: 1, kind: 'flask', site: `s${s}`, dataset: 'bench', flags: 0 });
  }
  const surface = b.build();
  const plan = concatPlans([
    buildPointOperator(ctx, surface).plan,
    buildColumnOperator(ctx, sat, { rows: Int32Array.from({ length: 5000 }, (_, k) => k) }).plan,
  ]);
  const tPlan = performance.now() - t0;
  const t1 = performance.now();
  const out = await sampleMozartHistory({ dir, window, stepSeconds: STEP, nSteps: NREC - 1, K, plan, grid, levels, mixingRatio: 'volume', wantFinal: false });
  const tSample = performance.now() - t1;
  // Check: surface samples = the analytic field at the observation time (uniform in space).
  let maxErr = 0;
  for (let s = 0; s < 100; s++) {
    const n = (surface.timeSec[s]! - START) / STEP;
    for (let t = 0; t < K; t++) maxErr = Math.max(maxErr, Math.abs(out.samples[s * K + t]! - (4e-4 + 1e-6 * t + 1e-8 * n)));
  }
  const rssGiB = (process.resourceUsage().maxRSS * 1024) / 2 ** 30;
  console.log(JSON.stringify({ planSeconds: tPlan / 1000, sampleSeconds: tSample / 1000, peakRssGiB: rssGiB, samples: plan.nSamples, maxSurfaceError: maxErr }));
}

function readBytes(file: string): number {
  const t0 = performance.now();
  const fd = openSync(file, 'r');
  const buf = Buffer.alloc(16 << 20);
  while (readSync(fd, buf, 0, buf.length, null) > 0);
  closeSync(fd);
  return (performance.now() - t0) / 1000;
}

function child(...a: string[]): string {
  const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...a], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`child ${a.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

async function main(): Promise<void> {
  if (args[0] === '--phase-write') return writePhase(args[1]!);
  if (args[0] === '--phase-sample') return samplePhase(args[1]!);
  const dir = mkdtempSync(join(tmpdir(), 'tanhui-bench-external-'));
  try {
    const file = join(dir, 'bench.mz4.h0.2020-06-01-00000.nc');
    const tw = performance.now();
    child('--phase-write', file, '--tracers', String(K));
    const writeSeconds = (performance.now() - tw) / 1000;
    const gb = statSync(file).size / 1e9;
    const readSeconds = readBytes(file);
    const m = JSON.parse(child('--phase-sample', dir, '--tracers', String(K)).trim().split('\n').pop()!) as { planSeconds: number; sampleSeconds: number; peakRssGiB: number; samples: number; maxSurfaceError: number };
    console.log(`h0 history: ${NLON}×${NLAT}×${NLEV}, ${NREC} records, ${K} tracers, float32: ${gb.toFixed(2)} GB (written in ${writeSeconds.toFixed(1)} s)`);
    console.log(`observations: ${m.samples} (100 surface + 5000 soundings); operator plans built in ${m.planSeconds.toFixed(2)} s`);
    console.log(`ingest + sampling: ${m.sampleSeconds.toFixed(2)} s (target ≤ 20 s); peak RSS of that process ${m.peakRssGiB.toFixed(2)} GiB (target ≤ 2 GiB)`);
    console.log(`baseline, reading the file's bytes once: ${readSeconds.toFixed(2)} s; ratio ingest+sampling / read = ${(m.sampleSeconds / readSeconds).toFixed(2)}`);
    console.log(`check: max |surface sample − analytic field| = ${m.maxSurfaceError.toExponential(2)} mol/mol (float32 of 4e-4 ≈ 3e-11)`);
    if (!(m.maxSurfaceError < 1e-10)) throw new Error('surface samples differ from the analytic field');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
