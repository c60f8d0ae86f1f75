// Benchmark of `tanhui solve` end to end on CarbonTracker's problem size (issue 22): 5 lags ×
// 9835 parameters, N = 150, 200 obs, serial EnSRF without localisation (CTDAS 8.9 s on this
// machine, issue 22), as a user runs it: a fresh process, the input store read, the update, the
// output store written. Wall time and the child's CPU time (from /proc/self/stat: survives a
// loaded machine better), median of --repeats runs. With --baseline DIR (another checkout,
// built), its CLI runs alternately with this one on the same inputs: the ratio comes from one run.
// Inputs: the problem written with the old default codec (zlib) and with the current default.
// Run: node --conditions=@tanhui/source --import tsx tools/bench/solve/main.ts [--repeats 5] [--baseline /path/to/checkout]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeCtdasProblem } from './problem';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => (args.includes(name) ? args[args.indexOf(name) + 1]! : dflt);
const repeats = Number(opt('--repeats', '5'));
const baseline = args.includes('--baseline') ? resolve(opt('--baseline', '')) : null;

/** Children's user + system CPU time of this process so far [ms] (/proc/self/stat cutime, cstime). */
function childCpuMs(): number {
  const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return ((Number(f[13]) + Number(f[14])) * 1000) / 100; // fields 16, 17 in clock ticks (100 Hz)
}

const median = (xs: number[]): number => {
  const t = [...xs].sort((a, b) => a - b);
  return t.length % 2 ? t[(t.length - 1) / 2]! : (t[t.length / 2 - 1]! + t[t.length / 2]!) / 2;
};

function solveOnce(cli: string, problem: string, out: string): { wall: number; cpu: number } {
  rmSync(out, { recursive: true, force: true }); // a fresh output path, as in a user's run
  const c0 = childCpuMs();
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [cli, 'solve', '--problem', problem, '--method', 'ensrf', '--out', out], { encoding: 'utf8' });
  const wall = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cli} solve failed: ${r.stderr}`);
  return { wall, cpu: childCpuMs() - c0 };
}

const dir = mkdtempSync(join(tmpdir(), 'tanhui-bench-solve-'));
try {
  const inputs = { zlib: join(dir, 'problem-zlib.zarr'), default: join(dir, 'problem-default.zarr') };
  const mb = await writeCtdasProblem(inputs.zlib, 'zlib');
  await writeCtdasProblem(inputs.default);
  const clis: Record<string, string> = { current: join(root, 'apps/tanhui/bin/tanhui.mjs') };
  if (baseline) clis.baseline = join(baseline, 'apps/tanhui/bin/tanhui.mjs');
  console.log(`tanhui solve --method ensrf: 5 × 9835 parameters, N = 150, 200 obs (serial, no localisation); input ${mb.toFixed(0)} MB of float64; median of ${repeats}, CLIs alternating`);
  const runs: Record<string, { wall: number[]; cpu: number[] }> = {};
  for (let rep = 0; rep < repeats; rep++) {
    for (const [name, cli] of Object.entries(clis)) {
      for (const [codec, problem] of Object.entries(inputs)) {
        const key = `${name}, input ${codec}`;
        const r = solveOnce(cli, problem, join(dir, `out-${name}.zarr`));
        (runs[key] ??= { wall: [], cpu: [] }).wall.push(r.wall);
        runs[key]!.cpu.push(r.cpu);
      }
    }
  }
  for (const [key, r] of Object.entries(runs)) console.log(`  ${key.padEnd(28)} ${(median(r.wall) / 1000).toFixed(2)} s wall, ${(median(r.cpu) / 1000).toFixed(2)} s CPU (target <= 1.0 s end to end; CTDAS 8.9 s)`);
  if (baseline) {
    const b = runs['baseline, input zlib']!;
    const c = runs['current, input default']!;
    console.log(`  current (its default input) vs baseline (zlib input): ${(median(b.wall) / median(c.wall)).toFixed(2)}x wall, ${(median(b.cpu) / median(c.cpu)).toFixed(2)}x CPU`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
