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
import { composeWorld } from '../compose';
import { loadConfig } from '../config/load';
import { runCycling } from '../pipeline/run';
import { readRunReport } from '../pipeline/report';
import { SilentProgress } from '../progress';
import { tempDir, runCli } from '../analysis/cli-test-helpers';
import { compareRunStores } from './compare';
import { writeRunReport } from './report';
import { validateRun } from './validate';

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
});
