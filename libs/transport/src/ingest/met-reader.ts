// Meteorology from NetCDF files (ERA-Interim/ERA5/GEOS-like fields already on the model grid):
// u, v [time][lev][lat][lon] m s⁻¹, surface pressure [time][lat][lon] Pa, hybrid coefficients
// (hyai/hybi/P0 or a/b given by the caller), optional Kz [time][interface][lat][lon] m² s⁻¹ and
// convective mass fluxes entu/detu/entd/detd [time][lev][lat][lon] kg m⁻² s⁻¹. Levels and
// latitudes may be stored top-first / north-first; the result is in the model layout (surface
// first, south first). Main thread only; the result (ArrayMetData, plain typed arrays, on
// SharedArrayBuffers with `shared`) is what workers receive.
import { HybridLevels, LatLonGrid, TanhuiError } from '@tanhui/core';
import type { VariableData } from '@tanhui/io';
import type { WindMetData } from '../met/array-met';
import { openFile, placeField } from './common';
import { scalarWithNcdump } from './mozart';

export interface MetFileNames {
  u?: string;
  v?: string;
  ps?: string;
  time?: string;
  lat?: string;
  lon?: string;
  /** Optional fields: read when present (an explicitly given name must exist). */
  kz?: string;
  entu?: string;
  detu?: string;
  entd?: string;
  detd?: string;
}

export interface MetReadOptions {
  /** Allocate the output fields on SharedArrayBuffers (shared, not copied, by worker tasks). */
  shared?: boolean;
}

const OPTIONAL = ['kz', 'entu', 'detu', 'entd', 'detd'] as const;

/** Units spelled without blanks, `**`, `^` or dots: "m s**-1" → "ms-1". */
function squash(u: string | undefined): string | undefined {
  return u?.toLowerCase().replace(/\s+|\*\*|\^|\./g, '');
}

/** Factor to SI of a variable's units, or a BadUnits error; absent units are taken as SI. */
function siFactor(x: VariableData, accepted: Record<string, number>, si: string, file: string, name: string): number {
  const u = squash(x.units);
  if (u === undefined || u === '') return 1;
  const f = accepted[u];
  if (f === undefined) throw new TanhuiError('BadUnits', `${name} has units '${x.units}', expected ${si}`, { context: { file, variable: name } });
  return f;
}

const WIND_UNITS = { 'ms-1': 1, 'm/s': 1, metersecond: 1, 'metersecond-1': 1, 'meterssecond-1': 1, meterspersecond: 1 };
const PRESSURE_UNITS = { pa: 1, pascal: 1, pascals: 1, hpa: 100, mb: 100, mbar: 100, millibar: 100, millibars: 100 };
const KZ_UNITS = { 'm2s-1': 1, 'm2/s': 1 };
const MASSFLUX_UNITS = { 'kgm-2s-1': 1, 'kg/m2/s': 1 };

export async function readMeteorologyFile(file: string, names: MetFileNames = {}, levels?: HybridLevels, options: MetReadOptions = {}): Promise<WindMetData> {
  const n = { u: 'u', v: 'v', ps: 'ps', time: 'time', lat: 'lat', lon: 'lon', kz: 'kz', entu: 'entu', detu: 'detu', entd: 'entd', detd: 'detd', ...names };
  const alloc = (len: number): Float64Array => (options.shared ? new Float64Array(new SharedArrayBuffer(len * 8)) : new Float64Array(len));
  const f = await openFile(file);
  try {
    for (const v of [n.u, n.v, n.ps, n.time, n.lat, n.lon]) {
      if (!f.has(v)) throw new TanhuiError('MissingVariable', `meteorology file lacks ${v}`, { context: { file, variable: v } });
    }
    for (const o of OPTIONAL) {
      if (names[o] !== undefined && !f.has(n[o])) throw new TanhuiError('MissingVariable', `meteorology file lacks ${n[o]}`, { context: { file, variable: n[o] } });
    }
    const [u, v, ps, time, lat, lon] = await Promise.all([n.u, n.v, n.ps, n.time, n.lat, n.lon].map((x) => f.read(x)));
    if (!time!.times) throw new TanhuiError('BadUnits', `${n.time} needs CF time units`, { context: { file, variable: n.time } });
    const { grid, flipLat } = LatLonGrid.fromCenters(lon!.data, lat!.data, { file });
    let lev = levels;
    let flipLev = false;
    if (!lev) {
      for (const x of ['hyai', 'hybi']) if (!f.has(x)) throw new TanhuiError('MissingVariable', `meteorology file lacks ${x}; pass the levels explicitly`, { context: { file, variable: x } });
      const a = (await f.read('hyai')).data as Float64Array;
      const b = (await f.read('hybi')).data as Float64Array;
      const p0 = f.has('P0') ? ((await f.read('P0')).data as Float64Array)[0]! : await scalarWithNcdump(file, 'P0').catch(() => 1);
      lev = HybridLevels.fromHyaiHybi(a, b, p0);
      flipLev = a[0]! * p0 + b[0]! * 1e5 < a[a.length - 1]! * p0 + b[b.length - 1]! * 1e5;
    }
    const nt = time!.times.length;
    const { nlat, nlon } = grid;
    const nlev = lev.nlev;
    const ncol = nlat * nlon;
    const expectShape = [nt, nlev, nlat, nlon].join();
    for (const [x, name] of [[u!, n.u], [v!, n.v]] as const) {
      if (x.shape.join() !== expectShape) throw new TanhuiError('BadShape', `${name} has shape [${x.shape}], expected [${expectShape}] (time, level, lat, lon)`, { context: { file, variable: name } });
    }
    if (ps!.shape.join() !== [nt, nlat, nlon].join()) {
      throw new TanhuiError('BadShape', `${n.ps} has shape [${ps!.shape}], expected [${[nt, nlat, nlon].join()}] (time, lat, lon)`, { context: { file, variable: n.ps } });
    }
    const place3 = (x: VariableData, name: string, accepted: Record<string, number>, si: string) => {
      if (x.shape.join() !== expectShape) throw new TanhuiError('BadShape', `${name} has shape [${x.shape}], expected [${expectShape}] (time, level, lat, lon)`, { context: { file, variable: name } });
      const scale = siFactor(x, accepted, si, file, name);
      const out = alloc(nt * nlev * ncol);
      for (let q = 0; q < nt; q++) placeField(x.data as Float64Array, q * nlev * ncol, nlev, nlat, nlon, flipLev, flipLat, out.subarray(q * nlev * ncol), 1, 0);
      if (scale !== 1) for (let q = 0; q < out.length; q++) out[q] *= scale;
      return out;
    };
    const psScale = siFactor(ps!, PRESSURE_UNITS, 'Pa', file, n.ps);
    const psOut = alloc(nt * ncol);
    for (let q = 0; q < nt; q++) placeField(ps!.data as Float64Array, q * ncol, 1, nlat, nlon, false, flipLat, psOut.subarray(q * ncol), 1, 0);
    if (psScale !== 1) for (let q = 0; q < psOut.length; q++) psOut[q] *= psScale;
    const out: WindMetData = {
      lonEdgesDeg: grid.lonEdgesDeg,
      latEdgesDeg: grid.latEdgesDeg,
      aHalfPa: lev.aHalfPa,
      bHalf: lev.bHalf,
      timesSec: time!.times,
      psPa: psOut,
      uMS: place3(u!, n.u, WIND_UNITS, 'm s-1'),
      vMS: place3(v!, n.v, WIND_UNITS, 'm s-1'),
    };
    if (f.has(n.kz)) out.kzM2S = placeKz(await f.read(n.kz), n.kz, file, nt, nlev, nlat, nlon, flipLev, flipLat, alloc);
    const conv = { entu: 'entrainUp', detu: 'detrainUp', entd: 'entrainDown', detd: 'detrainDown' } as const;
    for (const key of ['entu', 'detu', 'entd', 'detd'] as const) {
      if (f.has(n[key])) out[conv[key]] = place3(await f.read(n[key]), n[key], MASSFLUX_UNITS, 'kg m-2 s-1');
    }
    if ((out.entrainUp === undefined) !== (out.detrainUp === undefined)) {
      throw new TanhuiError('MissingVariable', `convection needs both ${n.entu} and ${n.detu}`, { context: { file, variable: out.entrainUp ? n.detu : n.entu } });
    }
    return out;
  } finally {
    f.close();
  }
}

/**
 * Kz on the nlev−1 interior interfaces ([time][interface 1…nlev−1][lat][lon], interface 0 at
 * the surface), from a file variable on the nlev−1 interior or all nlev+1 interfaces.
 */
function placeKz(
  x: VariableData, name: string, file: string, nt: number, nlev: number, nlat: number, nlon: number,
  flipLev: boolean, flipLat: boolean, alloc: (n: number) => Float64Array,
): Float64Array {
  const ni = x.shape[1]!;
  if (x.shape.length !== 4 || x.shape[0] !== nt || (ni !== nlev - 1 && ni !== nlev + 1) || x.shape[2] !== nlat || x.shape[3] !== nlon) {
    throw new TanhuiError('BadShape', `${name} has shape [${x.shape}], expected [${[nt, nlev - 1, nlat, nlon].join()}] or [${[nt, nlev + 1, nlat, nlon].join()}] (time, interface, lat, lon)`, { context: { file, variable: name } });
  }
  const scale = siFactor(x, KZ_UNITS, 'm2 s-1', file, name);
  const ncol = nlat * nlon;
  const src = x.data as Float64Array;
  const out = alloc(nt * (nlev - 1) * ncol);
  for (let q = 0; q < nt; q++) {
    for (let m = 1; m < nlev; m++) {
      // File index of model interface m (surface-first numbering).
      const s = ni === nlev + 1 ? (flipLev ? nlev - m : m) : flipLev ? nlev - 1 - m : m - 1;
      for (let j = 0; j < nlat; j++) {
        const js = flipLat ? nlat - 1 - j : j;
        const so = ((q * ni + s) * nlat + js) * nlon;
        const d = ((q * (nlev - 1) + m - 1) * nlat + j) * nlon;
        for (let i = 0; i < nlon; i++) out[d + i] = scale * src[so + i]!;
      }
    }
  }
  return out;
}
