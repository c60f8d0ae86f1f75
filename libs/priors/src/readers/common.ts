// Shared pieces of the prior readers (main thread only: they use @tanhui/io / gdal-async).
// Grids come from cell-centre coordinates (regular spacing, global coverage); data are
// reordered to tanhui's layout (rows south → north); values are checked finite.
import { statSync } from 'node:fs';
import { fluxUnitFactor, LatLonGrid, TanhuiError } from '@tanhui/core';
import { openDataset, type GdalDataset, type VariableData } from '@tanhui/io';

export { openDataset, type GdalDataset, type VariableData };

/** Reject a missing or zero-byte file before GDAL sees it. */
export function assertNonEmptyFile(file: string): void {
  let size: number;
  try {
    const st = statSync(file);
    if (st.isDirectory()) throw new TanhuiError('UnsupportedFormat', 'the prior path is a directory (and not a Zarr store), expected a file', { context: { file }, hint: 'give the path of the file itself' });
    size = st.size;
  } catch (err) {
    if (err instanceof TanhuiError) throw err;
    throw new TanhuiError('MissingFile', 'file not found or not readable', { context: { file }, cause: err });
  }
  if (size === 0) throw new TanhuiError('EmptyInput', 'file is empty (0 bytes)', { context: { file } });
}

export function firstVariable(ds: GdalDataset, names: readonly string[], what: string): string {
  for (const n of names) if (ds.hasVariable(n)) return n;
  throw new TanhuiError('MissingVariable', `no ${what} variable (looked for ${names.join(', ')})`, {
    context: { file: ds.file, variable: names[0] },
    hint: `available: ${ds.variableNames().slice(0, 30).join(', ')}`,
  });
}

export interface GridFromCentres {
  /** The global grid the data are placed on. */
  grid: LatLonGrid;
  /** The file's latitude rows run north → south. */
  flipLat: boolean;
  /** Size of the file's own lat/lon axes. */
  nlatFile: number;
  nlonFile: number;
  /** For a regional file: the first global row/column of its domain (columns wrap). */
  region?: { j0: number; i0: number };
}

/**
 * A regular grid from 1-D cell-centre coordinates [deg]. Global coverage is required unless
 * `allowRegional`: then a domain aligned to a global lattice of the same spacing (e.g. BEPS
 * over China) is placed on that global grid, zero flux outside it.
 */
export function gridFromCentres(
  lat: ArrayLike<number>,
  lon: ArrayLike<number>,
  file: string,
  latVar: string,
  lonVar: string,
  opts: { allowRegional?: boolean } = {},
): GridFromCentres {
  const nlat = lat.length;
  const nlon = lon.length;
  if (nlat < 2 || nlon < 2) throw new TanhuiError('BadShape', `need at least 2 latitudes and longitudes, got ${nlat}×${nlon}`, { context: { file } });
  const check = (v: ArrayLike<number>, name: string, lo: number, hi: number): void => {
    for (let k = 0; k < v.length; k++) {
      const x = v[k]!;
      if (!Number.isFinite(x) || x < lo || x > hi) {
        throw new TanhuiError('BadValue', `coordinate ${x} is outside [${lo}, ${hi}]`, { context: { file, variable: name, index: k } });
      }
    }
  };
  check(lat, latVar, -90, 90);
  check(lon, lonVar, -180, 360);
  const flipLat = lat[nlat - 1]! < lat[0]!;
  const latS = Float64Array.from({ length: nlat }, (_, j) => lat[flipLat ? nlat - 1 - j : j]!);
  const dlat = (latS[nlat - 1]! - latS[0]!) / (nlat - 1);
  const dlon = (lon[nlon - 1]! - lon[0]!) / (nlon - 1);
  if (!(dlon > 0)) throw new TanhuiError('BadValue', 'longitudes must increase', { context: { file, variable: lonVar } });
  const regular = (v: ArrayLike<number>, d: number, name: string): void => {
    for (let k = 1; k < v.length; k++) {
      if (Math.abs(v[k]! - v[k - 1]! - d) > 1e-4 * Math.abs(d)) {
        throw new TanhuiError('BadValue', 'coordinates are not regularly spaced', { context: { file, variable: name, index: k } });
      }
    }
  };
  regular(latS, dlat, latVar);
  regular(lon, dlon, lonVar);
  const globalLat = Math.abs(nlat * dlat - 180) <= 1e-3 * dlat && Math.abs(latS[0]! - dlat / 2 + 90) <= 1e-3 * dlat;
  const globalLon = Math.abs(nlon * dlon - 360) <= 1e-3 * dlon;
  const near = (x: number): boolean => Math.abs(x - Math.round(x)) < 1e-3;
  const snap = (x: number): number => (Math.abs(x - Math.round(x * 1e6) / 1e6) < 1e-9 ? Math.round(x * 1e6) / 1e6 : x);
  if (globalLat && globalLon) {
    return { grid: LatLonGrid.fromCenters(lon, lat, { file, lonName: lonVar, latName: latVar }).grid, flipLat, nlatFile: nlat, nlonFile: nlon };
  }
  const latSouthEdge = latS[0]! - dlat / 2;
  const lonWestEdge = lon[0]! - dlon / 2;
  const NLAT = Math.round(180 / dlat);
  const NLON = Math.round(360 / dlon);
  const aligned = near(180 / dlat) && near(360 / dlon) && near((latSouthEdge + 90) / dlat) && latS[nlat - 1]! + dlat / 2 <= 90 + 1e-3 * dlat && nlon <= NLON;
  if (!opts.allowRegional || !aligned) {
    throw new TanhuiError('BadShape', `coordinates ${latS[0]}…${latS[nlat - 1]}°N, ${lon[0]}…${lon[nlon - 1]}°E do not cover the globe${opts.allowRegional ? ' and are not aligned to a global grid of the same spacing' : ''}`, {
      context: { file, variable: globalLat ? lonVar : latVar },
      hint: opts.allowRegional ? 'regional fluxes must sit on a global lattice (edges at multiples of the spacing from −90° and −180°)' : 'only global grids are supported for this format; pad regional fluxes with zeros',
    });
  }
  // Global lattice sharing the file's longitude phase, starting at or just above −180°.
  const lon0 = snap(-180 + ((((lonWestEdge + 180) % dlon) + dlon) % dlon));
  const latEdges = Float64Array.from({ length: NLAT + 1 }, (_, j) => -90 + (180 * j) / NLAT);
  const lonEdges = Float64Array.from({ length: NLON + 1 }, (_, i) => lon0 + (360 * i) / NLON);
  const j0 = Math.round((latSouthEdge + 90) / dlat);
  const i0 = ((Math.round((lonWestEdge - lon0) / dlon) % NLON) + NLON) % NLON;
  return { grid: new LatLonGrid(lonEdges, latEdges), flipLat, nlatFile: nlat, nlonFile: nlon, region: { j0, i0 } };
}

/** Place a regional [time][lat][lon] block (rows south → north) on its global grid. */
export function placeOnGlobal(block: Float64Array, nt: number, g: GridFromCentres): Float64Array {
  if (!g.region) return block;
  const { nlat: NLAT, nlon: NLON } = g.grid;
  const out = new Float64Array(nt * NLAT * NLON);
  for (let t = 0; t < nt; t++) {
    for (let j = 0; j < g.nlatFile; j++) {
      for (let i = 0; i < g.nlonFile; i++) {
        out[(t * NLAT + g.region.j0 + j) * NLON + ((g.region.i0 + i) % NLON)] = block[(t * g.nlatFile + j) * g.nlonFile + i]!;
      }
    }
  }
  return out;
}

/**
 * Copy [time][lat][lon] data into tanhui's layout (rows south → north) with a unit factor and
 * sign, checking every value is finite (NaN → BadValue naming file, variable and [t, j, i] in
 * the file's order) unless `missingAsZero`.
 */
export function orientFlux(
  data: ArrayLike<number>,
  nt: number,
  nlat: number,
  nlon: number,
  flipLat: boolean,
  factor: number,
  where: { file: string; variable: string; missingAsZero?: boolean; timeOffset?: number; out?: Float64Array },
): Float64Array {
  const n = nlat * nlon;
  const out = where.out ?? new Float64Array(nt * n);
  const t0 = where.timeOffset ?? 0;
  for (let t = 0; t < nt; t++) {
    for (let j = 0; j < nlat; j++) {
      const src = (t * nlat + (flipLat ? nlat - 1 - j : j)) * nlon;
      const dst = ((t + t0) * nlat + j) * nlon;
      for (let i = 0; i < nlon; i++) {
        const v = data[src + i]!;
        if (!Number.isFinite(v)) {
          if (where.missingAsZero) {
            out[dst + i] = 0;
            continue;
          }
          throw new TanhuiError('BadValue', `missing or non-finite flux value (${v})`, {
            context: { file: where.file, variable: where.variable, index: [t, flipLat ? nlat - 1 - j : j, i] },
            hint: 'fill values and NaNs are not fluxes; fill them in or pass missingAsZero',
          });
        }
        out[dst + i] = v * factor;
      }
    }
  }
  return out;
}

/** Unit factor to mol m⁻² s⁻¹ from a variable's `units` attribute; missing units are an error. */
export function unitFactorOf(v: { units?: string; attrs: Record<string, unknown> }, file: string, variable: string): number {
  const units = v.units ?? (typeof v.attrs.units === 'string' ? v.attrs.units : undefined);
  if (!units) {
    throw new TanhuiError('BadUnits', 'flux variable has no units attribute', {
      context: { file, variable },
      hint: "add units such as 'mol m-2 s-1', 'gC m-2 d-1', 'kgC m-2 s-1' or 'umol m-2 s-1'",
    });
  }
  return fluxUnitFactor(units, { file, variable });
}

/** Expect data of shape [nt, nlat, nlon] (a time dimension of length 1 may be absent). */
export function expectShape(v: VariableData, nlat: number, nlon: number): number {
  const s = v.shape;
  if (s.length === 2 && s[0] === nlat && s[1] === nlon) return 1;
  if (s.length === 3 && s[1] === nlat && s[2] === nlon) {
    if (s[0] === 0) throw new TanhuiError('EmptyInput', 'flux variable has no time steps', { context: { file: v.file, variable: v.name } });
    return s[0]!;
  }
  throw new TanhuiError('BadShape', `flux has shape [${s.join(', ')}], expected [time, ${nlat}, ${nlon}]`, { context: { file: v.file, variable: v.name } });
}

/**
 * Period starts from time stamps: uniform spacing required; stamps at period centres (offset
 * of half a period from a multiple of the period since 00:00 UTC) are shifted to starts.
 */
export function periodStartsFromStamps(stamps: ArrayLike<number>, periodSeconds: number, file: string, variable: string): Float64Array {
  const out = Float64Array.from(stamps);
  for (let t = 1; t < out.length; t++) {
    if (Math.abs(out[t]! - out[t - 1]! - periodSeconds) > 1) {
      throw new TanhuiError('BadValue', `time stamps are not evenly spaced by ${periodSeconds} s`, { context: { file, variable, index: t } });
    }
  }
  const phase = ((out[0]! % periodSeconds) + periodSeconds) % periodSeconds;
  if (periodSeconds <= 86400 && Math.abs(phase - periodSeconds / 2) < 1) for (let t = 0; t < out.length; t++) out[t] -= periodSeconds / 2;
  return out;
}

/** Spacing of time stamps [s] (≥ 2 stamps). */
export function spacingOf(stamps: ArrayLike<number>): number {
  return stamps[1]! - stamps[0]!;
}
