// The run report: a self-contained HTML page (inline SVG and CSS, no scripts, no external
// requests) built from plain data. Pure: the caller reads the run store and writes the file.
import { LatLonGrid, M_C, SECONDS_PER_YEAR, TanhuiError } from '@tanhui/core';
import type { ClosureResult } from '../closure';
import type { NetworkComparison } from '../compare';
import { formatBiasRmse, formatSigned, type ValidationGroup } from '../validation';
import type { BudgetRow } from '../budgets';
import { budgetBarsSvg, lineChartSvg, mapSvg, obsFitSvg, type LineSeries, type MapPanel, type SiteFit } from './charts';
import { esc, fmt } from './svg';

export interface RegionTimeSeries {
  region: string;
  timesSec: ArrayLike<number>;
  prior?: ArrayLike<number>;
  posterior: ArrayLike<number>;
  posteriorSigma?: ArrayLike<number>;
}

export interface ReportData {
  title: string;
  grid: LatLonGrid;
  maps: readonly MapPanel[];
  budgets?: { units: string; rows: readonly BudgetRow[] };
  timeSeries?: { units: string; regions: readonly RegionTimeSeries[] };
  obsFits?: readonly SiteFit[];
  validation?: readonly ValidationGroup[];
  closure?: ClosureResult;
  /** A network experiment (compareRuns): its budget differences as a table; put its difference map in `maps`. */
  comparison?: NetworkComparison;
  /** Run provenance (version, git commit, config, input checksums …) as key → text. */
  provenance?: Readonly<Record<string, string>>;
}

/** gC m⁻² yr⁻¹ per mol m⁻² s⁻¹. */
export const GC_M2_YR_PER_MOL_M2_S = M_C * 1000 * SECONDS_PER_YEAR;

/**
 * The four standard maps: prior and posterior flux, increment (posterior − prior) [gC m⁻² yr⁻¹]
 * and uncertainty reduction 1 − σ_post/σ_prior (when σ maps are given).
 */
export function fluxMapPanels(
  priorMolM2S: ArrayLike<number>,
  posteriorMolM2S: ArrayLike<number>,
  priorSigmaMolM2S?: ArrayLike<number>,
  posteriorSigmaMolM2S?: ArrayLike<number>,
): MapPanel[] {
  if (priorMolM2S.length !== posteriorMolM2S.length) throw new TanhuiError('BadShape', `prior has ${priorMolM2S.length} cells, posterior ${posteriorMolM2S.length}`);
  const k = GC_M2_YR_PER_MOL_M2_S;
  const prior = Float64Array.from(priorMolM2S, (v) => v * k);
  const post = Float64Array.from(posteriorMolM2S, (v) => v * k);
  let m = 0;
  for (let c = 0; c < prior.length; c++) m = Math.max(m, Math.abs(prior[c]!), Math.abs(post[c]!));
  const units = 'gC m⁻² yr⁻¹';
  const panels: MapPanel[] = [
    { title: 'Prior flux', values: prior, units, kind: 'diverging', range: [-m, m] },
    { title: 'Posterior flux', values: post, units, kind: 'diverging', range: [-m, m] },
    { title: 'Increment (posterior − prior)', values: Float64Array.from(post, (v, c) => v - prior[c]!), units, kind: 'diverging' },
  ];
  if (priorSigmaMolM2S && posteriorSigmaMolM2S) {
    const ur = Float64Array.from(priorSigmaMolM2S, (s, c) => (s > 0 ? 1 - posteriorSigmaMolM2S[c]! / s : NaN));
    panels.push({ title: 'Uncertainty reduction 1 − σ_post/σ_prior', values: ur, units: 'fraction', kind: 'sequential', range: [0, 1] });
  }
  return panels;
}

const CSS = `
body{font-family:system-ui,sans-serif;margin:24px auto;max-width:1160px;color:#222;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.grid{display:flex;flex-wrap:wrap;gap:16px}
figure.tanhui-figure{margin:0;padding:8px;border:1px solid #e5e5e5;border-radius:4px;background:#fff}
figcaption{font-size:13px;font-weight:600;margin-bottom:4px}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}
td:first-child,th:first-child{text-align:left}th{background:#f5f5f5}
.summary{font-family:ui-monospace,monospace;font-size:14px;margin:6px 0}
pre{background:#f7f7f7;padding:8px;overflow-x:auto;font-size:12px}
`;

function figure(caption: string, svg: string): string {
  return `<figure class="tanhui-figure"><figcaption>${esc(caption)}</figcaption>${svg}</figure>`;
}

function validationTable(groups: readonly ValidationGroup[]): string {
  const arrow = (a: number, b: number): string => `${esc(formatSigned(a))} → ${esc(formatSigned(b))}`;
  const rows = groups
    .map(
      (g) =>
        `<tr><td>${esc(g.kind === 'all' ? 'all' : `${g.kind}: ${g.name}`)}</td><td>${g.prior.count}</td><td>${arrow(g.prior.bias, g.posterior.bias)}</td>` +
        `<td>${arrow(g.prior.rmse, g.posterior.rmse)}</td><td>${arrow(g.prior.correlation, g.posterior.correlation)}</td><td>${arrow(g.prior.reducedChi2, g.posterior.reducedChi2)}</td></tr>`,
    )
    .join('');
  const all = groups.find((g) => g.kind === 'all');
  const summary = all ? `<p class="summary">${esc(formatBiasRmse(all))} ppm</p>` : '';
  return `${summary}<table class="validation"><thead><tr><th>group</th><th>n</th><th>BIAS [ppm]</th><th>RMSE [ppm]</th><th>R</th><th>χ²/n</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function closureTable(c: ClosureResult): string {
  const pm = (v: number, s: number): string => `${esc(fmt(v))} ± ${esc(fmt(s))}`;
  const terms = c.terms.map((t) => `<tr><td>${esc(t.label)}</td><td>${pm(t.value, t.sigma)}</td><td></td></tr>`).join('');
  const est = c.estimates.map((e) => `<tr><th>${esc(e.label)}</th><th>${pm(e.value, e.sigma)}</th><th>${pm(e.mcMean, e.mcSigma)}</th></tr>`).join('');
  const gaps = c.gaps.map((g) => `<tr><th>gap: ${esc(g.label)}</th><th>${pm(g.value, g.sigma)}</th><th>${pm(g.mcMean, g.mcSigma)} ${g.consistent ? '(closes)' : '(does not close)'}</th></tr>`).join('');
  return `<table class="closure"><thead><tr><th>${esc(c.name)}</th><th>${esc(c.units)} (analytic)</th><th>Monte Carlo (${c.samples})</th></tr></thead><tbody>${terms}${est}${gaps}</tbody></table>`;
}

/** The whole page. Every figure is a `<figure class="tanhui-figure">` holding one inline SVG. */
export function renderReport(data: ReportData): string {
  const sections: string[] = [];
  if (data.maps.length > 0) {
    sections.push(`<section id="maps"><h2>Flux maps</h2><div class="grid">${data.maps.map((p, k) => figure(p.title, mapSvg(`map${k}`, data.grid, p))).join('')}</div></section>`);
  }
  if (data.budgets && data.budgets.rows.length > 0) {
    const rows = data.budgets.rows
      .map((r) => `<tr><td>${esc(r.region)}</td><td>${esc(fmt(r.prior))} ± ${esc(fmt(r.priorSigma))}</td><td>${esc(fmt(r.posterior))} ± ${esc(fmt(r.posteriorSigma))}</td></tr>`)
      .join('');
    sections.push(
      `<section id="budgets"><h2>Regional budgets</h2><div class="grid">${figure(`Regional fluxes (${data.budgets.units}), ±1σ`, budgetBarsSvg(data.budgets.rows, data.budgets.units))}` +
        `<table class="budgets"><thead><tr><th>region</th><th>prior</th><th>posterior</th></tr></thead><tbody>${rows}</tbody></table></div></section>`,
    );
  }
  if (data.timeSeries && data.timeSeries.regions.length > 0) {
    const units = data.timeSeries.units;
    const figs = data.timeSeries.regions.map((r) => {
      const series: LineSeries[] = [];
      if (r.prior) series.push({ name: 'prior', timesSec: r.timesSec, values: r.prior, colour: '#969696' });
      series.push({ name: 'posterior', timesSec: r.timesSec, values: r.posterior, sigma: r.posteriorSigma, colour: '#3182bd' });
      return figure(r.region, lineChartSvg(r.region, units, series));
    });
    sections.push(`<section id="timeseries"><h2>Regional fluxes per window</h2><div class="grid">${figs.join('')}</div></section>`);
  }
  if (data.obsFits && data.obsFits.length > 0) {
    sections.push(`<section id="obsfit"><h2>Observation fits</h2><div class="grid">${data.obsFits.map((f) => figure(f.site, obsFitSvg(f))).join('')}</div></section>`);
  }
  if (data.validation && data.validation.length > 0) {
    sections.push(`<section id="validation"><h2>Validation against independent observations</h2>${validationTable(data.validation)}</section>`);
  }
  if (data.comparison) {
    const c = data.comparison;
    const pct = (x: number): string => (Number.isFinite(x) ? `${Math.round(x * 100)} %` : '—');
    const rows = c.budgets
      .map((b) => `<tr><td>${esc(b.region)}</td><td>${esc(fmt(b.difference))} ± ${esc(fmt(b.sigma))}</td><td>${pct(b.uncertaintyReductionA)}</td><td>${pct(b.uncertaintyReductionB)}</td><td>${pct(b.relativeReduction)}</td></tr>`)
      .join('');
    sections.push(
      `<section id="comparison"><h2>Network experiment: ${esc(c.labelA)} vs ${esc(c.labelB)}</h2><table class="comparison"><thead><tr><th>region</th>` +
        `<th>${esc(c.labelA)} − ${esc(c.labelB)} [PgC yr⁻¹]</th><th>UR ${esc(c.labelA)}</th><th>UR ${esc(c.labelB)}</th><th>UR ${esc(c.labelA)} vs ${esc(c.labelB)}</th></tr></thead><tbody>${rows}</tbody></table></section>`,
    );
  }
  if (data.closure) sections.push(`<section id="closure"><h2>Budget closure</h2>${closureTable(data.closure)}</section>`);
  if (data.provenance) {
    const rows = Object.entries(data.provenance)
      .map(([k, v]) => `<tr><td>${esc(k)}</td><td style="text-align:left"><pre>${esc(v)}</pre></td></tr>`)
      .join('');
    sections.push(`<section id="provenance"><h2>Provenance</h2><table class="provenance"><tbody>${rows}</tbody></table></section>`);
  }
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<link rel="icon" href="data:,"><title>${esc(data.title)}</title><style>${CSS}</style></head>` +
    `<body><header><h1>${esc(data.title)}</h1><p>${esc(data.grid.describe())}; fluxes positive to the atmosphere (sinks negative).</p></header>${sections.join('')}</body></html>\n`
  );
}
