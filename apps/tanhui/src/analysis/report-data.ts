// A run store → @tanhui/analysis ReportData: maps of the optimised components' prior and
// posterior flux (mean over the complete windows), increment, regional uncertainty reduction
// and, for OSSEs, truth; regional budget bars with σ; per-window regional time series; fits at
// the stations; the validation table (independent rows only, see validation-records.ts);
// optional closure and comparison sections; provenance from the root attributes.
import YAML from 'yaml';
import {
  fluxMapPanels,
  GC_M2_YR_PER_MOL_M2_S,
  validate,
  type BudgetRow,
  type ClosureResult,
  type MapPanel,
  type NetworkComparison,
  type RegionTimeSeries,
  type ReportData,
  type SiteFit,
} from '@tanhui/analysis';
import { meanBudgets, meanFlux, type RunStoreData } from './run-store-reader';
import { validationRecords, type SelectedRecords, type ValidationSelection } from './validation-records';

export interface RunReportOptions extends ValidationSelection {
  closure?: ClosureResult;
  comparison?: { comparison: NetworkComparison; differenceMap?: MapPanel };
  /** At most this many station fit plots (default 12, the sites with most observations). */
  maxSiteFits?: number;
  /** Extra provenance lines (e.g. the run's summary table). */
  extraProvenance?: Record<string, string>;
}

export interface RunReport {
  data: ReportData;
  /** The validation selection, or why there is none. */
  validation: SelectedRecords | { none: string };
}

const AGGREGATE_ORDER = ['Global land', 'Global ocean', 'Global total'];

/** Land regions and the global aggregates: the rows a reader looks at first. */
export function reportRegions(run: RunStoreData): number[] {
  const idx = run.regions.map((_, r) => r);
  const agg = AGGREGATE_ORDER.map((n) => run.regions.findIndex((r) => r.name === n)).filter((r) => r >= 0);
  const land = idx.filter((r) => run.regions[r]!.kind === 'land' && !AGGREGATE_ORDER.includes(run.regions[r]!.name));
  return [...agg, ...land];
}

function stationFits(run: RunStoreData, max: number): SiteFit[] {
  const o = run.obs;
  const bySite = new Map<string, number[]>();
  for (let k = 0; k < o.n; k++) {
    if (o.kind[k] === 'xco2' || o.kind[k] === 'tccon') continue;
    if (!(Number.isFinite(o.valuePpm[k]!) && Number.isFinite(o.priorPpm[k]!) && Number.isFinite(o.posteriorPpm[k]!))) continue;
    const list = bySite.get(o.site[k]!) ?? [];
    list.push(k);
    bySite.set(o.site[k]!, list);
  }
  return [...bySite.entries()]
    .sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))
    .slice(0, max)
    .map(([site, rows]) => {
      rows.sort((a, b) => o.timeSec[a]! - o.timeSec[b]!);
      return {
        site: site.toUpperCase(),
        timesSec: Float64Array.from(rows, (k) => o.timeSec[k]!),
        observedPpm: Float64Array.from(rows, (k) => o.valuePpm[k]!),
        priorPpm: Float64Array.from(rows, (k) => o.priorPpm[k]!),
        posteriorPpm: Float64Array.from(rows, (k) => o.posteriorPpm[k]!),
      };
    });
}

function provenanceOf(run: RunStoreData): Record<string, string> {
  const a = run.attrs;
  const p: Record<string, string> = {};
  const str = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
  for (const key of ['title', 'tanhui_version', 'git_commit', 'tanhui_command', 'source', 'config_sha256']) if (a[key] !== undefined) p[key.replace(/_/g, ' ')] = str(a[key]);
  p['run store'] = run.path;
  p.windows = `${run.windows.length} complete of ${str(a.windows_total ?? '?')}: ${new Date(run.windows[0]!.startSec * 1000).toISOString()} … ${new Date(run.windows[run.windows.length - 1]!.endSec * 1000).toISOString()}`;
  if (a.input_checksums !== undefined) p['input checksums (sha256)'] = YAML.stringify(a.input_checksums).trim() || 'none (synthetic inputs)';
  if (a.config !== undefined) p['effective config'] = YAML.stringify(a.config).trim();
  return p;
}

export function buildRunReport(run: RunStoreData, opts: RunReportOptions = {}): RunReport {
  const comps = run.optimised;
  const compLabel = comps.join(' + ');
  const prior = meanFlux(run.fluxPrior, comps);
  const post = meanFlux(run.fluxPosterior, comps);
  const maps = fluxMapPanels(prior, post);
  maps[0]!.title = `Prior flux (${compLabel})`;
  maps[1]!.title = `Posterior flux (${compLabel})`;
  const budgets = meanBudgets(run);
  // Regional uncertainty reduction painted on the map (the store keeps σ per region, not per cell).
  const rowOfCode = new Map(run.regions.map((r, k) => [r.code, k]));
  const ur = Float64Array.from(run.regionMap, (code) => {
    const r = rowOfCode.get(code);
    if (code === 0 || r === undefined) return NaN;
    const b = budgets[r]!;
    return b.priorSigma > 0 ? 1 - b.posteriorSigma / b.priorSigma : NaN;
  });
  maps.push({ title: 'Uncertainty reduction 1 − σ_post/σ_prior per region', values: ur, units: 'fraction', kind: 'sequential', range: [0, 1] });
  if (run.truthFlux) {
    const truth = meanFlux(run.truthFlux, comps);
    const k = GC_M2_YR_PER_MOL_M2_S;
    const range = maps[0]!.range;
    maps.push({ title: `Truth flux (${compLabel}, OSSE)`, values: Float64Array.from(truth, (v) => v * k), units: 'gC m⁻² yr⁻¹', kind: 'diverging', range });
    maps.push({ title: 'Posterior − truth', values: Float64Array.from(truth, (v, c) => (post[c]! - v) * k), units: 'gC m⁻² yr⁻¹', kind: 'diverging' });
  }
  if (opts.comparison?.differenceMap) maps.push(opts.comparison.differenceMap);

  const shown = reportRegions(run);
  const rows: BudgetRow[] = shown.filter((r) => run.regions[r]!.name !== 'Global total').map((r) => {
    const b = budgets[r]!;
    return { region: b.region, prior: b.prior, priorSigma: b.priorSigma, posterior: b.posterior, posteriorSigma: b.posteriorSigma };
  });
  const times = Float64Array.from(run.windows, (w) => 0.5 * (w.startSec + w.endSec));
  const series: RegionTimeSeries[] = shown
    .filter((r) => run.regions[r]!.name !== 'Global total')
    .map((r) => ({
      region: run.regions[r]!.name,
      timesSec: times,
      prior: Float64Array.from(run.budgetPrior, (b) => b[r]!),
      posterior: Float64Array.from(run.budgetPosterior, (b) => b[r]!),
      posteriorSigma: Float64Array.from(run.budgetPosteriorSd, (b) => b[r]!),
    }));

  let validation: RunReport['validation'];
  let groups;
  try {
    validation = validationRecords(run, opts);
    groups = validate(validation.records);
  } catch (err) {
    validation = { none: err instanceof Error ? err.message : String(err) };
  }
  const provenance = provenanceOf(run);
  provenance.validation = 'none' in validation ? validation.none : validation.description;
  if (run.truthBudget) {
    provenance['truth (OSSE), PgC yr⁻¹'] = shown.map((r) => `${budgets[r]!.region}: truth ${budgets[r]!.truth!.toFixed(3)}, prior ${budgets[r]!.prior.toFixed(3)}, posterior ${budgets[r]!.posterior.toFixed(3)} ± ${budgets[r]!.posteriorSigma.toFixed(3)}`).join('\n');
  }
  const chi2 = run.chi2.reduce((s, v) => s + v, 0) / run.chi2.length;
  provenance['χ²/n (prior-mean innovations)'] = `${chi2.toFixed(3)} (mean over windows)`;
  Object.assign(provenance, opts.extraProvenance ?? {});
  const title = typeof run.attrs.title === 'string' ? run.attrs.title : 'tanhui run';
  const data: ReportData = {
    title: `tanhui report — ${title}`,
    grid: run.grid,
    maps,
    budgets: { units: 'PgC yr⁻¹', rows },
    timeSeries: { units: 'PgC yr⁻¹', regions: series },
    obsFits: stationFits(run, opts.maxSiteFits ?? 12),
    validation: groups,
    closure: opts.closure,
    comparison: opts.comparison?.comparison,
    provenance,
  };
  return { data, validation };
}
