// Readers of meteorology as users download it (`met.source`): ERA5 from the Copernicus data store
// in both NetCDF layouts (pre-2024: `time`, `latitude`, `longitude`, `level`, int16 packed with
// scale_factor/add_offset; 2024+: `valid_time`, `pressure_level` or `model_level`, float32,
// `expver`, `number`), MERRA-2 (inst3_3d_asm_Nv: U, V, DELP, PS on 72 levels top first;
// tavg3_3d_trb_Ne: KH; tavg3_3d_mst_Ne: CMFMC) and GEOS-FP with the same names. A reader
// describes a file (which roles are there, times, grid, levels) and reads one record at a time
// (float32 stays float32), so preparation streams. One registry (core Registry) by source name.
// Main thread only (gdal-async through @tanhui/io, loaded lazily).
import { HybridLevels, Registry, TanhuiError, type RegistryEntry } from '@tanhui/core';
import type { GdalDataset, VariableData } from '@tanhui/io';
import { ECMWF_L137, GEOS_L72 } from '../met/prep/levels';
import { loadIo } from './common';

/** What a variable is for the preparation. */
export type MetRole = 'u' | 'v' | 'ps' | 'lnsp' | 'delp' | 'kh' | 'cmfmc' | 't' | 'z';

export interface MetVariable {
  name: string;
  units?: string;
  dtype: string;
  dims: string[];
  shape: number[];
}

export interface MetFileDescription {
  file: string;
  source: string;
  /** Human name of the layout ("ERA5 CDS NetCDF (2024+)", "MERRA-2 inst3_3d_asm_Nv", …). */
  layout: string;
  timesSec: Float64Array;
  /** Centres as in the file. */
  lonDeg: Float64Array;
  latDeg: Float64Array;
  latNorthFirst: boolean;
  /** Level axis: model levels (numbers 1 … n, top = 1) or pressure levels [hPa]; none for 2-D files. */
  levelKind: 'model' | 'pressure' | 'none';
  levelValues: Float64Array;
  levTopFirst: boolean;
  variables: Partial<Record<MetRole, MetVariable>>;
}

export interface MetReader extends RegistryEntry {
  /** Names of each role in this source's files. */
  readonly names: Partial<Record<MetRole, readonly string[]>>;
  /** The source model's hybrid levels (surface first) for model-level files. */
  modelLevels(): HybridLevels;
}

export const metReaders = new Registry<MetReader>('met source');

metReaders.register({
  name: 'era5',
  description: 'ECMWF ERA5 from the Copernicus data store: NetCDF in the old and 2024+ CDS layouts, model levels (u, v, lnsp on L137) or pressure levels (u, v; sp from a single-level file)',
  names: { u: ['u'], v: ['v'], lnsp: ['lnsp'], ps: ['sp'], t: ['t'], z: ['z'] },
  modelLevels: ECMWF_L137,
});
metReaders.register({
  name: 'merra2',
  description: 'NASA GMAO MERRA-2: inst3_3d_asm_Nv (U, V, DELP, PS; 72 levels top first), tavg3_3d_trb_Ne (KH), tavg3_3d_mst_Ne (CMFMC)',
  names: { u: ['U'], v: ['V'], delp: ['DELP'], ps: ['PS'], kh: ['KH'], cmfmc: ['CMFMC'], t: ['T'] },
  modelLevels: GEOS_L72,
});
metReaders.register({
  name: 'geosfp',
  description: 'NASA GMAO GEOS-FP (and FP-IT): the MERRA-2 variable names (U, V, DELP, PS, KH, CMFMC) on the 72 GEOS levels',
  names: { u: ['U'], v: ['V'], delp: ['DELP'], ps: ['PS'], kh: ['KH'], cmfmc: ['CMFMC'], t: ['T'] },
  modelLevels: GEOS_L72,
});

const TIME_DIMS = ['valid_time', 'time'];
const LAT_DIMS = ['latitude', 'lat'];
const LON_DIMS = ['longitude', 'lon'];
const LEV_DIMS = ['model_level', 'pressure_level', 'level', 'lev'];

/** Units spelled without blanks, `**`, `^`, `+`: "m s**-1" → "ms-1", "m+2 s-1" → "m2s-1". */
export function squashUnits(u: string | undefined): string {
  return (u ?? '').toLowerCase().replace(/\s+|\*\*|\^|\+/g, '');
}

const UNITS: Partial<Record<MetRole, { accepted: string[]; si: string }>> = {
  u: { accepted: ['ms-1', 'm/s', 'meters/second'], si: 'm s-1' },
  v: { accepted: ['ms-1', 'm/s', 'meters/second'], si: 'm s-1' },
  ps: { accepted: ['pa'], si: 'Pa' },
  delp: { accepted: ['pa'], si: 'Pa' },
  kh: { accepted: ['m2s-1', 'm2/s'], si: 'm2 s-1' },
  cmfmc: { accepted: ['kgm-2s-1', 'kg/m2/s'], si: 'kg m-2 s-1' },
  lnsp: { accepted: ['', '~', '1', 'none'], si: 'ln(Pa) (no units)' },
};

/** Open a met file and describe it for `source`; every problem is one TanhuiError naming the file. */
export async function describeMetFile(file: string, source: string): Promise<MetFileDescription> {
  const reader = metReaders.get(source, { key: 'met.source' });
  const io = await loadIo();
  const ds = await io.openDataset(file);
  try {
    return await describeOpen(ds, file, reader);
  } finally {
    ds.close();
  }
}

function firstOf(ds: GdalDataset, names: readonly string[]): string | undefined {
  return names.find((n) => ds.hasVariable(n));
}

async function describeOpen(ds: GdalDataset, file: string, reader: MetReader): Promise<MetFileDescription> {
  const variables: Partial<Record<MetRole, MetVariable>> = {};
  for (const [role, names] of Object.entries(reader.names) as [MetRole, readonly string[]][]) {
    const n = firstOf(ds, names);
    if (!n) continue;
    const info = ds.variable(n);
    const want = UNITS[role];
    if (want && info.units !== undefined && !want.accepted.includes(squashUnits(info.units))) {
      throw new TanhuiError('BadUnits', `${n} has units '${info.units}', expected ${want.si}`, { context: { file, variable: n } });
    }
    variables[role] = { name: n, ...(info.units !== undefined ? { units: info.units } : {}), dtype: info.dtype, dims: info.dims.slice(), shape: info.shape.slice() };
  }
  const timeName = firstOf(ds, TIME_DIMS);
  const latName = firstOf(ds, LAT_DIMS);
  const lonName = firstOf(ds, LON_DIMS);
  for (const [what, n] of [['time', timeName], ['latitude', latName], ['longitude', lonName]] as const) {
    if (!n) throw new TanhuiError('MissingVariable', `no ${what} coordinate (looked for ${(what === 'time' ? TIME_DIMS : what === 'latitude' ? LAT_DIMS : LON_DIMS).join(', ')})`, { context: { file } });
  }
  const time = await ds.read(timeName!);
  if (!time.times) throw new TanhuiError('BadUnits', `${timeName} needs CF time units (e.g. 'hours since 1900-01-01')`, { context: { file, variable: timeName } });
  const lat = (await ds.read(latName!)).data as Float64Array;
  const lon = (await ds.read(lonName!)).data as Float64Array;
  const levName = firstOf(ds, LEV_DIMS);
  let levelKind: MetFileDescription['levelKind'] = 'none';
  let levelValues = new Float64Array(0);
  let levTopFirst = true;
  if (levName) {
    const lev = await ds.read(levName);
    levelValues = Float64Array.from(lev.data as ArrayLike<number>);
    const u = squashUnits(lev.units);
    levelKind = levName === 'pressure_level' || ['hpa', 'millibars', 'mb', 'mbar', 'pa'].includes(u) ? 'pressure' : 'model';
    if (levelKind === 'pressure' && u === 'pa') levelValues = levelValues.map((p) => p / 100);
    // Pressure levels top first = increasing hPa; model levels top first = increasing numbers.
    levTopFirst = levelValues.length < 2 || levelValues[1]! > levelValues[0]!;
  }
  const ts = time.times;
  const era5New = timeName === 'valid_time';
  const layout =
    reader.name === 'era5'
      ? `ERA5 CDS NetCDF (${era5New ? '2024+ layout: valid_time, float' : 'pre-2024 layout: time, packed int16'}; ${levelKind === 'none' ? 'single level' : `${levelValues.length} ${levelKind} levels`})`
      : `${reader.name === 'merra2' ? 'MERRA-2' : 'GEOS-FP'} ${typeof ds.attributes().ShortName === 'string' ? ds.attributes().ShortName : ''} (${levelKind === 'none' ? '2-D' : `${levelValues.length} levels`})`.replace('  ', ' ');
  return { file, source: reader.name, layout, timesSec: ts, lonDeg: Float64Array.from(lon), latDeg: Float64Array.from(lat), latNorthFirst: lat.length > 1 && lat[0]! > lat[1]!, levelKind, levelValues, levTopFirst, variables };
}

/**
 * The source hybrid levels a model-level file is on, after checking its level axis against the
 * declared coefficients: all n levels 1 … n of the source model, or a BadShape naming the gap.
 */
export function checkModelLevels(d: MetFileDescription, reader: MetReader, role: MetRole, interfaces = false): HybridLevels {
  const lev = reader.modelLevels();
  const v = d.variables[role]!;
  const n = lev.nlev + (interfaces ? 1 : 0);
  const nFile = d.levelValues.length;
  if (d.levelKind !== 'model' || nFile !== n) {
    throw new TanhuiError('BadShape', `${v.name} is on ${nFile} ${d.levelKind === 'none' ? '' : `${d.levelKind} `}levels, the declared ${reader.name} coefficients have ${n} ${interfaces ? 'interfaces' : 'levels'}`, {
      context: { file: d.file, variable: v.name },
      hint: reader.name === 'era5' ? 'download all 137 model levels (levelist 1/to/137) with lnsp' : 'use the full 72-level (Nv) or 73-edge (Ne) collection',
    });
  }
  const first = d.levTopFirst ? d.levelValues[0]! : d.levelValues[nFile - 1]!;
  for (let q = 1; q < nFile; q++) {
    const a = d.levelValues[d.levTopFirst ? q - 1 : nFile - q]!, b = d.levelValues[d.levTopFirst ? q : nFile - q - 1]!;
    if (b - a !== 1) {
      throw new TanhuiError('BadShape', `${v.name}'s levels are not the consecutive model levels of the declared coefficients (${a} then ${b})`, { context: { file: d.file, variable: v.name, index: q } });
    }
  }
  if (first !== (interfaces ? 0 : 1) && first !== 1 && first !== 0) {
    throw new TanhuiError('BadShape', `${v.name}'s levels start at ${first}, not at level 1 (the top)`, { context: { file: d.file, variable: v.name } });
  }
  return lev;
}

/**
 * One record (time index t) of a variable, float32 kept as Float32Array (fill values kept: range checks catch them),
 * packed integers decoded to Float64Array. The level axis of 2-D-in-3-D variables (ERA5 lnsp on
 * model_level 1) is dropped; `expver`/`number` axes of length 1 are skipped.
 */
export async function readMetRecord(ds: GdalDataset, d: MetFileDescription, role: MetRole, t: number): Promise<Float32Array | Float64Array> {
  const v = d.variables[role];
  if (!v) throw new TanhuiError('MissingVariable', `no ${role} variable in this ${d.source} file`, { context: { file: d.file } });
  const start = v.dims.map(() => 0);
  const count = v.shape.slice();
  const it = v.dims.findIndex((x) => TIME_DIMS.includes(x));
  if (it >= 0) {
    start[it] = t;
    count[it] = 1;
  }
  for (let q = 0; q < v.dims.length; q++) {
    if (q !== it && !LAT_DIMS.includes(v.dims[q]!) && !LON_DIMS.includes(v.dims[q]!) && !LEV_DIMS.includes(v.dims[q]!) && v.shape[q]! > 1) {
      throw new TanhuiError('BadShape', `${v.name} has an extra axis ${v.dims[q]} of ${v.shape[q]} (ensemble members or experiment versions?); give one member`, { context: { file: d.file, variable: v.name } });
    }
  }
  if (v.dtype === 'float32') {
    // Float32 stays float32 (half the memory of decoding to Float64); fill values become NaN.
    const io = await loadIo();
    const a = (await ds.read(v.name, { start, count, decode: false })).data as Float32Array;
    const p = io.cfPacking(ds.variable(v.name).attrs);
    if (p.scale !== 1 || p.offset !== 0) for (let q = 0; q < a.length; q++) a[q] = a[q]! * p.scale + p.offset;
    // Fill values (GMAO 1e15) are left as they are: every consumer range-checks (winds ≤ 300 m s⁻¹,
    // surface pressure 100–1200 hPa, KH/CMFMC below 1e10), which a fill value fails. Scanning
    // for them here cost a third of the preparation's CPU time.
    return a;
  }
  let x: VariableData;
  x = await ds.read(v.name, { start, count });
  return x.data as Float64Array;
}
