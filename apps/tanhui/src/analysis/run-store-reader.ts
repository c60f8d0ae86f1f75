// Reads a tanhui run store (layout: apps/tanhui/src/store/run-store.ts, format
// 'tanhui-run-store/1') into plain arrays for @tanhui/analysis. Only complete windows
// (root attribute windows_complete) are read; nothing here writes.
import { LatLonGrid, TanhuiError } from '@tanhui/core';
import { ZarrStore, type ZarrAttrs } from '@tanhui/io';
import { OBS_KINDS } from '@tanhui/observations';

export const RUN_STORE_FORMAT = 'tanhui-run-store/1';
/** Flux components of the store (flux_prior_<c>, flux_posterior_<c>). */
export const STORE_COMPONENTS = ['bio', 'ocean', 'fossil', 'fire'] as const;
export type StoreComponent = (typeof STORE_COMPONENTS)[number];

/** Arrays of the per-cell uncertainty of an optimised component (absent in stores written before them). */
export const uncertaintyArrays = (comp: string): { sdPrior: string; sdPosterior: string; reduction: string } => ({
  sdPrior: `flux_prior_sd_${comp}`,
  sdPosterior: `flux_posterior_sd_${comp}`,
  reduction: `uncertainty_reduction_${comp}`,
});

export interface StoreRegion {
  code: number;
  name: string;
  kind: string;
}

export interface StoreObservations {
  n: number;
  timeSec: Float64Array;
  latDeg: Float64Array;
  lonDeg: Float64Array;
  altitudeM: Float64Array;
  /** Name of the kind (flask, insitu, tower, aircraft, xco2, tccon). */
  kind: string[];
  site: string[];
  window: Int32Array;
  errorPpm: Float64Array;
  valuePpm: Float64Array;
  priorPpm: Float64Array;
  posteriorPpm: Float64Array;
  /** −1 not used, 0 assimilated, 2 rejected (innovation test); other values: not assimilated. */
  flag: Int32Array;
  /** QC bits (@tanhui/observations QC; 0 = passed). */
  qcFlags: Uint32Array;
}

/** Per-cell σ of an optimised component's window-mean flux [window][cell] (stores before issue 21 have none). */
export interface StoreUncertainty {
  /** gC m⁻² yr⁻¹. */
  sdPrior: Float64Array[];
  sdPosterior: Float64Array[];
  /** 1 − σ_post/σ_prior. */
  reduction: Float64Array[];
}

export interface RunStoreData {
  path: string;
  attrs: ZarrAttrs;
  grid: LatLonGrid;
  /** Complete windows. */
  windows: { startSec: number; endSec: number }[];
  regions: StoreRegion[];
  /** Region code per cell (0 = none), flat j*nlon + i. */
  regionMap: Int32Array;
  /** Components the state optimises (budgets are of these), from the stored config. */
  optimised: StoreComponent[];
  /** Window-mean flux maps per component [window][cell], mol m⁻² s⁻¹. */
  fluxPrior: Record<StoreComponent, Float64Array[]>;
  fluxPosterior: Record<StoreComponent, Float64Array[]>;
  truthFlux?: Record<StoreComponent, Float64Array[]>;
  /** [window][region], PgC yr⁻¹. */
  budgetPrior: Float64Array[];
  budgetPriorSd: Float64Array[];
  budgetPosterior: Float64Array[];
  budgetPosteriorSd: Float64Array[];
  /** [window][region × region], (PgC yr⁻¹)². */
  budgetPosteriorCov: Float64Array[];
  truthBudget?: Float64Array[];
  chi2: Float64Array;
  obs: StoreObservations;
  /** Per optimised component, when the store has the σ maps. */
  uncertainty: Partial<Record<StoreComponent, StoreUncertainty>>;
}

function split(a: ArrayLike<number>, count: number, size: number): Float64Array[] {
  return Array.from({ length: count }, (_, w) => Float64Array.from({ length: size }, (_, k) => a[w * size + k]!));
}


/** Open and read a run store; rejects with a TanhuiError naming the store and what is wrong. */
export async function readRunStore(path: string): Promise<RunStoreData> {
  const store = await ZarrStore.open(path);
  const attrs = store.getAttrs('');
  if (attrs.tanhui_store_format !== RUN_STORE_FORMAT) {
    throw new TanhuiError('UnsupportedFormat', `not a tanhui run store (tanhui_store_format is ${JSON.stringify(attrs.tanhui_store_format ?? null)}, expected '${RUN_STORE_FORMAT}')`, {
      context: { file: path },
      hint: 'give the run store written by tanhui run / tanhui demo (e.g. out/demo.zarr)',
    });
  }
  const W = Number(attrs.windows_complete ?? 0);
  if (!(W >= 1)) throw new TanhuiError('EmptyInput', 'the run store has no complete window yet', { context: { file: path }, hint: 'run (or resume) the run first' });
  const need = async (name: string): Promise<ArrayLike<number> & { length: number }> => {
    if (!store.hasArray(name)) throw new TanhuiError('MissingVariable', `the run store has no array '${name}'`, { context: { file: path, variable: name } });
    return (await store.readArray(name)).data as Float64Array;
  };
  const needStrings = async (name: string): Promise<string[]> => {
    if (!store.hasArray(name)) throw new TanhuiError('MissingVariable', `the run store has no array '${name}'`, { context: { file: path, variable: name } });
    return (await store.readArray(name)).data as string[];
  };
  const lat = await need('lat');
  const lon = await need('lon');
  const grid = LatLonGrid.fromCenters(lon, lat, { file: path }).grid;
  const n = grid.size;
  const tb = await need('time_bnds');
  const windows = Array.from({ length: W }, (_, w) => ({ startSec: tb[2 * w]!, endSec: tb[2 * w + 1]! }));
  const codes = await need('region');
  const names = await needStrings('region_name');
  const kinds = await needStrings('region_kind');
  const regions = Array.from(codes, (code, r) => ({ code, name: names[r]!, kind: kinds[r]! }));
  const nr = regions.length;
  const perComp = async (prefix: string): Promise<Record<StoreComponent, Float64Array[]>> => {
    const out = {} as Record<StoreComponent, Float64Array[]>;
    for (const c of STORE_COMPONENTS) out[c] = store.hasArray(`${prefix}${c}`) ? split(await need(`${prefix}${c}`), W, n) : Array.from({ length: W }, () => new Float64Array(n));
    return out;
  };
  const cfg = attrs.config as { prior?: { components?: { name?: string; optimise?: boolean }[] } } | undefined;
  const listed = cfg?.prior?.components?.filter((c) => c.optimise && STORE_COMPONENTS.includes(c.name as StoreComponent)).map((c) => c.name as StoreComponent);
  const optimised: StoreComponent[] = listed && listed.length > 0 ? listed : ['bio', 'ocean'];
  const hasTruth = store.hasArray('truth/budget');
  const ob = {
    time: await need('obs_time'),
  };
  const nobs = ob.time.length;
  const kindCodes = await need('obs_kind');
  const obs: StoreObservations = {
    n: nobs,
    timeSec: Float64Array.from(ob.time),
    latDeg: Float64Array.from(await need('obs_lat')),
    lonDeg: Float64Array.from(await need('obs_lon')),
    altitudeM: Float64Array.from(await need('obs_altitude')),
    kind: Array.from(kindCodes, (k) => OBS_KINDS[k] ?? `kind${k}`),
    site: await needStrings('obs_site'),
    window: Int32Array.from(await need('obs_window')),
    errorPpm: Float64Array.from(await need('obs_error')),
    valuePpm: Float64Array.from(await need('obs_value')),
    priorPpm: Float64Array.from(await need('obs_prior_sim')),
    posteriorPpm: Float64Array.from(await need('obs_posterior_sim')),
    flag: Int32Array.from(await need('obs_flag')),
    qcFlags: store.hasArray('obs_qc_flags') ? Uint32Array.from(await need('obs_qc_flags')) : new Uint32Array(nobs),
  };
  // Rows of windows that are not complete yet carry values of an uncommitted window: drop them.
  for (let k = 0; k < nobs; k++) {
    if (obs.window[k]! >= W) {
      obs.flag[k] = -1;
      obs.priorPpm[k] = NaN;
      obs.posteriorPpm[k] = NaN;
    }
  }
  const uncertainty: Partial<Record<StoreComponent, StoreUncertainty>> = {};
  for (const c of STORE_COMPONENTS) {
    const u = uncertaintyArrays(c);
    if (!store.hasArray(u.sdPrior)) continue;
    uncertainty[c] = { sdPrior: split(await need(u.sdPrior), W, n), sdPosterior: split(await need(u.sdPosterior), W, n), reduction: split(await need(u.reduction), W, n) };
  }
  return {
    path,
    attrs,
    grid,
    windows,
    regions,
    regionMap: Int32Array.from(await need('region_map')),
    optimised,
    fluxPrior: await perComp('flux_prior_'),
    fluxPosterior: await perComp('flux_posterior_'),
    truthFlux: hasTruth ? await perComp('truth/flux_') : undefined,
    budgetPrior: split(await need('budget_prior'), W, nr),
    budgetPriorSd: split(await need('budget_prior_sd'), W, nr),
    budgetPosterior: split(await need('budget_posterior'), W, nr),
    budgetPosteriorSd: split(await need('budget_posterior_sd'), W, nr),
    budgetPosteriorCov: split(await need('budget_posterior_cov'), W, nr * nr),
    truthBudget: hasTruth ? split(await need('truth/budget'), W, nr) : undefined,
    chi2: Float64Array.from((await need('chi2')) as ArrayLike<number>).subarray(0, W),
    obs,
    uncertainty,
  };
}

/** Mean over the complete windows of the sum of some components' maps [mol m⁻² s⁻¹]. */
export function meanFlux(maps: Record<StoreComponent, Float64Array[]>, components: readonly StoreComponent[]): Float64Array {
  const first = maps[components[0]!]!;
  const W = first.length;
  const n = first[0]!.length;
  const out = new Float64Array(n);
  for (const c of components) for (const m of maps[c]) for (let k = 0; k < n; k++) out[k]! += m[k]!;
  for (let k = 0; k < n; k++) out[k]! /= W;
  return out;
}

export interface RunBudgetRow {
  region: string;
  kind: string;
  prior: number;
  priorSigma: number;
  posterior: number;
  posteriorSigma: number;
  truth?: number;
}

/**
 * Budgets averaged over the complete windows [PgC yr⁻¹]. σ of the mean is the mean of the
 * windows' σ (errors taken as fully correlated between windows, as the run's own summary table
 * does: the filter carries its mean from window to window), an upper bound.
 */
export function meanBudgets(run: RunStoreData): RunBudgetRow[] {
  const W = run.windows.length;
  const mean = (a: Float64Array[], r: number): number => a.reduce((s, x) => s + x[r]!, 0) / W;
  return run.regions.map((reg, r) => ({
    region: reg.name,
    kind: reg.kind,
    prior: mean(run.budgetPrior, r),
    priorSigma: mean(run.budgetPriorSd, r),
    posterior: mean(run.budgetPosterior, r),
    posteriorSigma: mean(run.budgetPosteriorSd, r),
    truth: run.truthBudget ? mean(run.truthBudget, r) : undefined,
  }));
}
