// Executor on a Slurm cluster (executor.engine: slurm). The tasks a window hands out together
// (its member groups: run() calls made in the same turn of the event loop) become one batch:
// one folder in the run's work folder on the shared filesystem with the inputs written once
// (inputs.bin) and a task file per task, submitted as one job array (`sbatch --array
// --parsable`) whose task i runs `tanhui worker --task <batch>/task-i.json`. The orchestrator
// does not hold a terminal: it watches the result files (inotify, and polled from every 50 ms, slowing
// to 250 ms) and asks scontrol (sacct where slurmctld forgot the job) for the state of tasks every
// `pollSeconds`. A task that ends without a valid result is retried (default 2 times) in a new
// array; the final error names the Slurm state, reason, exit code and the task's log. SIGINT or
// SIGTERM cancels the arrays (scancel). A batch folder is named by a hash of its contents, so a
// rerun after the orchestrator was killed finds the results of tasks that finished, adopts the
// tasks of that batch still queued or running (orphans: their results will come; earlier arrays
// with nothing left for us are cancelled) and submits only what is missing.
import { existsSync, mkdirSync, readFileSync, rmSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { TanhuiError } from '@tanhui/core';
import { writeFileAtomic } from '@tanhui/io';
import type { Executor, ExecutorStats, TaskOptions } from './executor';
import { arrayStates, scancelSync, slurmCommand, TERMINAL, type TaskState } from './slurm-commands';
import { ArraySink, encodeTree, readResult, resultPresent, type ColumnsOut, type ColumnsRef, type TaskFile, type WorkerTimes } from './slurm-files';

export interface SlurmExecutorOptions {
  /** Folder on a filesystem the compute nodes share (batch folders go below it). */
  workDir: string;
  /** Tasks a window is split into (the array size). */
  tasks: number;
  retries?: number;
  partition?: string;
  account?: string;
  qos?: string;
  /** sbatch --time (e.g. '30', '2:00:00'). */
  timeLimit?: string;
  cpusPerTask?: number;
  /** sbatch --mem (e.g. '4G'). */
  memory?: string;
  extraArgs?: readonly string[];
  /** Seconds between scontrol queries of running arrays. */
  pollSeconds?: number;
  /** Shell lines run before the worker in each task (module load …). */
  setup?: string;
  /** The worker command before `--task FILE`; default this node and this tanhui's bin. */
  workerCommand?: readonly string[];
  /** Keep batch folders after their results were read (default: removed). */
  keepFiles?: boolean;
  /** Progress lines (retries, reuse); default stderr. */
  log?: (line: string) => void;
}

/** Timing of one batch [epoch ms]: the dispatch overhead is what is not the tasks' own work. */
export interface BatchTiming {
  label: string;
  tasks: number;
  reused: number;
  /** Batch handed to the executor; files written; sbatch returned; all results read. */
  startMs: number;
  writtenMs: number;
  submittedMs: number;
  doneMs: number;
  workers: WorkerTimes[];
  /** Per result (same order as workers): when the orchestrator saw it, and when it was read and scattered. */
  seen: Array<{ seenMs: number; readMs: number }>;
}

interface Pending {
  task: string;
  input: unknown;
  options: TaskOptions;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

const BIN = fileURLToPath(new URL('../../bin/tanhui.mjs', import.meta.url));

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Output columns of a task (shared-memory destinations on one machine), by task name. */
function outputColumns(task: string, input: unknown): ColumnsOut[] {
  if (task !== 'memberGroupTransport') return [];
  const i = input as { K: number; extras?: unknown[]; initial: Float64Array; initialPerMember?: boolean; finalsInto?: { members?: ColumnsRef; extras?: ColumnsRef } };
  if (!i.finalsInto) return [];
  const out: ColumnsOut[] = [];
  const E = i.extras?.length ?? 0;
  const rows = i.initialPerMember ? i.initial.length / i.K : i.initial.length;
  if (i.finalsInto.members) out.push({ key: 'members', dest: i.finalsInto.members, rows, count: i.K });
  if (i.finalsInto.extras && E > 0) out.push({ key: 'extras', dest: i.finalsInto.extras, rows, count: E });
  return out;
}

function scatter(col: ColumnsOut, local: Float64Array): void {
  const { array, stride, offset } = col.dest;
  for (let r = 0; r < col.rows; r++) for (let k = 0; k < col.count; k++) array[r * stride + offset + k] = local[r * col.count + k]!;
}

export class SlurmExecutor implements Executor {
  readonly concurrency: number;
  private readonly retries: number;
  private readonly pollMs: number;
  private readonly counters: ExecutorStats = { tasks: 0, retries: 0, failures: 0 };
  private queue: Pending[] = [];
  private flushScheduled = false;
  private closed = false;
  /** Array jobs submitted and not known to be over (cancelled on SIGINT/SIGTERM and close). */
  private readonly live = new Set<string>();
  private readonly log: (line: string) => void;
  readonly timings: BatchTiming[] = [];
  private readonly onSignal: (sig: NodeJS.Signals) => void;

  constructor(private readonly options: SlurmExecutorOptions) {
    const checkInt = (name: string, v: number, min: number): number => {
      if (!Number.isInteger(v) || v < min) throw new TanhuiError('InvalidArgument', `options.${name} must be an integer ≥ ${min}, got ${String(v)}`, { context: { key: name } });
      return v;
    };
    this.concurrency = checkInt('tasks', options.tasks, 1);
    this.retries = checkInt('retries', options.retries ?? 2, 0);
    this.pollMs = Math.max(100, (options.pollSeconds ?? 2) * 1000);
    this.log = options.log ?? ((l) => process.stderr.write(`${l}\n`));
    mkdirSync(options.workDir, { recursive: true });
    this.onSignal = (sig) => {
      scancelSync([...this.live]);
      process.exit(sig === 'SIGINT' ? 130 : 143);
    };
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
  }

  stats(): ExecutorStats {
    return { ...this.counters };
  }

  run<I, O>(task: string, input: I, options: TaskOptions = {}): Promise<O> {
    if (this.closed) return Promise.reject(new TanhuiError('Internal', 'the executor was closed'));
    if (task === 'sharedMembersTransport') {
      return Promise.reject(new TanhuiError('InvalidConfig', 'the shared transport run needs shared memory (one machine): executor.engine slurm runs member groups (executor.sharedRun false)', { context: { key: 'executor.sharedRun' } }));
    }
    this.counters.tasks++;
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ task, input, options, resolve: resolve as (v: unknown) => void, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        // Every run() of this turn (a window's member groups) goes into the same array.
        setImmediate(() => {
          this.flushScheduled = false;
          const batch = this.queue;
          this.queue = [];
          this.runBatch(batch).catch((err) => {
            for (const p of batch) p.reject(err);
          });
        });
      }
    });
  }

  private async runBatch(batch: Pending[]): Promise<void> {
    const startMs = Date.now();
    const sink = new ArraySink();
    const cols = batch.map((p) => outputColumns(p.task, p.input));
    const trees = batch.map((p, i) => encodeTree(p.input, sink, new Map(cols[i]!.map((c) => [c.dest as object, c]))));
    const id = createHash('sha256').update(JSON.stringify(batch.map((p, i) => [p.task, trees[i]]))).update(sink.digest()).digest('hex').slice(0, 16);
    const dir = join(this.options.workDir, `batch-${id}`);
    const label = batch[0]!.options.label?.replace(/ members .*/, '') ?? batch[0]!.task;
    const files = batch.map((p, i): TaskFile => ({ task: p.task, label: p.options.label ?? `${p.task} ${i}`, inputs: join(dir, 'inputs.bin'), input: trees[i], result: join(dir, `result-${i}.bin`), error: join(dir, `error-${i}.json`) }));
    mkdirSync(join(dir, 'log'), { recursive: true });
    // A batch folder of an earlier orchestrator (killed): its finished results are reused below.
    const jobsFile = join(dir, 'jobs.json');
    const earlier = existsSync(jobsFile) ? (JSON.parse(readFileSync(jobsFile, 'utf8')) as string[]) : [];
    if (!existsSync(files[0]!.inputs)) writeFileAtomic(files[0]!.inputs, sink.bytes());
    files.forEach((f, i) => {
      const path = join(dir, `task-${i}.json`);
      if (!existsSync(path)) writeFileAtomic(path, JSON.stringify(f));
    });
    writeFileAtomic(join(dir, 'job.sh'), this.script(dir));
    const timing: BatchTiming = { label, tasks: batch.length, reused: 0, startMs, writtenMs: Date.now(), submittedMs: 0, doneMs: 0, workers: [], seen: [] };

    const attempts = new Array<number>(batch.length).fill(0);
    const jobOf = new Map<number, string>();
    const waiting = new Set<number>();
    const finish = (i: number): boolean => {
      const seenMs = Date.now();
      const r = readResult(files[i]!.result);
      for (const c of cols[i]!) scatter(c, r.columns.get(c.key)!);
      timing.workers.push(r.times);
      timing.seen.push({ seenMs, readMs: Date.now() - seenMs });
      batch[i]!.resolve(r.value);
      waiting.delete(i);
      return true;
    };
    for (let i = 0; i < batch.length; i++) {
      if (resultPresent(files[i]!.result)) {
        try {
          finish(i);
          timing.reused++;
          continue;
        } catch {
          rmSync(files[i]!.result, { force: true }); // truncated: run it again
        }
      }
      waiting.add(i);
    }
    if (timing.reused > 0) this.log(`slurm: ${label}: ${timing.reused} of ${batch.length} task results reused from ${dir}`);
    // Orphans: tasks of this batch that an earlier (killed) orchestrator submitted and that still
    // run or wait are adopted (their results will come); earlier arrays with nothing left to do
    // for us are cancelled.
    const adopted = await this.adoptOrphans(earlier, join(dir, 'job.sh'), waiting, jobOf, attempts);
    if (adopted > 0) this.log(`slurm: ${label}: ${adopted} task(s) of an earlier orchestrator still queued or running, adopted`);
    const submit = async (indices: number[]): Promise<void> => {
      for (const i of indices) {
        rmSync(files[i]!.error, { force: true });
        attempts[i]!++;
      }
      const jobId = await this.sbatch(dir, indices);
      for (const i of indices) jobOf.set(i, jobId);
      earlier.push(jobId);
      writeFileAtomic(jobsFile, JSON.stringify(earlier));
    };
    try {
      const fresh = [...waiting].filter((i) => !jobOf.has(i));
      if (fresh.length > 0) await submit(fresh);
      timing.submittedMs = Date.now();
      let delay = 50;
      let lastPoll = Date.now();
      // Results are looked for every 50 ms, slowing to 250 ms, and at once when the folder changes
      // (inotify on this host; a shared filesystem's remote writes are found by the polling).
      let wake: (() => void) | undefined;
      let watcher: FSWatcher | undefined;
      try {
        watcher = watch(dir, () => wake?.());
        watcher.on('error', () => undefined);
      } catch {
        // no watching here: polling only
      }
      try {
        while (waiting.size > 0) {
          await new Promise<void>((r) => {
            const t = setTimeout(r, delay);
            wake = () => {
              clearTimeout(t);
              r();
            };
          });
          wake = undefined;
          delay = Math.min(250, delay * 1.5);
          const failed: Array<[number, string]> = [];
          for (const i of waiting) {
            if (!resultPresent(files[i]!.result)) continue;
            try {
              finish(i);
            } catch (err) {
              failed.push([i, (err as Error).message]);
              rmSync(files[i]!.result, { force: true });
            }
          }
          if (Date.now() - lastPoll >= this.pollMs && waiting.size > failed.length) {
            lastPoll = Date.now();
            failed.push(...(await this.endedWithoutResult(waiting, jobOf, files, new Set(failed.map(([i]) => i)))));
          }
          if (failed.length === 0) continue;
          const again: number[] = [];
          for (const [i, why] of failed) {
            const log = this.logPath(dir, i, jobOf.get(i)!);
            if (attempts[i]! <= this.retries) {
              this.counters.retries++;
              this.log(`slurm: task ${files[i]!.label} (job ${jobOf.get(i)}_${i}): ${why}; log ${log}; retrying (attempt ${attempts[i]! + 1} of ${this.retries + 1})`);
              again.push(i);
            } else {
              this.counters.failures++;
              throw new TanhuiError('WorkerFailed', `task ${files[i]!.label} failed after ${attempts[i]} attempt(s) on Slurm: ${why}; log ${log}`, {
                hint: 'the store keeps its last complete window; rerun the same command to resume',
              });
            }
          }
          if (again.length > 0) {
            await submit(again);
            delay = 50;
          }
        }
      } finally {
        watcher?.close();
      }
    } catch (err) {
      scancelSync([...new Set(jobOf.values())]);
      throw err;
    } finally {
      for (const j of new Set(jobOf.values())) this.live.delete(j);
    }
    timing.doneMs = Date.now();
    this.timings.push(timing);
    // An earlier attempt still finishing (its result came from a retry) would write into the
    // removed folder: end it first.
    if (attempts.some((n) => n > 1) || adopted > 0) scancelSync([...new Set([...jobOf.values(), ...earlier])]);
    if (!this.options.keepFiles) rmSync(dir, { recursive: true, force: true });
  }

  /** Adopt the still-live tasks of earlier arrays of this batch (same batch script); cancel the rest. */
  private async adoptOrphans(earlier: readonly string[], script: string, waiting: ReadonlySet<number>, jobOf: Map<number, string>, attempts: number[]): Promise<number> {
    let adopted = 0;
    const cancel: string[] = [];
    for (const jobId of earlier) {
      const states = await arrayStates(jobId);
      if (!states) continue;
      let keep = false;
      for (const [i, st] of states) {
        if (st.command !== undefined && st.command !== script) break; // a reused job id: not ours
        if (TERMINAL.has(st.state) || !waiting.has(i) || jobOf.has(i)) continue;
        jobOf.set(i, jobId);
        attempts[i] = 1;
        this.live.add(jobId);
        keep = true;
        adopted++;
      }
      const ours = [...states.values()].every((st) => st.command === undefined || st.command === script);
      if (!keep && ours && [...states.values()].some((st) => !TERMINAL.has(st.state))) cancel.push(jobId);
    }
    scancelSync(cancel);
    return adopted;
  }

  /** Tasks whose job is over (scontrol/sacct) and that left no result, with why. */
  private async endedWithoutResult(waiting: ReadonlySet<number>, jobOf: ReadonlyMap<number, string>, files: readonly TaskFile[], skip: ReadonlySet<number>): Promise<Array<[number, string]>> {
    const out: Array<[number, string]> = [];
    const byJob = new Map<string, number[]>();
    for (const i of waiting) if (!skip.has(i)) byJob.set(jobOf.get(i)!, [...(byJob.get(jobOf.get(i)!) ?? []), i]);
    for (const [jobId, indices] of byJob) {
      const states = await arrayStates(jobId);
      for (const i of indices) {
        const st: TaskState | undefined = states?.get(i);
        // Not known to scontrol or sacct any more: it is over (MinJobAge passed) — treat as ended.
        const over = st === undefined ? states === undefined || states.size > 0 : TERMINAL.has(st.state);
        if (!over) continue;
        if (resultPresent(files[i]!.result)) continue; // written just now: the next round reads it
        out.push([i, this.why(st, files[i]!)]);
      }
    }
    return out;
  }

  private why(st: TaskState | undefined, f: TaskFile): string {
    let message = '';
    try {
      message = (JSON.parse(readFileSync(f.error, 'utf8')) as { message: string }).message;
    } catch {
      // no error file: the task was killed, or ended without writing anything
    }
    const state = st ? `Slurm state ${st.state}, reason ${st.reason}, exit code ${st.exitCode}` : 'Slurm no longer knows the job (no accounting?)';
    if (message) return `${state}: ${message}`;
    if (st?.state === 'COMPLETED') return `${state}: the task wrote no result`;
    return state;
  }

  private logPath(dir: string, i: number, jobId: string): string {
    return join(dir, 'log', `task-${i}.${jobId}.log`);
  }

  private script(dir: string): string {
    const cmd = this.options.workerCommand ?? [process.execPath, BIN, 'worker'];
    return [
      '#!/bin/bash',
      '# Written by tanhui (executor.engine: slurm): task $SLURM_ARRAY_TASK_ID of a batch; submitted with sbatch --array.',
      ...(this.options.setup ? [this.options.setup] : []),
      `exec ${cmd.map(shellQuote).join(' ')} --task ${shellQuote(dir)}/task-\${SLURM_ARRAY_TASK_ID}.json`,
      '',
    ].join('\n');
  }

  private async sbatch(dir: string, indices: number[]): Promise<string> {
    const o = this.options;
    const args = [
      '--parsable',
      `--array=${indices.sort((a, b) => a - b).join(',')}`,
      '--job-name=tanhui',
      // A node failure ends the task (NODE_FAIL) instead of requeueing it: the retry is ours, counted and logged.
      '--no-requeue',
      `--output=${join(dir, 'log', 'task-%a.%A.log')}`,
      `--cpus-per-task=${o.cpusPerTask ?? 1}`,
      ...(o.partition ? [`--partition=${o.partition}`] : []),
      ...(o.account ? [`--account=${o.account}`] : []),
      ...(o.qos ? [`--qos=${o.qos}`] : []),
      ...(o.timeLimit ? [`--time=${o.timeLimit}`] : []),
      ...(o.memory ? [`--mem=${o.memory}`] : []),
      ...(o.extraArgs ?? []),
      join(dir, 'job.sh'),
    ];
    const r = await slurmCommand('sbatch', args);
    const jobId = r.stdout.trim().split(';')[0]!;
    if (r.code !== 0 || !/^\d+$/.test(jobId)) {
      // sbatch's first error line is the specific one ("invalid partition specified: x").
      const msg = (r.stderr.split('\n').find((l) => l.startsWith('sbatch: error: ')) ?? r.stderr.trim().split('\n').pop() ?? '').replace(/^sbatch: error: /, '');
      throw new TanhuiError('InvalidConfig', `sbatch refused the job array: ${msg || `exit code ${r.code}`}`, { context: { key: o.partition && /partition/i.test(msg) ? 'executor.slurm.partition' : 'executor.slurm' } });
    }
    this.live.add(jobId);
    return jobId;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    scancelSync([...this.live]);
    this.live.clear();
  }
}
