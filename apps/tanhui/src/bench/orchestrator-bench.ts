// Orchestrator benchmark (run by tools/bench/orchestrator/main.ts through the hidden
// `tanhui bench-orchestrator` command, since tools may not import the app):
//  1. the ensemble step of one window with 1 worker and with 2 workers (same members) → speed-up,
//     at the operational size (N = 150, 3°×2°×25, the target) and at the demo's (32, 6°×4°);
//  2. the share of the ensemble step spent moving data between threads (submit → worker start
//     plus worker end → result received, over the whole task time);
//  3. one window of a full run at N members on the 3°×2°×25 grid: wall time and peak RSS of the
//     process (worker threads included).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { composeWorld } from '../compose';
import { loadConfig } from '../config/load';
import { PiscinaExecutor } from '../executor/piscina-executor';
import { runCycling } from '../pipeline/run';
import { SilentProgress } from '../progress';

export interface OrchestratorBenchOptions {
  members: number;
  windowDays: number;
  bigMembers: number;
  bigWindowDays: number;
  bigGrid: '3x2' | '6x4';
  repeats: number;
  /** Grid of the speed-up case. */
  grid: '3x2' | '6x4';
  /** A second, smaller speed-up case printed for context (null: none). */
  smallCase: { members: number; grid: '3x2' | '6x4'; windowDays: number } | null;
  /** Skip the N-member full window (speed-up only). */
  skipBig?: boolean;
  /** Executor settings of the speed-up cases (YAML flow-map entries, e.g. 'sharedRun: false'). */
  executorExtra?: string;
}

function ensembleConfig(dir: string, name: string, opts: OrchestratorBenchOptions, workers: number, windows = 1): string {
  const cfg = join(dir, `${name}.yaml`);
  writeFileSync(
    cfg,
    `grid: {preset: '${opts.grid}'}
time: {windows: ${windows}, windowDays: ${opts.windowDays}}
solver: {members: ${opts.members}, twoStep: combine}
executor: {workers: ${workers}${opts.executorExtra ? `, ${opts.executorExtra}` : ''}}
observations: {satellite: {soundingsPerDay: 60}}
truth: {anomalies: []}
output: {store: ${name}.zarr}
`,
  );
  return cfg;
}

type StepResult = { ms: number; firstMs: number; transferShare: number; cpuMs: number; faults: number };

/** CPU time and page faults of the process from the start of the last window on. */
class LastWindowUsage extends SilentProgress {
  private cpu0 = process.cpuUsage();
  private faults0 = process.resourceUsage().minorPageFault;
  constructor(private readonly lastWindow: number) {
    super();
  }
  override windowStart(w?: number): void {
    if (w !== this.lastWindow) return;
    this.cpu0 = process.cpuUsage();
    this.faults0 = process.resourceUsage().minorPageFault;
  }
  since(): { cpuMs: number; faults: number } {
    const c = process.cpuUsage(this.cpu0);
    return { cpuMs: (c.user + c.system) / 1000, faults: process.resourceUsage().minorPageFault - this.faults0 };
  }
}

/**
 * An executor with `workers` workers and a way to time the ensemble step of a window on it: the
 * second window of a two-window run, the steady state of a nightly run. By then every worker has
 * its modules loaded, its transport kernels JIT-compiled and the run its shared tracer arrays;
 * a first window also pays the page faults of those fresh arrays (1.4 GB at N = 150, 3°×2°;
 * 1.5–4.5 s per GB on this VM, and two threads faulting at once gain little). Runs are measured
 * after one warm-up run on the same executor (thread start-up and module loading).
 */
function ensembleSession(dir: string, name: string, opts: OrchestratorBenchOptions, workers: number): { run: (tag: string) => Promise<StepResult>; close: () => Promise<void> } {
  const executor = new PiscinaExecutor({ filename: new URL('../workers/tasks.ts', import.meta.url), workers, retries: 0 });
  const run = async (tag: string): Promise<StepResult> => {
    const world = await composeWorld(await loadConfig(ensembleConfig(dir, `${name}-${tag}`, opts, workers, 2)));
    const usage = new LastWindowUsage(1);
    const s = await runCycling(world, { progress: usage, provenance: { tanhui_command: 'bench' }, executor });
    const t = s.timings;
    const ms = t.ensembleWindowMs[1]!;
    return { ms, firstMs: t.ensembleWindowMs[0]!, transferShare: t.transferWindowMs[1]! / (ms * workers), ...usage.since() };
  };
  return { run, close: () => executor.close() };
}

const median = (xs: number[]): number => {
  const t = [...xs].sort((a, b) => a - b);
  return t.length % 2 ? t[(t.length - 1) / 2]! : (t[t.length / 2 - 1]! + t[t.length / 2]!) / 2;
};

async function speedUp(dir: string, opts: OrchestratorBenchOptions, tag: string, print: (line: string) => void, target: boolean): Promise<void> {
  print(`ensemble step: ${opts.members} members, ${opts.grid}x25, ${opts.windowDays}-day windows, the 2nd window of a 2-window run (synthetic met, stations + OCO-2-like tracks)`);
  // The two executors side by side and their runs interleaved (1, 2, 1, 2, …): this VM's speed
  // on memory-heavy code drifts by up to 2× within minutes (other tenants), so a ratio of two
  // runs made back to back says more than the ratio of bests made minutes apart. Both printed.
  const one = ensembleSession(dir, `${tag}w1`, opts, 1);
  const two = ensembleSession(dir, `${tag}w2`, opts, 2);
  const runs: Array<{ one: StepResult; two: StepResult }> = [];
  try {
    await one.run('warm');
    await two.run('warm');
    for (let rep = 0; rep < opts.repeats; rep++) {
      const r1 = await one.run(`r${rep}`);
      const r2 = await two.run(`r${rep}`);
      runs.push({ one: r1, two: r2 });
      const line = (r: StepResult) => `ensemble step ${(r.ms / 1000).toFixed(2)} s wall (1st window ${(r.firstMs / 1000).toFixed(2)} s), 2nd window ${(r.cpuMs / 1000).toFixed(2)} s CPU (all threads), ${(r.faults * 4 / 1024).toFixed(0)} MiB page-faulted`;
      print(`  ${rep + 1}. 1 worker : ${line(r1)}`);
      print(`     2 workers: ${line(r2)} → ${(r1.ms / r2.ms).toFixed(2)}x`);
    }
  } finally {
    await Promise.all([one.close(), two.close()]);
  }
  const bestOf = (rs: StepResult[]) => rs.reduce((a, b) => (b.ms < a.ms ? b : a));
  const best2 = bestOf(runs.map((r) => r.two));
  print(
    `  speed-up 2 workers over 1: median of ${runs.length} back-to-back pairs ${median(runs.map((r) => r.one.ms / r.two.ms)).toFixed(2)}x${target ? ' (target >= 1.8x)' : ''}; ` +
      `best over best ${(bestOf(runs.map((r) => r.one)).ms / best2.ms).toFixed(2)}x; median over median ${(median(runs.map((r) => r.one.ms)) / median(runs.map((r) => r.two.ms))).toFixed(2)}x`,
  );
  print(`  first windows (fresh shared arrays, page faults included): median of pairs ${median(runs.map((r) => r.one.firstMs / r.two.firstMs)).toFixed(2)}x`);
  print(`  share of time moving data between threads (2 workers): ${(100 * best2.transferShare).toFixed(2)} %${target ? ' (target < 5 %)' : ''}`);
}

export async function orchestratorBench(opts: OrchestratorBenchOptions, print: (line: string) => void): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tanhui-bench-orch-'));
  try {
    // The full window first: its peak memory is the process's high-water mark, which the
    // speed-up cases (two executors side by side) would otherwise set.
    if (!opts.skipBig) await bigWindow(dir, opts, print);
    // The operational size (the target), then the demo's size for context: the per-step
    // preparation every worker repeats weighs more with fewer members per worker.
    await speedUp(dir, opts, 'a', print, true);
    if (opts.smallCase) await speedUp(dir, { ...opts, ...opts.smallCase }, 'b', print, false);
    const probe = await machineProbe();
    print(`this machine, same run: 2 threads vs 1 on pure arithmetic ${probe.compute.toFixed(2)}x, on streaming 3 × 64 MB arrays ${probe.memory.toFixed(2)}x (slower thread ${probe.memorySlow.toFixed(2)}× the faster)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function bigWindow(dir: string, opts: OrchestratorBenchOptions, print: (line: string) => void): Promise<void> {
  print(`full window: N = ${opts.bigMembers} members, ${opts.bigGrid}x25, ${opts.bigWindowDays}-day window, 2 workers (started beforehand)`);
  const cfg = join(dir, 'big.yaml');
  writeFileSync(
    cfg,
    `grid: {preset: '${opts.bigGrid}'}
time: {windows: 1, windowDays: ${opts.bigWindowDays}}
solver: {members: ${opts.bigMembers}, twoStep: combine}
stateVector: {mapping: grid-scaling}
executor: {workers: 2}
observations: {satellite: {soundingsPerDay: 200}}
truth: {anomalies: []}
output: {store: big.zarr}
`,
  );
  // Workers started and loaded beforehand (a tiny window), as in a nightly run after its first
  // window: otherwise the ~1 s of thread start-up and module loading (tsx from source) would be
  // counted as time moving data (submit → task start).
  const executor = new PiscinaExecutor({ filename: new URL('../workers/tasks.ts', import.meta.url), workers: 2, retries: 0 });
  let s: Awaited<ReturnType<typeof runCycling>>;
  let ms: number;
  let world: Awaited<ReturnType<typeof composeWorld>>;
  const rss0 = process.resourceUsage().maxRSS;
  try {
    const warmOpts = { ...opts, members: 2, windowDays: 1 };
    const warm = await composeWorld(await loadConfig(ensembleConfig(dir, 'big-warm', warmOpts, 2)));
    await runCycling(warm, { progress: new SilentProgress(), provenance: { tanhui_command: 'bench' }, executor });
    const t0 = performance.now();
    world = await composeWorld(await loadConfig(cfg));
    s = await runCycling(world, { progress: new SilentProgress(), provenance: { tanhui_command: 'bench' }, executor });
    ms = performance.now() - t0;
  } finally {
    await executor.close();
  }
  const peakKiB = process.resourceUsage().maxRSS;
  const t = s.timings;
  print(`  state size: ${world.nState} (grid-scaling bio + ocean), observations in the window: ${world.obs.windowRows[0]!.length}`);
  print(`  one window: ${(ms / 1000).toFixed(1)} s (ensemble ${(t.ensembleMs / 1000).toFixed(1)} s, solve ${(t.solveMs / 1000).toFixed(1)} s, two-step ${(t.forwardMs / 1000).toFixed(1)} s, write ${(t.writeMs / 1000).toFixed(1)} s)`);
  print(`  data movement share: ${(100 * (t.transferMs / (t.ensembleMs * 2))).toFixed(2)} %`);
  print(`  peak memory (max RSS, main + worker threads): ${(peakKiB / 2 ** 20).toFixed(2)} GiB (before: ${(rss0 / 2 ** 20).toFixed(2)} GiB; target < 4 GiB)`);
}

// What two threads of this machine give on their own: a register-only loop and a loop that
// streams arrays larger than the caches (the transport is in between). Best of 3 each.
const PROBE = `
const { parentPort } = require('node:worker_threads');
const N = 8e6, a = new Float64Array(N).fill(1), b = new Float64Array(N).fill(2), c = new Float64Array(N);
parentPort.on('message', (kind) => {
  const t0 = performance.now();
  if (kind === 'compute') { let s = 0; for (let i = 0; i < 2e8; i++) s += Math.sqrt(i); c[0] = s; }
  else for (let r = 0; r < 6; r++) for (let i = 0; i < N; i++) c[i] = a[i] * 0.999 + b[i] + c[i] * 1e-9;
  parentPort.postMessage(performance.now() - t0);
});
parentPort.postMessage('ready');`;

async function machineProbe(): Promise<{ compute: number; memory: number; memorySlow: number }> {
  const start = () => new Promise<Worker>((res) => { const w = new Worker(PROBE, { eval: true }); w.once('message', () => res(w)); });
  const ask = (w: Worker, kind: string) => new Promise<number>((res) => { w.once('message', res); w.postMessage(kind); });
  const [a, b] = await Promise.all([start(), start()]);
  try {
    const result = { compute: 0, memory: 0, memorySlow: 0 };
    for (const kind of ['compute', 'memory'] as const) {
      let bestOne = Infinity, bestTwo = Infinity, slow = 1;
      for (let rep = 0; rep < 3; rep++) {
        const t1 = await ask(a, kind);
        const t0 = performance.now();
        const [x, y] = await Promise.all([ask(a, kind), ask(b, kind)]);
        const two = performance.now() - t0;
        bestOne = Math.min(bestOne, t1);
        if (two < bestTwo) { bestTwo = two; slow = Math.max(x, y) / Math.min(x, y); }
      }
      // Two units of work: one thread would take 2·bestOne.
      result[kind] = (2 * bestOne) / bestTwo;
      if (kind === 'memory') result.memorySlow = slow;
    }
    return result;
  } finally {
    await Promise.all([a.terminate(), b.terminate()]);
  }
}
