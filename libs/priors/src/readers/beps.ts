// BEPS NEP output as NetCDF (CF-style: time, lat, lon, NEP) or GeoTIFF (one band per period).
// Units come from the attributes (gC m⁻² d⁻¹, kgC m⁻² s⁻¹, µmol m⁻² s⁻¹, … via core's
// fluxUnitFactor); a variable without units, or with units that are not a carbon flux, is
// rejected. Sign: NEP in the ecological convention (GPP − Re, positive = uptake) is negated to
// tanhui's positive-to-the-atmosphere convention; a `positive` attribute of "up" (values already
// positive to the atmosphere) or "down" (positive = uptake) overrides the name-based rule, and
// variables named NEE are taken as positive to the atmosphere.
//
// GeoTIFF layout: EPSG:4326 global raster, one band per period of one day (1 band = daily,
// 8 = 3-hourly), units in the band unit type or a dataset metadata item `units`, the date in
// a metadata item `date` (YYYYMMDD) or as YYYYMMDD in the file name.
import { basename } from 'node:path';
import { fluxUnitFactor, TanhuiError, utcInstant } from '@tanhui/core';
import type { FluxField } from '../flux';
import {
  assertNonEmptyFile,
  expectShape,
  firstVariable,
  gridFromCentres,
  openDataset,
  orientFlux,
  periodStartsFromStamps,
  placeOnGlobal,
  spacingOf,
  unitFactorOf,
  type GdalDataset,
} from './common';
import { cfTimesToEpochSeconds } from '@tanhui/io';
import type { PriorFile, PriorReadOptions } from './types';

const BEPS_NAMES = ['NEP', 'nep', 'NEE', 'nee', 'flux', 'Band1'];

function signOf(name: string, attrs: Record<string, unknown>, notes: string[]): number {
  const pos = typeof attrs.positive === 'string' ? attrs.positive.toLowerCase() : '';
  if (pos === 'up') return 1;
  if (pos === 'down') {
    notes.push(`${name}: positive="down" (uptake positive) — negated to positive-to-the-atmosphere`);
    return -1;
  }
  if (/nep/i.test(name)) {
    notes.push(`${name}: NEP (GPP − Re, uptake positive) — negated to positive-to-the-atmosphere`);
    return -1;
  }
  return 1;
}

export async function readBeps(file: string, opts: PriorReadOptions = {}): Promise<PriorFile> {
  assertNonEmptyFile(file);
  const ds = await openDataset(file);
  try {
    return ds.format === 'geotiff' ? await readBepsGeoTiff(ds, opts) : await readBepsNetcdf(ds, opts);
  } finally {
    ds.close();
  }
}

async function readBepsNetcdf(ds: GdalDataset, opts: PriorReadOptions): Promise<PriorFile> {
  const file = ds.file;
  const notes: string[] = [];
  const varName = opts.variable ?? firstVariable(ds, BEPS_NAMES, 'NEP flux');
  if (!ds.hasVariable(varName)) firstVariable(ds, [varName], 'flux');
  const latName = firstVariable(ds, ['lat', 'latitude', 'y'], 'latitude');
  const lonName = firstVariable(ds, ['lon', 'longitude', 'x'], 'longitude');
  const info = ds.variable(varName);
  const factor = unitFactorOf(info, file, varName);
  const sign = signOf(varName, info.attrs, notes);
  const lat = (await ds.read(latName)).data;
  const lon = (await ds.read(lonName)).data;
  const layout = gridFromCentres(lat, lon, file, latName, lonName, { allowRegional: true });
  const { grid, flipLat } = layout;
  if (layout.region) notes.push(`regional domain placed on a global ${grid.describe()} (zero flux outside)`);
  const v = await ds.read(varName);
  const nt = expectShape(v, layout.nlatFile, layout.nlonFile);
  // Time axis: CF time with optional bounds.
  const timeName = firstVariable(ds, ['time', 'date'], 'time');
  const tv = await ds.read(timeName);
  if (!tv.times) throw new TanhuiError('BadUnits', 'time variable has no CF time units', { context: { file, variable: timeName } });
  if (tv.times.length !== nt) throw new TanhuiError('BadShape', `time has ${tv.times.length} steps but ${varName} has ${nt}`, { context: { file, variable: timeName } });
  let starts: Float64Array;
  let period: number;
  const bndsName = typeof tv.attrs.bounds === 'string' ? tv.attrs.bounds : undefined;
  if (bndsName && ds.hasVariable(bndsName)) {
    const b = await ds.read(bndsName, { decodeTimes: false });
    // CF: bounds carry the units and calendar of their time variable.
    const calendar = typeof tv.attrs.calendar === 'string' ? tv.attrs.calendar : 'standard';
    const sec = cfTimesToEpochSeconds(Array.from(b.data as ArrayLike<number>, Number), tv.units ?? '', calendar);
    starts = Float64Array.from({ length: nt }, (_, t) => sec[2 * t]!);
    period = sec[1]! - sec[0]!;
    for (let t = 0; t < nt; t++) {
      if (Math.abs(sec[2 * t + 1]! - sec[2 * t]! - period) > 1) {
        throw new TanhuiError('BadValue', 'time bounds are not all of one length', { context: { file, variable: bndsName, index: t } });
      }
    }
    notes.push(`periods from ${bndsName}`);
  } else if (nt >= 2) {
    period = spacingOf(tv.times);
    starts = periodStartsFromStamps(tv.times, period, file, timeName);
    if (starts[0] !== tv.times[0]) notes.push('time stamps at period centres — shifted to period starts');
  } else if (opts.periodSeconds) {
    period = opts.periodSeconds;
    starts = periodStartsFromStamps(tv.times, period, file, timeName);
  } else {
    throw new TanhuiError('BadValue', 'one time step and no time bounds: the averaging period is unknown', {
      context: { file, variable: timeName },
      hint: 'add time_bnds (CF bounds) or pass periodSeconds',
    });
  }
  const flux = placeOnGlobal(orientFlux(v.data, nt, layout.nlatFile, layout.nlonFile, flipLat, factor * sign, { file, variable: varName, missingAsZero: opts.missingAsZero }), nt, layout);
  const field: FluxField = { category: opts.category ?? 'bio', grid, timesSec: starts, periodSeconds: period, fluxMolM2S: flux, source: file };
  return { file, format: 'beps', components: [field], notes };
}

async function readBepsGeoTiff(ds: GdalDataset, opts: PriorReadOptions): Promise<PriorFile> {
  const file = ds.file;
  const notes: string[] = [];
  const attrs = ds.attributes();
  const bands = ds.variableNames().filter((n) => /^band\d+$/.test(n));
  if (bands.length === 0) throw new TanhuiError('EmptyInput', 'GeoTIFF has no bands', { context: { file } });
  if (!ds.hasVariable('x') || !ds.hasVariable('y')) {
    throw new TanhuiError('BadShape', 'GeoTIFF has no north-up geotransform', { context: { file }, hint: 'write a non-rotated EPSG:4326 raster' });
  }
  const lon = (await ds.read('x')).data;
  const lat = (await ds.read('y')).data;
  const layout = gridFromCentres(lat, lon, file, 'y', 'x', { allowRegional: true });
  const { grid, flipLat } = layout;
  if (layout.region) notes.push(`regional domain placed on a global ${grid.describe()} (zero flux outside)`);
  const nPer = bands.length;
  if (86400 % nPer !== 0) throw new TanhuiError('BadShape', `${nPer} bands do not divide a day into equal periods`, { context: { file } });
  const dateText = (typeof attrs.date === 'string' ? attrs.date : undefined) ?? /(\d{8})/.exec(basename(file))?.[1];
  if (!dateText || !/^\d{8}$/.test(dateText)) {
    throw new TanhuiError('MissingVariable', 'GeoTIFF has no date (metadata item date=YYYYMMDD or YYYYMMDD in the file name)', { context: { file, variable: 'date' } });
  }
  const day0 = utcInstant(Number(dateText.slice(0, 4)), Number(dateText.slice(4, 6)), Number(dateText.slice(6, 8)));
  const period = 86400 / nPer;
  const block = new Float64Array(nPer * layout.nlatFile * layout.nlonFile);
  for (let b = 0; b < nPer; b++) {
    const name = `band${b + 1}`;
    const v = await ds.read(name);
    const units = v.units ?? (typeof attrs.units === 'string' ? attrs.units : undefined);
    if (!units) throw new TanhuiError('BadUnits', 'band has no unit type and the file no units metadata', { context: { file, variable: name } });
    const factor = fluxUnitFactor(units, { file, variable: name });
    const varLabel = (typeof attrs.variable === 'string' ? attrs.variable : undefined) ?? basename(file);
    const sign = signOf(varLabel, { ...attrs, ...v.attrs }, b === 0 ? notes : []);
    orientFlux(v.data, 1, layout.nlatFile, layout.nlonFile, flipLat, factor * sign, { file, variable: name, missingAsZero: opts.missingAsZero, out: block, timeOffset: b });
  }
  const flux = placeOnGlobal(block, nPer, layout);
  const timesSec = Float64Array.from({ length: nPer }, (_, b) => day0 + b * period);
  return { file, format: 'beps', components: [{ category: opts.category ?? 'bio', grid, timesSec, periodSeconds: period, fluxMolM2S: flux, source: file }], notes };
}
