// A synthetic climate for the demo world: zonal jets (westerlies at ±45°, trade easterlies),
// Hadley and Ferrel overturning following a seasonally migrating ITCZ, travelling synoptic
// waves (non-divergent, seeded), a boundary layer that is deep by day and shallow at night
// with a seasonal cycle, and deep convection along the ITCZ. Surface pressure is zonally
// symmetric and constant in time (the fluxes have no column divergence by construction).
// Not any real year's weather; it gives station records a seasonal cycle and synoptic noise.
import { GRAVITY, mulberry32, type HybridLevels, type LatLonGrid } from '@tanhui/core';
import type { ConvectionFields } from '../builtin/mixing';
import { layerDp, type Meteorology } from './meteorology';

const DEG = Math.PI / 180;
const DAY = 86400;
const YEAR = 365.2425 * DAY;
/** Scale height used to convert pressure to height for the boundary layer [m]. */
const SCALE_HEIGHT_M = 7500;

interface Wave {
  m: number;
  amp: number;
  omega: number;
  phase: number;
  modPeriod: number;
  modPhase: number;
}

export interface SyntheticClimateOptions {
  seed?: number;
  /** Peak jet speed [m s⁻¹] (default 30). */
  jetSpeed?: number;
  /** Hadley cell strength [kg s⁻¹] (default 1e11). */
  hadleyKgS?: number;
  /** Synoptic wave meridional wind scale [m s⁻¹] (default 8). */
  eddySpeed?: number;
  /** Peak convective updraft mass flux [kg m⁻² s⁻¹] (default 0.01; 0 = no convection). */
  convectiveMassFlux?: number;
}

export class SyntheticClimate implements Meteorology {
  readonly constantSurfacePressure = true;
  private readonly waves: Wave[] = [];
  private readonly psRow: Float64Array;
  private readonly jet: number;
  private readonly hadley: number;
  private readonly convMax: number;
  private readonly lonPhase: number;
  private readonly corner: Float64Array;

  constructor(readonly grid: LatLonGrid, readonly levels: HybridLevels, readonly opts: SyntheticClimateOptions = {}) {
    const rand = mulberry32(opts.seed ?? 1);
    this.jet = opts.jetSpeed ?? 30;
    this.hadley = opts.hadleyKgS ?? 1e11;
    this.convMax = opts.convectiveMassFlux ?? 0.01;
    const eddy = opts.eddySpeed ?? 8;
    const R = grid.radiusM;
    for (const m of [4, 5, 6, 7]) {
      const c = 6 + 8 * rand(); // phase speed at 45° [m s⁻¹]
      this.waves.push({
        m,
        amp: (eddy * R * Math.cos(45 * DEG)) / m / 2,
        omega: (m * c) / (R * Math.cos(45 * DEG)),
        phase: 2 * Math.PI * rand(),
        modPeriod: (3 + 6 * rand()) * DAY,
        modPhase: 2 * Math.PI * rand(),
      });
    }
    this.lonPhase = 2 * Math.PI * rand();
    this.corner = new Float64Array((grid.nlat + 1) * (grid.nlon + 1));
    this.psRow = new Float64Array(grid.nlat + 1);
    for (let je = 0; je <= grid.nlat; je++) this.psRow[je] = this.psAt(grid.latEdgesDeg[je]!);
  }

  private psAt(latDeg: number): number {
    const a = Math.abs(latDeg);
    return 100800 + 1000 * Math.exp(-(((a - 30) / 12) ** 2)) - 1200 * Math.exp(-(((a - 62) / 10) ** 2));
  }

  surfacePressurePa(): Float64Array {
    const { nlat, nlon } = this.grid;
    const out = new Float64Array(nlat * nlon);
    for (let j = 0; j < nlat; j++) out.fill(this.psAt(this.grid.latCentersDeg[j]!), j * nlon, (j + 1) * nlon);
    return out;
  }

  /** Latitude of the ITCZ [deg], migrating with the seasons. */
  itczDeg(tSec: number): number {
    return 7 * Math.sin((2 * Math.PI * (tSec / YEAR - 110 / 365.2425)));
  }

  private zonalWind(latDeg: number, pPa: number, ps: number): number {
    const sigma = pPa / ps;
    const upper = Math.exp(-(((pPa - 22000) / 20000) ** 2));
    const jets = this.jet * (Math.exp(-(((latDeg - 42) / 12) ** 2)) + Math.exp(-(((latDeg + 45) / 12) ** 2)));
    const surfaceWesterly = 6 * (Math.exp(-(((latDeg - 50) / 12) ** 2)) + Math.exp(-(((latDeg + 50) / 12) ** 2)));
    const trades = -6 * Math.exp(-((latDeg / 15) ** 2)) * Math.max(0, (sigma - 0.5) / 0.5);
    return jets * (0.25 + 0.75 * upper) + surfaceWesterly * (1 - upper) + trades;
  }

  /** Mass stream function of the mean meridional circulation [kg s⁻¹, full latitude circle]. */
  private overturning(latDeg: number, tSec: number): number {
    const it = this.itczDeg(tSec);
    const H = this.hadley;
    if (latDeg >= it && latDeg < 30) return H * Math.sin((Math.PI * (latDeg - it)) / (30 - it));
    if (latDeg >= 30 && latDeg < 60) return -0.3 * H * Math.sin((Math.PI * (latDeg - 30)) / 30);
    if (latDeg < it && latDeg > -30) return -H * Math.sin((Math.PI * (it - latDeg)) / (it + 30));
    if (latDeg <= -30 && latDeg > -60) return 0.3 * H * Math.sin((Math.PI * (-30 - latDeg)) / 30);
    return 0;
  }

  massFluxes(tSec: number, dt: number, ps: Float64Array, am: Float64Array, bm: Float64Array): void {
    const { grid, levels } = this;
    const { nlat, nlon } = grid;
    const nlev = levels.nlev;
    const R = grid.radiusM;
    const tMid = tSec + dt / 2;
    // Zonal jets: uniform along a row, hence no zonal divergence.
    for (let k = 0; k < nlev; k++) {
      for (let j = 0; j < nlat; j++) {
        const p = ps[j * nlon]!;
        const pMid = 0.5 * (levels.aHalfPa[k]! + levels.aHalfPa[k + 1]! + (levels.bHalf[k]! + levels.bHalf[k + 1]!) * p);
        const u = this.zonalWind(grid.latCentersDeg[j]!, pMid, p);
        const dphi = (grid.latEdgesDeg[j + 1]! - grid.latEdgesDeg[j]!) * DEG;
        const F = (u * R * dphi * layerDp(levels, k, p) / GRAVITY) * dt;
        const row = (k * nlat + j) * nlon;
        for (let i = 0; i < nlon; i++) am[row + i] += F;
      }
    }
    // Overturning: ψ(φ, η) = −H(φ)·sin(πη), η = 1 − p_half/ps; no net column flux.
    for (let je = 1; je < nlat; je++) {
      const H = this.overturning(grid.latEdgesDeg[je]!, tMid);
      if (H === 0) continue;
      const p = 0.5 * (ps[(je - 1) * nlon]! + ps[je * nlon]!);
      for (let k = 0; k < nlev; k++) {
        const eta0 = 1 - (levels.aHalfPa[k]! + levels.bHalf[k]! * p) / p;
        const eta1 = 1 - (levels.aHalfPa[k + 1]! + levels.bHalf[k + 1]! * p) / p;
        const north = -H * (Math.sin(Math.PI * eta1) - Math.sin(Math.PI * eta0));
        for (let i = 0; i < nlon; i++) {
          const dl = (grid.lonEdgesDeg[i + 1]! - grid.lonEdgesDeg[i]!) * DEG;
          bm[(k * (nlat + 1) + je) * nlon + i] += ((north * dl) / (2 * Math.PI)) * dt;
        }
      }
    }
    // Synoptic waves: a mass stream function per layer (exactly non-divergent), separable as
    // ψ = Σ_w A_w(t)·cos(m_w λ − ω_w t + φ_w) · sin²(2φ) · V(p).
    const lonPart = new Float64Array(nlon + 1);
    for (let ie = 0; ie <= nlon; ie++) {
      const lon = grid.lonEdgesDeg[ie % nlon]! * DEG;
      let v = 0;
      for (const w of this.waves) {
        const amp = w.amp * (0.6 + 0.4 * Math.sin((2 * Math.PI * tMid) / w.modPeriod + w.modPhase));
        v += amp * Math.cos(w.m * lon - w.omega * tMid + w.phase);
      }
      lonPart[ie] = v;
    }
    const latPart = new Float64Array(nlat + 1);
    for (let je = 0; je <= nlat; je++) {
      const s2 = Math.sin(2 * grid.latEdgesDeg[je]! * DEG);
      latPart[je] = je === 0 || je === nlat ? 0 : s2 * s2;
    }
    for (let k = 0; k < nlev; k++) {
      const pRef = 0.5 * (levels.aHalfPa[k]! + levels.aHalfPa[k + 1]! + (levels.bHalf[k]! + levels.bHalf[k + 1]!) * 1e5);
      const vert = 0.4 + 0.6 * (1 - pRef / 1e5);
      addLayerStream(grid, levels, k, dt, lonPart, latPart, vert, this.psRow, am, bm, this.corner);
    }
  }

  verticalDiffusion(tSec: number, ps: Float64Array, kz: Float64Array): boolean {
    const { grid, levels } = this;
    const { nlat, nlon } = grid;
    const nlev = levels.nlev;
    const ncol = nlat * nlon;
    const season = Math.cos(2 * Math.PI * (tSec / YEAR - 172 / 365.2425));
    for (let j = 0; j < nlat; j++) {
      const lat = grid.latCentersDeg[j]!;
      const summer = 0.5 + 0.5 * season * Math.sin(lat * DEG); // 1 in local summer at high latitude
      for (let i = 0; i < nlon; i++) {
        const col = j * nlon + i;
        const hour = (((tSec / 3600 + grid.lonCentersDeg[i]! / 15) % 24) + 24) % 24;
        const day = Math.max(0, Math.cos((2 * Math.PI * (hour - 13)) / 24));
        const h = 250 + 1500 * day * (0.4 + 0.6 * summer) * Math.cos(lat * DEG * 0.8);
        const Kmax = 5 + 60 * day * (0.4 + 0.6 * summer);
        const p0 = ps[col]!;
        for (let k = 1; k < nlev; k++) {
          const z = SCALE_HEIGHT_M * Math.log(p0 / (levels.aHalfPa[k]! + levels.bHalf[k]! * p0));
          kz[(k - 1) * ncol + col] = z < h ? Math.max(1, Kmax * 4 * (z / h) * (1 - z / h)) : 0;
        }
      }
    }
    return true;
  }

  convection(tSec: number, ps: Float64Array, out: ConvectionFields): boolean {
    if (!(this.convMax > 0)) return false;
    const { grid, levels } = this;
    const { nlat, nlon } = grid;
    const nlev = levels.nlev;
    const ncol = nlat * nlon;
    const it = this.itczDeg(tSec);
    let any = false;
    for (let j = 0; j < nlat; j++) {
      const lat = grid.latCentersDeg[j]!;
      const S = Math.exp(-(((lat - it) / 9) ** 2));
      if (S < 0.05) continue;
      for (let i = 0; i < nlon; i++) {
        const col = j * nlon + i;
        const hour = (((tSec / 3600 + grid.lonCentersDeg[i]! / 15) % 24) + 24) % 24;
        const diurnal = 0.7 + 0.3 * Math.cos((2 * Math.PI * (hour - 16)) / 24);
        const zonal = 1 + 0.5 * Math.cos(3 * grid.lonCentersDeg[i]! * DEG + this.lonPhase);
        const Mu = this.convMax * S * diurnal * zonal;
        const p0 = ps[col]!;
        let wE = 0, wD = 0, wDe = 0, wDd = 0;
        for (let pass = 0; pass < 2; pass++) {
          for (let k = 0; k < nlev; k++) {
            const pm = 0.5 * (levels.aHalfPa[k]! + levels.aHalfPa[k + 1]! + (levels.bHalf[k]! + levels.bHalf[k + 1]!) * p0);
            const dp = layerDp(levels, k, p0);
            const idx = k * ncol + col;
            const inE = pm > 85000 ? dp : 0;
            const inD = pm < 40000 && pm > 15000 ? dp : 0;
            const inDe = pm < 70000 && pm > 50000 ? dp : 0;
            const inDd = pm > 90000 ? dp : 0;
            if (pass === 0) {
              wE += inE; wD += inD; wDe += inDe; wDd += inDd;
            } else {
              out.entrainUp[idx] = wE > 0 ? (Mu * inE) / wE : 0;
              out.detrainUp[idx] = wD > 0 ? (Mu * inD) / wD : 0;
              out.entrainDown[idx] = wDe > 0 ? (0.3 * Mu * inDe) / wDe : 0;
              out.detrainDown[idx] = wDd > 0 ? (0.3 * Mu * inDd) / wDd : 0;
            }
          }
        }
        any = true;
      }
    }
    return any;
  }
}

/** Stream-function fluxes for one layer, Δp at the corners from a zonally symmetric ps. */
function addLayerStream(
  grid: LatLonGrid, levels: HybridLevels, k: number, dt: number,
  lonPart: Float64Array, latPart: Float64Array, vert: number, psRow: Float64Array,
  am: Float64Array, bm: Float64Array, corner: Float64Array,
): void {
  const { nlat, nlon } = grid;
  const W = nlon + 1;
  for (let je = 0; je <= nlat; je++) {
    const f = (latPart[je]! * vert * layerDp(levels, k, psRow[je]!)) / GRAVITY;
    for (let ie = 0; ie <= nlon; ie++) corner[je * W + ie] = lonPart[ie]! * f;
  }
  for (let j = 0; j < nlat; j++) {
    const row = (k * nlat + j) * nlon;
    for (let i = 0; i < nlon; i++) am[row + i] += -(corner[(j + 1) * W + i + 1]! - corner[j * W + i + 1]!) * dt;
  }
  for (let je = 1; je < nlat; je++) {
    const row = (k * (nlat + 1) + je) * nlon;
    for (let i = 0; i < nlon; i++) bm[row + i] += (corner[je * W + i + 1]! - corner[je * W + i]!) * dt;
  }
}
