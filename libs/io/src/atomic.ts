// Atomic file replacement: write a temporary file in the same directory, then rename it over
// the target (rename is atomic within a file system), so readers see the old or the new file.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Test seam: called before each rename into place (a throw simulates a crash there). */
export const _faultInjection: { beforeRename?: (target: string) => void } = {};

/** Write `content` to `file` atomically: temporary file in the same directory, then rename. */
export function writeFileAtomic(file: string, content: Uint8Array | string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
  try {
    fs.writeFileSync(tmp, content);
    _faultInjection.beforeRename?.(file);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}
