// Test helpers of the analysis commands: run the CLI in-process capturing stdout and stderr,
// and temporary directories. (Kept here so the analysis tests depend on nothing else's helpers.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../main';

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

/** Run `tanhui ARGS…` in this process; returns the exit code and what was printed. */
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
