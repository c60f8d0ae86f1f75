// Executor on Piscina worker threads. Workers load only pure modules (transport, operators,
// solvers, mappings); the worker entry refuses gdal-async (see ../workers/guard.ts).
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import { TanhuiError } from '@tanhui/core';
import { anyDetached, type Executor, type ExecutorStats, type TaskOptions } from './executor';

export interface PiscinaExecutorOptions {
  /** Task module whose exported functions are the tasks (a .ts file runs through tsx, with
   * workspace libs resolved to src/). */
  filename: string | URL;
  /** Worker threads; default one per core. */
  workers?: number;
  /** Retries of a task whose worker threw or died; default 2. */
  retries?: number;
  /** Extra data every worker sees as `workerData.user`. */
  workerData?: unknown;
}

function checkInt(name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new TanhuiError('InvalidArgument', `options.${name} must be an integer ≥ ${min}, got ${String(v)}`, { context: { key: name } });
  }
  return v;
}

const BOOTSTRAP = fileURLToPath(new URL('../workers/bootstrap.mjs', import.meta.url));

/**
 * The file a task module named by its source runs from: the source itself when it is there
 * (vitest, tsx), else its build beside it (dist/workers/tasks.mjs for …/workers/tasks.ts: the
 * built CLI names the task module as the sources do, relative to its own file).
 */
function taskModuleFile(file: string): string {
  if (existsSync(file) || !/\.m?ts$/.test(file)) return file;
  const built = file.replace(/\.m?ts$/, '.mjs');
  return existsSync(built) ? built : file;
}

export class PiscinaExecutor implements Executor {
  readonly concurrency: number;
  private readonly retries: number;
  private readonly pool: Piscina;
  private readonly counters: ExecutorStats = { tasks: 0, retries: 0, failures: 0 };
  private closed = false;

  constructor(options: PiscinaExecutorOptions) {
    const named = options.filename instanceof URL ? fileURLToPath(options.filename) : options.filename;
    const file = typeof named === 'string' ? taskModuleFile(named) : named;
    if (typeof file !== 'string' || !existsSync(file)) {
      throw new TanhuiError('InvalidArgument', `options.filename must name an existing worker module, got ${String(file)}`, { context: { file: String(file) } });
    }
    this.concurrency = checkInt('workers', options.workers ?? availableParallelism(), 1);
    this.retries = checkInt('retries', options.retries ?? 2, 0);
    this.pool = new Piscina({
      // bootstrap.mjs guards against gdal-async, registers tsx for .ts task modules (workspace
      // libs then resolve to src/ through the @tanhui/source condition) and dispatches tasks.
      filename: pathToFileURL(BOOTSTRAP).href,
      minThreads: this.concurrency,
      maxThreads: this.concurrency,
      idleTimeout: 60_000,
      execArgv: file.endsWith('.ts') ? ['--conditions=@tanhui/source'] : [],
      workerData: { tanhuiTaskModule: pathToFileURL(file).href, user: options.workerData },
      // Tasks are coarse (a member group's transport run): no need to queue more than a few.
      concurrentTasksPerWorker: 1,
    });
    // A dying worker emits 'error' on the pool too; the failed task already rejects with it.
    this.pool.on('error', () => undefined);
  }

  stats(): ExecutorStats {
    return { ...this.counters };
  }

  async run<I, O>(task: string, input: I, options: TaskOptions = {}): Promise<O> {
    if (this.closed) throw new TanhuiError('Internal', 'the executor was closed');
    const label = options.label ?? task;
    this.counters.tasks++;
    let lastError: unknown;
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      if (attempt > 0) {
        if (anyDetached(options.transferList)) break; // the input went to the dead worker
        this.counters.retries++;
      }
      try {
        return (await this.pool.run({ task, input }, { transferList: options.transferList })) as O;
      } catch (err) {
        lastError = err;
        if (this.closed) break;
      }
    }
    this.counters.failures++;
    const msg = lastError instanceof Error ? lastError.message : String(lastError);
    throw new TanhuiError('WorkerFailed', `task ${label} failed after ${this.retries + 1} attempt(s): ${msg.split('\n')[0]}`, {
      cause: lastError,
      hint: 'the store keeps its last complete window; rerun the same command to resume',
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.destroy();
  }
}
