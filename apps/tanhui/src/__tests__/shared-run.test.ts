// The shared transport run (executor.sharedRun, the default: all members in tracer blocks that
// the workers claim step by step) writes the same store, array for array and byte for byte, as
// fixed member groups with one transport run each — with two-step combine (final fields) and
// the truth riding along, and in a lagged run.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, snapshotTree, tempDir, TRUTH_YAML, writeConfig } from './helpers';

const yaml = (executor: string, solver: string) => `time: {windows: 2, windowDays: 1}
solver: {members: 7, ${solver}}
executor: {workers: 2, ${executor}}
observations: {stations: {sites: [mlo, brw, spo, wlg, lan, cpt], intervalHours: 6}, satellite: {soundingsPerDay: 20}}
output: {store: run.zarr}
${TRUTH_YAML}`;

/** Chunk and metadata files of the store, without the root attributes (their config differs). */
function arrays(dir: string): Map<string, Buffer> {
  const snap = snapshotTree(join(dir, 'run.zarr'));
  for (const k of [...snap.keys()]) if (!k.includes('/') || k.startsWith('.z')) snap.delete(k);
  return snap;
}

describe('shared transport run', () => {
  for (const solver of ['twoStep: combine', 'twoStep: rerun, lag: 2']) {
    it(`gives the store of fixed member groups (${solver})`, async () => {
      const a = tempDir('shared');
      const b = tempDir('groups');
      const ra = await runCli(['run', writeConfig(a, yaml('blocksPerWorker: 3', solver))]);
      const rb = await runCli(['run', writeConfig(b, yaml('sharedRun: false, membersPerTask: 3', solver))]);
      expect(ra.code, ra.stderr).toBe(0);
      expect(rb.code, rb.stderr).toBe(0);
      const sa = arrays(a);
      const sb = arrays(b);
      expect([...sa.keys()]).toEqual([...sb.keys()]);
      expect(sa.size).toBeGreaterThan(20);
      for (const [k, v] of sa) expect(v.equals(sb.get(k)!), k).toBe(true);
    }, 600_000);
  }

  it('starts the run again when a worker dies in the middle of it, and writes the same store', async () => {
    const a = tempDir('shared-ok');
    const b = tempDir('shared-die');
    const cfg = (d: string) => writeConfig(d, yaml('blocksPerWorker: 2', 'twoStep: combine'));
    expect((await runCli(['run', cfg(a)])).code).toBe(0);
    const marker = join(b, 'died');
    process.env.TANHUI_DIE_ONCE = marker;
    let r: Awaited<ReturnType<typeof runCli>>;
    try {
      r = await runCli(['run', cfg(b)]);
    } finally {
      delete process.env.TANHUI_DIE_ONCE;
    }
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(marker)).toBe(true);
    const sa = snapshotTree(join(a, 'run.zarr'));
    const sb = snapshotTree(join(b, 'run.zarr'));
    expect([...sb.keys()]).toEqual([...sa.keys()]);
    for (const [k, v] of sa) if (k !== 'zarr.json' && k !== '.zattrs' && k !== '.zmetadata') expect(v.equals(sb.get(k)!), k).toBe(true);
  }, 600_000);
});
