// Helpers shared by the readers of external model output. @tanhui/io (gdal-async) is loaded
// lazily, inside async functions, so that importing @tanhui/transport in a worker thread never
// loads gdal-async.
import { LatLonGrid, TanhuiError } from '@tanhui/core';
import type { VariableData } from '@tanhui/io';

export type Io = typeof import('@tanhui/io');

export async function loadIo(): Promise<Io> {
  return import('@tanhui/io');
}

export interface OpenedFile {
  has(name: string): boolean;
  read(name: string): Promise<VariableData>;
  close(): void;
}

export async function openFile(file: string): Promise<OpenedFile> {
  const io = await loadIo();
  const ds = await io.openDataset(file);
  return {
    has: (name) => ds.hasVariable(name),
    read: (name) => ds.read(name),
    close: () => ds.close(),
  };
}

/** Cell edges from increasing centres; latitude edges clamp to ±90. */
export function edgesFromCenters(c: ArrayLike<number>, kind: 'lon' | 'lat', file: string, variable: string): Float64Array {
  const n = c.length;
  if (n < 2) throw new TanhuiError('BadShape', `${variable} needs at least 2 values`, { context: { file, variable } });
  for (let q = 1; q < n; q++) {
    if (!(c[q]! > c[q - 1]!)) throw new TanhuiError('BadValue', `${variable} must increase`, { context: { file, variable, index: q } });
  }
  const e = new Float64Array(n + 1);
  if (kind === 'lon') {
    const d = 360 / n;
    for (let q = 0; q <= n; q++) e[q] = c[0]! - d / 2 + q * d;
    if (Math.abs(c[n - 1]! - c[0]! - (n - 1) * d) > 1e-6 * d) {
      throw new TanhuiError('BadValue', `${variable} is not a regular global longitude axis`, { context: { file, variable } });
    }
  } else {
    e[0] = -90;
    e[n] = 90;
    for (let q = 1; q < n; q++) e[q] = 0.5 * (c[q - 1]! + c[q]!);
  }
  return e;
}

/** Grid from centre coordinates; returns the grid and whether latitudes must be flipped. */
export function gridFromCenters(lon: Float64Array, lat: Float64Array, file: string): { grid: LatLonGrid; flipLat: boolean } {
  const flipLat = lat.length > 1 && lat[0]! > lat[lat.length - 1]!;
  const latS = flipLat ? lat.slice().reverse() : lat;
  return { grid: new LatLonGrid(edgesFromCenters(lon, 'lon', file, 'lon'), edgesFromCenters(latS, 'lat', file, 'lat')), flipLat };
}

/**
 * Copy a [level][lat][lon] slab into [level][lat][lon][tracer] position `t`, flipping levels
 * (file top-first → surface-first) and latitudes (north-first → south-first) as needed.
 */
export function placeField(
  src: Float64Array, srcOff: number, nlev: number, nlat: number, nlon: number,
  flipLev: boolean, flipLat: boolean, dst: Float64Array, K: number, t: number,
): void {
  for (let k = 0; k < nlev; k++) {
    const ks = flipLev ? nlev - 1 - k : k;
    for (let j = 0; j < nlat; j++) {
      const js = flipLat ? nlat - 1 - j : j;
      const s = srcOff + (ks * nlat + js) * nlon;
      const d = (k * nlat + j) * nlon;
      for (let i = 0; i < nlon; i++) dst[(d + i) * K + t] = src[s + i]!;
    }
  }
}
