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
import { SilentProgress } from '../progress';
import { tempDir, TRUTH_YAML, writeConfig } from './helpers';

describe('OSSE on the synthetic world', () => {
  it('recovers the global land total and most land regions better than the prior', async () => {
    const dir = tempDir('osse');
    const cfg = writeConfig(
      dir,
      `time: {windows: 2, windowDays: 2}
solver: {members: 24, twoStep: combine}
executor: {workers: 2}
observations: {stations: {intervalHours: 12}, satellite: {soundingsPerDay: 120}}
output: {store: osse.zarr}
${TRUTH_YAML}`,
    );
    const world = await composeWorld(await loadConfig(cfg));
    await runCycling(world, { progress: new SilentProgress(), provenance: { tanhui_command: 'test' } });
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
