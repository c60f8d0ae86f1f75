// Benchmark of `tanhui export --format ct-flux1x1`: a year of weekly windows (52) of a 3°×2°
// run store regridded conservatively to 1°×1° and written as 52 CarbonTracker flux1x1 files
// (6 double maps each). The store is written here in the run-store layout (the arrays the
// reader needs, smooth fields with noise). Prints, measured in this one run: the export's wall
// time against the 30 s budget, and against the floor of writing the same bytes with
// fs.writeFileSync (what the regrid, encoding and atomic renames add).
// Run: node --conditions=@tanhui/source --import tsx tools/bench/export/main.ts [windows]
import * as fs from 'node:fs';
import * as os from 'node:os';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinRegions, LatLonGrid } from '@tanhui/core';
import { ZarrStore } from '@tanhui/io';
import { budgetRegionsOf } from '@tanhui/analysis';

const W = Number(process.argv[2] ?? 52);
const BUDGET_S = 30;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tanhui-bench-export-'));
const storePath = path.join(dir, 'year.zarr');
const g = LatLonGrid.preset('3x2');
const n = g.size;
const t0 = Date.UTC(2020, 0, 1) / 1000;
const WEEK = 7 * 86400;

let seed = 7;
const noise = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5);
const maps = (scale: number): Float64Array => {
  const a = new Float64Array(W * n);
  for (let w = 0; w < W; w++) for (let c = 0; c < n; c++) a[w * n + c] = scale * (Math.sin((c % g.nlon) / 9 + w / 5) + 0.3 * noise());
  return a;
};

async function writeStore(): Promise<void> {
  const regions = builtinRegions(g).transcom;
  const rows = budgetRegionsOf(regions);
  const R = rows.length;
  const store = await ZarrStore.create(storePath, {
    attrs: { Conventions: 'CF-1.8', title: 'bench store', tanhui_store_format: 'tanhui-run-store/1', windows_total: W, windows_complete: W, config: { prior: { components: [{ name: 'bio', optimise: true }, { name: 'ocean', optimise: true }] } } },
  });
  const c = { compressor: 'zlib' as const };
  await store.writeArray('time', Float64Array.from({ length: W }, (_, w) => t0 + w * WEEK), { dims: ['time'], ...c });
  await store.writeArray('time_bnds', Float64Array.from({ length: 2 * W }, (_, k) => t0 + (Math.floor(k / 2) + (k % 2)) * WEEK), { shape: [W, 2], dims: ['time', 'nv'], ...c });
  await store.writeArray('lat', Float64Array.from(g.latCentersDeg), { dims: ['lat'], ...c });
  await store.writeArray('lon', Float64Array.from(g.lonCentersDeg), { dims: ['lon'], ...c });
  await store.writeArray('region', Int32Array.from(rows, (r) => r.code), { dims: ['region'], ...c });
  await store.writeArray('region_name', rows.map((r) => r.name), { dims: ['region'] });
  await store.writeArray('region_kind', rows.map((r) => r.kind), { dims: ['region'] });
  await store.writeArray('region_map', Int32Array.from(regions.codes), { shape: [g.nlat, g.nlon], dims: ['lat', 'lon'], ...c });
  const m3 = { shape: [W, g.nlat, g.nlon], chunks: [1, g.nlat, g.nlon], dims: ['time', 'lat', 'lon'], ...c };
  for (const comp of ['bio', 'ocean', 'fossil', 'fire']) {
    await store.writeArray(`flux_prior_${comp}`, maps(1e-6), m3);
    await store.writeArray(`flux_posterior_${comp}`, maps(1e-6), m3);
  }
  const rw = { shape: [W, R], dims: ['time', 'region'], ...c };
  for (const b of ['budget_prior', 'budget_prior_sd', 'budget_posterior', 'budget_posterior_sd']) await store.writeArray(b, new Float64Array(W * R).fill(1), rw);
  await store.writeArray('budget_posterior_cov', new Float64Array(W * R * R), { shape: [W, R, R], dims: ['time', 'region', 'region_b'], ...c });
  await store.writeArray('chi2', new Float64Array(W).fill(1), { dims: ['time'], ...c });
  const no = 100;
  const f = (v: number): Float64Array => new Float64Array(no).fill(v);
  for (const [name, v] of [['obs_time', t0 + 3600], ['obs_lat', 10], ['obs_lon', 20], ['obs_altitude', 5], ['obs_error', 1], ['obs_value', 400], ['obs_prior_sim', 400], ['obs_posterior_sim', 400]] as const) await store.writeArray(name, f(v), { dims: ['obs'], ...c });
  await store.writeArray('obs_kind', new Int32Array(no), { dims: ['obs'], ...c });
  await store.writeArray('obs_window', new Int32Array(no), { dims: ['obs'], ...c });
  await store.writeArray('obs_flag', new Int32Array(no), { dims: ['obs'], ...c });
  await store.writeArray('obs_site', Array.from({ length: no }, () => 'mlo'), { dims: ['obs'] });
  await store.consolidate();
}

await writeStore();
const out = path.join(dir, 'ct');
// The export as users run it: the built CLI in a child process, CPU and peak memory from /usr/bin/time.
const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../apps/tanhui/bin/tanhui.mjs');
const t1 = performance.now();
const run = spawnSync('/usr/bin/time', ['-f', 'TIME %U %S %M', process.execPath, bin, 'export', storePath, '--format', 'ct-flux1x1', '--out', out], { encoding: 'utf8' });
const exportS = (performance.now() - t1) / 1000;
if (run.status !== 0) throw new Error(`tanhui export failed: ${run.stderr}`);
const [, user, sys] = /TIME (\S+) (\S+) (\S+)/.exec(run.stderr)!;
const cpuS = Number(user) + Number(sys);
const files = fs.readdirSync(out).filter((f) => f.endsWith('.nc')).map((f) => path.join(out, f));
const bytes = files.reduce((s, f) => s + fs.statSync(f).size, 0);
// Floor: the same number of bytes written as plain files.
const floorDir = path.join(dir, 'floor');
fs.mkdirSync(floorDir);
const t2 = performance.now();
for (const [k, f] of files.entries()) fs.writeFileSync(path.join(floorDir, `${k}.bin`), Buffer.alloc(fs.statSync(f).size, 1));
const floorS = (performance.now() - t2) / 1000;
console.log(`ct-flux1x1 export, ${W} weekly windows of a 3x2 store → ${files.length} files on 1x1, ${(bytes / 1e6).toFixed(1)} MB`);
console.log(`  export   ${exportS.toFixed(2)} s wall (CLI process, start-up included), ${cpuS.toFixed(2)} s CPU (${((exportS / files.length) * 1000).toFixed(0)} ms per file)`);
console.log(`  budget   ${BUDGET_S} s: export / budget = ${(exportS / BUDGET_S).toFixed(3)}`);
console.log(`  floor    ${floorS.toFixed(2)} s writing the same bytes: export / floor = ${(exportS / floorS).toFixed(1)}`);
fs.rmSync(dir, { recursive: true, force: true });
