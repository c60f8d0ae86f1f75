// A small OSSE on the synthetic world: truth = prior with documented regional anomalies, obs
// from the truth run plus noise. The posterior must be closer to the truth than the prior for
// the global land total and for most TransCOM land regions.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { composeWorld } from '../compose';
import { loadConfig } from '../config/load';
import { runCycling } from '../pipeline/run';
import { readRunReport } from '../pipeline/report';
import { readRunStore } from '../analysis/run-store-reader';
import { SilentProgress, type Progress } from '../progress';
import { tempDir, TRUTH_YAML, writeConfig } from './helpers';

describe('OSSE on the synthetic world', () => {
  it('recovers the global land total and most land regions better than the prior', async () => {
    const dir = tempDir('osse');
    const cfg = writeConfig(
      dir,
      `time: {windows: 2, windowDays: 2}
solver: {members: 24, twoStep: combine}
executor: {workers: 2}
observations: {stations: {intervalHours: 12}, satellite: {soundingsPerDay: 120}, holdout: [LAN, pal, lef, cpt]}
output: {store: osse.zarr}
${TRUTH_YAML}`,
    );
    const world = await composeWorld(await loadConfig(cfg));
    // The solver's own counts per window (assimilated, rejected by the innovation test).
    const solverCounts: { assimilated: number; rejected: number }[] = [];
    const progress: Progress = Object.assign(new SilentProgress(), {
      windowDone(w: number, fields: Record<string, unknown> = {}): void {
        solverCounts[w] = { assimilated: Number(fields.assimilated), rejected: Number(fields.rejected) };
      },
    });
    await runCycling(world, { progress, provenance: { tanhui_command: 'test' } });
    const rep = await readRunReport(join(dir, 'osse.zarr'));
    expect(rep.windows).toBe(2);
    const land = rep.rows.find((r) => r.name === 'Global land')!;
    // The truth differs from the prior (the anomalies are real) ...
    expect(Math.abs(land.truth - land.prior)).toBeGreaterThan(1);
    // ... and the posterior is closer to it.
    expect(Math.abs(land.posterior - land.truth)).toBeLessThan(Math.abs(land.prior - land.truth));
    const regions = rep.rows.filter((r) => r.kind === 'land' && !r.name.startsWith('Global'));
    expect(regions).toHaveLength(11);
    const better = regions.filter((r) => Math.abs(r.posterior - r.truth) < Math.abs(r.prior - r.truth));
    expect(better.length).toBeGreaterThan(regions.length / 2);
    // Posterior uncertainty below the prior's everywhere on land.
    for (const r of regions) expect(r.posteriorSd).toBeLessThan(r.priorSd);
    expect(rep.chi2PerObs).toBeGreaterThan(0.3);
    expect(rep.chi2PerObs).toBeLessThan(3);

    // Held-out sites (observations.holdout): every row of theirs in a window is sampled (prior
    // and posterior simulated values written) with use flag 1, and none enters the solver: the
    // solver saw exactly the rows of the other sites (assimilated + rejected).
    const HELD = new Set(['lan', 'pal', 'lef', 'cpt']);
    const run = await readRunStore(join(dir, 'osse.zarr'));
    const o = run.obs;
    for (let w = 0; w < 2; w++) {
      let heldRows = 0;
      let otherRows = 0;
      for (let k = 0; k < o.n; k++) {
        if (o.window[k] !== w) continue;
        if (HELD.has(o.site[k]!.toLowerCase())) {
          heldRows++;
          expect(o.flag[k]).toBe(1);
          expect(Number.isFinite(o.priorPpm[k]!) && Number.isFinite(o.posteriorPpm[k]!)).toBe(true);
        } else {
          otherRows++;
          expect([0, 2]).toContain(o.flag[k]);
        }
      }
      // Four sites sampled every 12 h over 2 days.
      expect(heldRows).toBe(4 * 4);
      expect(solverCounts[w]!.assimilated + solverCounts[w]!.rejected).toBe(otherRows);
      const fromWorld = Array.from(world.obs.windowRows[w]!).filter((k) => !world.obs.heldOut[k]).length;
      expect(otherRows).toBe(fromWorld);
    }
    // The posterior fits the held-out sites better than the prior (RMSE by hand).
    let sp = 0;
    let sq = 0;
    let m = 0;
    for (let k = 0; k < o.n; k++) {
      if (o.flag[k] !== 1) continue;
      sp += (o.priorPpm[k]! - o.valuePpm[k]!) ** 2;
      sq += (o.posteriorPpm[k]! - o.valuePpm[k]!) ** 2;
      m++;
    }
    expect(m).toBe(2 * 4 * 4);
    expect(Math.sqrt(sq / m)).toBeLessThan(Math.sqrt(sp / m));

    // The store is what xarray reads: open_zarr (consolidated, CF time decoded) gives the same
    // global land posterior; the truth group opens too.
    if (existsSync('/usr/bin/python3')) {
      const py = spawnSync(
        '/usr/bin/python3',
        [
          '-c',
          `import sys, xarray as xr
ds = xr.open_zarr(sys.argv[1])
t = xr.open_zarr(sys.argv[1], group='truth')
assert str(ds.time.dtype).startswith('datetime64'), ds.time.dtype
print(float(ds.budget_posterior.sel(region=101).mean()), float(t.budget.sel(region=101).mean()))`,
          join(dir, 'osse.zarr'),
        ],
        { encoding: 'utf8' },
      );
      if (!/No module named/.test(py.stderr)) {
        expect(py.status, py.stderr).toBe(0);
        const [post, truth] = py.stdout.trim().split(/\s+/).map(Number);
        expect(post).toBeCloseTo(land.posterior, 10);
        expect(truth).toBeCloseTo(land.truth, 10);
      }
    }
  }, 600_000);
});
