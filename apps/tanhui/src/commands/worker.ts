// `tanhui worker --task FILE`: one task of a Slurm job array (executor.engine: slurm). Reads the
// task file and its inputs from the batch folder on the shared filesystem, runs the named task
// of the worker task module (../workers/tasks.ts, the same code Piscina's threads run), and
// writes the result atomically beside it. A failure writes a one-line error file for the
// orchestrator and exits 1; the orchestrator retries the task (see executor/slurm-executor.ts).
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { valueSymbol } from 'piscina';
import { TanhuiError, isTanhuiError } from '@tanhui/core';
import { writeFileAtomic } from '@tanhui/io';
import { ArraySource, decodeTree, writeResult, type ColumnsRef, type TaskFile } from '../executor/slurm-files';

export async function runWorkerTask(taskPath: string): Promise<void> {
  const processStartMs = performance.timeOrigin;
  let spec: TaskFile;
  try {
    spec = JSON.parse(readFileSync(taskPath, 'utf8')) as TaskFile;
  } catch (err) {
    throw new TanhuiError('MissingFile', 'cannot read the task file', { context: { file: taskPath }, cause: err });
  }
  try {
    const source = new ArraySource(spec.inputs);
    const columns = new Map<string, ColumnsRef>();
    let input: unknown;
    try {
      input = decodeTree(spec.input, (t, o, n) => source.read(t, o, n), columns);
    } finally {
      source.close();
    }
    const mod = (await import('../workers/tasks')) as unknown as Record<string, (i: unknown) => unknown>;
    const fn = mod[spec.task];
    if (typeof fn !== 'function') throw new TanhuiError('Internal', `no task named '${spec.task}' in the task module`);
    const readyMs = Date.now();
    const taskStartMs = Date.now();
    let value = await fn(input);
    const taskEndMs = Date.now();
    // Piscina.move() wrappers (for threads) carry the value itself here.
    if (value !== null && typeof value === 'object' && valueSymbol in (value as object)) value = (value as Record<symbol, unknown>)[valueSymbol];
    if (process.env.TANHUI_SLURM_NO_RESULT === '1') return; // test seam: a task that exits 0 and writes nothing
    writeResult(spec.result, value, columns, { processStartMs, readyMs, taskStartMs, taskEndMs });
  } catch (err) {
    const line = isTanhuiError(err) ? err.toLine() : err instanceof Error ? err.message.split('\n')[0]! : String(err);
    try {
      writeFileAtomic(spec.error, `${JSON.stringify({ message: line, host: process.env.SLURMD_NODENAME ?? '', pid: process.pid })}\n`);
    } catch {
      // the log has the message too (stderr)
    }
    throw err;
  }
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run one task of a Slurm job array (started by executor.engine: slurm, not by hand)')
    .requiredOption('--task <file>', 'the task file (task-<i>.json in the batch folder of the run\'s work folder)')
    .addHelpText('after', '\nThe orchestrator (`tanhui run` with executor.engine: slurm) writes the task files and submits them with sbatch;\nsee docs/slurm.md.')
    .action(async (o: { task: string }) => {
      await runWorkerTask(o.task);
    });
}
