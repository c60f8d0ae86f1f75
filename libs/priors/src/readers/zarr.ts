// tanhui's own CF Zarr prior stores (written by `tanhui prior --to` / writePriorZarr), so that
// regridded priors can be read back: coordinates lat, lon, time (+ time_bnds), and one
// [time, lat, lon] array per category (bio, ocean, fossil, fire, other) with CF `units`.
import { fluxUnitFactor, TanhuiError } from '@tanhui/core';
import { cfTimesToEpochSeconds, ZarrStore } from '@tanhui/io';
import { FLUX_CATEGORIES, type FluxField } from '../flux';
import { gridFromCentres, orientFlux } from './common';
import type { PriorFile, PriorReadOptions } from './types';

export async function readPriorZarr(path: string, opts: PriorReadOptions = {}): Promise<PriorFile> {
  const store = await ZarrStore.open(path);
  const names = new Set(store.listArrays());
  for (const v of ['lat', 'lon', 'time']) {
    if (!names.has(v)) throw new TanhuiError('MissingVariable', `no ${v} array`, { context: { file: path, variable: v } });
  }
  const lat = (await store.readArray('lat')).data as Float64Array;
  const lon = (await store.readArray('lon')).data as Float64Array;
  const { grid, flipLat } = gridFromCentres(lat, lon, path, 'lat', 'lon');
  const time = await store.readArray('time');
  const units = typeof time.attrs.units === 'string' ? time.attrs.units : '';
  const calendar = typeof time.attrs.calendar === 'string' ? time.attrs.calendar : 'standard';
  const nt = time.shape[0]!;
  if (nt === 0) throw new TanhuiError('EmptyInput', 'store has no time steps', { context: { file: path, variable: 'time' } });
  let starts: Float64Array;
  let period: number;
  if (names.has('time_bnds')) {
    const b = cfTimesToEpochSeconds((await store.readArray('time_bnds')).data as Float64Array, units, calendar);
    starts = Float64Array.from({ length: nt }, (_, t) => b[2 * t]!);
    period = b[1]! - b[0]!;
  } else if (nt >= 2) {
    const c = cfTimesToEpochSeconds(time.data as Float64Array, units, calendar);
    period = c[1]! - c[0]!;
    starts = Float64Array.from(c, (x) => x - period / 2);
  } else {
    throw new TanhuiError('BadValue', 'one time step and no time_bnds: the averaging period is unknown', { context: { file: path, variable: 'time' } });
  }
  const components: FluxField[] = [];
  for (const category of FLUX_CATEGORIES) {
    if (!names.has(category)) continue;
    const a = await store.readArray(category);
    if (a.shape.length !== 3 || a.shape[0] !== nt || a.shape[1] !== grid.nlat || a.shape[2] !== grid.nlon) {
      throw new TanhuiError('BadShape', `${category} has shape [${a.shape.join(', ')}], expected [${nt}, ${grid.nlat}, ${grid.nlon}]`, { context: { file: path, variable: category } });
    }
    const u = a.attrs.units;
    if (typeof u !== 'string') throw new TanhuiError('BadUnits', 'flux array has no units attribute', { context: { file: path, variable: category } });
    const factor = fluxUnitFactor(u, { file: path, variable: category });
    const flux = orientFlux(a.data as Float64Array, nt, grid.nlat, grid.nlon, flipLat, factor, { file: path, variable: category, missingAsZero: opts.missingAsZero });
    components.push({ category, grid, timesSec: starts, periodSeconds: period, fluxMolM2S: flux, source: `${path}:${category}` });
  }
  if (components.length === 0) {
    throw new TanhuiError('MissingVariable', `no flux arrays (${FLUX_CATEGORIES.join(', ')})`, { context: { file: path, variable: 'bio' } });
  }
  return { file: path, format: 'zarr', components, notes: [] };
}
