// Provenance for the run store's root attributes: version and git commit (never a timestamp,
// so a resumed run's store stays byte-identical to an uninterrupted one).
import { execFileSync } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VERSION } from './version';

let commit: string | undefined;

export function gitCommit(): string {
  if (commit === undefined) {
    try {
      commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dirname(fileURLToPath(import.meta.url)), stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    } catch {
      commit = 'unknown';
    }
  }
  return commit;
}

export function provenance(command: string): Record<string, string> {
  return { tanhui_version: VERSION, git_commit: gitCommit(), tanhui_command: command, source: `tanhui ${VERSION}` };
}
