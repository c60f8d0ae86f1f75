import { mkdtempSync, readFileSync, writeFileSync, existsSync, utimesSync } from 'node:fs';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import * as esbuild from 'esbuild';
import { isTanhuiError } from '@tanhui/core';
import { acquireStoreLock, lockFileOf, processStartTicks } from './lock';

const tmp = (): string => join(mkdtempSync(join(tmpdir(), 'tanhui-lock-')), 'run.zarr');

function lockedError(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    expect(isTanhuiError(e, 'StoreLocked')).toBe(true);
    return e as Error;
  }
  throw new Error('expected StoreLocked');
}

// Holders in other processes run lock.ts bundled once (a node start of ~50 ms instead of tsx's).
let holderScript = '';
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tanhui-lock-holder-'));
  const entry = join(dir, 'holder.ts');
  writeFileSync(
    entry,
    `import { acquireStoreLock } from ${JSON.stringify(fileURLToPath(new URL('./lock.ts', import.meta.url)))};
const [store, mode] = process.argv.slice(2);
try {
  acquireStoreLock(store, 'holder ' + process.pid);
  process.stdout.write('locked\\n');
  if (mode === 'once') setTimeout(() => process.exit(0), 1500);
  setInterval(() => undefined, 1000);
} catch (e) {
  process.stdout.write('refused ' + e.message + '\\n');
  process.exit(3);
}`,
  );
  holderScript = join(dir, 'holder.mjs');
  await esbuild.build({ entryPoints: [entry], outfile: holderScript, bundle: true, platform: 'node', format: 'esm', conditions: ['@tanhui/source'], logLevel: 'error' });
});

function startHolder(store: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [holderScript, store], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => (String(d).startsWith('locked') ? resolve(child) : reject(new Error(String(d)))));
    child.once('error', reject);
  });
}

describe('store lock', () => {
  it('lets one holder in and refuses a second, naming the holder, since when and when it counts as stale', () => {
    const store = tmp();
    const a = acquireStoreLock(store, 'first');
    const rec = JSON.parse(readFileSync(lockFileOf(store), 'utf8'));
    expect(rec).toMatchObject({ pid: process.pid, host: hostname(), command: 'first', startTicks: processStartTicks(process.pid) });
    const err = lockedError(() => acquireStoreLock(store, 'second'));
    expect(err.message).toMatch(new RegExp(`locked by pid ${process.pid} on ${hostname()} \\(first\\) since \\d{4}-\\d\\d-\\d\\dT.*heartbeat \\d+ s ago; it counts as stale after \\d{4}-`));
    a.release();
    expect(existsSync(lockFileOf(store))).toBe(false);
    acquireStoreLock(store, 'third').release();
  });

  it('takes over a stale lock whose process is dead (old record without start time or heartbeat)', () => {
    const store = tmp();
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const deadPid = Number(child.stdout.toString());
    writeFileSync(lockFileOf(store), JSON.stringify({ pid: deadPid, host: hostname(), command: 'killed run' }));
    const l = acquireStoreLock(store, 'resume');
    expect(l.info.pid).toBe(process.pid);
    l.release();
  });

  it('does not take over a live lock of another process', () => {
    const store = tmp();
    writeFileSync(lockFileOf(store), JSON.stringify({ pid: process.ppid, host: hostname(), command: 'parent', startTicks: processStartTicks(process.ppid), heartbeatMs: Date.now(), leaseMs: 60_000 }));
    expect(() => acquireStoreLock(store)).toThrow(/locked by pid/);
  });

  it('takes over a lock whose pid now belongs to another process (start time differs)', () => {
    const store = tmp();
    writeFileSync(lockFileOf(store), JSON.stringify({ pid: process.ppid, host: hostname(), command: 'older run', startTicks: processStartTicks(process.ppid)! + 1, heartbeatMs: Date.now(), leaseMs: 60_000 }));
    acquireStoreLock(store, 'resume').release();
  });

  it('kill -9 of the holder, then a start 0 ms later: 100 of 100 take the lock (zombie or dying holders are stale)', async () => {
    const store = tmp();
    let resumed = 0;
    const refusals: string[] = [];
    for (let trial = 0; trial < 100; trial++) {
      const child = await startHolder(store);
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      // No await between the kill and the acquire: the child is not reaped yet (a zombie) or still dying.
      try {
        acquireStoreLock(store, 'resume').release();
        resumed++;
      } catch (e) {
        refusals.push((e as Error).message);
      }
      await exited;
    }
    expect(refusals).toEqual([]);
    expect(resumed).toBe(100);
  }, 120_000);

  it('respects a lock of another host with a fresh heartbeat and takes one whose heartbeat is older than the lease', () => {
    const store = tmp();
    const other = { pid: 4242, host: 'node-b.cluster', command: 'tanhui run on B', startTicks: 1, sinceMs: Date.now() - 3_600_000, leaseMs: 30_000 };
    writeFileSync(lockFileOf(store), JSON.stringify({ ...other, heartbeatMs: Date.now() - 5_000 }));
    const err = lockedError(() => acquireStoreLock(store));
    expect(err.message).toMatch(/locked by pid 4242 on node-b\.cluster \(tanhui run on B\) since .*heartbeat 5 s ago; it counts as stale after/);
    writeFileSync(lockFileOf(store), JSON.stringify({ ...other, heartbeatMs: Date.now() - 31_000 }));
    const l = acquireStoreLock(store, 'takes over');
    expect(JSON.parse(readFileSync(lockFileOf(store), 'utf8'))).toMatchObject({ pid: process.pid, command: 'takes over' });
    l.release();
  });

  it('renews its heartbeat while held, from a thread the main thread cannot block', async () => {
    const store = tmp();
    const l = acquireStoreLock(store, 'beating', { leaseMs: 1_200, heartbeatMs: 50 });
    const first = JSON.parse(readFileSync(lockFileOf(store), 'utf8')).heartbeatMs as number;
    // Block the main thread for longer than the lease: the heartbeat thread keeps the lock fresh.
    const until = Date.now() + 1_500;
    while (Date.now() < until) {
      /* busy */
    }
    const rec = JSON.parse(readFileSync(lockFileOf(store), 'utf8'));
    expect(rec.heartbeatMs).toBeGreaterThan(first);
    expect(Date.now() - rec.heartbeatMs).toBeLessThan(1_200);
    expect(l.held()).toBe(true);
    l.release();
  });

  it('names an empty or unreadable lock file and takes it over once it is older than the lease', () => {
    const store = tmp();
    writeFileSync(lockFileOf(store), '');
    const err = lockedError(() => acquireStoreLock(store));
    expect(err.message).toMatch(/lock file .*run\.zarr\.lock is unreadable \(empty; a crash while it was written\?\); it will be taken over at \d{4}-/);
    writeFileSync(lockFileOf(store), '{"pid": 12');
    expect(lockedError(() => acquireStoreLock(store)).message).toMatch(/unreadable \(not a lock record/);
    const old = (Date.now() - 61_000) / 1000;
    utimesSync(lockFileOf(store), old, old);
    const l = acquireStoreLock(store, 'after the lease');
    expect(l.info.command).toBe('after the lease');
    l.release();
  });

  it('two (and eight) concurrent starts on a stale lock: exactly one runs', async () => {
    for (const n of [2, 2, 2, 8]) {
      const store = tmp();
      // A stale lock of a crashed node, so every start goes through the takeover.
      writeFileSync(lockFileOf(store), JSON.stringify({ pid: 1, host: 'crashed-node', command: 'x', heartbeatMs: Date.now() - 120_000, leaseMs: 60_000 }));
      const codes = await Promise.all(
        Array.from({ length: n }, () => new Promise<number>((resolve) => spawn(process.execPath, [holderScript, store, 'once'], { stdio: 'ignore' }).once('exit', (c) => resolve(c ?? -1)))),
      );
      expect(codes.filter((c) => c === 0)).toHaveLength(1);
      expect(codes.filter((c) => c === 3)).toHaveLength(n - 1);
    }
    // And on no lock at all.
    const store = tmp();
    const codes = await Promise.all(Array.from({ length: 2 }, () => new Promise<number>((resolve) => spawn(process.execPath, [holderScript, store, 'once'], { stdio: 'ignore' }).once('exit', (c) => resolve(c ?? -1)))));
    expect(codes.sort()).toEqual([0, 3]);
  }, 60_000);
});
