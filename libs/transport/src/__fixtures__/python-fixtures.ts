// The ingest tests' files in the real layouts, written by Debian's Python netCDF4
// (tools/fixtures/transport/write_fixtures.py); tests skip where that Python is missing.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PYTHON = '/usr/bin/python3';
const writer = join(resolve(dirname(fileURLToPath(import.meta.url)), '../../../..'), 'tools/fixtures/transport/write_fixtures.py');

function probe(): boolean {
  if (!existsSync(PYTHON)) return false;
  try {
    execFileSync(PYTHON, ['-c', 'import netCDF4, numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const havePython = probe();

/** A new temporary folder holding the fixtures (call only when `havePython`). */
export function writeTransportFixtures(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  execFileSync(PYTHON, [writer, dir], { stdio: 'ignore' });
  return dir;
}
