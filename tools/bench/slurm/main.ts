// Benchmark of the Slurm executor's dispatch overhead on the local one-node cluster
// (tools/ci/slurm-up.sh): the demo config at 3°×2° with N = 150 members, 2 windows, two array
// tasks per window, run through a SlurmExecutor; per window it prints the batch's wall time
// (submit → all results read), the tasks' own compute time (the longest task function), the
// overhead = the difference, and its parts: files written, sbatch, queue wait until the worker
// process starts, worker start-up (node + CLI + task module + inputs read), result write, and
// detection + result read. Then the same config on Piscina (2 threads, the same member groups)
// for the window time without Slurm, and `tanhui worker` start-up (median of 5 `worker --help`
// against `node -e 0`). It builds dist/ first (tasks run the built CLI). Run:
//   node --conditions=@tanhui/source --import tsx tools/bench/slurm/main.ts [--members 150] [--grid 3x2] [--windows 2]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeWorld } from '../../../apps/tanhui/src/compose';
import { loadConfig } from '../../../apps/tanhui/src/config/load';
import { DEMO_YAML } from '../../../apps/tanhui/src/demo/demo-config';
import { PiscinaExecutor } from '../../../apps/tanhui/src/executor/piscina-executor';
import { SlurmExecutor, type BatchTiming } from '../../../apps/tanhui/src/executor/slurm-executor';
import { runCycling } from '../../../apps/tanhui/src/pipeline/run';
import { SilentProgress } from '../../../apps/tanhui/src/progress';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : def;
};
const members = Number(arg('members', '150'));
const grid = arg('grid', '3x2');
const windows = Number(arg('windows', '2'));
const TASKS = 2;

// The cluster: started here if SLURM_CONF is not set (and stopped at the end).
let started = false;
if (!process.env.SLURM_CONF) {
  const out = execFileSync('bash', [join(root, 'tools/ci/slurm-up.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  process.env.SLURM_CONF = /export SLURM_CONF=(\S+)/.exec(out)![1];
  started = true;
}
execFileSync(process.execPath, [join(root, 'apps/tanhui/build.mjs')], { stdio: 'inherit' });

const dir = mkdtempSync(join(tmpdir(), 'tanhui-bench-slurm-'));
function config(name: string, executor: string): string {
  const yaml = DEMO_YAML.replace('preset: 6x4', `preset: ${grid}`)
    .replace('members: 32', `members: ${members}`)
    .replace('windows: 4', `windows: ${windows}`)
    .replace(/executor:\n(  .*\n)+/, `executor:\n${executor}\n`)
    .replace('store: demo.zarr', `store: ${name}.zarr`);
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, yaml);
  return file;
}
const groups = `  workers: ${TASKS}\n  sharedRun: false\n  retries: 0`;

const slurmWorld = await composeWorld(await loadConfig(config('slurm', `  engine: slurm\n${groups}`)));
const slurm = new SlurmExecutor({ workDir: join(dir, 'work'), tasks: TASKS, retries: 0, pollSeconds: 2, log: () => undefined });
const s = await runCycling(slurmWorld, { progress: new SilentProgress(), provenance: { tanhui_command: 'bench' }, executor: slurm });
await slurm.close();

const pisWorld = await composeWorld(await loadConfig(config('piscina', `  engine: piscina\n${groups}`)));
const pis = new PiscinaExecutor({ filename: new URL('../../../apps/tanhui/src/workers/tasks.ts', import.meta.url), workers: TASKS, retries: 0 });
const p = await runCycling(pisWorld, { progress: new SilentProgress(), provenance: { tanhui_command: 'bench' }, executor: pis });
await pis.close();

const same = spawnSync('bash', ['-c', `diff <(node tools/ci/hash-store.mjs ${join(dir, 'slurm.zarr')}) <(node tools/ci/hash-store.mjs ${join(dir, 'piscina.zarr')})`], { cwd: root });
const ms = (x: number): string => `${(x / 1000).toFixed(2)} s`;
console.log(`Slurm dispatch overhead, demo config at ${grid}, N = ${members}, ${TASKS} array tasks per window (${new Date().toISOString()}, load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})`);
console.log(`stores identical (every array): ${same.status === 0 ? 'yes' : 'NO'}`);
const rows: string[][] = [['window', 'window time', 'batch', 'tasks own', 'overhead', '% window', 'write', 'sbatch', 'queue', 'start-up', 'result', 'detect+read', 'piscina window']];
s.timings.windowMs.forEach((winMs, w) => {
  const b: BatchTiming = slurm.timings[w]!;
  const own = Math.max(...b.workers.map((t) => t.taskEndMs - t.taskStartMs));
  const total = b.doneMs - b.startMs;
  const over = total - own;
  const first = Math.min(...b.workers.map((t) => t.processStartMs));
  const startup = Math.max(...b.workers.map((t) => t.taskStartMs - t.processStartMs));
  const write = Math.max(...b.workers.map((t) => t.writtenMs - t.taskEndMs));
  const lastWritten = Math.max(...b.workers.map((t) => t.writtenMs));
  rows.push([
    String(w), ms(winMs), ms(total), ms(own), ms(over), `${((100 * over) / winMs).toFixed(1)} %`,
    ms(b.writtenMs - b.startMs), ms(b.submittedMs - b.writtenMs), ms(first - b.submittedMs), ms(startup), ms(write), ms(b.doneMs - lastWritten), ms(p.timings.windowMs[w]!),
  ]);
});
const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
for (const r of rows) console.log(r.map((x, c) => x.padStart(widths[c]!)).join('  '));
console.log(`(${slurm.timings.length} arrays; parts overlap across tasks, so they need not sum to the overhead)`);

// `tanhui worker` start-up: node + bin + the built CLI + the worker command (no task).
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const timeOf = (argv: string[]): number => {
  const t0 = performance.now();
  spawnSync(process.execPath, argv, { stdio: 'ignore' });
  return performance.now() - t0;
};
const bin = join(root, 'apps/tanhui/bin/tanhui.mjs');
const worker = median(Array.from({ length: 5 }, () => timeOf([bin, 'worker', '--help'])));
const bare = median(Array.from({ length: 5 }, () => timeOf(['-e', '0'])));
console.log(`tanhui worker start-up: ${worker.toFixed(0)} ms (node -e 0: ${bare.toFixed(0)} ms); in the tasks above, process start → task start ${Math.min(...slurm.timings.flatMap((b) => b.workers.map((t) => t.taskStartMs - t.processStartMs))).toFixed(0)}–${Math.max(...slurm.timings.flatMap((b) => b.workers.map((t) => t.taskStartMs - t.processStartMs))).toFixed(0)} ms`);
rmSync(dir, { recursive: true, force: true });
if (started) execFileSync('bash', [join(root, 'tools/ci/slurm-down.sh')], { stdio: 'inherit' });
