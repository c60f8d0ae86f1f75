// Test helpers of the analysis commands: temporary directories removed after the tests, and
// the app's in-process CLI runner.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export { runCli } from '../__tests__/helpers';

const made: string[] = [];

/** Remove every directory tempDir made (call from afterAll). */
export function removeTempDirs(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** A fresh temporary directory (removed by removeTempDirs). */
export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), `tanhui-${prefix}-`));
  made.push(d);
  return d;
}
