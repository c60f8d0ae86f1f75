import { LatLonGrid } from '@tanhui/core';
import { describe, expect, it } from 'vitest';
import { convolveFootprint, coverageByRegion, coverageMap, footprintFromMassFluxSensitivity, footprintFromMoleSensitivity, surfaceLayerFootprint } from './footprint';

describe('footprint units', () => {
  it('a sensitivity per mole emitted becomes ppm per µmol m⁻² s⁻¹ consistent with the emitted moles', () => {
    const grid = LatLonGrid.preset('6x4');
    const c = grid.index(30, 20);
    const perMole = new Float64Array(grid.size);
    perMole[c] = 3e-18; // mol mol⁻¹ per mol emitted in cell c
    const dt = 3 * 3600;
    const fp = footprintFromMoleSensitivity(perMole, grid, dt);
    // A flux of 2 µmol m⁻² s⁻¹ in cell c over dt emits n = 2e-6 · area · dt mol, raising the
    // mole fraction by perMole·n mol/mol = 1e6 · perMole · n ppm.
    const flux = new Float64Array(grid.size);
    flux[c] = 2;
    const n = 2e-6 * grid.cellAreaM2[c]! * dt;
    expect(convolveFootprint(fp, flux)).toBeCloseTo(1e6 * 3e-18 * n, 12);
    expect(() => footprintFromMoleSensitivity([1], grid, dt)).toThrow(/cells/);
  });

  it('a sensitivity per kg CO2 m⁻² s⁻¹ becomes ppm per µmol m⁻² s⁻¹', () => {
    // 1 µmol m⁻² s⁻¹ of CO2 is 44.0095e-9 kg m⁻² s⁻¹; with S = 2e3 (mol/mol)/(kg m⁻² s⁻¹) the
    // change is 2e3 · 44.0095e-9 mol/mol = 88.019e-6 mol/mol = 88.019 ppm.
    const fp = footprintFromMassFluxSensitivity([2e3]);
    expect(convolveFootprint(fp, [1])).toBeCloseTo(2e3 * 44.0095e-9 * 1e6, 9);
  });

  it('a well-mixed surface layer: 1 µmol m⁻² s⁻¹ for an hour into 1000 Pa of air', () => {
    // Air in the layer: Δp/g kg m⁻² = 101.97 kg m⁻² = 3520.5 mol m⁻²; added CO2: 3.6e-3 mol m⁻².
    const airMol = 1000 / 9.80665 / 0.0289647;
    const expectedPpm = (1e-6 * 3600 / airMol) * 1e6;
    expect(surfaceLayerFootprint(3600, 1000)).toBeCloseTo(expectedPpm, 12);
    expect(expectedPpm).toBeCloseTo(1.0226, 3);
  });
});

describe('network coverage', () => {
  it('sums footprints (optionally normalised) and reports unseen area per region', () => {
    const grid = LatLonGrid.regular(90, 90); // 4 × 2 cells
    const f1 = [0, 0, 0, 0, 4, 2, 0, 0];
    const f2 = [0, 0, 0, 0, 0, 1, 1, 0];
    expect(Array.from(coverageMap([f1, f2]))).toEqual([0, 0, 0, 0, 4, 3, 1, 0]);
    expect(Array.from(coverageMap([f1, f2], { normalise: true }))).toEqual([0, 0, 0, 0, 1, 1.5, 1, 0]);
    // Region 0 = northern hemisphere (cells 4–7, equal areas), region 1 = southern.
    const map = { grid, codes: Int32Array.from([1, 1, 1, 1, 0, 0, 0, 0]), names: ['north', 'south'] };
    const cov = coverageByRegion(map, coverageMap([f1, f2]), 0.5);
    expect(cov[0]!.unseenAreaFraction).toBeCloseTo(0.25, 12);
    expect(cov[0]!.meanCoverage).toBeCloseTo(8 / 4, 12);
    expect(cov[1]!.unseenAreaFraction).toBeCloseTo(1, 12);
    expect(() => coverageMap([])).toThrow(/no footprints/);
  });
});
