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
    const seam = testSeams((input as { window?: { startSec?: number } })?.window?.startSec);
    if (seam.sleepSeconds > 0) await new Promise((r) => setTimeout(r, seam.sleepSeconds * 1000));
    const taskStartMs = Date.now();
    let value = await fn(input);
    const taskEndMs = Date.now();
    // Piscina.move() wrappers (for threads) carry the value itself here.
    if (value !== null && typeof value === 'object' && valueSymbol in (value as object)) value = (value as Record<symbol, unknown>)[valueSymbol];
    if (seam.noResult) return; // a task that exits 0 and writes nothing
    writeResult(spec.result, value, columns, { processStartMs, readyMs, taskStartMs, taskEndMs }, seam.truncate);
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

/**
 * Test seams, each `all` or the epoch second of the window whose tasks it hits (the bad-input
 * tests fail window 2 and check that window 1 stays): TANHUI_SLURM_NO_RESULT (exit 0, no result),
 * TANHUI_SLURM_TRUNCATE_RESULT (half a result file), TANHUI_SLURM_SLEEP=<window>:<seconds>.
 */
function testSeams(windowStartSec: number | undefined): { noResult: boolean; truncate: boolean; sleepSeconds: number } {
  const hits = (v: string | undefined): boolean => v !== undefined && (v === 'all' || Number(v) === windowStartSec);
  const [sleepAt, sleepS] = (process.env.TANHUI_SLURM_SLEEP ?? '').split(':');
  return { noResult: hits(process.env.TANHUI_SLURM_NO_RESULT), truncate: hits(process.env.TANHUI_SLURM_TRUNCATE_RESULT), sleepSeconds: hits(sleepAt) ? Number(sleepS) : 0 };
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
