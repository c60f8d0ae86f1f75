// Meteorology from NetCDF files (ERA-Interim/ERA5/GEOS-like fields already on the model grid):
// u, v [time][lev][lat][lon] m s⁻¹, surface pressure [time][lat][lon] Pa, hybrid coefficients
// (hyai/hybi/P0 or a/b given by the caller), optional Kz and convective fields. Main thread
// only; the result (ArrayMetData, plain typed arrays) is what workers receive.
import { HybridLevels, TanhuiError } from '@tanhui/core';
import type { ArrayMetData } from '../met/array-met';
import { gridFromCenters, openFile, placeField } from './common';
import { scalarWithNcdump } from './mozart';

export interface MetFileNames {
  u?: string;
  v?: string;
  ps?: string;
  time?: string;
  kz?: string;
}

export async function readMeteorologyFile(file: string, names: MetFileNames = {}, levels?: HybridLevels): Promise<ArrayMetData> {
  const n = { u: 'u', v: 'v', ps: 'ps', time: 'time', lat: 'lat', lon: 'lon', ...names };
  const f = await openFile(file);
  try {
    for (const v of [n.u, n.v, n.ps, n.time, n.lat, n.lon]) {
      if (!f.has(v)) throw new TanhuiError('MissingVariable', `meteorology file lacks ${v}`, { context: { file, variable: v } });
    }
    const [u, v, ps, time, lat, lon] = await Promise.all([n.u, n.v, n.ps, n.time, n.lat, n.lon].map((x) => f.read(x)));
    if (!time!.times) throw new TanhuiError('BadUnits', `${n.time} needs CF time units`, { context: { file, variable: n.time } });
    const { grid, flipLat } = gridFromCenters(lon!.data as Float64Array, lat!.data as Float64Array, file);
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
    const expectShape = [nt, nlev, nlat, nlon].join();
    for (const [x, name] of [[u!, n.u], [v!, n.v]] as const) {
      if (x.shape.join() !== expectShape) throw new TanhuiError('BadShape', `${name} has shape [${x.shape}], expected [${expectShape}]`, { context: { file, variable: name } });
    }
    const place3 = (src: Float64Array) => {
      const out = new Float64Array(nt * nlev * nlat * nlon);
      for (let q = 0; q < nt; q++) placeField(src, q * nlev * nlat * nlon, nlev, nlat, nlon, flipLev, flipLat, out.subarray(q * nlev * nlat * nlon), 1, 0);
      return out;
    };
    const psOut = new Float64Array(nt * nlat * nlon);
    for (let q = 0; q < nt; q++) placeField(ps!.data as Float64Array, q * nlat * nlon, 1, nlat, nlon, false, flipLat, psOut.subarray(q * nlat * nlon), 1, 0);
    return {
      lonEdgesDeg: grid.lonEdgesDeg,
      latEdgesDeg: grid.latEdgesDeg,
      aHalfPa: lev.aHalfPa,
      bHalf: lev.bHalf,
      timesSec: time!.times,
      psPa: psOut,
      uMS: place3(u!.data as Float64Array),
      vMS: place3(v!.data as Float64Array),
    };
  } finally {
    f.close();
  }
}
