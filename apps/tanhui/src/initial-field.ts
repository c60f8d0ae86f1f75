// The CO2 field at the start of the first window (`initialField`): uniform (default 400 ppm) or
// read from a NetCDF variable — a CarbonTracker/GCAS restart or a previous run's final field —
// on exactly the model grid and levels. Read once in the main thread (gdal-async via @tanhui/io)
// while the world is composed, so every failure is one TanhuiError naming the file, the variable
// and the config key before any store is touched. The result is in the model layout:
// [level][lat][lon], level 0 at the surface, latitudes south → north, longitudes from the
// model's first edge, mol mol⁻¹.
import { HybridLevels, isTanhuiError, LatLonGrid, parseInstant, TanhuiError } from '@tanhui/core';
import { openDataset, type GdalDataset, type VariableInfo } from '@tanhui/io';
import type { LoadedConfig } from './config/load';
import { resolvePath } from './config/load';
import { gridOfCentres, rollLongitudes, shiftToModelGrid } from './model-grid';

/** Plausible atmospheric CO2 [ppm]: values outside are wrong units, fill values or another tracer. */
export const INITIAL_FIELD_RANGE_PPM = [100, 1000] as const;

/** Units spelled without blanks, `**`, `^`: "micromol mol**-1" → "micromolmol-1". */
const squash = (u: string): string => u.toLowerCase().replace(/\s+|\*\*|\^/g, '');
/** Accepted `units` attributes and their factor to ppm. */
const UNITS_TO_PPM: Record<string, number> = {
  ppm: 1, ppmv: 1, 'umolmol-1': 1, 'µmolmol-1': 1, 'μmolmol-1': 1, 'micromolmol-1': 1, 'micromol/mol': 1, 'umol/mol': 1, '1e-6': 1,
  'molmol-1': 1e6, 'mol/mol': 1e6, '1': 1e6, 'molmol-1dry': 1e6, 'molmol-1dryair': 1e6,
};
const PRESSURE_UNITS = new Set(['pa', 'hpa', 'mb', 'mbar', 'millibar', 'millibars', 'bar', 'atm']);
const HEIGHT_UNITS = new Set(['m', 'km', 'meter', 'meters', 'metre', 'metres']);

const isoOf = (t: number): string => new Date(t * 1000).toISOString().replace('.000Z', 'Z');

/**
 * Whether index 0 of the level axis is the surface. levelOrder auto: from the level coordinate —
 * pressure units or a sigma/hybrid/pressure standard_name (largest value = surface), height units
 * (smallest = surface), else its CF `positive` (up: values grow upwards; down: downwards); the
 * physical quantity comes first because `positive` is misused in the wild (GEOS-Chem writes
 * `positive: up` on its hybrid sigma levels, which decrease upwards). Without a coordinate or
 * any of these: surface first, like the model.
 */
export async function levelAxisSurfaceFirst(ds: GdalDataset, levDim: string, order: 'auto' | 'surface-first' | 'top-first', ctx: { file: string; key: string }): Promise<boolean> {
  if (order !== 'auto') return order === 'surface-first';
  if (!ds.hasVariable(levDim)) return true;
  const info: VariableInfo = ds.variable(levDim);
  if (info.dims.length !== 1 || info.dims[0] !== levDim) return true;
  const v = (await ds.read(levDim)).data as Float64Array;
  if (v.length < 2) return true;
  const positive = typeof info.attrs.positive === 'string' ? info.attrs.positive.toLowerCase() : '';
  const units = squash(info.units ?? '');
  const std = typeof info.attrs.standard_name === 'string' ? info.attrs.standard_name.toLowerCase() : '';
  let growsUpward: boolean | undefined;
  if (PRESSURE_UNITS.has(units) || /pressure|sigma|hybrid/.test(std)) growsUpward = false;
  else if (HEIGHT_UNITS.has(units) || /height|altitude/.test(std)) growsUpward = true;
  else if (positive === 'up') growsUpward = true;
  else if (positive === 'down') growsUpward = false;
  if (growsUpward === undefined) return true;
  const increasing = v[v.length - 1]! > v[0]!;
  for (let k = 1; k < v.length; k++) {
    if (!(increasing ? v[k]! > v[k - 1]! : v[k]! < v[k - 1]!)) {
      throw new TanhuiError('BadValue', `the level coordinate ${levDim} is not monotonic (index ${k})`, { context: { file: ctx.file, variable: levDim, key: ctx.key }, hint: 'set initialField.levelOrder to surface-first or top-first' });
    }
  }
  return increasing === growsUpward;
}

/**
 * The first window's initial field [mol mol⁻¹] in the model layout: uniform, or read and checked
 * from the file of `initialField` (grid, level count, units, time record, 100–1000 ppm).
 */
export async function initialMoleFraction(loaded: LoadedConfig, grid: LatLonGrid, levels: HybridLevels, runStartSec: number): Promise<Float64Array> {
  const cfg = loaded.config.initialField;
  const nField = levels.nlev * grid.size;
  // ppm / 1e6 (correctly rounded: 400 ppm is exactly the literal 400e-6 runs always started from).
  if (cfg.source === 'uniform') return new Float64Array(nField).fill(cfg.ppm / 1e6);
  const file = cfg.file;
  const variable = cfg.variable;
  const path = resolvePath(loaded, file);
  const where = (key: string, v: string = variable): { file: string; variable: string; key: string } => ({ file, variable: v, key: `initialField.${key}` });
  let ds: GdalDataset | undefined;
  try {
    ds = await openDataset(path);
    if (!ds.hasVariable(variable)) {
      const names = ds.variableNames();
      throw new TanhuiError('MissingVariable', 'initial-field file has no such variable', { context: where('variable'), hint: `available: ${names.slice(0, 30).join(', ')}` });
    }
    const info = ds.variable(variable);
    const rank = info.dims.length;
    if (rank !== 3 && rank !== 4) {
      throw new TanhuiError('BadShape', `${variable} has dims (${info.dims.join(', ')}), expected (lev, lat, lon) or (time, lev, lat, lon)`, { context: where('variable') });
    }
    const [levDim, latDim, lonDim] = info.dims.slice(rank - 3) as [string, string, string];
    const [nlevF, nlatF, nlonF] = info.shape.slice(rank - 3) as [number, number, number];
    for (const d of [latDim, lonDim]) {
      if (!ds.hasVariable(d)) throw new TanhuiError('MissingVariable', `${variable} needs the coordinate variable ${d} of its dimension ${d}`, { context: where('file', d) });
    }
    const lat = (await ds.read(latDim)).data as Float64Array;
    const lon = (await ds.read(lonDim)).data as Float64Array;
    if (lat.length !== nlatF || lon.length !== nlonF) throw new TanhuiError('BadShape', `coordinates ${latDim}/${lonDim} do not match the dims of ${variable}`, { context: where('variable') });
    const { grid: fileGrid, flipLat } = gridOfCentres(lon, lat, { file, key: 'initialField.file', lonName: lonDim, latName: latDim });
    const shift = shiftToModelGrid(fileGrid, grid, loaded.config.grid.preset, {
      what: `the initial field ${variable}`,
      file,
      key: 'initialField.file',
      variable,
      hint: 'regrid the field to the model grid first, or set grid.preset to its grid',
    });
    if (nlevF !== levels.nlev) {
      throw new TanhuiError('GridMismatch', `${variable} has ${nlevF} levels, grid.levels ${loaded.config.grid.levels} has ${levels.nlev}`, {
        context: where('file'),
        hint: 'interpolate the field to the model levels first',
      });
    }
    const surface0 = await levelAxisSurfaceFirst(ds, levDim, cfg.levelOrder, { file, key: 'initialField.levelOrder' });

    // The record: the only one, initialField.time, or the run's start.
    let record = 0;
    if (rank === 4) {
      const tDim = info.dims[0]!;
      const nt = info.shape[0]!;
      const target = cfg.time !== undefined ? parseInstant(cfg.time.length === 10 ? `${cfg.time}T00:00:00Z` : cfg.time) : nt > 1 ? runStartSec : undefined;
      if (target !== undefined) {
        const tv = ds.hasVariable(tDim) ? await ds.read(tDim) : undefined;
        if (!tv?.times) throw new TanhuiError('MissingVariable', `${variable} has a ${tDim} dimension without a CF time coordinate ${tDim}`, { context: where('time', tDim) });
        const times = tv.times;
        record = times.findIndex((t) => Math.abs(t - target) < 0.5);
        if (record < 0) {
          throw new TanhuiError('BadValue', `${variable} has no record at ${isoOf(target)} (${nt} record${nt > 1 ? 's' : ''}, ${isoOf(times[0]!)} to ${isoOf(times[nt - 1]!)})`, {
            context: where('time', tDim),
            hint: cfg.time !== undefined ? 'set initialField.time to one of the file’s times' : 'set initialField.time to pick a record (without it the record at time.start is used)',
          });
        }
      }
    } else if (cfg.time !== undefined) {
      throw new TanhuiError('InvalidConfig', `${variable} has no time dimension (dims ${info.dims.join(', ')})`, { context: where('time'), hint: 'remove initialField.time' });
    }

    let toPpm: number;
    if (cfg.units !== undefined) toPpm = cfg.units === 'ppm' ? 1 : 1e6;
    else {
      if (info.units === undefined || info.units.trim() === '') {
        throw new TanhuiError('BadUnits', `${variable} has no units attribute`, { context: where('units'), hint: "set initialField.units to 'ppm' or 'mol mol-1'" });
      }
      const f = UNITS_TO_PPM[squash(info.units)];
      if (f === undefined) throw new TanhuiError('BadUnits', `${variable} has units '${info.units}', expected a mole fraction (ppm or mol mol-1)`, { context: where('units'), hint: "set initialField.units to 'ppm' or 'mol mol-1' if the values are one" });
      toPpm = f;
    }

    const start = rank === 4 ? [record, 0, 0, 0] : [0, 0, 0];
    const count = rank === 4 ? [1, nlevF, nlatF, nlonF] : [nlevF, nlatF, nlonF];
    const src = (await ds.read(variable, { start, count, decodeTimes: false })).data as Float64Array;
    const [lo, hi] = INITIAL_FIELD_RANGE_PPM;
    for (let q = 0; q < src.length; q++) {
      const v = src[q]! * toPpm;
      if (!(v >= lo && v <= hi)) {
        const k = Math.floor(q / (nlatF * nlonF));
        const j = Math.floor(q / nlonF) % nlatF;
        const i = q % nlonF;
        throw new TanhuiError('BadValue', `${variable} has ${Number.isNaN(v) ? 'a missing value' : `the value ${+v.toPrecision(6)} ppm`} at (${rank === 4 ? `record ${record}, ` : ''}level ${k}, lat ${lat[j]}, lon ${lon[i]}); expected CO2 from ${lo} to ${hi} ppm`, {
          context: { ...where(cfg.units !== undefined ? 'units' : 'file'), index: rank === 4 ? [record, k, j, i] : [k, j, i] },
          hint: cfg.units !== undefined ? 'check initialField.units' : undefined,
        });
      }
    }
    // Model layout: surface first, south first, longitudes from the model's first edge.
    const { nlat, nlon } = grid;
    const nlev = levels.nlev;
    // A file in mol mol⁻¹ is kept bit for bit; ppm values v become v / 1e6 like a uniform field.
    const toMolPerMol = (v: number): number => (toPpm === 1e6 ? v : (v * toPpm) / 1e6);
    const out = new Float64Array(nField);
    for (let k = 0; k < nlev; k++) {
      const ks = surface0 ? k : nlev - 1 - k;
      for (let j = 0; j < nlat; j++) {
        const js = flipLat ? nlat - 1 - j : j;
        const s = (ks * nlat + js) * nlon;
        const d = (k * nlat + j) * nlon;
        for (let i = 0; i < nlon; i++) out[d + i] = toMolPerMol(src[s + i]!);
      }
    }
    if (shift !== 0) rollLongitudes([out], nlon, shift);
    return out;
  } catch (err) {
    if (isTanhuiError(err)) {
      if (err.context.key !== undefined) throw err;
      // Errors of the reader name the absolute path: name the config's file, variable and key.
      throw new TanhuiError(err.code, err.message, { context: { ...err.context, ...where(err.code === 'MissingVariable' ? 'variable' : 'file', typeof err.context.variable === 'string' ? err.context.variable : variable) }, hint: err.hint, cause: err });
    }
    throw new TanhuiError('CorruptFile', `cannot read the initial field: ${err instanceof Error ? err.message : String(err)}`, { context: where('file'), cause: err });
  } finally {
    ds?.close();
  }
}
