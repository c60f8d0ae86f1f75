// Shared helpers of the app's tests: tiny configurations and a way to run the CLI in-process.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { expect } from 'vitest';
import { ZarrStore } from '@tanhui/io';
import { EXIT, main } from '../main';

/** Debian's Python (numpy, netCDF4, xarray, zarr 2); the python3 first on PATH lacks them. */
export const PY = '/usr/bin/python3';

/** Whether PY can import netCDF4 and numpy (tests that write or check files with it skip otherwise). */
export function debianPythonWithNetcdf(): boolean {
  if (!existsSync(PY)) return false;
  try {
    execFileSync(PY, ['-c', 'import netCDF4, numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `tanhui-${prefix}-`));
}

export function writeConfig(dir: string, yaml: string, name = 'run.yaml'): string {
  const p = join(dir, name);
  writeFileSync(p, yaml);
  return p;
}

/** Run the CLI in this process, capturing stdout and stderr. */
export async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const ow = process.stdout.write.bind(process.stdout);
  const ew = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((c: string | Uint8Array) => ((stdout += String(c)), true)) as typeof process.stdout.write;
  process.stderr.write = ((c: string | Uint8Array) => ((stderr += String(c)), true)) as typeof process.stderr.write;
  try {
    const code = await main(['node', 'tanhui', ...args]);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
  }
}

/**
 * `tanhui run CFG` must fail on bad input: exit 3, one stderr line `tanhui: …` matching
 * `pattern`, and neither the store nor its lock left behind.
 */
export async function expectRunRejected(cfg: string, store: string, pattern: RegExp): Promise<void> {
  const r = await runCli(['run', cfg]);
  expect(r.code).toBe(EXIT.badInput);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^tanhui: /);
  expect(lines[0]).toMatch(pattern);
  expect(existsSync(store)).toBe(false);
  expect(existsSync(`${store}.lock`)).toBe(false);
}

/**
 * Run one command registered on a bare commander program (not through main(), so a failure
 * arrives as the thrown error itself), returning what it printed on stdout.
 */
export async function runRegistered(register: (program: Command) => void, args: string[]): Promise<string> {
  const program = new Command('tanhui').exitOverride();
  register(program);
  let out = '';
  const ow = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((c: string | Uint8Array) => ((out += String(c)), true)) as typeof process.stdout.write;
  try {
    await program.parseAsync(['node', 'tanhui', ...args]);
  } finally {
    process.stdout.write = ow;
  }
  return out;
}

/** Every file under a directory with its bytes (for byte-for-byte store comparisons). */
export function snapshotTree(root: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(root, p), readFileSync(p));
    }
  };
  walk(root);
  return out;
}

/** The demo's truth anomalies, as YAML lines (shared by the OSSE test). */
export const TRUTH_YAML = `truth:
  anomalies:
    - { name: china, component: bio, latMin: 20, latMax: 50, lonMin: 75, lonMax: 135, delta: 0.5 }
    - { name: tropical source, component: bio, latMin: -15, latMax: 10, lonMin: -80, lonMax: -35, delta: -1.5 }
    - { name: boreal, component: bio, latMin: 55, latMax: 90, lonMin: -180, lonMax: 180, delta: -0.2 }
    - { name: na temperate, component: bio, latMin: 25, latMax: 50, lonMin: -130, lonMax: -60, delta: 0.4 }
    - { name: europe, component: bio, latMin: 35, latMax: 50, lonMin: -10, lonMax: 40, delta: 0.3 }
    - { name: africa, component: bio, latMin: -35, latMax: 15, lonMin: -20, lonMax: 52, delta: -0.4 }
    - { name: australia, component: bio, latMin: -45, latMax: -10, lonMin: 110, lonMax: 155, delta: 0.5 }
    - { name: tropical asia, component: bio, latMin: -10, latMax: 25, lonMin: 90, lonMax: 150, delta: 0.4 }
`;

const bin = resolve(dirname(fileURLToPath(import.meta.url)), '../../bin/tanhui.mjs');

/** A small lag-2 run (3 half-day windows, 6 members, 3 per task) for kill-and-resume tests. */
export const LAG2_KILL_CONFIG = `time: {windows: 3, windowDays: 0.5}
solver: {members: 6, lag: 2}
executor: {workers: 1, membersPerTask: 3}
observations: {stations: {sites: [mlo, brw, spo, wlg, lfs, sdz, lan, cgo, smo, alt], intervalHours: 6}, satellite: {soundingsPerDay: 30}}
truth: {anomalies: [{name: china, component: bio, latMin: 20, latMax: 50, lonMin: 75, lonMax: 135, delta: 0.5}]}
output: {store: run.zarr}
`;

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Run `tanhui run cfg` in a child; optionally SIGKILL it when a JSON progress line matches. */
export function runChild(cfg: string, killWhen?: (ev: Record<string, unknown>) => boolean): Promise<ChildResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [bin, 'run', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let buf = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!killWhen || !line.startsWith('{')) continue;
        try {
          if (killWhen(JSON.parse(line) as Record<string, unknown>)) child.kill('SIGKILL');
        } catch {
          // not a JSON line
        }
      }
    });
    child.stdout.resume();
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, stderr }));
  });
}

/**
 * The nightly-run resume check: CONFIG (store `run.zarr`) runs uninterrupted and, at the same
 * time (so both record the same git commit), in a second folder where it is SIGKILLed after a
 * member group of window 1; the killed store must hold 1 complete window (`afterKill` may check
 * more), the rerun must resume after window 1 and release the lock, and the two final stores
 * must hold the same files with the same bytes. Returns the uninterrupted store and its files.
 */
export async function killMidWindowAndResume(config: string, prefix: string, afterKill?: (store: string) => void): Promise<{ store: string; files: string[] }> {
  const a = tempDir(`${prefix}-a`);
  const b = tempDir(`${prefix}-b`);
  const cfgA = writeConfig(a, config);
  const cfgB = writeConfig(b, config);
  const [full, killed] = await Promise.all([runChild(cfgA), runChild(cfgB, (ev) => ev.event === 'member-group-done' && ev.window === 1)]);
  expect(full.code, full.stderr).toBe(0);
  expect(killed.signal).toBe('SIGKILL');
  const storeB = join(b, 'run.zarr');
  expect((await ZarrStore.open(storeB)).getAttrs('').windows_complete).toBe(1);
  afterKill?.(storeB);
  const resumed = await runChild(cfgB);
  expect(resumed.code, resumed.stderr).toBe(0);
  expect(resumed.stderr).toContain('resuming after window 1');
  expect(existsSync(`${storeB}.lock`)).toBe(false);
  const sa = snapshotTree(join(a, 'run.zarr'));
  const sb = snapshotTree(storeB);
  expect([...sb.keys()]).toEqual([...sa.keys()]);
  const differ = [...sa].filter(([name, bytes]) => Buffer.compare(bytes, sb.get(name)!) !== 0).map(([name]) => name);
  expect(differ).toEqual([]);
  return { store: join(a, 'run.zarr'), files: [...sa.keys()] };
}
