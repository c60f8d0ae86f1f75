// A small synthetic report dataset (analytic flux patterns, invented sites): exercises every
// figure of the report in tests and gives the app something to render before a run store exists.
import { LatLonGrid } from '@tanhui/core';
import { regionalTotalsPgC } from '../budgets';
import { evaluateClosure } from '../closure';
import { compareRuns } from '../compare';
import { latitudeBandRegionMap } from '../regions';
import { validate, type ValidationRecord } from '../validation';
import type { BudgetRow } from '../budgets';
import type { SiteFit } from './charts';
import { fluxMapPanels, type RegionTimeSeries, type ReportData } from './report';

const DEG = Math.PI / 180;

export function syntheticReportData(grid: LatLonGrid = LatLonGrid.preset('3x2')): ReportData {
  const n = grid.size;
  const prior = new Float64Array(n);
  const post = new Float64Array(n);
  const priorSigma = new Float64Array(n);
  const postSigma = new Float64Array(n);
  for (let j = 0; j < grid.nlat; j++) {
    const lat = grid.latCentersDeg[j]!;
    for (let i = 0; i < grid.nlon; i++) {
      const lon = grid.lonCentersDeg[i]!;
      const c = j * grid.nlon + i;
      // A northern mid-latitude sink, a weak tropical source, an ocean-like zonal pattern.
      const p = -2e-7 * Math.exp(-(((lat - 50) / 15) ** 2)) * (1 + 0.5 * Math.cos(2 * lon * DEG)) + 5e-8 * Math.exp(-((lat / 10) ** 2));
      prior[c] = p;
      const bump = -1e-7 * Math.exp(-(((lat - 32) / 8) ** 2) - (((lon - 110) / 15) ** 2));
      post[c] = p + bump;
      priorSigma[c] = 1e-7 * (0.5 + Math.abs(Math.sin(lat * DEG)));
      postSigma[c] = priorSigma[c]! * (1 - 0.7 * Math.exp(-(((lat - 40) / 20) ** 2) - (((lon - 100) / 40) ** 2)));
    }
  }
  const bands = latitudeBandRegionMap(grid);
  const tp = regionalTotalsPgC(bands, prior);
  const tq = regionalTotalsPgC(bands, post);
  const rows: BudgetRow[] = bands.names.map((region, r) => ({
    region,
    prior: tp[r]!,
    priorSigma: 0.3 * Math.abs(tp[r]!) + 0.05,
    posterior: tq[r]!,
    posteriorSigma: 0.15 * Math.abs(tq[r]!) + 0.03,
  }));
  const t0 = Date.UTC(2021, 0, 1) / 1000;
  const week = 7 * 86400;
  const times = Float64Array.from({ length: 52 }, (_, k) => t0 + k * week);
  const seasonal = (k: number, amp: number, phase: number): number => amp * Math.cos((2 * Math.PI * (k - phase)) / 52);
  const regions: RegionTimeSeries[] = ['boreal N', 'temperate N', 'tropical N'].map((region, r) => ({
    region,
    timesSec: times,
    prior: Float64Array.from(times, (_, k) => seasonal(k, 2 - r * 0.6, 5) - 0.3),
    posterior: Float64Array.from(times, (_, k) => seasonal(k, 2.2 - r * 0.6, 6) - 0.45),
    posteriorSigma: Float64Array.from(times, () => 0.2 + 0.05 * r),
  }));
  const sites: [string, number][] = [['WLG', 36.3], ['LLN', 23.5], ['SDZ', 40.6]];
  const obsFits: SiteFit[] = sites.map(([site], s) => {
    const t = Float64Array.from({ length: 40 }, (_, k) => t0 + k * 9 * 86400);
    const truth = Float64Array.from(t, (_, k) => 412 + 4 * Math.cos((2 * Math.PI * k) / 40) + s + 0.3 * Math.sin(k * 1.7));
    return {
      site,
      timesSec: t,
      observedPpm: truth,
      priorPpm: Float64Array.from(truth, (v, k) => v + 1.5 + 0.8 * Math.sin(k * 0.5)),
      posteriorPpm: Float64Array.from(truth, (v, k) => v - 0.4 + 0.4 * Math.sin(k * 0.5)),
    };
  });
  const records: ValidationRecord[] = obsFits.flatMap((f, s) =>
    Array.from(f.timesSec, (timeSec, k) => ({
      site: f.site,
      category: s === 1 ? 'tower' : 'flask',
      latDeg: sites[s]![1],
      timeSec,
      observedPpm: f.observedPpm[k]!,
      priorPpm: f.priorPpm[k]!,
      posteriorPpm: f.posteriorPpm[k]!,
      sigmaPpm: 1,
    })),
  );
  const closure = evaluateClosure(
    {
      name: 'Synthetic closure',
      units: 'PgC yr-1',
      terms: { inv: { value: 0.45, sigma: 0.25, label: 'inverted sink' }, veg: { value: 0.175, sigma: 0.042, label: 'vegetation' }, soil: { value: 0.117, sigma: 0.049, label: 'soil' } },
      estimates: { td: { label: 'top-down', sum: ['inv'] }, bu: { label: 'bottom-up', sum: ['veg', 'soil'] } },
      gaps: [['td', 'bu']],
    },
    { samples: 2000, seed: 1 },
  );
  // A network experiment: "with" is this posterior, "without" a run whose increment is halved.
  const without = Float64Array.from(post, (v, c) => 0.5 * (v + prior[c]!));
  const tw = regionalTotalsPgC(bands, without);
  const summary = (label: string, flux: Float64Array, totals: Float64Array, shrink: number) => ({
    label,
    posteriorFluxMolM2S: flux,
    regions: bands.names,
    priorPgC: tp,
    priorSigmaPgC: rows.map((r) => r.priorSigma),
    posteriorPgC: totals,
    posteriorSigmaPgC: rows.map((r) => r.priorSigma * shrink),
  });
  const comparison = compareRuns(summary('with aircraft', post, tq, 0.5), summary('surface only', without, tw, 0.8));
  const maps = fluxMapPanels(prior, post, priorSigma, postSigma);
  maps.push({ title: 'With − without aircraft (posterior)', values: Float64Array.from(comparison.differenceMolM2S, (v) => v * 1e6), units: 'µmol m⁻² s⁻¹', kind: 'diverging' });
  return {
    title: 'tanhui report — synthetic example',
    grid,
    maps,
    comparison,
    budgets: { units: 'PgC yr⁻¹', rows },
    timeSeries: { units: 'PgC yr⁻¹', regions },
    obsFits,
    validation: validate(records),
    closure,
    provenance: { version: '0.1.0', 'git commit': 'synthetic', config: 'grid: 3x2\nsolver: ensrf\nmembers: 40', inputs: 'none (synthetic world)' },
  };
}
