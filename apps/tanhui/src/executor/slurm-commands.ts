// The Slurm client commands the executor uses (sbatch, scontrol, sacct, scancel), each as a
// subprocess with a one-line error when it is missing or fails, and the parsing of their output.
import { execFile, spawnSync } from 'node:child_process';
import { TanhuiError } from '@tanhui/core';

export interface CommandResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Run a Slurm command; ENOENT becomes "sbatch not found on PATH". */
export function slurmCommand(bin: string, args: readonly string[], timeoutMs = 60_000): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: string | number }) | null;
      if (e && e.code === 'ENOENT') {
        reject(new TanhuiError('InvalidConfig', `${bin} not found on PATH (executor.engine slurm needs the Slurm client commands; PATH=${process.env.PATH ?? ''})`, { context: { key: 'executor.engine' } }));
        return;
      }
      resolve({ stdout: String(stdout), stderr: String(stderr), code: e ? (typeof e.code === 'number' ? e.code : 1) : 0 });
    });
  });
}

/** scancel, synchronously (signal handlers and exit paths cannot wait for a promise). */
export function scancelSync(jobIds: readonly string[]): void {
  if (jobIds.length === 0) return;
  spawnSync('scancel', [...jobIds], { stdio: 'ignore', timeout: 10_000 });
}

/** One array task's state as scontrol (or sacct) reports it. */
export interface TaskState {
  state: string;
  reason: string;
  exitCode: string;
  stdout?: string;
  /** The batch script (scontrol only): tells our job from another that got a reused id. */
  command?: string;
}

/** States in which a job will not run again by itself. */
export const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'OUT_OF_MEMORY', 'PREEMPTED', 'BOOT_FAIL', 'DEADLINE', 'SPECIAL_EXIT', 'REVOKED']);

/** Expand an ArrayTaskId field: "3", "0-4", "1,3,5-7", "0-9%2", "0-8:2". */
export function expandTaskIds(field: string): number[] {
  const out: number[] = [];
  for (const part of field.replace(/%\d+$/, '').split(',')) {
    const m = /^(\d+)(?:-(\d+)(?::(\d+))?)?$/.exec(part.trim());
    if (!m) continue;
    const a = Number(m[1]);
    const b = m[2] !== undefined ? Number(m[2]) : a;
    const step = m[3] !== undefined ? Number(m[3]) : 1;
    for (let i = a; i <= b; i += step) out.push(i);
  }
  return out;
}

/** Parse `scontrol show job -o <arrayId>`: one line per task (pending ones share a line). */
export function parseScontrol(text: string): Map<number, TaskState> {
  const out = new Map<number, TaskState>();
  for (const line of text.split('\n')) {
    if (!line.includes('JobId=')) continue;
    const field = (k: string): string | undefined => new RegExp(`(?:^| )${k}=(\\S*)`).exec(line)?.[1];
    const ids = field('ArrayTaskId');
    if (ids === undefined) continue;
    const st: TaskState = { state: field('JobState') ?? 'UNKNOWN', reason: field('Reason') ?? 'None', exitCode: field('ExitCode') ?? '?', stdout: field('StdOut'), command: field('Command') };
    for (const i of expandTaskIds(ids)) out.set(i, st);
  }
  return out;
}

/** Parse `sacct -X -n -P -j <arrayId> -o JobID,State,ExitCode` (accounting configured). */
export function parseSacct(text: string): Map<number, TaskState> {
  const out = new Map<number, TaskState>();
  for (const line of text.split('\n')) {
    const [id, state, exitCode] = line.split('|');
    const m = /_(\d+)$/.exec(id ?? '');
    if (!m || !state) continue;
    out.set(Number(m[1]), { state: state.split(' ')[0]!, reason: state.includes(' by ') ? state : 'None', exitCode: exitCode ?? '?' });
  }
  return out;
}

/** States of the tasks of an array job: scontrol while slurmctld remembers it, else sacct. */
export async function arrayStates(jobId: string): Promise<Map<number, TaskState> | undefined> {
  const sc = await slurmCommand('scontrol', ['show', 'job', '-o', jobId]);
  if (sc.code === 0) return parseScontrol(sc.stdout);
  const sa = await slurmCommand('sacct', ['-X', '-n', '-P', '-j', jobId, '-o', 'JobID,State,ExitCode']);
  if (sa.code === 0 && sa.stdout.trim() !== '') return parseSacct(sa.stdout);
  return undefined;
}
