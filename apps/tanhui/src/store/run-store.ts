// The run store: one Zarr v2 store (consolidated, CF) per run, written with @tanhui/io's
// ZarrStore. Every per-window array has the window on its first axis with one chunk per window,
// so appending a window writes new chunk files only (each renamed into place). The window is
// committed by the last write: the root attribute `windows_complete` (then the consolidated
// metadata). A run that dies mid-window leaves chunks of an uncommitted window that the resumed
// run rewrites with the same bytes, so the final store is identical to an uninterrupted run's.
// Nothing in the store depends on the wall clock or the process (no timestamps, no pids).
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { budgetRegionsOf } from '@tanhui/analysis';
import { ZarrStore, type ZarrAttrs } from '@tanhui/io';
import { TanhuiError, type RegionInfo } from '@tanhui/core';
import { OBS_KINDS, QC } from '@tanhui/observations';
import { RNG_ALGORITHM, type RngState } from '@tanhui/core';
import type { ComponentName, World } from '../compose';
import { COMPONENTS } from '../compose';

import { RUN_STORE_FORMAT as STORE_FORMAT, uncertaintyArrays } from '../analysis/run-store-reader';
const TIME_UNITS = 'seconds since 1970-01-01 00:00:00';
const FLUX_STD = 'surface_upward_mole_flux_of_carbon_dioxide';

export interface WindowOutput {
  window: number;
  fluxPrior: Record<ComponentName, Float64Array>;
  fluxPosterior: Record<ComponentName, Float64Array>;
  statePrior: Float64Array;
  statePriorSd: Float64Array;
  stateMean: Float64Array;
  stateSd: Float64Array;
  budgetPrior: Float64Array;
  budgetPriorSd: Float64Array;
  budgetPosterior: Float64Array;
  budgetPosteriorSd: Float64Array;
  budgetPosteriorCov: Float64Array;
  /** Per optimised component: σ of the window-mean flux, prior and posterior [gC m⁻² yr⁻¹], and 1 − σ_post/σ_prior. */
  uncertainty?: Partial<Record<ComponentName, { sdPrior: Float64Array; sdPosterior: Float64Array; reduction: Float64Array }>>;
  /** Full-length obs arrays after this window (rows of earlier windows kept). */
  obs: ObsColumns;
  restart: { moleFraction: Float64Array; x: Float64Array; ensemble: Float64Array; rng: RngState; truthMoleFraction?: Float64Array; lag?: LagRestart };
  truth?: { flux: Record<ComponentName, Float64Array>; budget: Float64Array };
  chi2: number;
  nAssimilated: number;
  nRejected: number;
}

/**
 * What lagged windows (solver.lag = L > 1) carry to the next cycle: the L−1 windows still in the
 * state after window w left (windows w+1 … w+L−1, oldest first; slots past the run's last window
 * are empty: window −1, NaN values).
 */
export interface LagRestart {
  /** Window index per slot (−1 = empty). */
  window: Int32Array;
  /** Current (partly updated) mean [slot][state]. */
  mean: Float64Array;
  /** Current deviations [slot][state][member]. */
  ensemble: Float64Array;
  /** Ensemble σ of the state when the window entered (drawn from B) [slot][state]. */
  priorSpread: Float64Array;
  /** Prior σ of the budgets when the window entered [slot][region]. */
  budgetPriorSd: Float64Array;
  /** χ² per observation of the window's observations when they were assimilated [slot]. */
  chi2: Float64Array;
}

export interface ObsColumns {
  value: Float64Array;
  priorSim: Float64Array;
  posteriorSim: Float64Array;
  innovation: Float64Array;
  hphr: Float64Array;
  /** −1 not used (QC or outside the run), 0 assimilated, 1 held out (sampled, not assimilated), 2 rejected by the innovation test. */
  flag: Int32Array;
}

export function emptyObsColumns(n: number): ObsColumns {
  const nan = (): Float64Array => new Float64Array(n).fill(NaN);
  return { value: nan(), priorSim: nan(), posteriorSim: nan(), innovation: nan(), hphr: nan(), flag: new Int32Array(n).fill(-1) };
}

export interface RunStoreInfo {
  store: ZarrStore;
  complete: number;
  total: number;
}

const flt = (attrs: ZarrAttrs): ZarrAttrs => attrs;

/** CF flag meanings are blank-separated words: other characters become '_'. */
export const cfFlagWord = (s: string): string => s.trim().replace(/[^A-Za-z0-9_.+-]+/g, '_') || 'unnamed';

/** Use flags of obs_flag (ObsColumns.flag), CF flag_values / flag_meanings. */
export const OBS_FLAG_MEANINGS: readonly (readonly [number, string])[] = [[-1, 'not_used'], [0, 'assimilated'], [1, 'held_out'], [2, 'rejected_innovation_test']];

/** QC bits of obs_qc_flags as CF flag_masks and their words (providerFlag → provider_flag). */
export const QC_FLAG_MASKS: readonly (readonly [number, string])[] = Object.entries(QC).map(([k, b]) => [b, cfFlagWord(k.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`))]);

/** The CF point DSG: the coordinates of every variable on the obs dimension. */
const OBS_COORDINATES = 'obs_time obs_lat obs_lon obs_altitude';

/** Create the store with every coordinate and every per-window array (empty until written). */
export async function createRunStore(world: World, attrs: ZarrAttrs): Promise<ZarrStore> {
  const { grid, levels, windows, obs, config } = world;
  const W = windows.length;
  const N = config.solver.members;
  const regions = budgetRegionsOf(world.regions);
  const nr = regions.length;
  const store = await ZarrStore.create(world.storePath, {
    attrs: {
      Conventions: 'CF-1.8',
      title: `tanhui ${config.solver.method} run: ${config.name}`,
      tanhui_store_format: STORE_FORMAT,
      // The observation table (dimension obs) is a CF discrete sampling geometry of points.
      featureType: 'point',
      ...attrs,
      windows_total: W,
      windows_complete: 0,
    },
  });
  const c = { compressor: 'lz4' as const };
  await store.writeArray('time', Float64Array.from(windows, (w) => w.startSec), { dims: ['time'], attrs: { units: TIME_UNITS, calendar: 'standard', standard_name: 'time', long_name: 'window start', bounds: 'time_bnds' }, ...c });
  await store.writeArray('time_bnds', Float64Array.from(windows.flatMap((w) => [w.startSec, w.endSec])), { shape: [W, 2], dims: ['time', 'nv'], attrs: { units: TIME_UNITS, calendar: 'standard' }, ...c });
  await store.writeArray('lat', Float64Array.from(grid.latCentersDeg), { dims: ['lat'], attrs: { units: 'degrees_north', standard_name: 'latitude', axis: 'Y' }, ...c });
  await store.writeArray('lon', Float64Array.from(grid.lonCentersDeg), { dims: ['lon'], attrs: { units: 'degrees_east', standard_name: 'longitude', axis: 'X' }, ...c });
  await store.writeArray('level', Int32Array.from({ length: levels.nlev }, (_, k) => k), { dims: ['level'], attrs: { long_name: 'model layer (0 = surface)', positive: 'up' }, ...c });
  await store.writeArray('region', Int32Array.from(regions, (r) => r.code), { dims: ['region'], attrs: { long_name: 'region code (1-22 TransCOM, 101 global land, 102 global ocean, 103 global total)' }, ...c });
  await store.writeArray('region_name', regions.map((r) => r.name), { dims: ['region'], attrs: { long_name: 'region name' } });
  await store.writeArray('region_kind', regions.map((r: RegionInfo) => r.kind), { dims: ['region'], attrs: { long_name: 'land, ocean or other' } });
  await store.writeArray('state_label', [...world.stateLabels], { dims: ['state'], attrs: { long_name: 'state element (component:block:unit)' } });
  const mapRegions = [{ code: 0, name: 'none' }, ...world.regions.regions.filter((r) => r.code !== 0)];
  await store.writeArray('region_map', Int32Array.from(world.regions.codes), {
    shape: [grid.nlat, grid.nlon],
    dims: ['lat', 'lon'],
    attrs: { long_name: 'region code of each cell', flag_values: mapRegions.map((r) => r.code), flag_meanings: mapRegions.map((r) => cfFlagWord(r.name)).join(' ') },
    ...c,
  });
  await store.writeArray('cell_area', Float64Array.from(grid.cellAreaM2), { shape: [grid.nlat, grid.nlon], dims: ['lat', 'lon'], attrs: { units: 'm2', standard_name: 'cell_area' }, ...c });

  const perWindow = async (name: string, shape: number[], dims: string[], a: ZarrAttrs, dtype: 'float64' | 'uint32' | 'int32' = 'float64'): Promise<void> => {
    await store.createArray(name, { shape: [W, ...shape], chunks: [1, ...shape], dims: ['time', ...dims], dtype, attrs: a, ...c });
  };
  for (const comp of COMPONENTS) {
    await perWindow(`flux_prior_${comp}`, [grid.nlat, grid.nlon], ['lat', 'lon'], flt({ units: 'mol m-2 s-1', standard_name: FLUX_STD, long_name: `prior ${comp} flux, window mean (positive to the atmosphere)` }));
    await perWindow(`flux_posterior_${comp}`, [grid.nlat, grid.nlon], ['lat', 'lon'], flt({ units: 'mol m-2 s-1', standard_name: FLUX_STD, long_name: `posterior ${comp} flux, window mean (positive to the atmosphere)` }));
  }
  const ns = world.nState;
  await perWindow('scaling_factor_prior', [ns], ['state'], { units: '1', long_name: 'prior mean of the state (scaling factors)' });
  await perWindow('scaling_factor_prior_spread', [ns], ['state'], { units: '1', long_name: 'prior ensemble standard deviation of the state' });
  await perWindow('scaling_factor_mean', [ns], ['state'], { units: '1', long_name: 'posterior mean of the state (scaling factors)' });
  await perWindow('scaling_factor_spread', [ns], ['state'], { units: '1', long_name: 'posterior ensemble standard deviation of the state' });
  const budget = (what: string): ZarrAttrs => ({ units: 'PgC yr-1', long_name: `${what} of the optimised components (bio + ocean) per region, window mean, positive to the atmosphere` });
  await perWindow('budget_prior', [nr], ['region'], budget('prior budget'));
  await perWindow('budget_prior_sd', [nr], ['region'], budget('prior standard deviation of the budget'));
  await perWindow('budget_posterior', [nr], ['region'], budget('posterior budget'));
  await perWindow('budget_posterior_sd', [nr], ['region'], budget('posterior standard deviation of the budget'));
  await perWindow('budget_posterior_cov', [nr, nr], ['region', 'region_b'], { units: 'PgC2 yr-2', long_name: 'posterior covariance of the regional budgets' });
  for (const comp of world.optimised) {
    const u = uncertaintyArrays(comp);
    const sd = (what: string): ZarrAttrs => ({ units: 'gC m-2 yr-1', long_name: `${what} standard deviation of the ${comp} flux, window mean (ensemble)`, cell_methods: 'time: mean' });
    await perWindow(u.sdPrior, [grid.nlat, grid.nlon], ['lat', 'lon'], sd('prior'));
    await perWindow(u.sdPosterior, [grid.nlat, grid.nlon], ['lat', 'lon'], sd('posterior'));
    await perWindow(u.reduction, [grid.nlat, grid.nlon], ['lat', 'lon'], { units: '1', long_name: `uncertainty reduction of the ${comp} flux, 1 - posterior sd / prior sd (NaN where the prior sd is 0)` });
  }
  await perWindow('chi2', [], [], { units: '1', long_name: 'chi-square per assimilated observation of the prior-mean innovations, (y-Hx)^2/(HPH+R)' });

  // Observation table: static columns now, per-window columns (one chunk) rewritten per window.
  const t = obs.table;
  const n = t.n;
  const obsWindow = new Int32Array(n).fill(-1);
  obs.windowRows.forEach((rows, w) => rows.forEach((k) => (obsWindow[k] = w)));
  const co = { coordinates: OBS_COORDINATES };
  await store.writeArray('obs_time', Float64Array.from(t.timeSec), { dims: ['obs'], attrs: { units: TIME_UNITS, calendar: 'standard', standard_name: 'time', long_name: 'observation time' }, ...c });
  await store.writeArray('obs_lat', Float64Array.from(t.latDeg), { dims: ['obs'], attrs: { units: 'degrees_north', standard_name: 'latitude', long_name: 'observation latitude' }, ...c });
  await store.writeArray('obs_lon', Float64Array.from(t.lonDeg), { dims: ['obs'], attrs: { units: 'degrees_east', standard_name: 'longitude', long_name: 'observation longitude' }, ...c });
  await store.writeArray('obs_altitude', Float64Array.from(t.altitudeM), { dims: ['obs'], attrs: { units: 'm', standard_name: 'altitude', positive: 'up', long_name: 'sampling altitude above sea level (NaN for columns)' }, ...c });
  await store.writeArray('obs_kind', Int32Array.from(t.kind), { dims: ['obs'], attrs: { long_name: `observation kind: ${OBS_KINDS.map((k, i) => `${i}=${k}`).join(', ')}`, flag_values: OBS_KINDS.map((_, i) => i), flag_meanings: OBS_KINDS.join(' '), ...co }, ...c });
  await store.writeArray('obs_site', Array.from(t.site, (s) => t.sites[s] ?? ''), { dims: ['obs'], attrs: { long_name: 'site or platform code', ...co } });
  await store.writeArray('obs_window', obsWindow, {
    dims: ['obs'],
    attrs: { long_name: 'assimilation window (-1 = not used)', flag_values: [-1, ...windows.map((_, w) => w)], flag_meanings: ['not_used', ...windows.map((w, i) => `window_${i}_${new Date(w.startSec * 1000).toISOString().slice(0, 10)}`)].join(' '), ...co },
    ...c,
  });
  await store.writeArray('obs_error', Float64Array.from(obs.qc.totalErrorPpm), { dims: ['obs'], attrs: { units: 'ppm', long_name: 'observation error sigma (measurement and model-data mismatch)', ...co }, ...c });
  await store.writeArray('obs_qc_flags', Uint32Array.from(t.flags), {
    dims: ['obs'],
    attrs: { long_name: 'QC bits of @tanhui/observations (0 = passed)', flag_masks: QC_FLAG_MASKS.map(([b]) => b), flag_meanings: QC_FLAG_MASKS.map(([, w]) => w).join(' '), ...co },
    ...c,
  });
  const ob = (name: string, a: ZarrAttrs, dtype: 'float64' | 'int32' = 'float64'): Promise<void> => store.createArray(name, { shape: [n], chunks: [Math.max(1, n)], dims: ['obs'], dtype, attrs: { ...a, ...co }, ...c });
  await ob('obs_value', { units: 'ppm', long_name: 'observed value (synthetic sources: truth run plus noise)' });
  await ob('obs_prior_sim', { units: 'ppm', long_name: 'simulated with the prior mean state' });
  await ob('obs_posterior_sim', { units: 'ppm', long_name: 'simulated with the posterior mean state (forward run)' });
  await ob('obs_innovation', { units: 'ppm', long_name: 'observed minus prior simulated' });
  await ob('obs_hphr', { units: 'ppm2', long_name: 'HPH^T + R at assimilation' });
  await ob('obs_flag', { long_name: 'use flag: -1 not used, 0 assimilated, 1 held out (sampled, not assimilated), 2 rejected (innovation test)', flag_values: OBS_FLAG_MEANINGS.map(([v]) => v), flag_meanings: OBS_FLAG_MEANINGS.map(([, m]) => m).join(' ') }, 'int32');

  // Restart state of each window (the last complete one starts the next window).
  await store.createGroup('restart', { long_name: 'restart state after each window' });
  const field = [levels.nlev, grid.nlat, grid.nlon];
  await perWindow('restart/mole_fraction', field, ['level', 'lat', 'lon'], { units: 'mol mol-1', long_name: 'CO2 dry-air mole fraction at the window end (posterior-mean run)' });
  await perWindow('restart/x_posterior', [ns], ['state'], { units: '1', long_name: 'posterior mean state' });
  await perWindow('restart/ensemble_posterior', [ns, N], ['state', 'member'], { units: '1', long_name: 'posterior deviations X prime (member 0 = mean)' });
  await perWindow('restart/rng_state', [4], ['rng_word'], { long_name: `state of the ${RNG_ALGORITHM} generator after the window` }, 'uint32');
  await perWindow('restart/rng_spare', [], [], { long_name: 'spare normal deviate of the polar method (NaN = none)' });
  const L = config.solver.lag;
  if (L > 1) {
    // Lagged windows: the L−1 windows still in the state after each window left (slot j holds
    // window time+1+j); created only with lag > 1, so a lag-1 store is unchanged.
    const lagAttrs = (long: string, units?: string): ZarrAttrs => ({ ...(units ? { units } : {}), long_name: long, lag_windows: L });
    await perWindow('restart/lag_window', [L - 1], ['lag_slot'], lagAttrs('window index of each lag slot (window time+1+slot; -1 = past the last window)'), 'int32');
    await perWindow('restart/lag_mean', [L - 1, ns], ['lag_slot', 'state'], lagAttrs('mean state of the windows still in the lagged state (partly updated)', '1'));
    await perWindow('restart/lag_ensemble', [L - 1, ns, N], ['lag_slot', 'state', 'member'], lagAttrs('deviations X prime of the windows still in the lagged state (member 0 = mean)', '1'));
    await perWindow('restart/lag_prior_spread', [L - 1, ns], ['lag_slot', 'state'], lagAttrs('prior ensemble standard deviation of the state when the window entered', '1'));
    await perWindow('restart/lag_budget_prior_sd', [L - 1, nr], ['lag_slot', 'region'], lagAttrs('prior standard deviation of the budgets when the window entered', 'PgC yr-1'));
    await perWindow('restart/lag_chi2', [L - 1], ['lag_slot'], lagAttrs('chi-square per observation of the window\'s observations when assimilated', '1'));
  }
  if (world.truthScaling) {
    await perWindow('restart/truth_mole_fraction', field, ['level', 'lat', 'lon'], { units: 'mol mol-1', long_name: 'truth run mole fraction at the window end' });
    await store.createGroup('truth', { long_name: 'synthetic truth of the OSSE', anomalies: JSON.parse(JSON.stringify(config.truth?.anomalies ?? [])) as ZarrAttrs[] });
    for (const comp of COMPONENTS) {
      await perWindow(`truth/flux_${comp}`, [grid.nlat, grid.nlon], ['lat', 'lon'], flt({ units: 'mol m-2 s-1', standard_name: FLUX_STD, long_name: `truth ${comp} flux, window mean` }));
    }
    await perWindow('truth/budget', [nr], ['region'], budget('truth budget'));
    await store.writeArray('truth/region', Int32Array.from(regions, (r) => r.code), { dims: ['region'], ...c });
  }
  await store.consolidate();
  return store;
}

/** Remove temporary files of writes interrupted before their rename (a killed run's). */
function removeStrayTempFiles(dir: string): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) removeStrayTempFiles(p);
    else if (/^\..*\.tmp-\d+-/.test(e.name)) rmSync(p, { force: true });
  }
}

/** Open an existing run store for resuming (the caller holds the lock); checks it belongs to
 * the same configuration and removes what a killed writer left behind. */
export async function openRunStore(world: World): Promise<RunStoreInfo> {
  const store = await ZarrStore.open(world.storePath);
  const a = store.getAttrs('');
  if (a.tanhui_store_format !== STORE_FORMAT) {
    throw new TanhuiError('StoreConflict', 'the output path holds a Zarr store that is not a tanhui run store', {
      context: { file: world.storePath },
      hint: 'choose another output.store',
    });
  }
  if (a.config_sha256 !== world.configSha256) {
    throw new TanhuiError('StoreConflict', 'the store was written with a different configuration', {
      context: { file: world.storePath },
      hint: 'use the configuration that created it to resume, or choose another output.store',
    });
  }
  removeStrayTempFiles(world.storePath);
  return { store, complete: Number(a.windows_complete ?? 0), total: Number(a.windows_total ?? world.windows.length) };
}

/** Write one window and commit it (windows_complete = window + 1, written last). */
export async function writeWindow(store: ZarrStore, world: World, out: WindowOutput): Promise<void> {
  const w = out.window;
  const { grid } = world;
  const region = async (name: string, data: Float64Array | Uint32Array, inner: number[]): Promise<void> => {
    await store.writeRegion(name, [w, ...inner.map(() => 0)], [1, ...inner], data);
  };
  const map = [grid.nlat, grid.nlon];
  for (const comp of COMPONENTS) {
    await region(`flux_prior_${comp}`, out.fluxPrior[comp], map);
    await region(`flux_posterior_${comp}`, out.fluxPosterior[comp], map);
  }
  const ns = [world.nState];
  await region('scaling_factor_prior', out.statePrior, ns);
  await region('scaling_factor_prior_spread', out.statePriorSd, ns);
  await region('scaling_factor_mean', out.stateMean, ns);
  await region('scaling_factor_spread', out.stateSd, ns);
  const nr = [out.budgetPrior.length];
  await region('budget_prior', out.budgetPrior, nr);
  await region('budget_prior_sd', out.budgetPriorSd, nr);
  await region('budget_posterior', out.budgetPosterior, nr);
  await region('budget_posterior_sd', out.budgetPosteriorSd, nr);
  await region('budget_posterior_cov', out.budgetPosteriorCov, [nr[0]!, nr[0]!]);
  await region('chi2', Float64Array.of(out.chi2), []);
  // Stores written before the uncertainty maps existed have none: they resume without them.
  for (const [comp, u] of Object.entries(out.uncertainty ?? {})) {
    const names = uncertaintyArrays(comp);
    if (!store.hasArray(names.sdPrior)) continue;
    await region(names.sdPrior, u.sdPrior, map);
    await region(names.sdPosterior, u.sdPosterior, map);
    await region(names.reduction, u.reduction, map);
  }
  const field = [world.levels.nlev, grid.nlat, grid.nlon];
  await region('restart/mole_fraction', out.restart.moleFraction, field);
  await region('restart/x_posterior', out.restart.x, ns);
  await region('restart/ensemble_posterior', out.restart.ensemble, [world.nState, world.config.solver.members]);
  await region('restart/rng_state', Uint32Array.from(out.restart.rng.s), [4]);
  await region('restart/rng_spare', Float64Array.of(out.restart.rng.spare ?? NaN), []);
  const lag = out.restart.lag;
  if (lag) {
    const slots = lag.window.length;
    await store.writeRegion('restart/lag_window', [w, 0], [1, slots], lag.window);
    await region('restart/lag_mean', lag.mean, [slots, world.nState]);
    await region('restart/lag_ensemble', lag.ensemble, [slots, world.nState, world.config.solver.members]);
    await region('restart/lag_prior_spread', lag.priorSpread, [slots, world.nState]);
    await region('restart/lag_budget_prior_sd', lag.budgetPriorSd, [slots, nr[0]!]);
    await region('restart/lag_chi2', lag.chi2, [slots]);
  }
  if (out.truth && out.restart.truthMoleFraction) {
    await region('restart/truth_mole_fraction', out.restart.truthMoleFraction, field);
    for (const comp of COMPONENTS) await region(`truth/flux_${comp}`, out.truth.flux[comp], map);
    await region('truth/budget', out.truth.budget, nr);
  }
  const n = out.obs.value.length;
  if (n > 0) {
    await store.writeRegion('obs_value', [0], [n], out.obs.value);
    await store.writeRegion('obs_prior_sim', [0], [n], out.obs.priorSim);
    await store.writeRegion('obs_posterior_sim', [0], [n], out.obs.posteriorSim);
    await store.writeRegion('obs_innovation', [0], [n], out.obs.innovation);
    await store.writeRegion('obs_hphr', [0], [n], out.obs.hphr);
    await store.writeRegion('obs_flag', [0], [n], out.obs.flag);
  }
  // The commit: one attribute file renamed into place, then the consolidated metadata.
  await store.setAttrs('', { windows_complete: w + 1 });
}

/** What a resumed run starts from: the restart arrays of the last complete window. */
export interface Restart {
  moleFraction: Float64Array;
  x: Float64Array;
  rng: RngState;
  truthMoleFraction?: Float64Array;
  obs: ObsColumns;
  lag?: LagRestart;
}

/** Restart state of the last complete window (for resuming). */
export async function readRestart(store: ZarrStore, world: World, complete: number): Promise<Restart> {
  const w = complete - 1;
  const slice = async (name: string, size: number): Promise<Float64Array> => {
    const a = await store.readArray(name);
    return Float64Array.from((a.data as Float64Array).subarray(w * size, (w + 1) * size));
  };
  const { grid, levels } = world;
  const nField = levels.nlev * grid.size;
  const s = (await store.readArray('restart/rng_state')).data as Uint32Array;
  const spare = (await slice('restart/rng_spare', 1))[0]!;
  const rng: RngState = { algorithm: RNG_ALGORITHM, s: [s[w * 4]!, s[w * 4 + 1]!, s[w * 4 + 2]!, s[w * 4 + 3]!], spare: Number.isNaN(spare) ? null : spare };
  const obsArr = async (name: string): Promise<Float64Array> => Float64Array.from((await store.readArray(name)).data as Float64Array);
  const obs: ObsColumns = {
    value: await obsArr('obs_value'),
    priorSim: await obsArr('obs_prior_sim'),
    posteriorSim: await obsArr('obs_posterior_sim'),
    innovation: await obsArr('obs_innovation'),
    hphr: await obsArr('obs_hphr'),
    flag: Int32Array.from((await store.readArray('obs_flag')).data as Int32Array),
  };
  let lag: LagRestart | undefined;
  const L = world.config.solver.lag;
  if (L > 1) {
    const ns = world.nState;
    const nr = budgetRegionsOf(world.regions).length;
    const win = (await store.readArray('restart/lag_window')).data as Int32Array;
    lag = {
      window: Int32Array.from(win.subarray(w * (L - 1), (w + 1) * (L - 1))),
      mean: await slice('restart/lag_mean', (L - 1) * ns),
      ensemble: await slice('restart/lag_ensemble', (L - 1) * ns * world.config.solver.members),
      priorSpread: await slice('restart/lag_prior_spread', (L - 1) * ns),
      budgetPriorSd: await slice('restart/lag_budget_prior_sd', (L - 1) * nr),
      chi2: await slice('restart/lag_chi2', L - 1),
    };
  }
  return {
    moleFraction: await slice('restart/mole_fraction', nField),
    x: await slice('restart/x_posterior', world.nState),
    rng,
    truthMoleFraction: world.truthScaling ? await slice('restart/truth_mole_fraction', nField) : undefined,
    obs,
    lag,
  };
}
