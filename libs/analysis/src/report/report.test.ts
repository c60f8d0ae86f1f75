import { LatLonGrid } from '@tanhui/core';
import { describe, expect, it } from 'vitest';
import { autoScale, classColour, colourClass, divergingScale, interpolateStops } from './colors';
import { coastlinePath, mapFrame, projectX, projectY, rasterRects } from './geo';
import { fluxMapPanels, GC_M2_YR_PER_MOL_M2_S, renderReport } from './report';
import { esc, niceTicks } from './svg';
import { syntheticReportData } from './synthetic';

/** Total area of the <rect>s in an SVG fragment. */
function rectArea(svg: string): number {
  let a = 0;
  for (const m of svg.matchAll(/<rect x="([^"]+)" y="([^"]+)" width="([^"]+)" height="([^"]+)"/g)) a += Number(m[3]) * Number(m[4]);
  return a;
}

describe('map raster', () => {
  it('covers the frame exactly once, for grids starting at −180° and at 0°', () => {
    for (const lon0 of [-180, 0, -183]) {
      const grid = LatLonGrid.regular(6, 4, lon0);
      const values = Float64Array.from({ length: grid.size }, (_, c) => Math.sin(c));
      const frame = mapFrame(360);
      const svg = rasterRects(grid, values, autoScale(values, 'diverging'), frame);
      expect(rectArea(svg)).toBeCloseTo(frame.width * frame.height, 0);
      for (const m of svg.matchAll(/<rect x="([^"]+)" y="[^"]+" width="([^"]+)"/g)) {
        expect(Number(m[1])).toBeGreaterThanOrEqual(0);
        expect(Number(m[1]) + Number(m[2])).toBeLessThanOrEqual(frame.width + 1e-6);
      }
    }
  });

  it('merges runs of equal colour: a constant field is one rect per row', () => {
    const grid = LatLonGrid.preset('6x4');
    const svg = rasterRects(grid, new Float64Array(grid.size).fill(1), divergingScale(2), mapFrame(360));
    expect(svg.match(/<rect/g)!.length).toBe(grid.nlat);
  });

  it('projects like plate carrée and draws the coastline inside the frame', () => {
    const f = mapFrame(720);
    expect(projectX(f, -180)).toBe(0);
    expect(projectX(f, 180)).toBe(720);
    expect(projectX(f, 190)).toBeCloseTo(20, 12);
    expect(projectY(f, 90)).toBe(0);
    expect(projectY(f, -90)).toBe(360);
    const d = coastlinePath(f);
    const nums = d.match(/-?\d+(\.\d+)?,-?\d+(\.\d+)?/g)!;
    expect(nums.length).toBeGreaterThan(1000);
    for (const p of nums) {
      const [x, y] = p.split(',').map(Number);
      expect(x! >= 0 && x! <= 720 && y! >= 0 && y! <= 360).toBe(true);
    }
    // A point in Africa (20°E, 10°N) and one in the Pacific must differ in being enclosed — checked
    // cheaply: the coastline reaches both hemispheres and both sides of the map.
    const xs = nums.map((p) => Number(p.split(',')[0]));
    expect(Math.min(...xs)).toBeLessThan(10);
    expect(Math.max(...xs)).toBeGreaterThan(710);
  });
});

describe('colour scales and ticks', () => {
  it('diverging: zero is the neutral middle class, extremes are the end stops', () => {
    const s = divergingScale(1, 15);
    expect(colourClass(s, 0)).toBe(7);
    expect(classColour(s, 7)).toBe('#f7f7f7');
    expect(colourClass(s, -5)).toBe(0);
    expect(colourClass(s, 5)).toBe(14);
    expect(colourClass(s, NaN)).toBe(-1);
    expect(interpolateStops(['#000000', '#ffffff'], 0.5)).toBe('#808080');
  });

  it('nice ticks are round numbers inside the range', () => {
    const t01 = niceTicks(0, 1, 5);
    expect(t01.length).toBe(6);
    t01.forEach((v, k) => expect(v).toBeCloseTo(0.2 * k, 12));
    const t = niceTicks(-0.37, 1.21, 4);
    expect(t[0]!).toBeGreaterThanOrEqual(-0.37);
    expect(t.at(-1)!).toBeLessThanOrEqual(1.21);
    expect(t).toContain(0);
    expect(niceTicks(-0.0417, 0.0417, 4).length).toBeGreaterThanOrEqual(3);
  });
});

describe('renderReport', () => {
  it('has one figure per map, budget chart, region series and site, and escapes text', () => {
    const data = syntheticReportData();
    data.title = 'Run <demo> & "test"';
    const html = renderReport(data);
    const expected = data.maps.length + 1 + data.timeSeries!.regions.length + data.obsFits!.length;
    expect(html.match(/<figure class="tanhui-figure">/g)!.length).toBe(expected);
    expect(html.match(/<svg /g)!.length).toBe(expected);
    expect(html).toContain('Run &lt;demo&gt; &amp; &quot;test&quot;');
    expect(html).not.toContain('<script');
    expect(html).toContain('BIAS');
    expect(html).toMatch(/<table class="validation">/);
    expect(html).toMatch(/<table class="closure">/);
    expect(esc('<a href="x">')).toBe('&lt;a href=&quot;x&quot;&gt;');
  });

  it('flux panels convert mol m⁻² s⁻¹ to gC m⁻² yr⁻¹ and compute the increment', () => {
    const p = fluxMapPanels([1e-6, -2e-6], [0.5e-6, -3e-6], [2, 1], [1, 1]);
    // 1 µmol m⁻² s⁻¹ = 12.0107e-6 kg… ×1000 g × 31 557 600 s = 379.03 gC m⁻² yr⁻¹
    expect(GC_M2_YR_PER_MOL_M2_S * 1e-6).toBeCloseTo(12.0107 * 31_557_600 * 1e-6, 9);
    expect(p[2]!.values[0]).toBeCloseTo(-0.5e-6 * 12.0107 * 31_557_600, 9);
    expect(Array.from(p[3]!.values)).toEqual([0.5, 0]);
  });
});
