// Regular global latitude-longitude grids defined by cell edges.
// Layout everywhere in tanhui: cell (j, i) at flat index j*nlon + i, latitude rows south → north
// (j = 0 is the southernmost row), longitude fastest.
import { EARTH_RADIUS_M } from './constants';
import { TanhuiError } from './errors';

const DEG = Math.PI / 180;

export type GridPreset = '1x1' | '3x2' | '6x4';

export class LatLonGrid {
  readonly nlon: number;
  readonly nlat: number;
  /** nlon+1 edges [degrees east], increasing, spanning exactly 360°. */
  readonly lonEdgesDeg: Float64Array;
  /** nlat+1 edges [degrees north], increasing from −90 to 90. */
  readonly latEdgesDeg: Float64Array;
  readonly lonCentersDeg: Float64Array;
  readonly latCentersDeg: Float64Array;
  /** Exact spherical cell areas [m²], flat index j*nlon+i. */
  readonly cellAreaM2: Float64Array;
  readonly radiusM: number;

  constructor(lonEdgesDeg: ArrayLike<number>, latEdgesDeg: ArrayLike<number>, radiusM = EARTH_RADIUS_M) {
    const lon = Float64Array.from(lonEdgesDeg);
    const lat = Float64Array.from(latEdgesDeg);
    if (lon.length < 2 || lat.length < 2) {
      throw new TanhuiError('InvalidArgument', 'a grid needs at least 2 edges in each direction');
    }
    for (let i = 1; i < lon.length; i++) {
      if (!(lon[i]! > lon[i - 1]!)) throw new TanhuiError('InvalidArgument', 'longitude edges must increase', { context: { index: i } });
    }
    for (let j = 1; j < lat.length; j++) {
      if (!(lat[j]! > lat[j - 1]!)) throw new TanhuiError('InvalidArgument', 'latitude edges must increase (south to north)', { context: { index: j } });
    }
    if (Math.abs(lon[lon.length - 1]! - lon[0]! - 360) > 1e-9) {
      throw new TanhuiError('InvalidArgument', `longitude edges must span 360°, got ${lon[lon.length - 1]! - lon[0]!}`);
    }
    if (Math.abs(lat[0]! + 90) > 1e-9 || Math.abs(lat[lat.length - 1]! - 90) > 1e-9) {
      throw new TanhuiError('InvalidArgument', 'latitude edges must run from −90 to 90');
    }
    this.lonEdgesDeg = lon;
    this.latEdgesDeg = lat;
    this.nlon = lon.length - 1;
    this.nlat = lat.length - 1;
    this.radiusM = radiusM;
    this.lonCentersDeg = new Float64Array(this.nlon);
    for (let i = 0; i < this.nlon; i++) this.lonCentersDeg[i] = 0.5 * (lon[i]! + lon[i + 1]!);
    this.latCentersDeg = new Float64Array(this.nlat);
    for (let j = 0; j < this.nlat; j++) this.latCentersDeg[j] = 0.5 * (lat[j]! + lat[j + 1]!);
    this.cellAreaM2 = new Float64Array(this.nlat * this.nlon);
    for (let j = 0; j < this.nlat; j++) {
      const band = radiusM * radiusM * (Math.sin(lat[j + 1]! * DEG) - Math.sin(lat[j]! * DEG));
      for (let i = 0; i < this.nlon; i++) {
        this.cellAreaM2[j * this.nlon + i] = band * (lon[i + 1]! - lon[i]!) * DEG;
      }
    }
  }

  /** A regular grid of dlon × dlat degrees, longitudes starting at lon0 (default −180). */
  static regular(dlonDeg: number, dlatDeg: number, lon0Deg = -180): LatLonGrid {
    const nlon = Math.round(360 / dlonDeg);
    const nlat = Math.round(180 / dlatDeg);
    if (Math.abs(nlon * dlonDeg - 360) > 1e-9 || Math.abs(nlat * dlatDeg - 180) > 1e-9) {
      throw new TanhuiError('InvalidArgument', `a ${dlonDeg}°×${dlatDeg}° grid does not tile the sphere`);
    }
    const lon = Array.from({ length: nlon + 1 }, (_, i) => lon0Deg + i * dlonDeg);
    const lat = Array.from({ length: nlat + 1 }, (_, j) => -90 + j * dlatDeg);
    return new LatLonGrid(lon, lat);
  }

  /**
   * The global grid whose cell centres are these coordinates [degrees], as files give them.
   * Longitudes: a regular global axis (any start, e.g. −180 or 0). Latitudes: monotonic, either
   * order (`flipLat` says the file's rows run north → south), inside [−90, 90]; a regular global
   * axis gets the exact edges −90 + 180·j/n (float32 rounding of the centres does not leak into
   * the areas), any other (Gaussian, or pole-centred like CAM's FV grid) edges halfway between
   * centres with ±90 at the ends. Errors name the file and variable of `where`.
   */
  static fromCenters(
    lonCentersDeg: ArrayLike<number>,
    latCentersDeg: ArrayLike<number>,
    where: { file?: string; lonName?: string; latName?: string } = {},
  ): { grid: LatLonGrid; flipLat: boolean } {
    const lonName = where.lonName ?? 'lon';
    const latName = where.latName ?? 'lat';
    const bad = (variable: string, what: string, index?: number): TanhuiError =>
      new TanhuiError('BadValue', `${variable} ${what}`, { context: { ...(where.file ? { file: where.file } : {}), variable, ...(index !== undefined ? { index } : {}) } });
    const nlon = lonCentersDeg.length;
    const nlat = latCentersDeg.length;
    if (nlon < 2) throw bad(lonName, `needs at least 2 values, has ${nlon}`);
    if (nlat < 2) throw bad(latName, `needs at least 2 values, has ${nlat}`);
    const dlon = 360 / nlon;
    const lon0 = lonCentersDeg[0]!;
    for (let i = 0; i < nlon; i++) {
      const x = lonCentersDeg[i]!;
      if (!(Math.abs(x - lon0 - i * dlon) <= 1e-4 * dlon)) throw bad(lonName, `is not a regular global longitude axis (value ${x} at index ${i})`, i);
    }
    const flipLat = latCentersDeg[0]! > latCentersDeg[nlat - 1]!;
    const lat = Float64Array.from({ length: nlat }, (_, j) => latCentersDeg[flipLat ? nlat - 1 - j : j]!);
    for (let j = 0; j < nlat; j++) {
      if (!(lat[j]! >= -90 && lat[j]! <= 90)) throw bad(latName, `value ${lat[j]} is outside [−90, 90]`, flipLat ? nlat - 1 - j : j);
      if (j > 0 && !(lat[j]! > lat[j - 1]!)) throw bad(latName, 'must increase or decrease monotonically', flipLat ? nlat - 1 - j : j);
    }
    const dlat = 180 / nlat;
    let regularLat = true;
    for (let j = 0; j < nlat && regularLat; j++) regularLat = Math.abs(lat[j]! - (-90 + (j + 0.5) * dlat)) <= 1e-4 * dlat;
    const latEdges = Float64Array.from({ length: nlat + 1 }, (_, j) =>
      j === 0 ? -90 : j === nlat ? 90 : regularLat ? -90 + (180 * j) / nlat : 0.5 * (lat[j - 1]! + lat[j]!),
    );
    // A west edge within 1e-9° of a multiple of 1e-6° is that multiple (−180 rather than −180 + ε).
    const west = lon0 - dlon / 2;
    const west6 = Math.round(west * 1e6) / 1e6;
    const lonW = Math.abs(west - west6) < 1e-9 ? west6 : west;
    const lonEdges = Float64Array.from({ length: nlon + 1 }, (_, i) => lonW + (360 * i) / nlon);
    return { grid: new LatLonGrid(lonEdges, latEdges), flipLat };
  }

  /** Presets: 1°×1° (360×180), 3°×2° (120×90, TM5 glb3x2), 6°×4° (60×45). */
  static preset(name: GridPreset): LatLonGrid {
    switch (name) {
      case '1x1':
        return LatLonGrid.regular(1, 1);
      case '3x2':
        return LatLonGrid.regular(3, 2);
      case '6x4':
        return LatLonGrid.regular(6, 4);
      default:
        throw new TanhuiError('InvalidArgument', `unknown grid preset '${String(name)}'`, { hint: 'use 1x1, 3x2 or 6x4' });
    }
  }

  get size(): number {
    return this.nlat * this.nlon;
  }

  index(j: number, i: number): number {
    return j * this.nlon + i;
  }

  /** Total area [m²]; 4πR² for a global grid. */
  totalAreaM2(): number {
    let s = 0;
    for (let k = 0; k < this.cellAreaM2.length; k++) s += this.cellAreaM2[k]!;
    return s;
  }

  /** Row j containing latitude latDeg (edges belong to the row to the north; 90 → last row). */
  rowOf(latDeg: number): number {
    if (!(latDeg >= -90 && latDeg <= 90)) {
      throw new TanhuiError('BadValue', `latitude ${latDeg} is outside [−90, 90]`);
    }
    return Math.min(this.nlat - 1, upperBound(this.latEdgesDeg, latDeg) - 1);
  }

  /** Column i containing longitude lonDeg, any longitude convention (wrapped into the grid). */
  columnOf(lonDeg: number): number {
    if (!Number.isFinite(lonDeg)) throw new TanhuiError('BadValue', `longitude ${lonDeg} is not finite`);
    const lon0 = this.lonEdgesDeg[0]!;
    let x = (lonDeg - lon0) % 360;
    if (x < 0) x += 360;
    return Math.min(this.nlon - 1, Math.max(0, upperBound(this.lonEdgesDeg, lon0 + x) - 1));
  }

  /** The cell that contains a point. */
  locate(latDeg: number, lonDeg: number): { j: number; i: number; index: number } {
    const j = this.rowOf(latDeg);
    const i = this.columnOf(lonDeg);
    return { j, i, index: j * this.nlon + i };
  }

  equals(other: LatLonGrid, tolDeg = 1e-9): boolean {
    return sameEdges(this.lonEdgesDeg, other.lonEdgesDeg, tolDeg) && sameEdges(this.latEdgesDeg, other.latEdgesDeg, tolDeg);
  }

  describe(): string {
    return `${this.nlon}×${this.nlat} lat-lon grid`;
  }
}

function sameEdges(a: Float64Array, b: Float64Array, tol: number): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (Math.abs(a[k]! - b[k]!) > tol) return false;
  return true;
}

/** First index k with edges[k] > x (binary search). */
function upperBound(edges: Float64Array, x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (edges[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
