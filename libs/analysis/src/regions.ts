// A minimal region map for aggregation: one region index per grid cell (0 … names.length−1,
// negative = none). Every function here also takes core's RegionMap (positive codes, 0 = none),
// converted once by asRegionMapInput; outputs follow the order of core's `regions`.
import { LatLonGrid, RegionMap, TanhuiError } from '@tanhui/core';

export interface RegionMapInput {
  readonly grid: LatLonGrid;
  /** Region index per cell (flat j*nlon + i), 0 … names.length−1; negative = in no region. */
  readonly codes: Int32Array;
  /** Region names, indexed by code. */
  readonly names: readonly string[];
}

/** Either form of region map. */
export type RegionMapLike = RegionMapInput | RegionMap;

const converted = new WeakMap<RegionMap, RegionMapInput>();

function isCoreRegionMap(map: RegionMapLike): map is RegionMap {
  // Structural, so a RegionMap from another copy of core (worker, bundle) is recognised too.
  return 'regions' in map && typeof (map as RegionMap).rowOf === 'function';
}

/** Core's RegionMap → RegionMapInput (rows in the order of `regions`, code 0 → −1); memoised. */
export function asRegionMapInput(map: RegionMapLike): RegionMapInput {
  if (!isCoreRegionMap(map)) return map;
  let out = converted.get(map);
  if (!out) {
    const codes = new Int32Array(map.codes.length);
    for (let c = 0; c < codes.length; c++) codes[c] = map.codes[c] === 0 ? -1 : map.rowOf(map.codes[c]!);
    out = { grid: map.grid, codes, names: map.regions.map((r) => r.name) };
    converted.set(map, out);
  }
  return out;
}

export function checkRegionMap(map: RegionMapInput, variable = 'regionMap'): void {
  if (map.codes.length !== map.grid.size) {
    throw new TanhuiError('BadShape', `${variable}.codes has ${map.codes.length} cells, the grid has ${map.grid.size}`, {
      context: { variable },
    });
  }
  for (let c = 0; c < map.codes.length; c++) {
    const k = map.codes[c]!;
    if (k >= map.names.length) {
      throw new TanhuiError('BadValue', `${variable}.codes[${c}] = ${k} has no name (${map.names.length} names)`, {
        context: { variable, index: c },
      });
    }
  }
}

/** Latitude-band names used by validation and by `latitudeBandRegionMap`, north to south. */
export const LATITUDE_BANDS = ['boreal N', 'temperate N', 'tropical N', 'tropical S', 'temperate S', 'boreal S'] as const;
export type LatitudeBand = (typeof LATITUDE_BANDS)[number];

/**
 * Latitude band of a point: tropics within ±tropicsDeg (23.5°), temperate up to ±borealDeg (50°),
 * boreal poleward of it ('boreal S' is the southern high latitudes). The equator belongs to N.
 */
export function latitudeBand(latDeg: number, tropicsDeg = 23.5, borealDeg = 50): LatitudeBand {
  if (!(latDeg >= -90 && latDeg <= 90)) {
    throw new TanhuiError('BadValue', `latitude ${latDeg} is outside [−90, 90]`, { context: { variable: 'latDeg' } });
  }
  const a = Math.abs(latDeg);
  const north = latDeg >= 0;
  if (a < tropicsDeg) return north ? 'tropical N' : 'tropical S';
  if (a < borealDeg) return north ? 'temperate N' : 'temperate S';
  return north ? 'boreal N' : 'boreal S';
}

/** A region map of latitude bands (by cell-centre latitude), optionally restricted by a mask (e.g. land). */
export function latitudeBandRegionMap(grid: LatLonGrid, mask?: ArrayLike<boolean | number>, tropicsDeg = 23.5, borealDeg = 50): RegionMapInput {
  if (mask && mask.length !== grid.size) {
    throw new TanhuiError('BadShape', `mask has ${mask.length} cells, the grid has ${grid.size}`, { context: { variable: 'mask' } });
  }
  const codes = new Int32Array(grid.size);
  for (let j = 0; j < grid.nlat; j++) {
    const band = LATITUDE_BANDS.indexOf(latitudeBand(grid.latCentersDeg[j]!, tropicsDeg, borealDeg));
    for (let i = 0; i < grid.nlon; i++) {
      const c = j * grid.nlon + i;
      codes[c] = mask && !mask[c] ? -1 : band;
    }
  }
  return { grid, codes, names: [...LATITUDE_BANDS] };
}

/** Land / ocean / (global via summing both) from a land mask (true or non-zero = land). */
export function landOceanRegionMap(grid: LatLonGrid, landMask: ArrayLike<boolean | number>): RegionMapInput {
  if (landMask.length !== grid.size) {
    throw new TanhuiError('BadShape', `landMask has ${landMask.length} cells, the grid has ${grid.size}`, { context: { variable: 'landMask' } });
  }
  const codes = new Int32Array(grid.size);
  for (let c = 0; c < grid.size; c++) codes[c] = landMask[c] ? 0 : 1;
  return { grid, codes, names: ['land', 'ocean'] };
}
