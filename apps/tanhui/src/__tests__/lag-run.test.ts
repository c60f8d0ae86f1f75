// `tanhui run` with lagged windows (solver.lag = 2) on the synthetic world: an OSSE cycled one
// window per invocation (so every cycle resumes from the lag restart arrays), checking that each
// observation is assimilated exactly once and its values are written once, and that the
// posterior is closer to the truth than the prior; and a run killed with SIGKILL in the middle
// of a lagged cycle that, rerun, ends with the bytes of an uninterrupted run.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ZarrStore } from '@tanhui/io';
import { composeWorld } from '../compose';
import { loadConfig } from '../config/load';
import { executorFor, runCycling } from '../pipeline/run';
import { readRunReport } from '../pipeline/report';
import { SilentProgress, type Progress } from '../progress';
import { killMidWindowAndResume, LAG2_KILL_CONFIG, tempDir, TRUTH_YAML, writeConfig } from './helpers';


interface ObsSnapshot {
  flag: Int32Array;
  value: Float64Array;
  prior: Float64Array;
  posterior: Float64Array;
  hphr: Float64Array;
}

async function obsOf(path: string): Promise<ObsSnapshot> {
  const s = await ZarrStore.open(path);
  const f = async (name: string): Promise<Float64Array> => Float64Array.from((await s.readArray(name)).data as Float64Array);
  return { flag: Int32Array.from((await s.readArray('obs_flag')).data as Int32Array), value: await f('obs_value'), prior: await f('obs_prior_sim'), posterior: await f('obs_posterior_sim'), hphr: await f('obs_hphr') };
}

describe('lagged windows (solver.lag 2) in tanhui run', () => {
  it('assimilates each observation once, writes it once, resumes from the lag restart and recovers the truth better than the prior', async () => {
    const dir = tempDir('lag-osse');
    const cfg = writeConfig(
      dir,
      `time: {windows: 3, windowDays: 1}
solver: {members: 16, lag: 2}
executor: {workers: 2}
observations: {stations: {intervalHours: 6}, satellite: {soundingsPerDay: 240}, holdout: [lan, pal, lef, cpt]}
output: {store: lag.zarr}
${TRUTH_YAML}`,
    );
    const world = await composeWorld(await loadConfig(cfg));
    const store = join(dir, 'lag.zarr');
    const rowsOf = (w: number): number[] => Array.from(world.obs.windowRows[w]!);
    const solverRows = (w: number): number => rowsOf(w).filter((k) => !world.obs.heldOut[k]).length;
    const cycleCounts: Array<{ assimilated: number; rejected: number }> = [];
    const progress: Progress = Object.assign(new SilentProgress(), {
      windowDone(w: number, fields: Record<string, unknown> = {}): void {
        cycleCounts[w] = { assimilated: Number(fields.assimilated), rejected: Number(fields.rejected) };
      },
    });
    // One cycle per invocation: cycles 1 and 2 start from what the store's restart holds.
    const snaps: ObsSnapshot[] = [];
    const executor = executorFor(world);
    try {
      for (let c = 0; c < 3; c++) {
        const sum = await runCycling(world, { progress, provenance: { tanhui_command: 'test' }, maxWindows: 1, executor });
        expect(sum.resumedFrom).toBe(c);
        snaps.push(await obsOf(store));
      }
    } finally {
      await executor.close();
    }

    // The solver saw the rows of windows 0 and 1 in cycle 0, of window 2 in cycle 1, none in
    // cycle 2 (no window left to enter): every non-held-out row exactly once.
    const seen = (c: number): number => cycleCounts[c]!.assimilated + cycleCounts[c]!.rejected;
    expect([seen(0), seen(1), seen(2)]).toEqual([solverRows(0) + solverRows(1), solverRows(2), 0]);

    // Written once: a row's flag, observed and prior-simulated values appear in the cycle its
    // window enters and never change afterwards; its posterior-simulated value appears when its
    // window leaves (window c in cycle c) and never changes afterwards.
    const entersIn = [0, 0, 1];
    for (let w = 0; w < 3; w++) {
      for (const k of rowsOf(w)) {
        for (let c = 0; c < 3; c++) {
          const s = snaps[c]!;
          if (c < entersIn[w]!) {
            expect(s.flag[k]).toBe(-1);
            expect(s.prior[k]).toBeNaN();
          } else {
            expect(s.flag[k]).toBe(world.obs.heldOut[k] ? 1 : s.flag[k] === 2 ? 2 : 0);
            expect(s.prior[k]).toBe(snaps[entersIn[w]!]!.prior[k]);
            expect(s.value[k]).toBe(snaps[entersIn[w]!]!.value[k]);
            expect(s.flag[k]).toBe(snaps[entersIn[w]!]!.flag[k]);
          }
          if (c < w) expect(s.posterior[k]).toBeNaN();
          else expect(s.posterior[k]).toBe(snaps[w]!.posterior[k]);
        }
        const last = snaps[2]!;
        expect(Number.isFinite(last.prior[k]!) && Number.isFinite(last.posterior[k]!)).toBe(true);
        if (last.flag[k] === 0) expect(last.hphr[k]).toBeGreaterThan(0);
      }
    }

    // The OSSE: the posterior is closer to the truth than the prior (global land, most land
    // regions), with smaller σ.
    const rep = await readRunReport(store);
    expect(rep.windows).toBe(3);
    const land = rep.rows.find((r) => r.name === 'Global land')!;
    expect(Math.abs(land.truth - land.prior)).toBeGreaterThan(1);
    expect(Math.abs(land.posterior - land.truth)).toBeLessThan(Math.abs(land.prior - land.truth));
    const regions = rep.rows.filter((r) => r.kind === 'land' && !r.name.startsWith('Global'));
    const better = regions.filter((r) => Math.abs(r.posterior - r.truth) < Math.abs(r.prior - r.truth));
    expect(better.length).toBeGreaterThan(regions.length / 2);
    for (const r of regions) expect(r.posteriorSd).toBeLessThan(r.priorSd);
    expect(rep.chi2PerObs).toBeGreaterThan(0.3);
    expect(rep.chi2PerObs).toBeLessThan(3);
  }, 300_000);

  it('resumes a lag-2 run killed with SIGKILL mid-cycle to the bytes of an uninterrupted run', async () => {
    const CONFIG = LAG2_KILL_CONFIG;
    // Killed after a member group of cycle 1 (span windows 1–2, carried lag state in use).
    const { files } = await killMidWindowAndResume(CONFIG, 'lag-resume');
    expect(files.some((k) => k.startsWith('restart/lag_ensemble/'))).toBe(true);
  }, 300_000);
});


describe('solver.lagEnteringMean (lag 3)', () => {
  it("'ctdas' moves the windows that enter later (from the two newest means), 'prior' does not; windows of cycle 0 and covariances agree", async () => {
    const dir = tempDir('lag-mean');
    const stores: Record<string, string> = {};
    for (const rule of ['ctdas', 'prior'] as const) {
      const cfg = writeConfig(
        dir,
        `time: {windows: 4, windowDays: 1}
solver: {members: 9, lag: 3, lagEnteringMean: ${rule}}
executor: {engine: inline}
observations: {satellite: {soundingsPerDay: 60}}
output: {store: ${rule}.zarr}
${TRUTH_YAML}`,
        `${rule}.yaml`,
      );
      const world = await composeWorld(await loadConfig(cfg));
      await runCycling(world, { progress: new SilentProgress(), provenance: { tanhui_command: 'test' } });
      stores[rule] = join(dir, `${rule}.zarr`);
    }
    const read = async (rule: string, name: string): Promise<Float64Array> => Float64Array.from((await (await ZarrStore.open(stores[rule]!)).readArray(name)).data as Float64Array);
    const [mc, mp] = [await read('ctdas', 'budget_posterior'), await read('prior', 'budget_posterior')];
    const [cc, cp] = [await read('ctdas', 'budget_posterior_cov'), await read('prior', 'budget_posterior_cov')];
    const per = mc.length / 4;
    const maxDiff = (a: Float64Array, b: Float64Array, w: number, n: number): number => {
      let d = 0;
      for (let i = w * n; i < (w + 1) * n; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
      return d;
    };
    // Window 0 leaves in cycle 0, before anything entered by the rule could affect it.
    expect(maxDiff(mc, mp, 0, per)).toBe(0);
    // Window 3 enters in cycle 1 with a different mean: it and the windows it shares cycles with move.
    for (const w of [1, 2, 3]) expect(maxDiff(mc, mp, w, per)).toBeGreaterThan(1e-3);
    // The covariance update does not depend on the mean (linear transport; no flag changed here).
    const perCov = cc.length / 4;
    for (const w of [0, 1, 2, 3]) expect(maxDiff(cc, cp, w, perCov)).toBeLessThan(1e-8);
  });
});
