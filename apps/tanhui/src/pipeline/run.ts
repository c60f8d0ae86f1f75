// `tanhui run`: open (or create) the run store, then one cycle per window (./cycle.ts:
// prepare → simulate → solve → advance → write), resuming after the last complete window.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { availableParallelism } from 'node:os';
import { TanhuiError } from '@tanhui/core';
import { ZarrStore, type ZarrAttrs } from '@tanhui/io';
import type { World } from '../compose';
import type { Executor } from '../executor/executor';
import { InlineExecutor } from '../executor/inline-executor';
import { PiscinaExecutor } from '../executor/piscina-executor';
import { slurmExecutorFor } from '../executor/slurm-config';
import { solverOf } from '../plugins/index';
import type { Progress } from '../progress';
import { acquireStoreLock } from '../store/lock';
import { createRunStore, openRunStore, readRestart } from '../store/run-store';
import { carriedStateOf } from './carried';
import { cycle } from './cycle';
import { covarianceSqrtOf } from './prepare';
import { emptyTimings, type RunTimings } from './timings';

export { FLAG_HELD_OUT } from './solve';
export type { RunTimings } from './timings';

/** Default uniform initial CO2 of the first window [mol mol⁻¹] (initialField, README). */
export const INITIAL_MOLE_FRACTION = 400e-6;

export interface RunOptions {
  progress: Progress;
  /** Root attributes with provenance (version, git commit, command). */
  provenance: ZarrAttrs;
  /** Use this executor instead of one built from the config (closed by the caller). */
  executor?: Executor;
  /** Stop after this many windows of this invocation (tests). */
  maxWindows?: number;
}

export interface RunSummary {
  store: string;
  windowsDone: number;
  windowsTotal: number;
  resumedFrom: number;
  timings: RunTimings;
}

const TASKS_MODULE = new URL('../workers/tasks.ts', import.meta.url);

export function executorFor(world: World): Executor {
  const e = world.config.executor;
  if (e.engine === 'inline') return new InlineExecutor(() => import('../workers/tasks'), e.retries);
  if (e.engine === 'slurm') return slurmExecutorFor(world);
  return new PiscinaExecutor({ filename: TASKS_MODULE, workers: e.workers > 0 ? e.workers : availableParallelism(), retries: e.retries });
}

/**
 * Create the run store beside its path and rename it into place, so a run killed while creating
 * it leaves no half-made store that its rerun would refuse (the rerun creates it again).
 */
async function createComplete(world: World, attrs: ZarrAttrs): Promise<ZarrStore> {
  const final = world.storePath.replace(/\/+$/, '');
  if (existsSync(final) && (!statSync(final).isDirectory() || readdirSync(final).length > 0)) {
    throw new TanhuiError('StoreConflict', 'a file or non-empty directory already exists at the store path', { context: { file: final }, hint: 'choose another output.store, or remove what is there' });
  }
  // Ours to clean: we hold the store's lock, so any such folder is a killed run's.
  const dir = dirname(final);
  mkdirSync(dir, { recursive: true });
  for (const e of readdirSync(dir)) if (e.startsWith(`${basename(final)}.creating-`)) rmSync(join(dir, e), { recursive: true, force: true });
  const tmp = `${final}.creating-${process.pid}`;
  await createRunStore({ ...world, storePath: tmp }, attrs);
  rmSync(final, { recursive: true, force: true }); // an empty folder
  renameSync(tmp, final);
  return ZarrStore.open(final);
}

/** Run (or resume) the cycling assimilation of a composed world into its run store. */
export async function runCycling(world: World, opts: RunOptions): Promise<RunSummary> {
  const { config } = world;
  const solver = solverOf(config.solver, 'ensemble', 'tanhui run', world.loaded.file);
  const lock = acquireStoreLock(world.storePath, String(opts.provenance.tanhui_command ?? 'tanhui run'));
  const executor = opts.executor ?? executorFor(world);
  const timings = emptyTimings();
  try {
    let store: ZarrStore;
    let complete = 0;
    if (ZarrStore.exists(world.storePath)) {
      ({ store, complete } = await openRunStore(world));
    } else {
      store = await createComplete(world, { ...opts.provenance, config: world.storedConfig as ZarrAttrs, config_sha256: world.configSha256, input_checksums: world.inputChecksums });
    }
    const W = world.windows.length;
    const N = config.solver.members;
    const groups = Math.ceil(N / (config.executor.membersPerTask > 0 ? config.executor.membersPerTask : Math.max(1, Math.ceil(N / executor.concurrency))));
    opts.progress.runStart({ command: String(opts.provenance.tanhui_command ?? 'run'), store: world.storePath, windows: W, complete, tasksPerWindow: config.executor.sharedRun ? executor.concurrency : groups });
    const carried = carriedStateOf(world, complete > 0 ? await readRestart(store, world, complete) : undefined);
    const session = world.transport.session({ executor, progress: opts.progress, timings, observations: world.obs });
    const ctx = { world, store, session, solver, sqrtB: covarianceSqrtOf(world), carried, progress: opts.progress, timings };
    const last = opts.maxWindows !== undefined ? Math.min(W, complete + opts.maxWindows) : W;
    for (let w = complete; w < last; w++) {
      const t0 = performance.now();
      const [e0, x0] = [timings.ensembleMs, timings.transferMs];
      opts.progress.windowStart(w, new Date(world.windows[w]!.startSec * 1000).toISOString());
      const out = await cycle(ctx, w);
      timings.windowMs.push(performance.now() - t0);
      timings.ensembleWindowMs.push(timings.ensembleMs - e0);
      timings.transferWindowMs.push(timings.transferMs - x0);
      opts.progress.windowDone(w, { chi2PerObs: out.chi2, assimilated: out.nAssimilated, rejected: out.nRejected, seconds: (performance.now() - t0) / 1000 });
    }
    await store.consolidate();
    opts.progress.runDone({ store: world.storePath, windows: last });
    return { store: world.storePath, windowsDone: last, windowsTotal: W, resumedFrom: complete, timings };
  } finally {
    if (!opts.executor) await executor.close();
    lock.release();
  }
}
