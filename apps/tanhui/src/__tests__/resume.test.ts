// Nightly-run behaviour: a run killed with SIGKILL in the middle of a window resumes after its
// last complete window, and the final store is byte-for-byte the store of an uninterrupted run.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ZarrStore } from '@tanhui/io';
import { killMidWindowAndResume } from './helpers';


const CONFIG = `time: {windows: 2, windowDays: 1}
solver: {members: 6}
executor: {workers: 2, membersPerTask: 3}
observations: {stations: {sites: [mlo, brw, spo, wlg, lfs, sdz, lan, cgo, smo, alt], intervalHours: 6}, satellite: {soundingsPerDay: 30}}
truth: {anomalies: [{name: china, component: bio, latMin: 20, latMax: 50, lonMin: 75, lonMax: 135, delta: 0.5}]}
output: {store: run.zarr}
`;

describe('resume after SIGKILL', () => {
  it('continues after the last complete window and ends with the same bytes as an uninterrupted run', async () => {
    // Killed in the middle of its second window; the dead process leaves its lock behind.
    const { store } = await killMidWindowAndResume(CONFIG, 'resume', (killed) => expect(existsSync(`${killed}.lock`)).toBe(true));
    expect((await ZarrStore.open(store)).getAttrs('').windows_complete).toBe(2);
  }, 600_000);
});
