// MOZART-4 history files (`*.mz4.h0.*.nc`, CAM conventions): CO2_VMR_avrg or ensemble tracers
// ENnnn_VMR_avrg [time][lev][lat][lon] in mol mol⁻¹ with levels top first, PS [Pa], P0,
// hyam/hybm/hyai/hybi, lat, lon, date (YYYYMMDD) and datesec. Read in the main thread; the
// result is plain typed arrays in tanhui's layout (surface first, south→north, tracer last).
import { HybridLevels, LatLonGrid, TanhuiError } from '@tanhui/core';
import { openFile, placeField } from './common';

export interface ModelFields {
  file: string;
  grid: LatLonGrid;
  levels: HybridLevels;
  /** Record times [s since 1970 UTC]. */
  timesSec: Float64Array;
  /** Surface pressure [Pa] per record, [time][lat][lon] (empty when the file has none). */
  psPa: Float64Array;
  tracerNames: string[];
  nTracers: number;
  /** Per record: mole fraction [mol mol⁻¹], [level][lat][lon][tracer]. */
  moleFraction: Float64Array[];
}

export interface MozartReadOptions {
  /** 'co2' (CO2_VMR_avrg), 'ensemble' (all ENnnn_VMR_avrg, sorted) or explicit names. */
  tracers?: 'co2' | 'ensemble' | string[];
}

/** Seconds since 1970 from CAM's date (YYYYMMDD) and datesec. */
export function camDateToSeconds(date: number, datesec: number): number {
  const y = Math.floor(date / 10000);
  const m = Math.floor((date % 10000) / 100);
  const d = date % 100;
  return Date.UTC(y, m - 1, d) / 1000 + datesec;
}

export async function readMozartHistory(file: string, options: MozartReadOptions = {}): Promise<ModelFields> {
  const f = await openFile(file);
  try {
    const need = ['lat', 'lon', 'hyai', 'hybi', 'date', 'datesec', 'PS'];
    for (const v of need) {
      if (!f.has(v)) throw new TanhuiError('MissingVariable', `MOZART-4 history file lacks ${v}`, { context: { file, variable: v } });
    }
    const [lat, lon, hyai, hybi, date, datesec, ps] = await Promise.all(need.map((v) => f.read(v)));
    const p0 = f.has('P0') ? ((await f.read('P0')).data as Float64Array)[0]! : await scalarWithNcdump(file, 'P0');
    const { grid, flipLat } = LatLonGrid.fromCenters(lon!.data, lat!.data, { file });
    const levels = HybridLevels.fromHyaiHybi(hyai!.data as Float64Array, hybi!.data as Float64Array, p0);
    const a = hyai!.data as Float64Array, b = hybi!.data as Float64Array;
    const flipLev = a[0]! + b[0]! * 1e5 < a[a.length - 1]! + b[b.length - 1]! * 1e5; // top first in the file
    const nt = (date!.data as Float64Array).length;
    const timesSec = new Float64Array(nt);
    for (let q = 0; q < nt; q++) timesSec[q] = camDateToSeconds((date!.data as Float64Array)[q]!, (datesec!.data as Float64Array)[q]!);
    const { nlat, nlon } = grid;
    const nlev = levels.nlev;
    const psPa = new Float64Array(nt * nlat * nlon);
    for (let q = 0; q < nt; q++) placeField(ps!.data as Float64Array, q * nlat * nlon, 1, nlat, nlon, false, flipLat, psPa.subarray(q * nlat * nlon), 1, 0);
    let names: string[];
    const sel = options.tracers ?? 'co2';
    if (sel === 'co2') names = ['CO2_VMR_avrg'];
    else if (sel === 'ensemble') {
      const io = await import('@tanhui/io');
      names = (await io.listVariables(file)).map((v) => v.name).filter((n) => /^EN\d+_VMR_avrg$/.test(n)).sort();
      if (names.length === 0) throw new TanhuiError('MissingVariable', 'no ensemble tracers ENnnn_VMR_avrg in the MOZART-4 file', { context: { file, variable: 'ENnnn_VMR_avrg' } });
    } else names = sel;
    for (const n of names) if (!f.has(n)) throw new TanhuiError('MissingVariable', `MOZART-4 history file lacks ${n}`, { context: { file, variable: n } });
    const K = names.length;
    const moleFraction = Array.from({ length: nt }, () => new Float64Array(nlev * nlat * nlon * K));
    for (let t = 0; t < K; t++) {
      const v = await f.read(names[t]!);
      if (v.shape.join() !== [nt, nlev, nlat, nlon].join()) {
        throw new TanhuiError('BadShape', `${names[t]} has shape [${v.shape}], expected [time, lev, lat, lon] = [${nt}, ${nlev}, ${nlat}, ${nlon}]`, { context: { file, variable: names[t] } });
      }
      checkUnits(v.units, file, names[t]!);
      for (let q = 0; q < nt; q++) placeField(v.data as Float64Array, q * nlev * nlat * nlon, nlev, nlat, nlon, flipLev, flipLat, moleFraction[q]!, K, t);
    }
    return { file, grid, levels, timesSec, psPa, tracerNames: names, nTracers: K, moleFraction };
  } finally {
    f.close();
  }
}

export function checkUnits(units: string | undefined, file: string, variable: string): void {
  const u = (units ?? '').trim().toLowerCase();
  if (!['mol/mol', 'mol mol-1', 'mol mol^-1', 'vmr', '1', ''].includes(u)) {
    throw new TanhuiError('BadUnits', `${variable} has units '${units}', expected mol/mol`, { context: { file, variable } });
  }
}

/** The field at time tSec, linear in time between records (clamped at the ends). */
export function fieldAtTime(fields: ModelFields, tSec: number): Float64Array {
  const T = fields.timesSec;
  const n = T.length;
  if (tSec <= T[0]! || n === 1) return fields.moleFraction[0]!.slice();
  if (tSec >= T[n - 1]!) return fields.moleFraction[n - 1]!.slice();
  let q = 0;
  while (T[q + 1]! < tSec) q++;
  const w = (tSec - T[q]!) / (T[q + 1]! - T[q]!);
  const a = fields.moleFraction[q]!, b = fields.moleFraction[q + 1]!;
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (1 - w) * a[i]! + w * b[i]!;
  return out;
}

/**
 * A scalar NetCDF variable through `ncdump -v` (GDAL's multidimensional API does not list
 * 0-d variables such as CAM's P0). Rejects with MissingVariable when it cannot be read.
 */
export async function scalarWithNcdump(file: string, variable: string): Promise<number> {
  const { execFile } = await import('node:child_process');
  const text = await new Promise<string>((res, rej) => {
    execFile('ncdump', ['-v', variable, file], { maxBuffer: 1 << 26 }, (err, stdout) => (err ? rej(err) : res(stdout)));
  }).catch((err: unknown) => {
    throw new TanhuiError('MissingVariable', `cannot read scalar ${variable}`, { context: { file, variable }, hint: 'is ncdump (netcdf-bin) installed?', cause: err });
  });
  const m = new RegExp(`\\b${variable}\\s*=\\s*([-+0-9.eE]+)\\s*;`).exec(text.slice(text.indexOf('data:')));
  if (!m) throw new TanhuiError('MissingVariable', `file has no scalar ${variable}`, { context: { file, variable } });
  return Number(m[1]);
}
