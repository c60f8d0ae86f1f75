// Synthesis inversion end to end on a tiny OSSE: response functions of region×month basis
// fluxes on the worker pool, batch solve, budgets with their covariance; 4D-Var on the same
// response functions must give the same budgets (independent solver path).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ZarrStore } from '@tanhui/io';
import { composeWorld } from '../compose';
import { loadConfig } from '../config/load';
import { runInversion } from '../pipeline/invert';
import { runCycling } from '../pipeline/run';
import { SilentProgress } from '../progress';
import { tempDir, TRUTH_YAML, writeConfig } from './helpers';

const cfgText = (method: string, store: string): string => `time: {windows: 1, windowDays: 2}
solver: {method: ${method}, maxIterations: 200, gradientReduction: 1e-10}
executor: {workers: 2}
observations: {stations: {intervalHours: 12}, satellite: {soundingsPerDay: 120}}
output: {store: ${store}}
${TRUTH_YAML}`;

describe('tanhui invert', () => {
  it('recovers the land total, with posterior σ below prior σ, and 4D-Var agrees with batch', async () => {
    const dir = tempDir('invert');
    const wb = await composeWorld(await loadConfig(writeConfig(dir, cfgText('batch', 'batch.zarr'), 'batch.yaml')));
    const wv = await composeWorld(await loadConfig(writeConfig(dir, cfgText('4dvar', 'var.zarr'), 'var.yaml')));
    const [b, v] = await Promise.all([
      runInversion(wb, { progress: new SilentProgress(), provenance: {} }),
      runInversion(wv, { progress: new SilentProgress(), provenance: {} }),
    ]);
    const k = b.regions.indexOf('Global land');
    const nr = b.regions.length;
    expect(Math.abs(b.budgetPosterior[k]! - b.budgetTruth![k]!)).toBeLessThan(Math.abs(b.budgetPrior[k]! - b.budgetTruth![k]!));
    for (let r = 0; r < nr; r++) {
      expect(Math.sqrt(b.budgetPosteriorCov[r * nr + r]!)).toBeLessThanOrEqual(b.budgetPriorSd[r]! * (1 + 1e-12));
      for (let q = 0; q < r; q++) expect(b.budgetPosteriorCov[r * nr + q]).toBeCloseTo(b.budgetPosteriorCov[q * nr + r]!, 12);
      expect(v.budgetPosterior[r]).toBeCloseTo(b.budgetPosterior[r]!, 4);
    }
    const store = await ZarrStore.open(join(dir, 'batch.zarr'));
    expect(store.hasArray('budget_posterior_cov')).toBe(true);
    expect(store.arrayInfo('P_posterior').shape).toEqual([b.xa.length, b.xa.length]);
  }, 600_000);

  it('fits the same synthetic observations as tanhui run on the same config (truth run plus the same noise)', async () => {
    const dir = tempDir('invert-run-obs');
    const wi = await composeWorld(await loadConfig(writeConfig(dir, cfgText('batch', 'inv.zarr'), 'inv.yaml')));
    const wr = await composeWorld(await loadConfig(writeConfig(dir, cfgText('ensrf', 'run.zarr'), 'run.yaml')));
    const inv = await runInversion(wi, { progress: new SilentProgress(), provenance: {} });
    await runCycling(wr, { progress: new SilentProgress(), provenance: { tanhui_command: 'test' } });
    const store = await ZarrStore.open(join(dir, 'run.zarr'));
    const runValue = (await store.readArray('obs_value')).data as Float64Array;
    const runWindow = (await store.readArray('obs_window')).data as Int32Array;
    expect(inv.obsRows.length).toBeGreaterThan(50);
    expect(inv.obsRows.length).toBe(runWindow.filter((w) => w === 0).length);
    let maxDiff = 0;
    inv.obsRows.forEach((row, s) => {
      maxDiff = Math.max(maxDiff, Math.abs(inv.observedPpm[s]! - runValue[row]!));
    });
    // The noise has σ ≥ 0.1 ppm: another noise draw would differ by ~0.1-1 ppm on every row.
    expect(maxDiff).toBeLessThan(1e-9);
  }, 600_000);
});
