// Executor that runs tasks in the calling thread (engine: inline). Same contract as
// PiscinaExecutor: named exports of a task module, retries, WorkerFailed after the last one.
import { valueSymbol } from 'piscina';
import { TanhuiError } from '@tanhui/core';
import type { Executor, ExecutorStats, TaskOptions } from './executor';

type TaskModule = Record<string, unknown>;

export class InlineExecutor implements Executor {
  readonly concurrency = 1;
  private readonly counters: ExecutorStats = { tasks: 0, retries: 0, failures: 0 };
  private mod: Promise<TaskModule> | undefined;

  constructor(
    private readonly load: () => Promise<TaskModule>,
    private readonly retries = 2,
  ) {}

  stats(): ExecutorStats {
    return { ...this.counters };
  }

  async run<I, O>(task: string, input: I, options: TaskOptions = {}): Promise<O> {
    this.mod ??= this.load();
    const mod = await this.mod;
    const fn = mod[task];
    if (typeof fn !== 'function') throw new TanhuiError('Internal', `no task named '${task}' in the task module`);
    this.counters.tasks++;
    let last: unknown;
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      if (attempt > 0) this.counters.retries++;
      try {
        return unwrapMoved((await (fn as (i: I) => unknown)(input)) as O);
      } catch (err) {
        last = err;
      }
    }
    this.counters.failures++;
    const msg = last instanceof Error ? last.message : String(last);
    throw new TanhuiError('WorkerFailed', `task ${options.label ?? task} failed after ${this.retries + 1} attempt(s): ${msg}`, { cause: last });
  }

  async close(): Promise<void> {
    this.mod = undefined;
  }
}

/** Tasks return `Piscina.move(x)` wrappers for the thread boundary; in-thread, unwrap them. */
function unwrapMoved<O>(r: O): O {
  if (r !== null && typeof r === 'object' && valueSymbol in (r as object)) return (r as Record<symbol, unknown>)[valueSymbol] as O;
  return r;
}
