// A window whose worker tasks keep failing: retried (default 2), then one WorkerFailed line,
// exit code 5, and the store keeps its last complete window (rerunning resumes from there).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ZarrStore } from '@tanhui/io';
import { EXIT } from '../main';
import { runCli, tempDir, writeConfig } from './helpers';

describe('worker failure', () => {
  it('fails the window after the retries and keeps the last complete window', async () => {
    const dir = tempDir('fail');
    const cfg = writeConfig(
      dir,
      `time: {windows: 2, windowDays: 1}
solver: {members: 4}
executor: {workers: 2, membersPerTask: 2}
observations: {stations: {sites: [mlo, brw, spo, wlg], intervalHours: 6}, satellite: {enabled: false}}
truth: {anomalies: []}
output: {store: run.zarr}
`,
    );
    const second = Date.UTC(2020, 5, 2) / 1000;
    process.env.TANHUI_FAIL_WINDOW_START = String(second);
    let r: Awaited<ReturnType<typeof runCli>>;
    try {
      r = await runCli(['run', cfg]);
    } finally {
      delete process.env.TANHUI_FAIL_WINDOW_START;
    }
    expect(r.code).toBe(EXIT.workerFailed);
    const errLines = r.stderr.split('\n').filter((l) => l.startsWith('tanhui: '));
    expect(errLines).toHaveLength(1);
    expect(errLines[0]).toMatch(/WorkerFailed: task window 2 members .* failed after 3 attempt\(s\): injected failure/);
    const store = await ZarrStore.open(join(dir, 'run.zarr'));
    expect(store.getAttrs('').windows_complete).toBe(1);
  }, 600_000);
});
