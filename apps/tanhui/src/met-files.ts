// Meteorology from a file (`met.source: files`): read once in the main thread (gdal-async via
// @tanhui/transport's reader), checked against the run (grid, levels, values, time coverage),
// its fields on SharedArrayBuffers so that every worker task shares them, and a content hash as
// the model spec's cache key (workers never stringify the fields). Every failure is one
// TanhuiError naming the file and the config key, raised before any store is touched.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { HybridLevels, isTanhuiError, LatLonGrid, TanhuiError } from '@tanhui/core';
import { readMeteorologyFile, type ArrayMetData, type MetFileNames, type TransportWindow, type WindMetData } from '@tanhui/transport';
import type { LoadedConfig } from './config/load';
import { resolvePath } from './config/load';
import { rollLongitudes, shiftToModelGrid } from './model-grid';

export interface MetFromFile {
  /** Fields in the model layout; the large ones on SharedArrayBuffers. */
  data: WindMetData;
  /** sha256 of the fields (and pressure-fixer switch): the model's cache key. */
  key: string;
  /** sha256 of the file's bytes (input provenance). */
  fileSha256: string;
}

/** Hybrid coefficients of the file must match grid.levels to these tolerances (float32 files). */
const A_TOL_PA = 0.1;
const B_TOL = 1e-6;

const iso = (t: number): string => new Date(t * 1000).toISOString().replace(':00.000Z', 'Z');

/** Read and check the meteorology file of a run (grid and levels; coverage: checkMetCoverage). */
export async function readMetForRun(loaded: LoadedConfig, grid: LatLonGrid, levels: HybridLevels): Promise<MetFromFile> {
  const met = loaded.config.met;
  const file = met.path!;
  const path = resolvePath(loaded, file);
  const names: MetFileNames = Object.fromEntries(Object.entries(met.variables).filter(([, v]) => v !== undefined));
  const keyOfVariable = (variable: unknown): string => {
    const hit = Object.entries(met.variables).find(([, v]) => v === variable);
    return hit ? `met.variables.${hit[0]}` : 'met.path';
  };
  let data: WindMetData;
  try {
    data = await readMeteorologyFile(path, names, met.levels === 'grid' ? levels : undefined, { shared: true });
  } catch (err) {
    if (isTanhuiError(err)) {
      const hint =
        err.hint ??
        (err.code === 'BadShape' && met.levels === 'grid'
          ? `with met.levels: grid the level axis must have the ${levels.nlev} levels of grid.levels ${loaded.config.grid.levels}, surface first`
          : err.code === 'MissingVariable' && (err.context.variable === 'hyai' || err.context.variable === 'hybi')
            ? 'a file on the levels of grid.levels (surface first) without hybrid coefficients needs met.levels: grid'
            : err.code === 'MissingVariable'
              ? 'name it under met.variables (u, v, ps, time, lat, lon, kz, entu, detu, entd, detd)'
              : undefined);
      throw new TanhuiError(err.code, err.message, { context: { ...err.context, file, key: keyOfVariable(err.context.variable) }, hint, cause: err });
    }
    throw new TanhuiError('CorruptFile', `cannot read the meteorology file: ${err instanceof Error ? err.message : String(err)}`, { context: { file, key: 'met.path' }, cause: err });
  }
  const shift = shiftToModelGrid(new LatLonGrid(data.lonEdgesDeg, data.latEdgesDeg), grid, loaded.config.grid.preset, {
    what: 'the meteorology',
    file,
    key: 'met.path',
    hint: 'regrid the meteorology to the model grid, or set grid.preset to its grid',
  });
  if (shift !== 0) {
    // The same cells from another longitude origin (0…360° files): roll them to the model's.
    rollLongitudes([data.psPa, data.uMS, data.vMS, data.kzM2S, data.entrainUp, data.detrainUp, data.entrainDown, data.detrainDown], grid.nlon, shift);
    data.lonEdgesDeg = Float64Array.from(grid.lonEdgesDeg);
  }
  if (met.levels === 'file') {
    const fl = new HybridLevels(data.aHalfPa, data.bHalf);
    if (fl.nlev !== levels.nlev) {
      throw new TanhuiError('GridMismatch', `the meteorology has ${fl.nlev} levels, grid.levels ${loaded.config.grid.levels} has ${levels.nlev}`, {
        context: { file, key: 'met.path' },
        hint: 'interpolate the meteorology to the model levels first',
      });
    }
    for (let k = 0; k <= levels.nlev; k++) {
      if (Math.abs(fl.aHalfPa[k]! - levels.aHalfPa[k]!) > A_TOL_PA || Math.abs(fl.bHalf[k]! - levels.bHalf[k]!) > B_TOL) {
        throw new TanhuiError(
          'GridMismatch',
          `the meteorology's hybrid coefficients differ from grid.levels ${loaded.config.grid.levels} at interface ${k} above the surface (a ${fl.aHalfPa[k]} Pa, b ${fl.bHalf[k]}; expected ${levels.aHalfPa[k]} Pa, ${levels.bHalf[k]})`,
          { context: { file, key: 'met.path', variable: 'hyai' }, hint: 'interpolate the meteorology to the model levels first' },
        );
      }
    }
    // Within tolerance: the model uses exactly grid.levels.
    data.aHalfPa = Float64Array.from(levels.aHalfPa);
    data.bHalf = Float64Array.from(levels.bHalf);
  }
  for (let q = 1; q < data.timesSec.length; q++) {
    if (!(data.timesSec[q]! > data.timesSec[q - 1]!)) {
      throw new TanhuiError('BadValue', `the meteorology's times must increase (record ${q}: ${iso(data.timesSec[q]!)} after ${iso(data.timesSec[q - 1]!)})`, {
        context: { file, variable: met.variables.time ?? 'time', index: q, key: 'met.path' },
      });
    }
  }
  checkValues(data, file, loaded);
  data.pressureFixer = met.pressureFixer;
  const h = createHash('sha256');
  h.update(`met-arrays v1 fixer=${String(data.pressureFixer)}`);
  for (const a of [data.lonEdgesDeg, data.latEdgesDeg, data.aHalfPa, data.bHalf, data.timesSec, data.psPa, data.uMS, data.vMS, data.kzM2S, data.entrainUp, data.detrainUp, data.entrainDown, data.detrainDown]) {
    h.update(a ? `|${a.length}|` : '|-|');
    if (a) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }
  return { data, key: h.digest('hex'), fileSha256: createHash('sha256').update(readFileSync(path)).digest('hex') };
}

/** Fill values (NaN after CF decoding) and impossible surface pressures are errors, not NaN CO2. */
function checkValues(d: ArrayMetData, file: string, loaded: LoadedConfig): void {
  const names = loaded.config.met.variables;
  const bad = (name: string, a: Float64Array | undefined, ok: (v: number) => boolean, what: string): void => {
    if (!a) return;
    for (let q = 0; q < a.length; q++) {
      if (!ok(a[q]!)) {
        throw new TanhuiError('BadValue', `${name} has ${Number.isNaN(a[q]!) ? 'a missing value' : `the value ${a[q]}`} (expected ${what})`, {
          context: { file, variable: name, index: q, key: 'met.path' },
        });
      }
    }
  };
  bad(names.ps ?? 'ps', d.psPa, (v) => v > 10000 && v < 120000, 'a surface pressure in Pa');
  bad(names.u ?? 'u', d.uMS, Number.isFinite, 'finite winds in m s-1');
  bad(names.v ?? 'v', d.vMS, Number.isFinite, 'finite winds in m s-1');
  bad(names.kz ?? 'kz', d.kzM2S, (v) => v >= 0 && Number.isFinite(v), 'Kz ≥ 0 in m2 s-1');
  for (const [k, a] of [['entu', d.entrainUp], ['detu', d.detrainUp], ['entd', d.entrainDown], ['detd', d.detrainDown]] as const) {
    bad(names[k] ?? k, a, (v) => v >= 0 && Number.isFinite(v), 'a mass flux ≥ 0 in kg m-2 s-1');
  }
}

/** The file's records must span every window: the model would otherwise hold the end records. */
export function checkMetCoverage(loaded: LoadedConfig, data: ArrayMetData, windows: readonly TransportWindow[], key = 'met.path'): void {
  const T = data.timesSec;
  const first = T[0]!;
  const last = T[T.length - 1]!;
  const start = windows[0]!.startSec;
  const end = windows[windows.length - 1]!.endSec;
  if (first > start || last < end) {
    throw new TanhuiError('EmptyInput', `the meteorology covers ${iso(first)} to ${iso(last)}, the run needs ${iso(start)} to ${iso(end)}`, {
      context: { file: key === 'met.path' ? loaded.config.met.path : undefined, key },
      hint: 'give a file covering every window, or change time.start / time.windows / time.windowDays',
    });
  }
}
