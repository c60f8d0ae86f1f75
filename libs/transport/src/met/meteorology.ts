// What the built-in model needs from the meteorology, in the model's own terms. Every
// implementation is pure (no I/O) and can be rebuilt inside a worker from a plain description
// (see met-spec.ts) or from typed arrays read by the main thread.
import { GRAVITY, type HybridLevels, type LatLonGrid } from '@tanhui/core';
import type { ConvectionFields } from '../builtin/mixing';

export interface Meteorology {
  readonly grid: LatLonGrid;
  readonly levels: HybridLevels;
  /**
   * True when the mass fluxes have no column divergence, so surface pressure never changes
   * (lets the model skip the met-only pass that predicts surface pressure for sampling).
   */
  readonly constantSurfacePressure?: boolean;
  /** Surface pressure [Pa] at time tSec (the model starts each window from it), j*nlon+i. */
  surfacePressurePa(tSec: number): Float64Array;
  /**
   * Horizontal air-mass fluxes [kg] over [tSec, tSec+dtSec] given the model's surface pressure
   * at tSec. am: [level][lat][lon], through the east face of cell (j, i) (eastward positive);
   * bm: [level][nlat+1][lon], through the south face of row j (northward positive; rows 0 and
   * nlat are the poles and must be 0).
   */
  massFluxes(tSec: number, dtSec: number, psPa: Float64Array, am: Float64Array, bm: Float64Array): void;
  /** Kz [m² s⁻¹] at interfaces 1 … nlev−1, layout [(interface−1)][lat][lon]; false if none. */
  verticalDiffusion?(tSec: number, psPa: Float64Array, kzOut: Float64Array): boolean;
  /** Convective entrainment/detrainment [kg m⁻² s⁻¹], [level][lat][lon]; false if none. */
  convection?(tSec: number, psPa: Float64Array, out: ConvectionFields): boolean;
}

/** Layer pressure thickness [Pa] at one point, surface first. */
export function layerDp(levels: HybridLevels, k: number, ps: number): number {
  return levels.aHalfPa[k]! - levels.aHalfPa[k + 1]! + (levels.bHalf[k]! - levels.bHalf[k + 1]!) * ps;
}

/**
 * Mass fluxes from a stream function ψ(λ, φ) [m² s⁻¹] evaluated at cell corners, multiplied by
 * the layer's Δp/g at the corner: exactly non-divergent in every layer (the four corner values
 * of a cell cancel), whatever the surface pressure. u = −∂ψ/(R∂φ), v = ∂ψ/(R cosφ ∂λ).
 * psi(lonRad, latRad, k) returns ψ; psCorner(jEdge, iEdge) the surface pressure at a corner.
 * Adds (does not overwrite) into am and bm.
 */
export function addStreamFunctionFluxes(
  grid: LatLonGrid,
  levels: HybridLevels,
  dtSec: number,
  psi: (lonRad: number, latRad: number, k: number) => number,
  psCorner: (jEdge: number, iEdge: number) => number,
  am: Float64Array,
  bm: Float64Array,
  nlevUsed = levels.nlev,
): void {
  const { nlon, nlat } = grid;
  const D = Math.PI / 180;
  const corner = new Float64Array((nlat + 1) * (nlon + 1));
  for (let k = 0; k < nlevUsed; k++) {
    for (let je = 0; je <= nlat; je++) {
      const lat = grid.latEdgesDeg[je]! * D;
      for (let ie = 0; ie <= nlon; ie++) {
        const lon = grid.lonEdgesDeg[ie % nlon]! * D + (ie === nlon ? 2 * Math.PI : 0);
        const ps = psCorner(je, ie % nlon);
        corner[je * (nlon + 1) + ie] = (psi(lon, lat, k) * layerDp(levels, k, ps)) / GRAVITY;
      }
      // The pole is one point: ψ·Δp must not depend on longitude there.
      if (je === 0 || je === nlat) {
        const v = corner[je * (nlon + 1)]!;
        for (let ie = 0; ie <= nlon; ie++) corner[je * (nlon + 1) + ie] = v;
      }
      corner[je * (nlon + 1) + nlon] = corner[je * (nlon + 1)]!;
    }
    for (let j = 0; j < nlat; j++) {
      for (let i = 0; i < nlon; i++) {
        // East face of (j, i): from corner (j, i+1) to (j+1, i+1); eastward flux = −(ψn − ψs)·R/R.
        const east = -(corner[(j + 1) * (nlon + 1) + i + 1]! - corner[j * (nlon + 1) + i + 1]!);
        am[(k * nlat + j) * nlon + i] += east * dtSec;
      }
    }
    for (let je = 1; je < nlat; je++) {
      for (let i = 0; i < nlon; i++) {
        const north = corner[je * (nlon + 1) + i + 1]! - corner[je * (nlon + 1) + i]!;
        bm[(k * (nlat + 1) + je) * nlon + i] += north * dtSec;
      }
    }
  }
}
