// The fan-out contract: the orchestrator hands named tasks with plain-object inputs (typed arrays
// inside, large ones on SharedArrayBuffers or in a transfer list) to an Executor and awaits
// their results. PiscinaExecutor runs them on worker threads of this machine; InlineExecutor in
// the calling thread (debugging, tiny runs). A multi-machine engine implements the same
// interface later.

export interface TaskOptions {
  /** Buffers moved (not copied) to the worker. A task whose input was transferred cannot be
   * retried (the buffer is gone): put retryable inputs on SharedArrayBuffers instead. */
  transferList?: ArrayBuffer[];
  /** Name used in errors and logs (e.g. 'window 2 members 0–15'). */
  label?: string;
}

export interface ExecutorStats {
  tasks: number;
  retries: number;
  failures: number;
}

export interface Executor {
  /** How many tasks run at once. */
  readonly concurrency: number;
  /** Run the exported function `task` of the worker module on `input`. Rejects with
   * TanhuiError('WorkerFailed') once the retries are used up. */
  run<I, O>(task: string, input: I, options?: TaskOptions): Promise<O>;
  stats(): ExecutorStats;
  /** Stop the workers; pending tasks reject. */
  close(): Promise<void>;
}

/** True when some buffer of a transfer list was detached (moved to a worker). */
export function anyDetached(list: readonly ArrayBuffer[] | undefined): boolean {
  return (list ?? []).some((b) => b.byteLength === 0 && (b as ArrayBuffer & { detached?: boolean }).detached !== false);
}
