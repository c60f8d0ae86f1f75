// `tanhui footprint`: the adjoint footprint checked against the FORWARD model (an independent
// code path): unit flux perturbations in single cells and a random flux field must give the
// sampled values the footprint predicts, to 1e-10. Plus shape checks (peak near the site,
// non-negative up to the advection scheme's small undershoots), coverage and the CLI outputs.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { convolveFootprint } from '@tanhui/analysis';
import { ZarrStore } from '@tanhui/io';
import { computeFootprints, footprintModel, networkCoverage, sitePlan } from '../analysis/footprint';
import { removeTempDirs, runCli, tempDir } from '../analysis/cli-test-helpers';

afterAll(removeTempDirs);

const T = Date.parse('2020-06-04T06:00:00Z') / 1000;
const HOURS = 48;

function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const r = Math.PI / 180;
  const a = Math.sin(((lat2 - lat1) * r) / 2) ** 2 + Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.sin(((lon2 - lon1) * r) / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(a));
}

describe('footprints from the transport adjoint', () => {
  const r = computeFootprints({ sites: ['sdz', 'lan', 'lfs'], timeSec: T, hours: HOURS });
  const g = r.grid;

  it('equals the forward model response to unit flux perturbations and to a random flux field', () => {
    const model = footprintModel('6x4');
    const f = r.footprints[0]!; // SDZ
    const max = Math.max(...f);
    const order = Array.from(f.keys()).sort((a, b) => f[b]! - f[a]!);
    const minCell = Array.from(f.keys()).reduce((m, c) => (f[c]! < f[m]! ? c : m), 0);
    const mid = order.find((c) => f[c]! < 0.05 * max && f[c]! > 1e-3 * max)!;
    const cells = [order[0]!, order[1]!, mid, minCell];
    const K = cells.length + 1;
    const n = g.size;
    const flux = new Float64Array(n * K); // one flux period covering the window, [cell][tracer]
    cells.forEach((c, t) => (flux[c * K + t] = 1e-6)); // 1 µmol m⁻² s⁻¹ in mol m⁻² s⁻¹
    let seed = 12345;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
    const randomUmol = Float64Array.from({ length: n }, () => rand());
    for (let c = 0; c < n; c++) flux[c * K + cells.length] = randomUmol[c]! * 1e-6;
    const plan = sitePlan(model, r.window, [r.sites[0]!], T);
    const out = model.forward({
      window: r.window,
      nTracers: K,
      initialMoleFraction: new Float64Array(n * model.levels.nlev * K),
      fluxes: { periodSeconds: r.window.endSec - r.window.startSec, data: flux },
      plan,
    });
    const ppm = (t: number): number => out.samples[t]! * 1e6; // sample [mol mol⁻¹] → ppm
    cells.forEach((c, t) => expect(Math.abs(ppm(t) - f[c]!), `cell ${c}`).toBeLessThanOrEqual(1e-10 * max));
    // Σ footprint·flux over all cells (the dot-product form of the same identity).
    const conv = convolveFootprint(f, randomUmol);
    expect(Math.abs(ppm(cells.length) - conv)).toBeLessThanOrEqual(1e-10 * Math.max(1, Math.abs(conv)) * max);
  });

  it('peaks near the site and is non-negative up to the small undershoots of unlimited slope advection', () => {
    r.footprints.forEach((f, s) => {
      const site = r.sites[s]!;
      let peak = 0;
      let pos = 0;
      let neg = 0;
      for (let c = 0; c < f.length; c++) {
        if (f[c]! > f[peak]!) peak = c;
        if (f[c]! > 0) pos += f[c]!;
        else neg -= f[c]!;
      }
      const lat = g.latCentersDeg[Math.floor(peak / g.nlon)]!;
      const lon = g.lonCentersDeg[peak % g.nlon]!;
      // Within one 6°×4° cell of the site's cell.
      expect(haversineKm(site.latDeg, site.lonDeg, lat, lon), site.code).toBeLessThan(900);
      expect(f[peak]!).toBeGreaterThan(0.1); // ppm per µmol m⁻² s⁻¹ for a 48-h surface sample
      // The built-in advection has no slope limiter (so that its adjoint is exact): a positive
      // flux can leave small negative undershoots, which the exact adjoint reproduces.
      expect(Math.min(...f)).toBeGreaterThan(-0.05 * f[peak]!);
      expect(neg).toBeLessThan(0.05 * pos);
      // Far away (the antipode's hemisphere) the observation sees nothing in 48 h.
      const far = g.locate(-site.latDeg, site.lonDeg > 0 ? site.lonDeg - 180 : site.lonDeg + 180).index;
      expect(f[far]).toBe(0);
    });
  });

  it('sums footprints into a coverage map and lists the regions the network cannot see', () => {
    const cov = networkCoverage(g, r.footprints);
    for (let c = 0; c < g.size; c++) expect(cov.coverage[c]).toBeCloseTo(r.footprints.reduce((s, f) => s + Math.abs(f[c]!), 0), 12);
    const names = cov.unseen.map((u) => u.region);
    // Three eastern-China sites see nothing of South America or Australia in 48 h …
    expect(names).toContain('South American Tropical');
    expect(names).toContain('Australia');
    // … nor of the Tibetan Plateau, but they do see north and northeast China.
    expect(names).toContain('China Tibetan Plateau');
    expect(names).not.toContain('China northeast');
    expect(names).not.toContain('China north');
  });
});

describe('tanhui footprint (CLI)', () => {
  it('prints the summary and writes a Zarr store and an HTML page', async () => {
    const dir = tempDir('footprint');
    const z = join(dir, 'fp.zarr');
    const a = await runCli(['footprint', '--sites', 'sdz,lan', '--time', '2020-06-04T06:00:00Z', '--hours', String(HOURS), '--out', z]);
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    expect(a.stdout).toContain('Footprints [ppm per µmol m⁻² s⁻¹]');
    expect(a.stdout).toMatch(/SDZ .* peak [0-9.e+-]+ at 40°N 1\d\d°E/);
    expect(a.stdout).toContain('The network cannot see');
    const store = await ZarrStore.open(z);
    const fp = await store.readArray('footprint');
    expect(fp.shape).toEqual([2, 45, 60]);
    const direct = computeFootprints({ sites: ['sdz', 'lan'], timeSec: T, hours: HOURS });
    expect(Array.from((fp.data as Float64Array).subarray(45 * 60))).toEqual(Array.from(direct.footprints[1]!));
    expect((await store.readArray('coverage')).shape).toEqual([45, 60]);
    expect(store.getAttrs('').observation_time).toBe('2020-06-04T06:00:00Z');

    const h = join(dir, 'fp.html');
    const b = await runCli(['footprint', '--site', 'wlg', '--time', '2020-06-04T06:00:00Z', '--hours', '24', '--above-ground', '--out', h]);
    expect(b.code).toBe(0);
    const html = readFileSync(h, 'utf8');
    expect(html.match(/<figure class="tanhui-figure">/g)).toHaveLength(1);
    expect(html).toContain('Footprint WLG');
    // Refuses to replace an existing store.
    const c = await runCli(['footprint', '--site', 'sdz', '--time', '2020-06-04T06:00:00Z', '--hours', '24', '--out', z]);
    expect(c.code).toBe(3);
    expect(c.stderr).toMatch(/StoreConflict/);
  });

  it('gives one clear line for bad arguments, writing nothing', async () => {
    const dir = tempDir('footprint-bad');
    const cases: [string[], RegExp][] = [
      [['--site', 'xyz', '--time', '2020-06-04'], /unknown site 'xyz'/],
      [['--site', 'wlg', '--time', 'yesterday'], /--time must be an ISO 8601 UTC time/],
      [['--site', 'wlg', '--time', '2020-06-04', '--hours', '-3'], /--hours must be a positive number/],
      [['--site', 'wlg', '--time', '2020-06-04', '--grid', '5x5'], /--grid must be 6x4, 3x2 or 1x1/],
      [['--site', 'wlg', '--time', '2020-06-04', '--out', join(dir, 'x.png')], /--out must end in \.zarr or \.html/],
      [['--time', '2020-06-04'], /no site given/],
    ];
    for (const [args, re] of cases) {
      const r = await runCli(['footprint', ...args]);
      expect(r.code, args.join(' ')).toBe(3);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(re);
    }
    expect(existsSync(join(dir, 'x.png'))).toBe(false);
  });
});
