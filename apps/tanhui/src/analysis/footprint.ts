// Footprints: the adjoint of the built-in transport (synthetic met) applied to one observation
// per site → ∂(sampled CO2)/∂(surface flux) per cell, for a flux held constant over the hours
// before the observation. The adjoint returns mol mol⁻¹ per mol m⁻² s⁻¹, which is numerically
// ppm per µmol m⁻² s⁻¹ (×1e6 ppm, ×1e−6 mol/µmol). One adjoint run serves every site: site s is
// tracer s, seeded with a unit sensitivity on its own sample.
import { builtinRegions, LatLonGrid, TanhuiError, type GridPreset } from '@tanhui/core';
import { coverageByRegion, coverageMap, type RegionCoverage, type RegionMapInput } from '@tanhui/analysis';
import { buildPointOperator, findSite, ObservationTableBuilder, type Site } from '@tanhui/observations';
import { createBuiltinModel, type BuiltinTransportModel, type SamplePlan, type TransportWindow } from '@tanhui/transport';

export interface FootprintRequest {
  /** Catalogue site codes (case-insensitive). */
  sites: readonly string[];
  /** Observation time [s since 1970-01-01 UTC]. */
  timeSec: number;
  /** Model grid preset (default 6x4). */
  grid?: GridPreset;
  /** Length of the back-trajectory period [h] (default 72), rounded up to whole model steps. */
  hours?: number;
  /** Model time step [s] (default: the model's for the grid). */
  stepSeconds?: number;
  /**
   * 'catalogue' (default, as the run samples): the site's altitude a.s.l. (elevation + intake);
   * 'above-model-surface': the intake height above the model surface — mountain sites such as
   * WLG (3890 m a.s.l.) otherwise sample the free troposphere of a model without orography.
   */
  sampling?: SiteSampling;
}

export type SiteSampling = 'catalogue' | 'above-model-surface';

export interface FootprintResult {
  grid: LatLonGrid;
  sites: Site[];
  window: TransportWindow;
  stepSeconds: number;
  /** Per site: sensitivity [ppm per µmol m⁻² s⁻¹] of its sample to a flux constant over the window, flat j*nlon + i. */
  footprints: Float64Array[];
  sampling: SiteSampling;
}

/**
 * ppm per µmol m⁻² s⁻¹ from mol mol⁻¹ per mol m⁻² s⁻¹: 1e6 ppm per mol mol⁻¹ times 1e−6 mol per
 * µmol (= 1, as @tanhui/analysis' footprint helpers note; spelt out so the units are checked).
 */
export const PPM_PER_UMOL_M2S_PER_MOLFRAC_PER_MOL_M2S = 1e6 * 1e-6;

const MODEL_CACHE = new Map<string, BuiltinTransportModel>();

/** The built-in model on synthetic met for a grid (cached: building the step operators is the slow part). */
export function footprintModel(grid: GridPreset, stepSeconds?: number): BuiltinTransportModel {
  const key = `${grid}:${stepSeconds ?? 0}`;
  let m = MODEL_CACHE.get(key);
  if (!m) {
    m = createBuiltinModel({ met: { kind: 'synthetic', grid, levels: 'generic25' }, options: stepSeconds ? { stepSeconds } : {} });
    MODEL_CACHE.set(key, m);
  }
  return m;
}

export function resolveSites(codes: readonly string[]): Site[] {
  if (codes.length === 0) throw new TanhuiError('InvalidArgument', 'no site given', { hint: 'use --site CODE or --sites A,B,C' });
  return codes.map((code) => {
    const s = findSite(code);
    if (!s) throw new TanhuiError('InvalidArgument', `unknown site '${code}'`, { context: { key: 'site' }, hint: 'use a code of the site catalogue of @tanhui/observations (e.g. wlg, sdz, lan, lfs, mlo)' });
    return s;
  });
}

/** The window [T − L, T] with L = hours rounded up to whole model steps. */
export function footprintWindow(timeSec: number, hours: number, stepSeconds: number): TransportWindow {
  if (!Number.isFinite(timeSec)) throw new TanhuiError('InvalidArgument', 'the observation time is not a valid time', { context: { key: 'time' } });
  if (!(hours > 0)) throw new TanhuiError('InvalidArgument', `--hours must be a positive number, got ${hours}`, { context: { key: 'hours' } });
  const len = Math.ceil((hours * 3600) / stepSeconds - 1e-9) * stepSeconds;
  return { startSec: timeSec - len, endSec: timeSec };
}

/** One observation per site at time T (catalogue position and sampling altitude), and its plan. */
export function sitePlan(model: BuiltinTransportModel, window: TransportWindow, sites: readonly Site[], timeSec: number, sampling: SiteSampling = 'catalogue'): SamplePlan {
  const b = new ObservationTableBuilder();
  sites.forEach((s, k) =>
    b.push({ id: k, timeSec, latDeg: s.latDeg, lonDeg: s.lonDeg, altitudeM: sampling === 'catalogue' ? s.altitudeM : s.intakeHeightM, pressureHPa: NaN, valuePpm: NaN, errorPpm: NaN, kind: s.kind, site: s.code, dataset: 'footprint', flags: 0 }),
  );
  return buildPointOperator(model.samplingContext(window), b.build()).plan;
}

export function computeFootprints(req: FootprintRequest): FootprintResult {
  const sites = resolveSites(req.sites);
  const model = footprintModel(req.grid ?? '6x4', req.stepSeconds);
  const window = footprintWindow(req.timeSec, req.hours ?? 72, model.stepSeconds);
  const plan = sitePlan(model, window, sites, req.timeSec, req.sampling);
  const K = sites.length;
  const sampleSensitivity = new Float64Array(K * K);
  for (let s = 0; s < K; s++) sampleSensitivity[s * K + s] = 1;
  const { fluxSensitivity } = model.adjoint({ window, nTracers: K, sampleSensitivity, plan, fluxPeriodSeconds: window.endSec - window.startSec });
  const n = model.grid.size;
  const footprints = sites.map((_, s) => {
    const f = new Float64Array(n);
    for (let c = 0; c < n; c++) f[c] = fluxSensitivity[c * K + s]! * PPM_PER_UMOL_M2S_PER_MOLFRAC_PER_MOL_M2S;
    return f;
  });
  return { grid: model.grid, sites, window, stepSeconds: model.stepSeconds, footprints, sampling: req.sampling ?? 'catalogue' };
}

/** Approximate sub-regions of China (boxes within the China mask) for coverage listings. */
export function chinaSubregions(grid: LatLonGrid): RegionMapInput {
  const names = ['China northeast', 'China northwest', 'China Tibetan Plateau', 'China southwest', 'China south', 'China north', 'China east and central'];
  const mask = builtinRegions(grid).chinaMask;
  const codes = new Int32Array(grid.size).fill(-1);
  for (let j = 0; j < grid.nlat; j++) {
    const lat = grid.latCentersDeg[j]!;
    for (let i = 0; i < grid.nlon; i++) {
      const c = j * grid.nlon + i;
      if (!mask[c]) continue;
      const lon = grid.lonCentersDeg[i]!;
      codes[c] = lat >= 40 && lon >= 115 ? 0 : lon < 105 && lat >= 36 ? 1 : lon < 100 ? 2 : lon < 110 && lat < 30 ? 3 : lat < 26 ? 4 : lat >= 34 ? 5 : 6;
    }
  }
  return { grid, codes, names };
}

export interface NetworkCoverage {
  /** Sum of the sites' footprints [ppm per µmol m⁻² s⁻¹]. */
  coverage: Float64Array;
  /** Coverage below which a cell counts as unseen. */
  threshold: number;
  /** TransCOM regions, then the China sub-regions. */
  regions: RegionCoverage[];
  /** Land regions (TransCOM land, China sub-regions) with more than half their area unseen. */
  unseen: RegionCoverage[];
}

/** Network coverage and what it cannot see; threshold defaults to 1 % of the map's maximum. */
export function networkCoverage(grid: LatLonGrid, footprints: readonly Float64Array[], threshold?: number): NetworkCoverage {
  const coverage = coverageMap(footprints);
  let max = 0;
  for (const v of coverage) max = Math.max(max, v);
  const th = threshold ?? 0.01 * max;
  const br = builtinRegions(grid);
  const landNames = new Set(br.transcom.regions.filter((r) => r.kind === 'land').map((r) => r.name));
  const china = chinaSubregions(grid);
  const regions = [...coverageByRegion(br.transcom, coverage, th), ...coverageByRegion(china, coverage, th)];
  const unseen = regions.filter((r) => (landNames.has(r.region) || r.region.startsWith('China')) && r.unseenAreaFraction > 0.5);
  return { coverage, threshold: th, regions, unseen };
}
