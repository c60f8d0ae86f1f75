// Analytic single-layer flows for the standard advection tests:
// Williamson et al. (1992) test case 1 (solid-body rotation at angle α, one revolution in
// 12 days) and Lauritzen et al. (2012) deformational flows (case 4 non-divergent, case 3
// divergent; the flow reverses so that the field returns to its initial state at t = T).
import { GRAVITY, HybridLevels, LatLonGrid } from '@tanhui/core';
import { addStreamFunctionFluxes, layerDp, type Meteorology } from './meteorology';

/** One layer spanning the whole column (pure sigma), for 2-D advection tests. */
export function singleLayer(): HybridLevels {
  return new HybridLevels([0, 0], [1, 0]);
}

const DAY = 86400;

export interface SolidBodyOptions {
  /** Rotation axis tilt α [rad] (0: along latitudes; π/2: over the poles). */
  alphaRad: number;
  /** Time for one revolution [s] (default 12 days). */
  periodSeconds?: number;
  /** Uniform surface pressure [Pa] (default 1e5). */
  psPa?: number;
  /** Levels (default one layer). */
  levels?: HybridLevels;
}

export class SolidBodyRotation implements Meteorology {
  readonly constantSurfacePressure = true;
  readonly levels: HybridLevels;
  readonly u0: number;
  private readonly ps: number;
  constructor(readonly grid: LatLonGrid, readonly opts: SolidBodyOptions) {
    this.levels = opts.levels ?? singleLayer();
    const T = opts.periodSeconds ?? 12 * DAY;
    this.u0 = (2 * Math.PI * grid.radiusM) / T;
    this.ps = opts.psPa ?? 1e5;
  }
  surfacePressurePa(): Float64Array {
    return new Float64Array(this.grid.nlat * this.grid.nlon).fill(this.ps);
  }
  massFluxes(_t: number, dt: number, _ps: Float64Array, am: Float64Array, bm: Float64Array): void {
    const { u0 } = this;
    const R = this.grid.radiusM;
    const sa = Math.sin(this.opts.alphaRad);
    const ca = Math.cos(this.opts.alphaRad);
    // ψ = −R·u0·(sinφ·cosα − cosλ·cosφ·sinα)
    const psi = (lon: number, lat: number) => -R * u0 * (Math.sin(lat) * ca - Math.cos(lon) * Math.cos(lat) * sa);
    addStreamFunctionFluxes(this.grid, this.levels, dt, psi, () => this.ps, am, bm);
  }
  /** Exact solution: rotate a point back by the angle travelled in time t. */
  departurePoint(lonRad: number, latRad: number, tSec: number): { lon: number; lat: number } {
    const w = this.u0 / this.grid.radiusM;
    const a = this.opts.alphaRad;
    // Rotation axis in Cartesian coordinates: (−sinα, 0, cosα) for ψ above.
    const ax = -Math.sin(a), ay = 0, az = Math.cos(a);
    const x = Math.cos(latRad) * Math.cos(lonRad), y = Math.cos(latRad) * Math.sin(lonRad), z = Math.sin(latRad);
    const th = -w * tSec;
    const c = Math.cos(th), s = Math.sin(th);
    const dot = ax * x + ay * y + az * z;
    const cx = ay * z - az * y, cy = az * x - ax * z, cz = ax * y - ay * x;
    const xr = x * c + cx * s + ax * dot * (1 - c);
    const yr = y * c + cy * s + ay * dot * (1 - c);
    const zr = z * c + cz * s + az * dot * (1 - c);
    return { lon: Math.atan2(yr, xr), lat: Math.asin(Math.max(-1, Math.min(1, zr))) };
  }
}

/** Williamson TC1 cosine bell: h0/2·(1 + cos(π r / R_b)), R_b = R/3, centred at (3π/2, 0). */
export function cosineBell(lonRad: number, latRad: number, h0 = 1000, lonC = (3 * Math.PI) / 2, latC = 0): number {
  const r = Math.acos(Math.max(-1, Math.min(1, Math.sin(latC) * Math.sin(latRad) + Math.cos(latC) * Math.cos(latRad) * Math.cos(lonRad - lonC))));
  const Rb = 1 / 3;
  return r < Rb ? (h0 / 2) * (1 + Math.cos((Math.PI * r) / Rb)) : 0;
}

/** Lauritzen et al. (2012) Gaussian hills: two hills of 0.95 at (5π/6, 0) and (7π/6, 0), b = 5. */
export function gaussianHills(lonRad: number, latRad: number): number {
  const x = Math.cos(latRad) * Math.cos(lonRad), y = Math.cos(latRad) * Math.sin(lonRad), z = Math.sin(latRad);
  let h = 0;
  for (const lc of [(5 * Math.PI) / 6, (7 * Math.PI) / 6]) {
    const dx = x - Math.cos(lc), dy = y - Math.sin(lc), dz = z;
    h += 0.95 * Math.exp(-5 * (dx * dx + dy * dy + dz * dz));
  }
  return h;
}

export interface DeformationalOptions {
  divergent: boolean;
  /** Period T [s] (default 12 days); the flow is evaluated at time (t − startSec). */
  periodSeconds?: number;
  startSec?: number;
  psPa?: number;
}

export class DeformationalFlow implements Meteorology {
  readonly levels = singleLayer();
  private readonly T: number;
  private readonly ps: number;
  constructor(readonly grid: LatLonGrid, readonly opts: DeformationalOptions) {
    this.T = opts.periodSeconds ?? 12 * DAY;
    this.ps = opts.psPa ?? 1e5;
  }
  surfacePressurePa(): Float64Array {
    return new Float64Array(this.grid.nlat * this.grid.nlon).fill(this.ps);
  }
  massFluxes(tSec: number, dt: number, ps: Float64Array, am: Float64Array, bm: Float64Array): void {
    const R = this.grid.radiusM;
    const T = this.T;
    const t = tSec - (this.opts.startSec ?? 0) + dt / 2; // mid-step
    const shift = (2 * Math.PI * t) / T;
    const ct = Math.cos((Math.PI * t) / T);
    if (!this.opts.divergent) {
      const k = (10 * R) / T;
      const psi = (lon: number, lat: number) => {
        const lp = lon - shift;
        const cl = Math.cos(lat);
        return k * R * Math.sin(lp) ** 2 * cl * cl * ct - (2 * Math.PI * R * R * Math.sin(lat)) / T;
      };
      addStreamFunctionFluxes(this.grid, this.levels, dt, psi, () => this.ps, am, bm);
      return;
    }
    // Divergent: winds at face midpoints times the face's air column.
    const k = (5 * R) / T;
    const { nlat, nlon } = this.grid;
    const D = Math.PI / 180;
    const levels = this.levels;
    for (let j = 0; j < nlat; j++) {
      const lat = this.grid.latCentersDeg[j]! * D;
      const dphi = (this.grid.latEdgesDeg[j + 1]! - this.grid.latEdgesDeg[j]!) * D;
      for (let i = 0; i < nlon; i++) {
        const lon = this.grid.lonEdgesDeg[i + 1]! * D;
        const lp = lon - shift;
        const u = -k * Math.sin(lp / 2) ** 2 * Math.sin(2 * lat) * Math.cos(lat) ** 2 * ct + (2 * Math.PI * R * Math.cos(lat)) / T;
        const psF = 0.5 * (ps[j * nlon + i]! + ps[j * nlon + ((i + 1) % nlon)]!);
        am[j * nlon + i] += (u * R * dphi * layerDp(levels, 0, psF) / GRAVITY) * dt;
      }
    }
    for (let je = 1; je < nlat; je++) {
      const lat = this.grid.latEdgesDeg[je]! * D;
      for (let i = 0; i < nlon; i++) {
        const lon = this.grid.lonCentersDeg[i]! * D;
        const dl = (this.grid.lonEdgesDeg[i + 1]! - this.grid.lonEdgesDeg[i]!) * D;
        const lp = lon - shift;
        const v = (k / 2) * Math.sin(lp) * Math.cos(lat) ** 3 * ct;
        const psF = 0.5 * (ps[(je - 1) * nlon + i]! + ps[je * nlon + i]!);
        bm[je * nlon + i] += ((v * R * Math.cos(lat) * dl * layerDp(levels, 0, psF)) / GRAVITY) * dt;
      }
    }
  }
}

/** Error norms of Williamson et al. (1992), area-weighted: l1, l2, l∞ relative to the truth. */
export function errorNorms(grid: LatLonGrid, h: ArrayLike<number>, truth: ArrayLike<number>): { l1: number; l2: number; linf: number } {
  let n1 = 0, d1 = 0, n2 = 0, d2 = 0, ni = 0, di = 0;
  for (let q = 0; q < grid.size; q++) {
    const A = grid.cellAreaM2[q]!;
    const e = h[q]! - truth[q]!;
    n1 += Math.abs(e) * A;
    d1 += Math.abs(truth[q]!) * A;
    n2 += e * e * A;
    d2 += truth[q]! * truth[q]! * A;
    ni = Math.max(ni, Math.abs(e));
    di = Math.max(di, Math.abs(truth[q]!));
  }
  return { l1: n1 / d1, l2: Math.sqrt(n2 / d2), linf: ni / di };
}
