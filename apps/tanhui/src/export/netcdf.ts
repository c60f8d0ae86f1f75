// The run store as one CF NetCDF file on the model grid, for tools that do not read Zarr
// (Panoply, ncview, Fortran codes): flux maps (prior, posterior, σ, uncertainty reduction),
// budgets with σ, the region map with its flags, and the observation table as a point DSG.
import { join } from 'node:path';
import { writeNetcdf3, type Nc3AttrValue, type Nc3Variable } from '@tanhui/io';
import { OBS_KINDS } from '@tanhui/observations';
import { STORE_COMPONENTS, type RunStoreData } from '../analysis/run-store-reader';
import { cfFlagWord, OBS_FLAG_MEANINGS, QC_FLAG_MASKS } from '../store/run-store';
import { axisOf } from './ct-flux1x1';
import { periodsOf } from './common';

const TIME_UNITS = 'seconds since 1970-01-01 00:00:00';
const FILL = 9.969209968386869e36; // NetCDF's default double fill

const stack = (maps: Float64Array[]): Float64Array => {
  const n = maps[0]!.length;
  const out = new Float64Array(maps.length * n);
  maps.forEach((m, w) => out.set(m, w * n));
  return out;
};
const nanToFill = (a: ArrayLike<number>): Float64Array => Float64Array.from(a, (v) => (Number.isNaN(v) ? FILL : v));

export async function exportNetcdf(run: RunStoreData, outDir: string, prefix: string): Promise<string[]> {
  const { grid } = run;
  const W = run.windows.length;
  const nr = run.regions.length;
  const lat = axisOf(grid.latEdgesDeg);
  const lon = axisOf(grid.lonEdgesDeg);
  const periods = periodsOf(run);
  const map3 = ['time', 'lat', 'lon'];
  const fluxAttrs = (long: string): Record<string, Nc3AttrValue> => ({ units: 'mol m-2 s-1', standard_name: 'surface_upward_mole_flux_of_carbon_dioxide', long_name: long, cell_methods: 'time: mean' });
  const vars: Nc3Variable[] = [
    { name: 'time', type: 'double', dims: ['time'], data: periods.map((p) => p.startSec), attrs: { units: TIME_UNITS, calendar: 'standard', standard_name: 'time', long_name: 'window start', bounds: 'time_bnds' } },
    { name: 'time_bnds', type: 'double', dims: ['time', 'nv'], data: periods.flatMap((p) => [p.startSec, p.endSec]), attrs: { units: TIME_UNITS, calendar: 'standard' } },
    { name: 'lat', type: 'double', dims: ['lat'], data: lat.centres, attrs: { units: 'degrees_north', standard_name: 'latitude', axis: 'Y', bounds: 'lat_bnds' } },
    { name: 'lat_bnds', type: 'double', dims: ['lat', 'nv'], data: lat.bounds, attrs: { units: 'degrees_north' } },
    { name: 'lon', type: 'double', dims: ['lon'], data: lon.centres, attrs: { units: 'degrees_east', standard_name: 'longitude', axis: 'X', bounds: 'lon_bnds' } },
    { name: 'lon_bnds', type: 'double', dims: ['lon', 'nv'], data: lon.bounds, attrs: { units: 'degrees_east' } },
    { name: 'cell_area', type: 'double', dims: ['lat', 'lon'], data: Float64Array.from(grid.cellAreaM2), attrs: { units: 'm2', standard_name: 'cell_area' } },
  ];
  const present = [0, ...run.regions.filter((r) => r.code < 101).map((r) => r.code)];
  const names = new Map(run.regions.map((r) => [r.code, r.name]));
  vars.push({ name: 'region_map', type: 'int', dims: ['lat', 'lon'], data: run.regionMap, attrs: { long_name: 'region code of each cell', flag_values: Int32Array.from(present), flag_meanings: present.map((c) => (c === 0 ? 'none' : cfFlagWord(names.get(c)!))).join(' ') } });
  for (const c of STORE_COMPONENTS) {
    vars.push({ name: `flux_prior_${c}`, type: 'double', dims: map3, data: stack(run.fluxPrior[c]), attrs: fluxAttrs(`prior ${c} flux, window mean (positive to the atmosphere)`) });
    vars.push({ name: `flux_posterior_${c}`, type: 'double', dims: map3, data: stack(run.fluxPosterior[c]), attrs: fluxAttrs(`posterior ${c} flux, window mean (positive to the atmosphere)`) });
    const u = run.uncertainty[c];
    if (u) {
      const sd = (what: string): Record<string, Nc3AttrValue> => ({ units: 'gC m-2 yr-1', long_name: `${what} standard deviation of the ${c} flux, window mean (ensemble)`, cell_methods: 'time: mean' });
      vars.push({ name: `flux_prior_sd_${c}`, type: 'double', dims: map3, data: stack(u.sdPrior), attrs: sd('prior') });
      vars.push({ name: `flux_posterior_sd_${c}`, type: 'double', dims: map3, data: stack(u.sdPosterior), attrs: sd('posterior') });
      vars.push({ name: `uncertainty_reduction_${c}`, type: 'double', dims: map3, data: nanToFill(stack(u.reduction)), attrs: { units: '1', long_name: `uncertainty reduction of the ${c} flux, 1 - posterior sd / prior sd`, _FillValue: FILL } });
    }
  }
  const budget = (what: string, units = 'PgC yr-1'): Record<string, Nc3AttrValue> => ({ units, long_name: `${what} of the optimised components per region, window mean, positive to the atmosphere` });
  vars.push(
    { name: 'region', type: 'int', dims: ['region'], data: Int32Array.from(run.regions, (r) => r.code), attrs: { long_name: 'region code (1-22 TransCOM, 101 global land, 102 global ocean, 103 global total)' } },
    { name: 'region_name', type: 'char', dims: ['region', 'region_nchar'], data: run.regions.map((r) => r.name), attrs: { long_name: 'region name' } },
    { name: 'budget_prior', type: 'double', dims: ['time', 'region'], data: stack(run.budgetPrior), attrs: budget('prior budget') },
    { name: 'budget_prior_sd', type: 'double', dims: ['time', 'region'], data: stack(run.budgetPriorSd), attrs: budget('prior standard deviation of the budget') },
    { name: 'budget_posterior', type: 'double', dims: ['time', 'region'], data: stack(run.budgetPosterior), attrs: budget('posterior budget') },
    { name: 'budget_posterior_sd', type: 'double', dims: ['time', 'region'], data: stack(run.budgetPosteriorSd), attrs: budget('posterior standard deviation of the budget') },
  );
  // The observation table: a CF point DSG (featureType point on the obs dimension).
  const o = run.obs;
  const co = { coordinates: 'obs_time obs_lat obs_lon obs_altitude' };
  const kindCode = Int32Array.from(o.kind, (k) => OBS_KINDS.indexOf(k as (typeof OBS_KINDS)[number]));
  vars.push(
    { name: 'obs_time', type: 'double', dims: ['obs'], data: o.timeSec, attrs: { units: TIME_UNITS, calendar: 'standard', standard_name: 'time', long_name: 'observation time' } },
    { name: 'obs_lat', type: 'double', dims: ['obs'], data: o.latDeg, attrs: { units: 'degrees_north', standard_name: 'latitude' } },
    { name: 'obs_lon', type: 'double', dims: ['obs'], data: o.lonDeg, attrs: { units: 'degrees_east', standard_name: 'longitude' } },
    { name: 'obs_altitude', type: 'double', dims: ['obs'], data: nanToFill(o.altitudeM), attrs: { units: 'm', standard_name: 'altitude', positive: 'up', _FillValue: FILL, long_name: 'sampling altitude above sea level (fill for columns)' } },
    { name: 'obs_site', type: 'char', dims: ['obs', 'site_nchar'], data: o.site, attrs: { long_name: 'site or platform code', ...co } },
    { name: 'obs_kind', type: 'int', dims: ['obs'], data: kindCode, attrs: { long_name: 'observation kind', flag_values: Int32Array.from(OBS_KINDS, (_, i) => i), flag_meanings: OBS_KINDS.join(' '), ...co } },
    { name: 'obs_flag', type: 'int', dims: ['obs'], data: o.flag, attrs: { long_name: 'use flag', flag_values: Int32Array.from(OBS_FLAG_MEANINGS, ([v]) => v), flag_meanings: OBS_FLAG_MEANINGS.map(([, m]) => m).join(' '), ...co } },
    { name: 'obs_qc_flags', type: 'int', dims: ['obs'], data: Int32Array.from(o.qcFlags), attrs: { long_name: 'QC bits (0 = passed)', flag_masks: Int32Array.from(QC_FLAG_MASKS, ([b]) => b), flag_meanings: QC_FLAG_MASKS.map(([, w]) => w).join(' '), ...co } },
    { name: 'obs_value', type: 'double', dims: ['obs'], data: nanToFill(o.valuePpm), attrs: { units: 'ppm', long_name: 'observed value', _FillValue: FILL, ...co } },
    { name: 'obs_error', type: 'double', dims: ['obs'], data: nanToFill(o.errorPpm), attrs: { units: 'ppm', long_name: 'observation error sigma', _FillValue: FILL, ...co } },
    { name: 'obs_prior_sim', type: 'double', dims: ['obs'], data: nanToFill(o.priorPpm), attrs: { units: 'ppm', long_name: 'simulated with the prior mean state', _FillValue: FILL, ...co } },
    { name: 'obs_posterior_sim', type: 'double', dims: ['obs'], data: nanToFill(o.posteriorPpm), attrs: { units: 'ppm', long_name: 'simulated with the posterior mean state', _FillValue: FILL, ...co } },
  );
  const nchar = (a: readonly string[]): number => Math.max(1, ...a.map((s) => Buffer.byteLength(s)));
  const file = join(outDir, `${prefix}.nc`);
  await writeNetcdf3(file, {
    dims: [['time', W], ['nv', 2], ['lat', grid.nlat], ['lon', grid.nlon], ['region', nr], ['region_nchar', nchar(run.regions.map((r) => r.name))], ['obs', o.n], ['site_nchar', nchar(o.site)]],
    attrs: { Conventions: 'CF-1.8', featureType: 'point', title: String(run.attrs.title ?? 'tanhui run'), source: run.path, history: 'tanhui export --format netcdf' },
    vars,
  });
  return [file];
}
