import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isTanhuiError } from '@tanhui/core';
import { acquireStoreLock, lockFileOf } from './lock';

describe('store lock', () => {
  it('lets one holder in and refuses a second, naming the holder', () => {
    const store = join(mkdtempSync(join(tmpdir(), 'tanhui-lock-')), 'run.zarr');
    const a = acquireStoreLock(store, 'first');
    expect(JSON.parse(readFileSync(lockFileOf(store), 'utf8'))).toMatchObject({ pid: process.pid, command: 'first' });
    let err: unknown;
    try {
      acquireStoreLock(store, 'second');
    } catch (e) {
      err = e;
    }
    expect(isTanhuiError(err, 'StoreLocked')).toBe(true);
    expect((err as Error).message).toContain(`pid ${process.pid}`);
    a.release();
    expect(existsSync(lockFileOf(store))).toBe(false);
    const b = acquireStoreLock(store, 'third');
    b.release();
  });

  it('takes over a stale lock whose process is dead', () => {
    const store = join(mkdtempSync(join(tmpdir(), 'tanhui-lock-')), 'run.zarr');
    // A real pid that has exited: a finished child process.
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const deadPid = Number(child.stdout.toString());
    writeFileSync(lockFileOf(store), JSON.stringify({ pid: deadPid, host: hostname(), command: 'killed run' }));
    const l = acquireStoreLock(store, 'resume');
    expect(l.info.pid).toBe(process.pid);
    l.release();
  });

  it('does not take over a live lock of another process', () => {
    const store = join(mkdtempSync(join(tmpdir(), 'tanhui-lock-')), 'run.zarr');
    writeFileSync(lockFileOf(store), JSON.stringify({ pid: process.ppid, host: hostname(), command: 'parent' }));
    expect(() => acquireStoreLock(store)).toThrow(/locked by pid/);
  });
});
