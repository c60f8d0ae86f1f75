// One run per store: a lock file next to the store (`<store>.lock`, so the store itself stays
// byte-identical between runs) holding the owner's pid and host. A lock whose process is gone
// (same host, pid not alive — e.g. after SIGKILL) is stale and taken over.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { TanhuiError } from '@tanhui/core';

export interface LockInfo {
  pid: number;
  host: string;
  /** What holds it (e.g. 'tanhui run demo.yaml'). */
  command: string;
}

export interface StoreLock {
  readonly file: string;
  readonly info: LockInfo;
  /** Remove the lock (idempotent). */
  release(): void;
}

export function lockFileOf(storePath: string): string {
  return `${storePath.replace(/\/+$/, '')}.lock`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(file: string): LockInfo | undefined {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockInfo>;
    if (typeof v.pid === 'number' && typeof v.host === 'string') return { pid: v.pid, host: v.host, command: String(v.command ?? '') };
  } catch {
    // unreadable or half-written: treated as stale below only if it stays so
  }
  return undefined;
}

/** Take the lock of a store, or throw StoreLocked naming the holder. */
export function acquireStoreLock(storePath: string, command = 'tanhui'): StoreLock {
  const file = lockFileOf(storePath);
  const info: LockInfo = { pid: process.pid, host: hostname(), command };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, JSON.stringify(info));
      closeSync(fd);
      let released = false;
      const onExit = (): void => release();
      const release = (): void => {
        if (released) return;
        released = true;
        process.off('exit', onExit);
        const cur = readLock(file);
        if (cur && cur.pid === info.pid && cur.host === info.host) rmSync(file, { force: true });
      };
      process.on('exit', onExit);
      return { file, info, release };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new TanhuiError('StoreConflict', 'cannot create the store lock file', { context: { file }, cause: err });
      }
    }
    const holder = readLock(file);
    const stale = holder ? holder.host === info.host && !alive(holder.pid) : attempt > 0;
    if (!stale) {
      throw new TanhuiError('StoreLocked', `the store is locked by ${holder ? `pid ${holder.pid} on ${holder.host} (${holder.command})` : 'another process'}`, {
        context: { file: storePath },
        hint: `wait for that run to finish; if it is gone, delete ${file}`,
      });
    }
    rmSync(file, { force: true });
  }
  throw new TanhuiError('StoreLocked', 'could not take the store lock', { context: { file: storePath } });
}
