// Benchmark: read + QC 10⁶ OCO-2 soundings from a Lite-layout NetCDF4 file (written first by
// Debian's netCDF4-python into tmp/), then build and apply the column operator to them on the
// 3°×2° grid with 25 levels and hourly steps over the 7-day window.
// Run: node --conditions=@tanhui/source --import tsx tools/bench/observations/main.ts [N]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { HybridLevels, LatLonGrid, type SamplingContext } from '@tanhui/core';
import {
  applyPlan,
  applyQc,
  buildColumnOperator,
  evaluateOperator,
  goodRows,
  readObservationFile,
  superObservations,
} from '@tanhui/observations';

const n = Number(process.argv[2] ?? 1_000_000);
mkdirSync('tmp', { recursive: true });
const file = join('tmp', `bench_oco2_lite_${n}.nc4`);
if (!existsSync(file)) {
  const t = performance.now();
  execFileSync('/usr/bin/python3', ['tools/fixtures/observations/write_lite_large.py', file, String(n)], { stdio: 'inherit' });
  console.log(`wrote ${file} with Python netCDF4 in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

const ms = (t0: number): string => `${(performance.now() - t0).toFixed(0)} ms`;
// The machine is shared: report process CPU time (user + system) beside wall time.
const cpu = (c0: NodeJS.CpuUsage): string => {
  const c = process.cpuUsage(c0);
  return `${((c.user + c.system) / 1000).toFixed(0)} ms CPU`;
};
let c0 = process.cpuUsage();
let t0 = performance.now();
const { table } = await readObservationFile(file);
const tRead = performance.now() - t0;
console.log(`read ${table.n} soundings (20 levels): ${tRead.toFixed(0)} ms wall, ${cpu(c0)} (${((tRead / table.n) * 1e3).toFixed(2)} µs/sounding wall)`);

c0 = process.cpuUsage();
t0 = performance.now();
const qc = applyQc(table, { surface: 'land', modes: [0] });
const tQc = performance.now() - t0;
console.log(`QC (quality flag, land, nadir, range, mismatch classes): ${tQc.toFixed(0)} ms wall, ${cpu(c0)} → ${qc.nGood} pass`);

const grid = LatLonGrid.preset('3x2');
const levels = HybridLevels.generic25();
const start = Date.UTC(2014, 8, 6) / 1000;
const ps = new Float64Array(grid.size).fill(98500);
const ctx: SamplingContext = { grid, levels, windowStartSec: start, stepSeconds: 3600, nSteps: 7 * 24, surfacePressurePa: () => ps };

// Column operator on ALL soundings (not only those passing QC), in chunks of 2·10⁵ to bound
// memory; the transport side is emulated by applyPlan on a synthetic field.
const ncell3d = levels.nlev * grid.size;
const chunk = 200_000;
let tBuild = 0;
let tApply = 0;
let entries = 0;
const allRows = Int32Array.from({ length: table.n }, (_, k) => k);
// Model fields for every step of the window: 169 × 270 000 values (365 MB).
const fields = new Float64Array((ctx.nSteps + 1) * ncell3d);
for (let q = 0; q < fields.length; q++) fields[q] = 4e-4 + 1e-9 * (q % 997);
let checksum = 0;
let cBuild = 0;
let cApply = 0;
for (let s = 0; s < table.n; s += chunk) {
  const rows = allRows.subarray(s, Math.min(table.n, s + chunk));
  let t = performance.now();
  let c = process.cpuUsage();
  const { plan, offsetPpm } = buildColumnOperator(ctx, table, { rows });
  tBuild += performance.now() - t;
  let d = process.cpuUsage(c);
  cBuild += (d.user + d.system) / 1000;
  entries += plan.weight.length;
  t = performance.now();
  c = process.cpuUsage();
  const y = evaluateOperator(plan, offsetPpm, applyPlan(plan, fields, ncell3d));
  tApply += performance.now() - t;
  d = process.cpuUsage(c);
  cApply += (d.user + d.system) / 1000;
  checksum += y[0]!;
}
console.log(`column operator, build plan: ${tBuild.toFixed(0)} ms wall, ${cBuild.toFixed(0)} ms CPU (${((tBuild / table.n) * 1e3).toFixed(2)} µs/sounding, ${(entries / table.n).toFixed(1)} entries/sounding)`);
console.log(`column operator, apply + evaluate: ${tApply.toFixed(0)} ms wall, ${cApply.toFixed(0)} ms CPU (${((tApply / table.n) * 1e3).toFixed(3)} µs/sounding)`);

c0 = process.cpuUsage();
t0 = performance.now();
const so = superObservations(table, { grid, windowStartSec: start, windowSec: 3600, rows: goodRows(table) });
console.log(`super-observations (3°×2°, 1 h) of ${qc.nGood}: ${ms(t0)} wall, ${cpu(c0)} → ${so.table.n}`);
console.log(`ratios: read/QC ${(tRead / tQc).toFixed(1)}, build/apply ${(tBuild / tApply).toFixed(1)} (checksum ${checksum.toFixed(3)})`);
