// Year benchmark (run by tools/bench/year/main.ts through the hidden `tanhui bench-year`
// command, since tools may not import the app): the GCAS-size configuration (3°×2°×25, bio +
// ocean optimised per grid cell, fire fixed, the catalogue's stations daily, OCO-2-like tracks
// at ~35 000 soundings per week, weekly windows, GCAS's two-step rerun) cycled for a few
// windows on 2 workers and extrapolated to 52: per stage (prepare, simulate, solve, advance,
// write) its wall time and share of a window, CPU time of the process (all threads) beside the
// wall time, peak RSS, and last `projected year: X min`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeWorld } from '../compose';
import { loadConfig } from '../config/load';
import { PiscinaExecutor } from '../executor/piscina-executor';
import { runCycling } from '../pipeline/run';
import type { StageMs } from '../pipeline/timings';
import { SilentProgress } from '../progress';

export interface YearBenchOptions {
  /** Ensemble sizes, one run each (GCAS: 50; the orchestrator's target size: 150). */
  members: number[];
  windows: number;
  grid: '3x2' | '6x4';
  windowDays: number;
  soundingsPerWeek: number;
  workers: number;
  solver: string;
}

const STAGES: Array<keyof StageMs> = ['prepare', 'simulate', 'solve', 'advance', 'write'];

function yearConfig(dir: string, name: string, o: YearBenchOptions, members: number, windows: number, windowDays = o.windowDays): string {
  const cfg = join(dir, `${name}.yaml`);
  writeFileSync(
    cfg,
    `grid: {preset: '${o.grid}'}
time: {windows: ${windows}, windowDays: ${windowDays}}
prior:
  components:
    - {name: bio, optimise: true}
    - {name: ocean, optimise: true}
    - {name: fire}
stateVector: {mapping: grid-scaling}
solver: {members: ${members}, method: ${o.solver}}
executor: {workers: ${o.workers}}
observations: {satellite: {soundingsPerDay: ${Math.round(o.soundingsPerWeek / 7)}}}
truth: {anomalies: []}
output: {store: ${name}.zarr}
`,
  );
  return cfg;
}

/** CPU time (all threads) of each window, from the progress events. */
class WindowCpu extends SilentProgress {
  readonly cpuMs: number[] = [];
  private cpu0 = process.cpuUsage();
  override windowStart(): void {
    this.cpu0 = process.cpuUsage();
  }
  override windowDone(): void {
    const c = process.cpuUsage(this.cpu0);
    this.cpuMs.push((c.user + c.system) / 1000);
  }
}

const s1 = (ms: number): string => (ms / 1000).toFixed(1).padStart(7);

export async function yearBench(o: YearBenchOptions, print: (line: string) => void): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tanhui-bench-year-'));
  // Workers started and their modules loaded beforehand (a tiny run), as in a nightly run.
  const executor = new PiscinaExecutor({ filename: new URL('../workers/tasks.ts', import.meta.url), workers: o.workers, retries: 0 });
  const projected: string[] = [];
  try {
    await runCycling(await composeWorld(await loadConfig(yearConfig(dir, 'warm', { ...o, grid: '6x4' }, 2, 1, 1))), { progress: new SilentProgress(), provenance: { tanhui_command: 'bench' }, executor });
    for (const N of o.members) {
      const world = await composeWorld(await loadConfig(yearConfig(dir, `year-n${N}`, o, N, o.windows)));
      const nObs = world.obs.windowRows.slice(0, o.windows).map((r) => r.length);
      print(`GCAS-size cycle: N = ${N}, ${o.grid}x25, ${o.windowDays}-day windows, ${o.windows} windows, ${o.workers} workers, state ${world.nState} (grid-scaling bio + ocean; fire fixed), observations per window ${nObs.join(', ')}, solver ${o.solver}, two-step rerun`);
      const progress = new WindowCpu();
      const t0 = performance.now();
      const s = await runCycling(world, { progress, provenance: { tanhui_command: 'bench' }, executor });
      const wallMs = performance.now() - t0;
      const st = s.timings.stageWindowMs;
      const win = s.timings.windowMs;
      print(`  ${'window'.padEnd(8)}${STAGES.map((k) => k.padStart(9)).join('')}  ${'total'.padStart(8)} ${'CPU'.padStart(8)}  (seconds; CPU = all threads)`);
      st.forEach((w, i) => print(`  ${String(i + 1).padEnd(8)}${STAGES.map((k) => s1(w[k]).padStart(9)).join('')}  ${s1(win[i]!).padStart(8)} ${s1(progress.cpuMs[i]!).padStart(8)}`));
      // Steady state: the windows after the first (which also pays fresh arrays' page faults and
      // the JIT); with one window only, that one.
      const steady = st.length > 1 ? st.slice(1) : st;
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const steadyWin = mean((win.length > 1 ? win.slice(1) : win));
      const steadyCpu = mean(progress.cpuMs.length > 1 ? progress.cpuMs.slice(1) : progress.cpuMs);
      print(`  share of a steady window: ${STAGES.map((k) => `${k} ${((100 * mean(steady.map((w) => w[k]))) / steadyWin).toFixed(1)} %`).join(', ')}`);
      const yearMs = win[0]! + 51 * steadyWin;
      print(`  run ${(wallMs / 1000).toFixed(1)} s wall; steady window ${(steadyWin / 1000).toFixed(1)} s wall, ${(steadyCpu / 1000).toFixed(1)} s CPU (${(steadyCpu / steadyWin).toFixed(2)} cores busy); peak RSS ${(process.resourceUsage().maxRSS / 2 ** 20).toFixed(2)} GiB (process so far)`);
      const line = `projected year: ${(yearMs / 60000).toFixed(1)} min`;
      print(`  N = ${N}: ${line} (window 1 + 51 × the mean of windows 2..${win.length}; CPU-bound floor ${((progress.cpuMs[0]! + 51 * steadyCpu) / o.workers / 60000).toFixed(1)} min = year CPU / ${o.workers} cores)`);
      projected.push(`N = ${N}: ${(yearMs / 60000).toFixed(1)} min`);
    }
  } finally {
    await executor.close();
    rmSync(dir, { recursive: true, force: true });
  }
  // The first size's projection (GCAS's N) last, as the line to read.
  if (projected.length > 1) print(`projected years: ${projected.join('; ')}`);
  print(`projected year: ${projected[0]!.replace(/^N = \d+: /, '')}`);
}
