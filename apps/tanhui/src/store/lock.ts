// One run per store: a lease lock next to the store (`<store>.lock`, so the store itself stays
// byte-identical between runs) that holds on a shared filesystem. It records the holder's host,
// boot, pid and process start time, and a heartbeat the holder renews every few seconds from a
// worker thread (so a main thread busy in a solver does not let the lease lapse). A lock is
// stale when
//   - its holder is on this host (same boot) and gone, a zombie (a SIGKILLed process its parent
//     has not reaped yet: `kill(pid, 0)` still succeeds), or another process that got the same
//     pid (its start time differs), or
//   - its heartbeat is older than the lease (any host: a crashed node, a host we cannot probe).
// A lock file that cannot be parsed (a crash between create and write by an older tanhui, a
// truncated copy) is named as such and taken over once its mtime is older than the lease.
// Creating the lock is atomic (the full file is written under a temporary name, then hard-linked
// to the lock name, which fails if it exists); replacing a stale one goes through a short-lived
// takeover file made the same way, so of two runs started at once exactly one wins.
import { linkSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { Worker } from 'node:worker_threads';
import { randomBytes } from 'node:crypto';
import { TanhuiError } from '@tanhui/core';

export interface LockInfo {
  pid: number;
  host: string;
  /** What holds it (e.g. 'tanhui run demo.yaml'). */
  command: string;
  /** /proc/sys/kernel/random/boot_id of the holder's host (pids of another boot mean nothing). */
  boot?: string;
  /** Start time of the holder process in clock ticks since boot (/proc/PID/stat field 22). */
  startTicks?: number;
  /** When the lock was taken and last renewed [epoch ms]. */
  sinceMs?: number;
  heartbeatMs?: number;
  /** The lease [ms]: the lock is stale once its heartbeat is older than this. */
  leaseMs?: number;
  /** Random id of this holding (tells our lock from a successor's with the same pid). */
  token?: string;
}

export interface StoreLock {
  readonly file: string;
  readonly info: LockInfo;
  /** False once another process took the lock over (our heartbeat stopped for a whole lease). */
  held(): boolean;
  /** Remove the lock (idempotent). */
  release(): void;
}

export interface LockOptions {
  /** Lease [ms]; default TANHUI_LOCK_LEASE_S × 1000 or 60 s. */
  leaseMs?: number;
  /** Heartbeat period [ms]; default lease / 12 (5 s for the default lease). */
  heartbeatMs?: number;
}

export function lockFileOf(storePath: string): string {
  return `${storePath.replace(/\/+$/, '')}.lock`;
}

const DEFAULT_LEASE_MS = 60_000;

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

const BOOT_ID = readText('/proc/sys/kernel/random/boot_id')?.trim();

/** State and start time of a process from /proc/PID/stat, undefined when it does not exist. */
function procStat(pid: number): { state: string; startTicks: number } | undefined | 'no-proc' {
  const text = readText(`/proc/${pid}/stat`);
  if (text === undefined) return BOOT_ID === undefined ? 'no-proc' : undefined;
  // comm (field 2) is in parentheses and may hold spaces: fields are counted after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: rest[0]!, startTicks: Number(rest[19]) };
}

export function processStartTicks(pid: number): number | undefined {
  const s = procStat(pid);
  return typeof s === 'object' ? s.startTicks : undefined;
}

/** True when SIGKILL is pending for the process (it dies before it runs again). */
function sigkillPending(pid: number): boolean {
  const text = readText(`/proc/${pid}/status`);
  if (!text) return false;
  for (const key of ['SigPnd', 'ShdPnd']) {
    const m = new RegExp(`^${key}:\\s*([0-9a-f]+)`, 'm').exec(text);
    if (m && (BigInt(`0x${m[1]}`) >> 8n) & 1n) return true; // bit 8 = signal 9
  }
  return false;
}

/** Why a holder on this host is gone, or undefined while it runs. */
function goneReason(holder: LockInfo): string | undefined {
  if (holder.boot !== undefined && BOOT_ID !== undefined && holder.boot !== BOOT_ID) return 'its host has rebooted since';
  const s = procStat(holder.pid);
  if (s === 'no-proc') {
    try {
      process.kill(holder.pid, 0);
      return undefined;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM' ? undefined : 'the process is gone';
    }
  }
  if (s === undefined) return 'the process is gone';
  if (s.state === 'Z' || s.state === 'X') return 'the process was killed (a zombie)';
  if (sigkillPending(holder.pid)) return 'the process is being killed (SIGKILL pending)';
  if (holder.startTicks !== undefined && s.startTicks !== holder.startTicks) return 'its pid now belongs to another process';
  return undefined;
}

type Judged =
  | { stale: false; message: string }
  | { stale: true; why: string };

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** Is the lock whose file text is `text` (mtime `mtimeMs`) stale, seen from this host now? */
function judge(text: string | undefined, mtimeMs: number, file: string, leaseMsDefault: number, now: number): Judged {
  let holder: LockInfo | undefined;
  try {
    const v = JSON.parse(text ?? '') as Partial<LockInfo>;
    if (typeof v.pid === 'number' && typeof v.host === 'string') holder = { ...v, pid: v.pid, host: v.host, command: String(v.command ?? '') };
  } catch {
    // not JSON: below
  }
  if (!holder) {
    const at = mtimeMs + leaseMsDefault;
    if (now >= at) return { stale: true, why: `the lock file ${file} is unreadable and older than the lease` };
    return { stale: false, message: `the lock file ${file} is unreadable (${text === '' ? 'empty' : 'not a lock record'}; a crash while it was written?); it will be taken over at ${iso(at)} (lease ${leaseMsDefault / 1000} s)` };
  }
  const lease = holder.leaseMs ?? leaseMsDefault;
  const beat = holder.heartbeatMs ?? mtimeMs;
  if (holder.host === hostname()) {
    const gone = goneReason(holder);
    if (gone) return { stale: true, why: `pid ${holder.pid} on ${holder.host}: ${gone}` };
  }
  if (now - beat > lease) return { stale: true, why: `the heartbeat of pid ${holder.pid} on ${holder.host} is ${Math.round((now - beat) / 1000)} s old (lease ${lease / 1000} s)` };
  const since = holder.sinceMs !== undefined ? ` since ${iso(holder.sinceMs)}` : '';
  return {
    stale: false,
    message: `the store is locked by pid ${holder.pid} on ${holder.host} (${holder.command})${since}; heartbeat ${Math.max(0, Math.round((now - beat) / 1000))} s ago; it counts as stale after ${iso(beat + lease)} if not renewed${holder.host === hostname() ? ' or once that process ends' : ''}`,
  };
}

/** Write `text` to `target` only if `target` does not exist: a complete file or none. */
function createComplete(target: string, text: string): boolean {
  const tmp = `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  writeFileSync(tmp, text);
  try {
    linkSync(tmp, target);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new TanhuiError('StoreConflict', 'cannot create the store lock file', { context: { file: target }, cause: err });
  } finally {
    rmSync(tmp, { force: true });
  }
}

function statMs(file: string): number | undefined {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/** The heartbeat thread: rewrites the lock (temporary file + rename) while it is still ours. */
const HEARTBEAT_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync, writeFileSync, renameSync } = require('node:fs');
const { file, info, periodMs } = workerData;
const beat = () => {
  let cur;
  try { cur = JSON.parse(readFileSync(file, 'utf8')); } catch { cur = undefined; }
  if (!cur || cur.token !== info.token) { parentPort.postMessage('lost'); clearInterval(timer); return; }
  const tmp = file + '.beat-' + process.pid;
  try { writeFileSync(tmp, JSON.stringify({ ...info, heartbeatMs: Date.now() })); renameSync(tmp, file); } catch {}
};
const timer = setInterval(beat, periodMs);
parentPort.on('message', (m) => { if (m === 'stop') { clearInterval(timer); parentPort.close(); } });
`;

/** Take the lock of a store, or throw StoreLocked naming the holder and when it counts as stale. */
export function acquireStoreLock(storePath: string, command = 'tanhui', options: LockOptions = {}): StoreLock {
  const file = lockFileOf(storePath);
  const envLease = Number(process.env.TANHUI_LOCK_LEASE_S);
  const leaseMs = options.leaseMs ?? (envLease > 0 ? envLease * 1000 : DEFAULT_LEASE_MS);
  const heartbeatMs = options.heartbeatMs ?? Math.max(50, Math.round(leaseMs / 12));
  const now0 = Date.now();
  const info: LockInfo = {
    pid: process.pid,
    host: hostname(),
    command,
    boot: BOOT_ID,
    startTicks: processStartTicks(process.pid),
    sinceMs: now0,
    heartbeatMs: now0,
    leaseMs,
    token: randomBytes(8).toString('hex'),
  };
  const text = JSON.stringify(info);
  const takeover = `${file}.takeover`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (createComplete(file, text)) return holding(file, info, heartbeatMs);
    const current = readText(file);
    const mtime = statMs(file);
    if (current === undefined || mtime === undefined) {
      if (Date.now() > deadline) throw new TanhuiError('StoreLocked', `could not take the store lock ${file}`, { context: { file: storePath } });
      continue; // released meanwhile: try again
    }
    const j = judge(current, mtime, file, leaseMs, Date.now());
    if (!j.stale) {
      throw new TanhuiError('StoreLocked', j.message, {
        context: { file: storePath },
        hint: `wait for that run to finish; if its host is down, the lock is taken over when the lease runs out (or delete ${file})`,
      });
    }
    // Stale: replace it under the takeover file, and only if it is still the file we judged.
    if (createComplete(takeover, text)) {
      try {
        if (readText(file) === current) {
          const tmp = `${file}.new-${process.pid}`;
          writeFileSync(tmp, text);
          renameSync(tmp, file);
          return holding(file, info, heartbeatMs);
        }
      } finally {
        rmSync(takeover, { force: true });
      }
      continue;
    }
    // Another process is taking it over; its takeover file is itself stale if that process died.
    const t = readText(takeover);
    const tm = statMs(takeover);
    if (t !== undefined && tm !== undefined && judge(t, tm, takeover, 5_000, Date.now()).stale && readText(takeover) === t) rmSync(takeover, { force: true });
    if (Date.now() > deadline) throw new TanhuiError('StoreLocked', `could not take the store lock: ${takeover} stays in the way`, { context: { file: storePath } });
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
  }
}

function holding(file: string, info: LockInfo, periodMs: number): StoreLock {
  let released = false;
  let lost = false;
  const worker = new Worker(HEARTBEAT_SOURCE, { eval: true, workerData: { file, info, periodMs } });
  worker.unref();
  worker.on('message', (m) => {
    if (m === 'lost') lost = true;
  });
  worker.on('error', () => undefined);
  const onExit = (): void => release();
  const release = (): void => {
    if (released) return;
    released = true;
    process.off('exit', onExit);
    worker.postMessage('stop');
    void worker.terminate();
    const cur = readText(file);
    try {
      if (cur !== undefined && (JSON.parse(cur) as LockInfo).token === info.token) rmSync(file, { force: true });
    } catch {
      // not ours any more
    }
  };
  process.on('exit', onExit);
  return { file, info, release, held: () => !lost && !released };
}
