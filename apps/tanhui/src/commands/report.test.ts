// `tanhui report`, `tanhui validate`, `tanhui compare` on hand-made run stores (written with
// @tanhui/io in the run-store layout, every expected number computed by hand).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDirs, runCli, tempDir } from '../analysis/cli-test-helpers';
import { TEST_T0, writeTestStore, type TestStoreSpec } from '../analysis/test-store';
import { compareRunStores } from './compare';
import { writeRunReport } from './report';
import { validateRun } from './validate';
import { ZarrStore } from '@tanhui/io';

afterAll(removeTempDirs);

const DAY = 86400;
const REGIONS: TestStoreSpec['regions'] = [
  { name: 'Land A', kind: 'land' },
  { name: 'Land B', kind: 'land' },
  { name: 'Ocean C', kind: 'ocean' },
  { name: 'Global land', kind: 'land' },
];
const OBS: TestStoreSpec['obs'] = [
  // Held out (flag 1): sampled, not assimilated.
  { site: 'abc', kind: 'flask', latDeg: 40, timeSec: TEST_T0 + 0.5 * DAY, value: 400, prior: 401, posterior: 400.5, error: 1, flag: 1, window: 0 },
  { site: 'abc', kind: 'flask', latDeg: 40, timeSec: TEST_T0 + 1.5 * DAY, value: 402, prior: 404, posterior: 401.5, error: 1, flag: 1, window: 1 },
  // Assimilated, rejected, unused.
  { site: 'xyz', kind: 'tower', latDeg: -10, timeSec: TEST_T0 + 0.6 * DAY, value: 410, prior: 412, posterior: 410.2, error: 2, flag: 0, window: 0 },
  { site: 'xyz', kind: 'tower', latDeg: -10, timeSec: TEST_T0 + 0.7 * DAY, value: 430, prior: 412, posterior: 412, error: 2, flag: 2, window: 0 },
  { site: 'qqq', kind: 'flask', latDeg: 70, timeSec: TEST_T0 + 0.7 * DAY, value: NaN, prior: NaN, posterior: NaN, error: 1, flag: -1, window: -1 },
];
const A: TestStoreSpec = {
  regions: REGIONS,
  fluxPrior: [2e-6, 4e-6],
  fluxPosterior: [1e-6, 3e-6],
  budgetPrior: [[1, 2, -1, 3], [3, 2, -1, 5]],
  budgetPriorSd: [[0.5, 0.5, 0.2, 0.7], [0.7, 0.5, 0.2, 0.9]],
  budgetPosterior: [[0, 1, -1, 1], [2, 1, -1, 3]],
  budgetPosteriorSd: [[0.2, 0.3, 0.1, 0.4], [0.4, 0.3, 0.1, 0.4]],
  obs: OBS,
};
const B: TestStoreSpec = {
  ...A,
  fluxPosterior: [1e-6, 1e-6],
  budgetPosterior: [[1.5, 0.5, -1, 2], [1.5, 0.5, -1, 2]],
  budgetPosteriorSd: [[0.4, 0.4, 0.1, 0.5], [0.4, 0.4, 0.1, 0.5]],
};

let dir: string;
let storeA: string;
let storeB: string;
beforeAll(async () => {
  dir = tempDir('report');
  storeA = join(dir, 'runs', 'a.zarr');
  storeB = join(dir, 'runs', 'b.zarr');
  await writeTestStore(storeA, A);
  await writeTestStore(storeB, B);
});

describe('tanhui validate', () => {
  it('uses the rows sampled but not assimilated, with hand-computed statistics', async () => {
    const { selection, groups } = await validateRun(storeA);
    expect(selection.records.map((r) => r.site)).toEqual(['abc', 'abc']);
    const all = groups.find((g) => g.kind === 'all')!;
    // prior − obs = [1, 2]; posterior − obs = [0.5, −0.5]; σ = 1.
    expect(all.prior.bias).toBeCloseTo(1.5, 12);
    expect(all.prior.rmse).toBeCloseTo(Math.sqrt(2.5), 12);
    expect(all.prior.reducedChi2).toBeCloseTo(2.5, 12);
    expect(all.posterior.bias).toBeCloseTo(0, 12);
    expect(all.posterior.rmse).toBeCloseTo(0.5, 12);
    expect(all.posterior.reducedChi2).toBeCloseTo(0.25, 12);
    expect(groups.map((g) => `${g.kind}:${g.name}`)).toEqual(['all:all', 'site:abc', 'category:flask', 'band:temperate N']);
  });

  it('adds assimilated rows only on request, and says so', async () => {
    const { selection, groups } = await validateRun(storeA, { includeAssimilated: true });
    expect(selection.assimilated).toBe(1);
    expect(selection.description).toContain('ASSIMILATED');
    const all = groups.find((g) => g.kind === 'all')!;
    // prior − obs = [1, 2, 2]; posterior − obs = [0.5, −0.5, 0.2] (the rejected row stays out).
    expect(all.prior.count).toBe(3);
    expect(all.prior.bias).toBeCloseTo(5 / 3, 12);
    expect(all.prior.rmse).toBeCloseTo(Math.sqrt(3), 12);
    expect(all.posterior.bias).toBeCloseTo(0.2 / 3, 12);
    expect(all.posterior.rmse).toBeCloseTo(Math.sqrt(0.54 / 3), 12);
  });

  it('prints the table, and one clear line for what it cannot do', async () => {
    const ok = await runCli(['validate', storeA]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('BIAS 1.50 → 0.00, RMSE 1.58 → 0.50 ppm');
    expect(ok.stdout).toMatch(/site: abc\s+2/);
    const cases: [string[], RegExp][] = [
      [['--holdout', 'xyz'], /EmptyInput: nothing to validate against: all 1 sampled observations of these sites were assimilated/],
      [['--holdout', 'nope'], /BadValue: the run store has no observations of nope/],
      [['--against', join(dir, 'obs.nc')], /MissingFile: no such file.*obs\.nc/],
    ];
    for (const [args, re] of cases) {
      const r = await runCli(['validate', storeA, ...args]);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(re);
    }
    const notStore = await runCli(['validate', join(dir, 'missing.zarr')]);
    expect(notStore.code).toBe(3);
    expect(notStore.stderr).toMatch(/MissingFile: Zarr store not found/);
  });
});

describe('tanhui compare', () => {
  it('gives A − B budgets with σ and uncertainty reductions computed by hand', async () => {
    const { comparison } = await compareRunStores(storeA, storeB);
    const row = (name: string) => comparison.budgets.find((b) => b.region === name)!;
    // Means over the windows: A posterior Land A = 1 ± 0.3, B = 1.5 ± 0.4; prior σ 0.6.
    expect(row('Land A').difference).toBeCloseTo(-0.5, 12);
    expect(row('Land A').sigma).toBeCloseTo(0.5, 12);
    expect(row('Land A').uncertaintyReductionA).toBeCloseTo(0.5, 12);
    expect(row('Land A').uncertaintyReductionB).toBeCloseTo(1 - 0.4 / 0.6, 12);
    expect(row('Land A').relativeReduction).toBeCloseTo(0.25, 12);
    expect(row('Global land').difference).toBeCloseTo(0, 12);
    expect(row('Global land').sigma).toBeCloseTo(Math.hypot(0.4, 0.5), 12);
    // Optimised flux only (bio): mean 2e-6 − 1e-6; the fixed ocean component is left out.
    for (const v of comparison.differenceMolM2S) expect(v).toBeCloseTo(1e-6, 18);
  });

  it('prints the table and writes a page with the difference map', async () => {
    const out = join(dir, 'compare.html');
    const r = await runCli(['compare', storeA, storeB, '--label-a', 'with', '--label-b', 'without', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Land A\s+−0\.500 ± 0\.500\s+0\.50\s+0\.33\s+0\.25/);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('Posterior with − without');
    expect(html).toContain('id="comparison"');
  });
});

describe('tanhui report', () => {
  it('writes report.html beside the store with every section, numbers from the store', async () => {
    const { file, report } = await writeRunReport(storeA);
    expect(file).toBe(join(dir, 'runs', 'report.html'));
    const d = report.data;
    // Budgets: global land first, then land regions; window means of the stored values.
    expect(d.budgets!.rows.map((r) => r.region)).toEqual(['Global land', 'Land A', 'Land B']);
    const la = d.budgets!.rows[1]!;
    expect([la.prior, la.priorSigma, la.posterior, la.posteriorSigma].map((v) => +v.toFixed(12))).toEqual([2, 0.6, 1, 0.3]);
    // Maps in gC m⁻² yr⁻¹: mean prior bio flux 3e-6 mol m⁻² s⁻¹ × 12.011 g mol⁻¹ × 365.25 d.
    const gc = 3e-6 * 12.011 * 365.25 * 86400;
    expect(d.maps[0]!.values[0]! / gc).toBeCloseTo(1, 3);
    // Regional uncertainty reduction on the map: cells of region 1 (row 0) → 1 − 0.3/0.6.
    expect(d.maps[3]!.values[0]).toBeCloseTo(0.5, 12);
    expect(d.timeSeries!.regions.map((s) => Array.from(s.posterior))).toEqual([[1, 3], [0, 2], [1, 1]]);
    expect(d.obsFits!.map((f) => f.site)).toEqual(['ABC', 'XYZ']);
    const html = readFileSync(file, 'utf8');
    expect(html.match(/<figure class="tanhui-figure">/g)).toHaveLength(4 + 1 + 3 + 2);
    expect(html).toContain('BIAS 1.50 → 0.00, RMSE 1.58 → 0.50');
    expect(html).toContain('hand-made test store');
  });

  it('adds a closure table on request and refuses what is not a run store', async () => {
    const out = join(dir, 'r.html');
    const r = await runCli(['report', storeA, '--out', out, '--closure', join(dir, '..', 'nope.yaml')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/MissingFile: closure file not found/);
    expect(existsSync(out)).toBe(false);
    const footprintStore = join(dir, 'fp.zarr');
    await runCli(['footprint', '--site', 'sdz', '--time', '2020-06-04T06:00:00Z', '--hours', '12', '--out', footprintStore]);
    const bad = await runCli(['report', footprintStore]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/UnsupportedFormat: not a tanhui run store/);
  });

  it('reports a synthesis-inversion store (tanhui invert layout): budgets, truth and provenance', async () => {
    const inv = join(dir, 'inv', 'inversion.zarr');
    const z = await ZarrStore.create(inv, { attrs: { tanhui_store_format: 'tanhui-inversion-store/1', title: 'tanhui synthesis inversion (batch): hand-made', dofs: 3.5, config: { grid: { preset: '6x4' } } } });
    await z.writeArray('region_name', ['Land A', 'Ocean C', 'Global land', 'Global ocean'], { dims: ['region'] });
    await z.writeArray('region_kind', ['land', 'ocean', 'land', 'ocean'], { dims: ['region'] });
    await z.writeArray('budget_prior', Float64Array.of(1, 2, 1, 2), { dims: ['region'] });
    await z.writeArray('budget_prior_sd', Float64Array.of(0.5, 0.4, 0.5, 0.4), { dims: ['region'] });
    await z.writeArray('budget_posterior', Float64Array.of(0.8, 2.1, 0.8, 2.1), { dims: ['region'] });
    await z.writeArray('budget_posterior_sd', Float64Array.of(0.2, 0.3, 0.2, 0.3), { dims: ['region'] });
    await z.writeArray('truth/budget', Float64Array.of(0.7, 2.2, 0.7, 2.2), { dims: ['region'] });
    await z.consolidate();
    const { file, report } = await writeRunReport(inv);
    expect(file).toBe(join(dir, 'inv', 'report.html'));
    expect(report.data.budgets!.rows).toEqual([
      { region: 'Global land', prior: 1, priorSigma: 0.5, posterior: 0.8, posteriorSigma: 0.2 },
      { region: 'Global ocean', prior: 2, priorSigma: 0.4, posterior: 2.1, posteriorSigma: 0.3 },
      { region: 'Land A', prior: 1, priorSigma: 0.5, posterior: 0.8, posteriorSigma: 0.2 },
    ]);
    expect(report.data.provenance!['truth (OSSE), PgC yr⁻¹']).toContain('Land A: truth 0.700, prior 1.000, posterior 0.800 ± 0.200');
    const html = readFileSync(file, 'utf8');
    expect(html.match(/<figure class="tanhui-figure">/g)).toHaveLength(1);
    expect(html).toContain('hand-made');
  });
});
