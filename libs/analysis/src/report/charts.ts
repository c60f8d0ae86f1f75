// Charts for the report as inline SVG strings: maps with coastline and legend, regional budget
// bars with σ whiskers, time series (with optional σ band) and observation-fit plots.
import { LatLonGrid, TanhuiError } from '@tanhui/core';
import type { BudgetRow } from '../budgets';
import { autoScale, classColour, type ColourScale } from './colors';
import { coastlinePath, mapFrame, rasterRects } from './geo';
import { esc, extent, fmt, isoDate, linear, niceTicks, r2 } from './svg';

const FONT = 'font-family="system-ui, sans-serif" font-size="11"';
const PALETTE = ['#1b9e77', '#d95f02', '#7570b3', '#e7298a', '#66a61e', '#e6ab02', '#a6761d', '#666666'];

export interface MapPanel {
  title: string;
  /** Values per cell, flat j*nlon + i, in `units`. */
  values: ArrayLike<number>;
  units: string;
  kind: 'diverging' | 'sequential';
  /** Colour range; fitted to the data when absent (symmetric for diverging). */
  range?: [number, number];
}

/** A map panel: raster, coastline, graticule frame and a colour bar. `id` must be unique in the page. */
export function mapSvg(id: string, grid: LatLonGrid, panel: MapPanel, width = 540): string {
  if (panel.values.length !== grid.size) {
    throw new TanhuiError('BadShape', `map '${panel.title}' has ${panel.values.length} values, the ${grid.describe()} has ${grid.size}`, { context: { variable: panel.title } });
  }
  const frame = mapFrame(width);
  const scale: ColourScale = autoScale(panel.values, panel.kind, panel.range);
  const coast = coastlinePath(frame);
  const legendH = 44;
  const h = frame.height + legendH;
  const grad = `${id}-grad`;
  const stops = Array.from({ length: scale.classes }, (_, k) => {
    const c = classColour(scale, k);
    return `<stop offset="${r2((k / scale.classes) * 100)}%" stop-color="${c}"/><stop offset="${r2(((k + 1) / scale.classes) * 100)}%" stop-color="${c}"/>`;
  }).join('');
  const bw = width * 0.6;
  const bx = (width - bw) / 2;
  const by = frame.height + 8;
  const x = linear(scale.min, scale.max, bx, bx + bw);
  const ticks = niceTicks(scale.min, scale.max, 4)
    .map((t) => `<line x1="${r2(x(t))}" x2="${r2(x(t))}" y1="${by + 10}" y2="${by + 14}" stroke="#333"/><text x="${r2(x(t))}" y="${by + 25}" text-anchor="middle">${esc(fmt(t))}</text>`)
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="map" viewBox="0 0 ${width} ${h}" width="${width}" height="${h}" ${FONT} role="img" aria-label="${esc(panel.title)}">` +
    `<defs><linearGradient id="${grad}">${stops}</linearGradient></defs>` +
    `<g shape-rendering="crispEdges">${rasterRects(grid, panel.values, scale, frame)}</g>` +
    // A light halo under a dark line keeps the coastline visible on dark and light colours.
    `<g class="coastline" fill="none"><path d="${coast}" stroke="#fff" stroke-opacity="0.7" stroke-width="1.6"/><path d="${coast}" stroke="#222" stroke-width="0.6"/></g>` +
    `<rect x="0" y="0" width="${width}" height="${frame.height}" fill="none" stroke="#555"/>` +
    `<rect x="${r2(bx)}" y="${by}" width="${r2(bw)}" height="10" fill="url(#${grad})" stroke="#555" stroke-width="0.5"/>${ticks}` +
    `<text x="${r2(bx + bw + 6)}" y="${by + 9}">${esc(panel.units)}</text>` +
    `</svg>`
  );
}

/** Horizontal bars per region, prior and posterior side by side, with ±σ whiskers. */
export function budgetBarsSvg(rows: readonly BudgetRow[], units: string, width = 540): string {
  // Room for the longest region name (≈ 6.5 px per character at the page's font size).
  const left = Math.round(Math.max(80, 12 + 6.5 * Math.max(0, ...rows.map((r) => r.region.length))));
  const right = 20;
  const top = 24;
  const rowH = 26;
  const h = top + rows.length * rowH + 34;
  const [lo0, hi0] = extent(rows.flatMap((r) => [[r.prior - r.priorSigma, r.prior + r.priorSigma, r.posterior - r.posteriorSigma, r.posterior + r.posteriorSigma, 0]]));
  const x = linear(lo0, hi0, left, width - right);
  const parts: string[] = [];
  for (const t of niceTicks(lo0, hi0, 5)) {
    parts.push(`<line x1="${r2(x(t))}" x2="${r2(x(t))}" y1="${top - 4}" y2="${h - 30}" stroke="${t === 0 ? '#333' : '#ddd'}"/>`);
    parts.push(`<text x="${r2(x(t))}" y="${h - 16}" text-anchor="middle">${esc(fmt(t))}</text>`);
  }
  rows.forEach((r, k) => {
    const y = top + k * rowH;
    parts.push(`<text x="${left - 6}" y="${y + 15}" text-anchor="end">${esc(r.region)}</text>`);
    const bar = (v: number, s: number, dy: number, colour: string, name: string): void => {
      const x0 = Math.min(x(0), x(v));
      const w = Math.max(0.5, Math.abs(x(v) - x(0)));
      parts.push(`<rect x="${r2(x0)}" y="${y + dy}" width="${r2(w)}" height="9" fill="${colour}"><title>${esc(`${r.region} ${name}: ${fmt(v)} ± ${fmt(s)} ${units}`)}</title></rect>`);
      const yc = y + dy + 4.5;
      parts.push(`<path d="M${r2(x(v - s))},${r2(yc)}H${r2(x(v + s))}M${r2(x(v - s))},${r2(yc - 3)}v6M${r2(x(v + s))},${r2(yc - 3)}v6" stroke="#111" fill="none"/>`);
    };
    bar(r.prior, r.priorSigma, 2, '#bdbdbd', 'prior');
    bar(r.posterior, r.posteriorSigma, 13, '#3182bd', 'posterior');
  });
  parts.push(`<text x="${(left + width - right) / 2}" y="${h - 3}" text-anchor="middle">${esc(units)}</text>`);
  parts.push(legend([['prior', '#bdbdbd'], ['posterior', '#3182bd']], left, 12));
  return `<svg xmlns="http://www.w3.org/2000/svg" class="bars" viewBox="0 0 ${width} ${h}" width="${width}" height="${h}" ${FONT} role="img" aria-label="regional budgets">${parts.join('')}</svg>`;
}

function legend(items: [string, string][], x0: number, y: number): string {
  let x = x0;
  return items
    .map(([name, colour]) => {
      const s = `<rect x="${x}" y="${y - 8}" width="10" height="10" fill="${colour}"/><text x="${x + 14}" y="${y + 1}">${esc(name)}</text>`;
      x += 24 + name.length * 6.5;
      return s;
    })
    .join('');
}

export interface LineSeries {
  name: string;
  timesSec: ArrayLike<number>;
  values: ArrayLike<number>;
  /** Optional ±σ band. */
  sigma?: ArrayLike<number>;
  /** 'line' (default) or 'points'. */
  style?: 'line' | 'points';
  colour?: string;
}

/** A time-series plot of several series sharing axes; dates on x. */
export function lineChartSvg(title: string, units: string, series: readonly LineSeries[], width = 540, height = 240): string {
  const left = 56;
  const right = 12;
  const top = 26;
  const bottom = 34;
  const xs = series.map((s) => s.timesSec);
  const [t0, t1] = extent(xs, 0);
  const ys = series.flatMap((s) => (s.sigma ? [Float64Array.from(s.values, (v, k) => v - s.sigma![k]!), Float64Array.from(s.values, (v, k) => v + s.sigma![k]!)] : [s.values]));
  const [lo, hi] = extent(ys);
  const x = linear(t0, t1, left, width - right);
  const y = linear(lo, hi, height - bottom, top);
  const parts: string[] = [];
  for (const v of niceTicks(lo, hi, 4)) {
    parts.push(`<line x1="${left}" x2="${width - right}" y1="${r2(y(v))}" y2="${r2(y(v))}" stroke="${v === 0 ? '#999' : '#eee'}"/><text x="${left - 4}" y="${r2(y(v) + 4)}" text-anchor="end">${esc(fmt(v))}</text>`);
  }
  const nt = Math.min(5, Math.max(2, Math.round((width - left - right) / 110)));
  for (let k = 0; k < nt; k++) {
    const t = t0 + ((t1 - t0) * k) / (nt - 1 || 1);
    const anchor = k === 0 ? 'start' : k === nt - 1 ? 'end' : 'middle';
    parts.push(`<text x="${r2(x(t))}" y="${height - bottom + 14}" text-anchor="${anchor}">${esc(isoDate(t))}</text>`);
  }
  parts.push(`<rect x="${left}" y="${top}" width="${width - left - right}" height="${height - top - bottom}" fill="none" stroke="#888"/>`);
  series.forEach((s, k) => {
    const colour = s.colour ?? PALETTE[k % PALETTE.length]!;
    const n = s.values.length;
    if (s.sigma && n > 0) {
      let d = '';
      for (let i = 0; i < n; i++) d += `${i === 0 ? 'M' : 'L'}${r2(x(s.timesSec[i]!))},${r2(y(s.values[i]! + s.sigma[i]!))}`;
      for (let i = n - 1; i >= 0; i--) d += `L${r2(x(s.timesSec[i]!))},${r2(y(s.values[i]! - s.sigma[i]!))}`;
      parts.push(`<path d="${d}Z" fill="${colour}" fill-opacity="0.18" stroke="none"/>`);
    }
    if (s.style === 'points') {
      for (let i = 0; i < n; i++) {
        if (Number.isFinite(s.values[i]!)) parts.push(`<circle cx="${r2(x(s.timesSec[i]!))}" cy="${r2(y(s.values[i]!))}" r="2.2" fill="${colour}"/>`);
      }
    } else {
      let d = '';
      let pen = false;
      for (let i = 0; i < n; i++) {
        const v = s.values[i]!;
        if (!Number.isFinite(v)) {
          pen = false;
          continue;
        }
        d += `${pen ? 'L' : 'M'}${r2(x(s.timesSec[i]!))},${r2(y(v))}`;
        pen = true;
      }
      parts.push(`<path d="${d}" fill="none" stroke="${colour}" stroke-width="1.6"/>`);
    }
  });
  // The title is the figure caption; the SVG carries it as its accessible name only.
  parts.push(`<text x="${width - right}" y="14" text-anchor="end">${esc(units)}</text>`);
  parts.push(legend(series.map((s, k) => [s.name, s.colour ?? PALETTE[k % PALETTE.length]!]), left + 4, top + 14));
  return `<svg xmlns="http://www.w3.org/2000/svg" class="lines" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" ${FONT} role="img" aria-label="${esc(title)}">${parts.join('')}</svg>`;
}

/** Observations at one site with the prior and posterior simulations [ppm]. */
export interface SiteFit {
  site: string;
  timesSec: ArrayLike<number>;
  observedPpm: ArrayLike<number>;
  priorPpm: ArrayLike<number>;
  posteriorPpm: ArrayLike<number>;
}

export function obsFitSvg(fit: SiteFit, width = 400, height = 200): string {
  return lineChartSvg(fit.site, 'ppm', [
    { name: 'observed', timesSec: fit.timesSec, values: fit.observedPpm, style: 'points', colour: '#111111' },
    { name: 'prior', timesSec: fit.timesSec, values: fit.priorPpm, colour: '#969696' },
    { name: 'posterior', timesSec: fit.timesSec, values: fit.posteriorPpm, colour: '#d95f02' },
  ], width, height);
}
