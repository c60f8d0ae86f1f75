// Nightly-run behaviour: a run killed with SIGKILL in the middle of a window resumes after its
// last complete window, and the final store is byte-for-byte the store of an uninterrupted run.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ZarrStore } from '@tanhui/io';
import { runChild, snapshotTree, tempDir, writeConfig } from './helpers';


const CONFIG = `time: {windows: 2, windowDays: 1}
solver: {members: 6}
executor: {workers: 2, membersPerTask: 3}
observations: {stations: {sites: [mlo, brw, spo, wlg, lfs, sdz, lan, cgo, smo, alt], intervalHours: 6}, satellite: {soundingsPerDay: 30}}
truth: {anomalies: [{name: china, component: bio, latMin: 20, latMax: 50, lonMin: 75, lonMax: 135, delta: 0.5}]}
output: {store: run.zarr}
`;

describe('resume after SIGKILL', () => {
  it('continues after the last complete window and ends with the same bytes as an uninterrupted run', async () => {
    const a = tempDir('resume-a');
    const b = tempDir('resume-b');
    const cfgA = writeConfig(a, CONFIG);
    const cfgB = writeConfig(b, CONFIG);

    // The uninterrupted run and the run killed in the middle of its second window (after a
    // member group of window 1 finished) start together, so both record the same git commit.
    const [full, killed] = await Promise.all([runChild(cfgA), runChild(cfgB, (ev) => ev.event === 'member-group-done' && ev.window === 1)]);
    expect(full.code, full.stderr).toBe(0);
    expect(killed.signal).toBe('SIGKILL');
    const mid = await ZarrStore.open(join(b, 'run.zarr'));
    expect(mid.getAttrs('').windows_complete).toBe(1);
    expect(existsSync(join(b, 'run.zarr.lock'))).toBe(true); // left behind by the dead process

    const resumed = await runChild(cfgB);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('resuming after window 1');
    expect(existsSync(join(b, 'run.zarr.lock'))).toBe(false);

    const sa = snapshotTree(join(a, 'run.zarr'));
    const sb = snapshotTree(join(b, 'run.zarr'));
    expect([...sb.keys()]).toEqual([...sa.keys()]);
    const differ = [...sa].filter(([name, bytes]) => Buffer.compare(bytes, sb.get(name)!) !== 0).map(([name]) => name);
    expect(differ).toEqual([]);
    expect((await ZarrStore.open(join(a, 'run.zarr'))).getAttrs('').windows_complete).toBe(2);
  }, 600_000);
});
