// Benchmark of the meteo preparation (issue 18): one day of MERRA-2 inst3_3d_asm_Nv at full size
// (576×361×72, 8 records, float32; written once by tools/fixtures/met/write_met_fixtures.py into
// tmp/bench-met) prepared to 3°×2°×25, in a fresh process each: wall and CPU time, peak memory
// (maxRSS); the cached rerun; and, measured in the same run, the floor of only reading U, V and
// DELP record by record (the preparation's I/O). Then a one-week run on prepared real-layout met
// (MERRA-2 layout at 5°×4°) next to the same run on the synthetic climate. Targets: ≤ 30 s and
// ≤ 3 GiB for the preparation, ≤ 1 s for the cached rerun. Run:
//   nice -n 10 node --conditions=@tanhui/source --import tsx tools/bench/met/main.ts [--quick | --week-only]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDataset } from '@tanhui/io';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const work = join(root, 'tmp/bench-met');
const bin = join(root, 'apps/tanhui/bin/tanhui.mjs');
const quick = process.argv.includes('--quick');
const weekOnly = process.argv.includes('--week-only');
const fullFile = join(work, 'MERRA2_400.inst3_3d_asm_Nv.20210110.nc4');

interface Measured {
  wallS: number;
  cpuS: number;
  maxRssMiB: number;
  seconds?: number;
  phaseCpuS?: number;
  cached?: boolean;
  processWallS: number;
}

/** Child mode: only read the winds and print the process's own measurements as JSON. */
async function readOnlyChild(): Promise<void> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const ds = await openDataset(fullFile);
  for (let t = 0; t < 8; t++) for (const v of ['U', 'V', 'DELP']) await ds.read(v, { start: [t, 0, 0, 0], count: [1, 72, 361, 576], decode: false });
  ds.close();
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(JSON.stringify({ wallS: (performance.now() - t0) / 1000, cpuS: (cpu.user + cpu.system) / 1e6, maxRssMiB: process.resourceUsage().maxRSS / 1024 }) + '\n');
}

function runChild(mode: string, cfg: string): Measured {
  const t0 = performance.now();
  // The preparation runs in the app (hidden `tanhui bench-met-prepare`), the read-only floor here.
  const argv = mode === 'prepare' ? [bin, 'bench-met-prepare', cfg] : ['--conditions=@tanhui/source', '--import', 'tsx', fileURLToPath(import.meta.url), '--child'];
  const r = spawnSync(process.execPath, argv, { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`child ${mode} failed: ${r.stderr}`);
  const m = JSON.parse(r.stdout.trim().split('\n').pop()!) as Measured;
  return { ...m, processWallS: (performance.now() - t0) / 1000 };
}

function timeCli(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tanhui ${args.join(' ')} failed: ${r.stderr}`);
  return (performance.now() - t0) / 1000;
}

async function mainBench(): Promise<void> {
  mkdirSync(work, { recursive: true });
  if (!existsSync(fullFile)) {
    process.stderr.write('writing the full-size MERRA-2 day (576×361×72, 8 records) …\n');
    execFileSync('/usr/bin/python3', [join(root, 'tools/fixtures/met/write_met_fixtures.py'), work, 'bench', '20210110'], { stdio: 'inherit' });
  }
  const f = (x: number, d = 1): string => x.toFixed(d);
  if (!weekOnly) prepareBench(f);
  if (quick) return;
  weekBench(f);
}

function prepareBench(f: (x: number, d?: number) => string): void {
  const cfg = join(work, 'bench.yaml');
  const cache = join(work, 'cache');
  rmSync(cache, { recursive: true, force: true });
  writeFileSync(cfg, `time: {start: 2021-01-10, windows: 1, windowDays: 1}\ngrid: {preset: 3x2}\nmet: {source: merra2, files: '${fullFile}', cache: '${cache}'}\n`);
  const read = runChild('read', cfg);
  const prep = runChild('prepare', cfg);
  const again = runChild('prepare', cfg);
  const lines = [
    'met preparation: MERRA-2 inst3_3d_asm_Nv 576×361×72, 8 records → 3°×2°×25 (fresh process each)',
    `  read U, V, DELP only (I/O floor):  wall ${f(read.wallS)} s  CPU ${f(read.cpuS)} s  peak ${f(read.maxRssMiB, 0)} MiB`,
    `  prepare (read + reduce + balance): wall ${f(prep.wallS)} s  CPU ${f(prep.cpuS)} s  peak ${f(prep.maxRssMiB, 0)} MiB   (target ≤ 30 s, ≤ 3072 MiB)`,
    `  ratio prepare / read-only: wall ${f(prep.wallS / read.wallS, 2)}×  CPU ${f(prep.cpuS / read.cpuS, 2)}×`,
    `  cached rerun: wall ${f(again.seconds ?? NaN, 2)} s, CPU ${f(again.phaseCpuS ?? NaN, 2)} s inside the process (cached=${String(again.cached)}); whole process wall ${f(again.processWallS, 2)} s, CPU ${f(again.cpuS, 2)} s   (target ≤ 1 s)`,
    `  (wall/CPU ${f(prep.wallS / prep.cpuS, 1)} for the preparation: above 1 the process waited for the CPU or the disk; the machine's load is shared)`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

function weekBench(f: (x: number, d?: number) => string): void {
  // One week on prepared real-layout met (5°×4° MERRA-2 layout) next to the synthetic climate.
  const week = join(work, 'week');
  if (!existsSync(join(week, 'MERRA2_400.inst3_3d_asm_Nv.20210118.nc4'))) execFileSync('/usr/bin/python3', [join(root, 'tools/fixtures/met/write_met_fixtures.py'), week, 'week'], { stdio: 'ignore' });
  const base = `time: {start: 2021-01-10, windows: 1, windowDays: 7}\ngrid: {preset: 6x4}\nsolver: {members: 8}\nexecutor: {workers: 2}\ntruth: {anomalies: []}\n`;
  const synCfg = join(work, 'week-syn.yaml'), realCfg = join(work, 'week-real.yaml');
  rmSync(join(work, 'week-syn.zarr'), { recursive: true, force: true });
  rmSync(join(work, 'week-real.zarr'), { recursive: true, force: true });
  rmSync(join(work, 'week-cache'), { recursive: true, force: true });
  writeFileSync(synCfg, `${base}output: {store: '${join(work, 'week-syn.zarr')}'}\n`);
  writeFileSync(realCfg, `${base}met: {source: merra2, files: '${week}/MERRA2_400.inst3_3d_asm_Nv.{yyyy}{mm}{dd}.nc4', cache: '${join(work, 'week-cache')}'}\noutput: {store: '${join(work, 'week-real.zarr')}'}\n`);
  const prepWeek = timeCli(['met', 'prepare', realCfg]);
  // Interleaved, twice, the best of each: the machine's load changes from minute to minute.
  const synT: number[] = [], realT: number[] = [];
  for (let rep = 0; rep < 2; rep++) {
    rmSync(join(work, 'week-syn.zarr'), { recursive: true, force: true });
    rmSync(join(work, 'week-real.zarr'), { recursive: true, force: true });
    synT.push(timeCli(['run', synCfg]));
    realT.push(timeCli(['run', realCfg]));
  }
  const syn = Math.min(...synT), real = Math.min(...realT);
  process.stdout.write(
    [
      `one-week run (6°×4°, 8 members, 2 workers), best of 2 interleaved (synthetic ${synT.map((x) => f(x)).join(', ')} s; real ${realT.map((x) => f(x)).join(', ')} s):`,
      `  synthetic met: ${f(syn)} s   prepared MERRA-2-layout met (cached): ${f(real)} s   ratio ${f(real / syn, 2)}×   (its preparation once: ${f(prepWeek)} s)`,
    ].join('\n') + '\n',
  );
}

const ci = process.argv.indexOf('--child');
if (ci >= 0) await readOnlyChild();
else await mainBench();
