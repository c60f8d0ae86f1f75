// Shared by libs/io tests: repository paths, the real-data folder, Debian's Python and ncgen,
// and temporary directories removed after each test file.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../../../..');
export const fixturesDir = path.join(repoRoot, 'tools/fixtures');
/** ../shared/data next to the repository (absent on a user's clone: tests skip). */
export const dataDir = path.resolve(repoRoot, '../shared/data');
export const dataFile = (rel: string): string => path.join(dataDir, rel);
export const hasData = (rel: string): boolean => fs.existsSync(dataFile(rel));

export const PYTHON = '/usr/bin/python3';

function probe(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 60_000 });
    return true;
  } catch {
    return false;
  }
}

export const hasPythonNetcdf = probe(PYTHON, ['-c', 'import netCDF4, numpy']);
export const hasPythonXarray = probe(PYTHON, ['-c', 'import xarray, zarr, numpy']);
export const hasNcgen = probe('ncgen', ['-h']);

export function runPython(script: string, args: string[]): string {
  return execFileSync(PYTHON, [path.join(fixturesDir, script), ...args], { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20 });
}

export function ncgen(cdl: string, out: string, kind: 'classic' | 'nc4'): void {
  execFileSync('ncgen', ['-k', kind, '-o', out, path.join(fixturesDir, cdl)], { timeout: 60_000 });
}

const made: string[] = [];
export function makeTempDir(prefix = 'tanhui-io-'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(d);
  return d;
}
export function removeTempDirs(): void {
  while (made.length) fs.rmSync(made.pop()!, { recursive: true, force: true });
}
