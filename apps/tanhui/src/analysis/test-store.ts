// Test helper: a tiny run store written directly with @tanhui/io in the layout of
// apps/tanhui/src/store/run-store.ts (only the arrays the analysis commands read), with values
// chosen by the test so that every expected number can be computed by hand.
import { LatLonGrid } from '@tanhui/core';
import { ZarrStore } from '@tanhui/io';
import { OBS_KINDS } from '@tanhui/observations';

export interface TestObsRow {
  site: string;
  kind: (typeof OBS_KINDS)[number];
  latDeg: number;
  timeSec: number;
  value: number;
  prior: number;
  posterior: number;
  error: number;
  flag: number;
  window: number;
}

export interface TestStoreSpec {
  /** Regions (codes 1…R); the grid's cells are assigned region (j mod R) + 1 by latitude row. */
  regions: { name: string; kind: 'land' | 'ocean' | 'other' }[];
  /** Per window: uniform bio flux of prior, posterior, truth [mol m⁻² s⁻¹]. */
  fluxPrior: number[];
  fluxPosterior: number[];
  /** [window][region] budgets and σ [PgC yr⁻¹]. */
  budgetPrior: number[][];
  budgetPriorSd: number[][];
  budgetPosterior: number[][];
  budgetPosteriorSd: number[][];
  obs: TestObsRow[];
  windowsComplete?: number;
}

export const TEST_GRID = LatLonGrid.preset('6x4');
const DAY = 86400;
const T0 = Date.UTC(2020, 5, 1) / 1000;

export async function writeTestStore(path: string, spec: TestStoreSpec): Promise<void> {
  const g = TEST_GRID;
  const W = spec.fluxPrior.length;
  const R = spec.regions.length;
  const store = await ZarrStore.create(path, {
    attrs: {
      Conventions: 'CF-1.8',
      title: 'tanhui ensrf run: hand-made test store',
      tanhui_store_format: 'tanhui-run-store/1',
      tanhui_version: 'test',
      git_commit: 'none',
      config: { name: 'hand-made', prior: { components: [{ name: 'bio', optimise: true }, { name: 'ocean', optimise: false }] } },
      windows_total: W,
      windows_complete: spec.windowsComplete ?? W,
    },
  });
  await store.writeArray('time', Float64Array.from({ length: W }, (_, w) => T0 + w * DAY), { dims: ['time'] });
  await store.writeArray('time_bnds', Float64Array.from({ length: 2 * W }, (_, k) => T0 + (Math.floor(k / 2) + (k % 2)) * DAY), { shape: [W, 2], dims: ['time', 'nv'] });
  await store.writeArray('lat', Float64Array.from(g.latCentersDeg), { dims: ['lat'] });
  await store.writeArray('lon', Float64Array.from(g.lonCentersDeg), { dims: ['lon'] });
  await store.writeArray('region', Int32Array.from(spec.regions, (_, r) => r + 1), { dims: ['region'] });
  await store.writeArray('region_name', spec.regions.map((r) => r.name), { dims: ['region'] });
  await store.writeArray('region_kind', spec.regions.map((r) => r.kind), { dims: ['region'] });
  await store.writeArray('region_map', Int32Array.from({ length: g.size }, (_, c) => (Math.floor(c / g.nlon) % R) + 1), { shape: [g.nlat, g.nlon], dims: ['lat', 'lon'] });
  const maps = (v: number[]): Float64Array => Float64Array.from({ length: W * g.size }, (_, k) => v[Math.floor(k / g.size)]!);
  await store.writeArray('flux_prior_bio', maps(spec.fluxPrior), { shape: [W, g.nlat, g.nlon], dims: ['time', 'lat', 'lon'] });
  await store.writeArray('flux_posterior_bio', maps(spec.fluxPosterior), { shape: [W, g.nlat, g.nlon], dims: ['time', 'lat', 'lon'] });
  // A fixed (not optimised) component that must not enter the maps of the optimised flux.
  await store.writeArray('flux_prior_ocean', maps(spec.fluxPrior.map(() => 1)), { shape: [W, g.nlat, g.nlon], dims: ['time', 'lat', 'lon'] });
  await store.writeArray('flux_posterior_ocean', maps(spec.fluxPrior.map(() => 1)), { shape: [W, g.nlat, g.nlon], dims: ['time', 'lat', 'lon'] });
  const perRegion = (a: number[][]): Float64Array => Float64Array.from(a.flat());
  await store.writeArray('budget_prior', perRegion(spec.budgetPrior), { shape: [W, R], dims: ['time', 'region'] });
  await store.writeArray('budget_prior_sd', perRegion(spec.budgetPriorSd), { shape: [W, R], dims: ['time', 'region'] });
  await store.writeArray('budget_posterior', perRegion(spec.budgetPosterior), { shape: [W, R], dims: ['time', 'region'] });
  await store.writeArray('budget_posterior_sd', perRegion(spec.budgetPosteriorSd), { shape: [W, R], dims: ['time', 'region'] });
  const cov = new Float64Array(W * R * R);
  for (let w = 0; w < W; w++) for (let r = 0; r < R; r++) cov[w * R * R + r * R + r] = spec.budgetPosteriorSd[w]![r]! ** 2;
  await store.writeArray('budget_posterior_cov', cov, { shape: [W, R, R], dims: ['time', 'region', 'region_b'] });
  await store.writeArray('chi2', Float64Array.from({ length: W }, () => 1), { dims: ['time'] });
  const o = spec.obs;
  const col = (f: (r: TestObsRow) => number): Float64Array => Float64Array.from(o, f);
  await store.writeArray('obs_time', col((r) => r.timeSec), { dims: ['obs'] });
  await store.writeArray('obs_lat', col((r) => r.latDeg), { dims: ['obs'] });
  await store.writeArray('obs_lon', col(() => 100), { dims: ['obs'] });
  await store.writeArray('obs_altitude', col(() => 10), { dims: ['obs'] });
  await store.writeArray('obs_kind', Int32Array.from(o, (r) => OBS_KINDS.indexOf(r.kind)), { dims: ['obs'] });
  await store.writeArray('obs_site', o.map((r) => r.site), { dims: ['obs'] });
  await store.writeArray('obs_window', Int32Array.from(o, (r) => r.window), { dims: ['obs'] });
  await store.writeArray('obs_error', col((r) => r.error), { dims: ['obs'] });
  await store.writeArray('obs_value', col((r) => r.value), { dims: ['obs'] });
  await store.writeArray('obs_prior_sim', col((r) => r.prior), { dims: ['obs'] });
  await store.writeArray('obs_posterior_sim', col((r) => r.posterior), { dims: ['obs'] });
  await store.writeArray('obs_flag', Int32Array.from(o, (r) => r.flag), { dims: ['obs'] });
  await store.consolidate();
}

export const TEST_T0 = T0;
