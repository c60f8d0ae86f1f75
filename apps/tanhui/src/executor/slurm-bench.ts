// The Slurm executor's benchmark (tools/bench/slurm), run by the hidden `tanhui bench-slurm`:
// on the local one-node cluster (tools/ci/slurm-up.sh, started here when SLURM_CONF is unset)
// the demo config at 3°×2° with N = 150 members (1-day windows by default), 2 array tasks per
// window, through a SlurmExecutor; per window the batch's wall time (submit → all results read),
// the tasks' own compute (the longest task function), the dispatch overhead = the difference, and
// its parts: files written, sbatch, queue wait until the first worker process starts, worker
// start-up (node + CLI + task module + inputs read), result encoding, the last result's file write and its detection, its read (and scatter into the members' table), what follows until the batch ends. Then
// `tanhui worker` start-up (median of 5 `worker --help` against `node -e 0`) and the same config on
// Piscina with the same member groups (window time without Slurm; the stores must be identical).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeWorld } from '../compose';
import { loadConfig } from '../config/load';
import { DEMO_YAML } from '../demo/demo-config';
import { runCycling } from '../pipeline/run';
import { SilentProgress } from '../progress';
import { PiscinaExecutor } from './piscina-executor';
import { SlurmExecutor, type BatchTiming } from './slurm-executor';

export interface SlurmBenchOptions {
  members: number;
  grid: string;
  windows: number;
  windowDays: number;
  piscina: boolean;
}

export async function slurmBench(o: SlurmBenchOptions, print: (line: string) => void): Promise<void> {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
  const { members, grid, windows } = o;
  const TASKS = 2;

  // The cluster: started here if SLURM_CONF is not set (and stopped at the end).
  let started = false;
  if (!process.env.SLURM_CONF) {
    const out = execFileSync('bash', [join(root, 'tools/ci/slurm-up.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    process.env.SLURM_CONF = /export SLURM_CONF=(\S+)/.exec(out)![1];
    started = true;
  }
  execFileSync(process.execPath, [join(root, 'apps/tanhui/build.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });

  const dir = mkdtempSync(join(tmpdir(), 'tanhui-bench-slurm-'));
  function config(name: string, executor: string): string {
    const yaml = DEMO_YAML.replace('preset: 6x4', `preset: ${grid}`)
      .replace('members: 32', `members: ${members}`)
      .replace('windows: 4', `windows: ${windows}`)
      .replace('windowDays: 7', `windowDays: ${o.windowDays}`)
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

  const ms = (x: number): string => `${(x / 1000).toFixed(2)} s`;
  print(`Slurm dispatch overhead, demo config at ${grid}, N = ${members}, ${o.windowDays}-day windows, ${TASKS} array tasks per window (${new Date().toISOString()}, load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})`);
  const rows: string[][] = [['window', 'window time', 'batch', 'tasks own', 'overhead', '% window', 'write', 'sbatch', 'queue', 'start-up', 'encode', 'write+seen', 'read', 'after']];
  s.timings.windowMs.forEach((winMs, w) => {
    const b: BatchTiming = slurm.timings[w]!;
    const own = Math.max(...b.workers.map((t) => t.taskEndMs - t.taskStartMs));
    const total = b.doneMs - b.startMs;
    const over = total - own;
    const first = Math.min(...b.workers.map((t) => t.processStartMs));
    const startup = Math.max(...b.workers.map((t) => t.taskStartMs - t.processStartMs));
    const write = Math.max(...b.workers.map((t) => t.writtenMs - t.taskEndMs));
    const lastWritten = Math.max(...b.workers.map((t) => t.writtenMs));
    const seen = b.seen[b.workers.findIndex((t) => t.writtenMs === lastWritten)]!;
    rows.push([
      String(w), ms(winMs), ms(total), ms(own), ms(over), `${((100 * over) / winMs).toFixed(1)} %`,
      ms(b.writtenMs - b.startMs), ms(b.submittedMs - b.writtenMs), ms(first - b.submittedMs), ms(startup), ms(write), ms(seen.seenMs - lastWritten), ms(seen.readMs), ms(b.doneMs - seen.seenMs - seen.readMs),
    ]);
  });
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const r of rows) print(r.map((x, c) => x.padStart(widths[c]!)).join('  '));
  print(`(${slurm.timings.length} arrays; parts overlap across tasks, so they need not sum to the overhead)`);

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
  print(`tanhui worker start-up: ${worker.toFixed(0)} ms (node -e 0: ${bare.toFixed(0)} ms); in the tasks above, process start → task start ${Math.min(...slurm.timings.flatMap((b) => b.workers.map((t) => t.taskStartMs - t.processStartMs))).toFixed(0)}–${Math.max(...slurm.timings.flatMap((b) => b.workers.map((t) => t.taskStartMs - t.processStartMs))).toFixed(0)} ms`);
  // The same config on Piscina with the same member groups: the window time without Slurm, and
  // the stores must be identical (skip with --no-piscina).
  if (o.piscina) {
    const pisWorld = await composeWorld(await loadConfig(config('piscina', `  engine: piscina\n${groups}`)));
    const pis = new PiscinaExecutor({ filename: new URL('../workers/tasks.ts', import.meta.url), workers: TASKS, retries: 0 });
    const p = await runCycling(pisWorld, { progress: new SilentProgress(), provenance: { tanhui_command: 'bench' }, executor: pis });
    await pis.close();
    const same = spawnSync('bash', ['-c', `diff <(node tools/ci/hash-store.mjs ${join(dir, 'slurm.zarr')}) <(node tools/ci/hash-store.mjs ${join(dir, 'piscina.zarr')})`], { cwd: root });
    print(`Piscina (${TASKS} threads, same groups) window times: ${p.timings.windowMs.map(ms).join(', ')}; stores identical (every array): ${same.status === 0 ? 'yes' : 'NO'}`);
  }

  rmSync(dir, { recursive: true, force: true });
  if (started) execFileSync('bash', [join(root, 'tools/ci/slurm-down.sh')], { stdio: 'inherit' });
}
