// A small OSSE on the synthetic world: truth = prior with documented regional anomalies, obs
// from the truth run plus noise. The posterior must be closer to the truth than the prior for
// the global land total and for most TransCOM land regions.
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
  }, 600_000);
});
