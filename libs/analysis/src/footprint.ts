// Pure footprint arithmetic. The transport adjoint (libs/transport) gives the sensitivity of one
// observation to surface emissions; these helpers put it in the field's units (ppm per
// µmol m⁻² s⁻¹), sum footprints of a network to a coverage map, and report what it cannot see.
import { GRAVITY, LatLonGrid, M_AIR, M_CO2, TanhuiError } from '@tanhui/core';
import { asRegionMapInput, type RegionMapLike } from './regions';

/**
 * Sensitivity to the flux in each cell [ppm per µmol m⁻² s⁻¹] from a sensitivity to the moles
 * emitted in that cell over a period [mol mol⁻¹ per mol]: ∂c/∂F = ∂c/∂n · area · duration, and
 * (ppm per mol mol⁻¹ = 1e6) × (mol per µmol = 1e−6) = 1.
 */
export function footprintFromMoleSensitivity(perMoleEmitted: ArrayLike<number>, grid: LatLonGrid, durationSec: number): Float64Array {
  if (perMoleEmitted.length !== grid.size) {
    throw new TanhuiError('BadShape', `sensitivity has ${perMoleEmitted.length} cells, the grid has ${grid.size}`, { context: { variable: 'sensitivity' } });
  }
  if (!(durationSec > 0)) throw new TanhuiError('BadValue', `durationSec must be positive, got ${durationSec}`);
  return Float64Array.from(perMoleEmitted, (s, c) => s * grid.cellAreaM2[c]! * durationSec);
}

/**
 * From a sensitivity to the CO2 mass flux [mol mol⁻¹ per (kg CO2 m⁻² s⁻¹)] to ppm per
 * µmol m⁻² s⁻¹: 1 µmol m⁻² s⁻¹ = 1e−6·M_CO2 kg m⁻² s⁻¹ and 1 mol mol⁻¹ = 1e6 ppm, so multiply
 * by M_CO2. (A sensitivity already per mol m⁻² s⁻¹ needs no change: the 1e6 and 1e−6 cancel.)
 */
export function footprintFromMassFluxSensitivity(perKgCo2M2S: ArrayLike<number>): Float64Array {
  return Float64Array.from(perKgCo2M2S, (s) => s * M_CO2);
}

/**
 * The footprint of an observation in a well-mixed surface layer of dry-air pressure thickness
 * Δp over one step dt: ΔX = F·dt·g·M_air/Δp, so ∂X/∂F = dt·g·M_air/Δp [mol mol⁻¹ per
 * mol m⁻² s⁻¹ = ppm per µmol m⁻² s⁻¹]. A closed form to check adjoint footprints against.
 */
export function surfaceLayerFootprint(dtSec: number, layerThicknessPa: number): number {
  if (!(layerThicknessPa > 0)) throw new TanhuiError('BadValue', `layer thickness must be positive, got ${layerThicknessPa} Pa`);
  return (dtSec * GRAVITY * M_AIR) / layerThicknessPa;
}

/** The mole-fraction change [ppm] a flux field [µmol m⁻² s⁻¹] makes at the observation: Σ footprint·flux. */
export function convolveFootprint(footprintPpmPerUmol: ArrayLike<number>, fluxUmolM2S: ArrayLike<number>): number {
  if (footprintPpmPerUmol.length !== fluxUmolM2S.length) {
    throw new TanhuiError('BadShape', `footprint has ${footprintPpmPerUmol.length} cells, flux ${fluxUmolM2S.length}`);
  }
  let s = 0;
  for (let c = 0; c < fluxUmolM2S.length; c++) s += footprintPpmPerUmol[c]! * fluxUmolM2S[c]!;
  return s;
}

export interface CoverageOptions {
  /** Scale each footprint to a maximum of 1 before summing, so no site dominates (default false). */
  normalise?: boolean;
}

/** Network coverage: the sum of the sites' (or observations') footprints, cell by cell. */
export function coverageMap(footprints: readonly ArrayLike<number>[], options: CoverageOptions = {}): Float64Array {
  if (footprints.length === 0) throw new TanhuiError('EmptyInput', 'no footprints to sum');
  const n = footprints[0]!.length;
  const out = new Float64Array(n);
  footprints.forEach((f, k) => {
    if (f.length !== n) throw new TanhuiError('BadShape', `footprint ${k} has ${f.length} cells, expected ${n}`, { context: { index: k } });
    let scale = 1;
    if (options.normalise) {
      let m = 0;
      for (let c = 0; c < n; c++) m = Math.max(m, Math.abs(f[c]!));
      scale = m > 0 ? 1 / m : 0;
    }
    for (let c = 0; c < n; c++) out[c]! += Math.abs(f[c]!) * scale;
  });
  return out;
}

export interface RegionCoverage {
  region: string;
  /** Area-weighted mean coverage over the region. */
  meanCoverage: number;
  /** Fraction of the region's area where coverage < threshold ("the network cannot see it"). */
  unseenAreaFraction: number;
}

/** Per region: mean coverage and the area fraction below `threshold` (same units as the map). */
export function coverageByRegion(mapLike: RegionMapLike, coverage: ArrayLike<number>, threshold: number): RegionCoverage[] {
  const map = asRegionMapInput(mapLike);
  if (coverage.length !== map.grid.size) throw new TanhuiError('BadShape', `coverage has ${coverage.length} cells, the grid has ${map.grid.size}`);
  const nr = map.names.length;
  const area = new Float64Array(nr);
  const weighted = new Float64Array(nr);
  const unseen = new Float64Array(nr);
  for (let c = 0; c < coverage.length; c++) {
    const r = map.codes[c]!;
    if (r < 0) continue;
    const a = map.grid.cellAreaM2[c]!;
    area[r]! += a;
    weighted[r]! += a * coverage[c]!;
    if (coverage[c]! < threshold) unseen[r]! += a;
  }
  return map.names.map((region, r) => ({
    region,
    meanCoverage: area[r]! > 0 ? weighted[r]! / area[r]! : NaN,
    unseenAreaFraction: area[r]! > 0 ? unseen[r]! / area[r]! : NaN,
  }));
}
