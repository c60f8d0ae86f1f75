// The report in a real browser: Debian's headless Chromium (no downloaded browser) driven by
// playwright-core. The page must load with no console errors and show every figure with a
// non-empty box; a screenshot is kept in tmp/ (gitignored) as the test artifact.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { renderReport } from './report';
import { syntheticReportData } from './synthetic';

const CHROMIUM = '/usr/bin/chromium';
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const outDir = `${repoRoot}tmp/analysis`;

describe('report in headless Chromium', () => {
  let browser: Browser | undefined;
  afterAll(async () => {
    await browser?.close();
  });

  it.skipIf(!existsSync(CHROMIUM))('loads without console errors and shows every figure', async () => {
    const data = syntheticReportData();
    const html = renderReport(data);
    mkdirSync(outDir, { recursive: true });
    const file = `${outDir}/report.html`;
    writeFileSync(file, html);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.setDefaultTimeout(10_000);
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`requestfailed: ${r.url()}`));
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });

    const expected = data.maps.length + 1 + data.timeSeries!.regions.length + data.obsFits!.length;
    const figures = page.locator('figure.tanhui-figure');
    expect(await figures.count()).toBe(expected);
    for (let k = 0; k < expected; k++) {
      const svg = figures.nth(k).locator('svg');
      expect(await svg.count()).toBe(1);
      const box = await svg.boundingBox();
      expect(box, `figure ${k} has no box`).not.toBeNull();
      expect(box!.width).toBeGreaterThan(100);
      expect(box!.height).toBeGreaterThan(100);
      // Something drawn inside: the SVG's content box is not empty.
      const drawn = await svg.evaluate((el) => {
        // tsconfig has no DOM lib; getBBox is SVGGraphicsElement's.
        const b = (el as unknown as { getBBox(): { width: number; height: number } }).getBBox();
        return b.width * b.height;
      });
      expect(drawn).toBeGreaterThan(0);
    }
    // Maps: the coastline path is rendered with a non-empty box.
    const coast = await page.locator('svg.map g.coastline').first().boundingBox();
    expect(coast!.width).toBeGreaterThan(300);
    expect(await page.locator('table.validation tbody tr').count()).toBe(data.validation!.length);
    // Self-contained: nothing but the page itself was requested.
    expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'))).toEqual([]);
    expect(problems).toEqual([]);
    await page.screenshot({ path: `${outDir}/report.png`, fullPage: true });
    expect(existsSync(`${outDir}/report.png`)).toBe(true);
  });
});
