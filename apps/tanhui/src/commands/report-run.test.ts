// The analysis commands on a store produced by the orchestrator's own code path (composeWorld +
// runCycling on a tiny OSSE): the report's budgets agree with the run's own summary table
// (pipeline/report.ts, read independently), the fit statistics with the stored innovations,
// a run compared with itself differs by zero, and the page loads in headless Chromium.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZarrStore } from '@tanhui/io';
import { emptyTable, OBS_KINDS } from '@tanhui/observations';
import { sampleRunAt } from '../analysis/resample';
import { composeWorld } from '../compose';
import { loadConfig } from '../config/load';
import { runCycling } from '../pipeline/run';
import { readRunReport } from '../pipeline/report';
import { SilentProgress } from '../progress';
import { removeTempDirs, runCli, tempDir } from '../analysis/cli-test-helpers';
import { compareRunStores } from './compare';
import { writeRunReport } from './report';
import { validateRun } from './validate';

afterAll(removeTempDirs);

const CHROMIUM = '/usr/bin/chromium';
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

let dir: string;
let store: string;
beforeAll(async () => {
  dir = tempDir('report-run');
  const cfg = join(dir, 'run.yaml');
  writeFileSync(
    cfg,
    `time: {windows: 2, windowDays: 1}
solver: {members: 8, twoStep: combine}
executor: {engine: inline}
observations: {stations: {intervalHours: 12}, satellite: {soundingsPerDay: 30}}
output: {store: tiny.zarr}
truth:
  anomalies:
    - { name: china, component: bio, latMin: 20, latMax: 50, lonMin: 75, lonMax: 135, delta: 0.5 }
`,
  );
  const world = await composeWorld(await loadConfig(cfg));
  await runCycling(world, { progress: new SilentProgress(), provenance: { tanhui_command: 'test' } });
  store = join(dir, 'tiny.zarr');
}, 180_000);

describe('analysis commands on an orchestrator run store', () => {
  let browser: Browser | undefined;
  afterAll(async () => {
    await browser?.close();
  });

  it('report: budgets equal the run summary table; truth maps present; page loads in Chromium', async () => {
    const { file, report } = await writeRunReport(store);
    expect(file).toBe(join(dir, 'report.html'));
    const summary = await readRunReport(store);
    for (const row of report.data.budgets!.rows) {
      const s = summary.rows.find((r) => r.name === row.region)!;
      expect(row.prior).toBeCloseTo(s.prior, 12);
      expect(row.priorSigma).toBeCloseTo(s.priorSd, 12);
      expect(row.posterior).toBeCloseTo(s.posterior, 12);
      expect(row.posteriorSigma).toBeCloseTo(s.posteriorSd, 12);
    }
    expect(report.data.budgets!.rows[0]!.region).toBe('Global land');
    expect(report.data.maps.map((m) => m.title)).toContain('Posterior − truth');
    expect(report.data.provenance!['git commit'] ?? report.data.provenance!['tanhui command']).toBeDefined();

    if (!existsSync(CHROMIUM)) return;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.setDefaultTimeout(20_000);
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    const d = report.data;
    const expected = d.maps.length + 1 + d.timeSeries!.regions.length + d.obsFits!.length;
    const figures = page.locator('figure.tanhui-figure');
    expect(await figures.count()).toBe(expected);
    for (let k = 0; k < expected; k++) {
      const box = await figures.nth(k).locator('svg').boundingBox();
      expect(box!.width).toBeGreaterThan(100);
      expect(box!.height).toBeGreaterThan(100);
    }
    expect(problems).toEqual([]);
    expect(requests.every((u) => u.startsWith('file:'))).toBe(true);
    const shots = join(repoRoot, 'tmp', 'analysis-cli');
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: join(shots, 'run-report.png'), fullPage: true });
  }, 120_000);

  it('validate: nothing independent by default; the fit agrees with the stored innovations', async () => {
    const refused = await runCli(['validate', store]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/were assimilated by the run, so none is independent/);
    const { groups } = await validateRun(store, { includeAssimilated: true });
    const all = groups.find((g) => g.kind === 'all')!;
    // Independent of the analysis code: prior RMSE = sqrt(mean(innovation²)) over the rows the run assimilated.
    const s = await ZarrStore.open(store);
    const innov = (await s.readArray('obs_innovation')).data as Float64Array;
    const flag = (await s.readArray('obs_flag')).data as Int32Array;
    let n = 0;
    let ss = 0;
    let sum = 0;
    for (let k = 0; k < flag.length; k++) {
      if (flag[k] !== 0) continue;
      n++;
      ss += innov[k]! ** 2;
      sum += innov[k]!;
    }
    expect(all.prior.count).toBe(n);
    expect(all.prior.rmse).toBeCloseTo(Math.sqrt(ss / n), 10);
    expect(all.prior.bias).toBeCloseTo(-sum / n, 10); // innovation = obs − sim
    // The posterior fits the assimilated observations better than the prior.
    expect(all.posterior.rmse).toBeLessThan(all.prior.rmse);
  });

  it('compare: a run against itself differs by zero everywhere', async () => {
    const { comparison } = await compareRunStores(store, store);
    for (const v of comparison.differenceMolM2S) expect(v).toBe(0);
    for (const b of comparison.budgets) {
      expect(b.difference).toBe(0);
      if (Number.isFinite(b.relativeReduction)) expect(b.relativeReduction).toBeCloseTo(0, 12);
    }
  });

  it('resampling the run at its own station rows reproduces its stored prior and posterior simulations', async () => {
    const s = await ZarrStore.open(store);
    const col = async (n: string) => (await s.readArray(n)).data as Float64Array;
    const [time, lat, lon, alt, kind, flag, prior, post] = await Promise.all(['obs_time', 'obs_lat', 'obs_lon', 'obs_altitude', 'obs_kind', 'obs_flag', 'obs_prior_sim', 'obs_posterior_sim'].map(col));
    const rows = Array.from(time.keys()).filter((k) => OBS_KINDS[kind[k]!] !== 'xco2' && flag[k] === 0);
    const t = emptyTable(rows.length);
    rows.forEach((k, i) => {
      t.timeSec[i] = time[k]!;
      t.latDeg[i] = lat[k]!;
      t.lonDeg[i] = lon[k]!;
      t.altitudeM[i] = alt[k]!;
      t.kind[i] = kind[k]!;
    });
    const r = await sampleRunAt(store, t);
    rows.forEach((k, i) => {
      expect(Math.abs(r.priorPpm[i]! - prior[k]!)).toBeLessThan(1e-9);
      expect(Math.abs(r.posteriorPpm[i]! - post[k]!)).toBeLessThan(1e-9);
    });
    expect(new Set(Array.from(r.window)).size).toBe(2);

    // The same positions in a GCAS-style text file under a site code the run does not know:
    // validate --against must give the bias and RMSE of the stored simulations at those rows.
    const value = await col('obs_value');
    const pick = rows.filter((_, i) => i % 7 === 0);
    const lines = pick.map((k) => {
      const d = new Date(time[k]! * 1000);
      const ymd = d.toISOString().slice(0, 10).replace(/-/g, '');
      const sod = d.getUTCHours() * 3600 + d.getUTCMinutes() * 60 + d.getUTCSeconds();
      return `co2_zzz_surface-flask_1_representative ${ymd} ${sod} ${lat[k]} ${(lon[k]! + 360) % 360} ${alt[k]} ${value[k]} 0`;
    });
    const file = join(dir, 'srf_held_out.txt');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const v = await runCli(['validate', store, '--against', file, '--json']);
    expect(v.stderr).toBe('');
    expect(v.code).toBe(0);
    const out = JSON.parse(v.stdout) as { groups: { kind: string; prior: { count: number; bias: number; rmse: number }; posterior: { bias: number; rmse: number } }[] };
    const all = out.groups.find((g) => g.kind === 'all')!;
    expect(all.prior.count).toBe(pick.length);
    const mean = (f: (k: number) => number): number => pick.reduce((a, k) => a + f(k), 0) / pick.length;
    expect(all.prior.bias).toBeCloseTo(mean((k) => prior[k]! - value[k]!), 6);
    expect(all.prior.rmse).toBeCloseTo(Math.sqrt(mean((k) => (prior[k]! - value[k]!) ** 2)), 6);
    expect(all.posterior.bias).toBeCloseTo(mean((k) => post[k]! - value[k]!), 6);
    expect(all.posterior.rmse).toBeCloseTo(Math.sqrt(mean((k) => (post[k]! - value[k]!) ** 2)), 6);
  }, 120_000);
});
