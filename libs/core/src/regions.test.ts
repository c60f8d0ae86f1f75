import { describe, expect, it } from 'vitest';
import { EARTH_RADIUS_M, M_C, SECONDS_PER_YEAR } from './constants';
import { isTanhuiError } from './errors';
import { LatLonGrid } from './grid';
import { csrApply } from './regrid';
import { RegionMap, TRANSCOM_REGIONS, type RegionInfo } from './regions';

const HEMIS: RegionInfo[] = [
  { code: 1, name: 'North', kind: 'other' },
  { code: 7, name: 'South', kind: 'other' },
];

function hemispheres(g: LatLonGrid): RegionMap {
  const codes = Array.from({ length: g.size }, (_, k) => (g.latCentersDeg[Math.floor(k / g.nlon)]! > 0 ? 1 : 7));
  return new RegionMap(g, codes, HEMIS);
}

describe('RegionMap', () => {
  const g = LatLonGrid.preset('3x2'); // 90 rows: the equator is a cell edge
  const hemi = hemispheres(g);
  const halfSphere = 2 * Math.PI * EARTH_RADIUS_M ** 2;

  it('has hemispheres of area 2πR² each (closed form)', () => {
    const a = hemi.areasM2();
    expect(Math.abs(a[0]! - halfSphere) / halfSphere).toBeLessThan(1e-12);
    expect(Math.abs(a[1]! - halfSphere) / halfSphere).toBeLessThan(1e-12);
    expect(Array.from(hemi.cellCounts())).toEqual([g.size / 2, g.size / 2]);
  });

  it('aggregates a flux field to PgC yr⁻¹ (uniform fluxes: F·2πR²·M_C·yr)', () => {
    const flux = Float64Array.from({ length: g.size }, (_, k) => (k < g.size / 2 ? -2e-6 : 1e-6)); // south rows first
    const t = hemi.totalsPgCYr(flux);
    const pg = (f: number) => (f * halfSphere * M_C * SECONDS_PER_YEAR) / 1e12;
    expect(Math.abs(t[0]! - pg(1e-6)) / pg(1e-6)).toBeLessThan(1e-12);
    expect(Math.abs(t[1]! - pg(-2e-6)) / pg(2e-6)).toBeLessThan(1e-12);
  });

  it('aggregation matrix agrees with a brute-force loop and propagates covariances', () => {
    const flux = Float64Array.from({ length: g.size }, (_, k) => Math.sin(k));
    const m = hemi.aggregationMatrix();
    const viaMatrix = csrApply(m, flux);
    const f = (M_C * SECONDS_PER_YEAR) / 1e12;
    let n = 0;
    let s = 0;
    for (let k = 0; k < g.size; k++) {
      if (hemi.codes[k] === 1) n += flux[k]! * g.cellAreaM2[k]! * f;
      else s += flux[k]! * g.cellAreaM2[k]! * f;
    }
    expect(Math.abs(viaMatrix[0]! - n)).toBeLessThan(1e-12 * Math.abs(n));
    expect(Math.abs(viaMatrix[1]! - s)).toBeLessThan(1e-12 * Math.abs(s));
    // Diagonal P = σ² I: variance of a regional total = σ² Σ (A_c f)².
    const sigma2 = 4e-14;
    let varN = 0;
    for (let p = m.rowPtr[0]!; p < m.rowPtr[1]!; p++) varN += sigma2 * m.values[p]! ** 2;
    let brute = 0;
    for (let k = 0; k < g.size; k++) if (hemi.codes[k] === 1) brute += sigma2 * (g.cellAreaM2[k]! * f) ** 2;
    expect(Math.abs(varN - brute) / brute).toBeLessThan(1e-12);
  });

  it('aggregates stacked fields with tracers innermost', () => {
    const K = 2;
    const flux = Float64Array.from({ length: g.size * K }, (_, k) => (k % K === 0 ? 1e-6 : -1e-6));
    const t = hemi.totalsPgCYr(flux, undefined, K);
    // Output [region][tracer]: tracer 1 is the negation of tracer 0; both hemispheres equal.
    expect(t[1]).toBe(-t[0]!);
    expect(t[3]).toBe(-t[2]!);
    expect(Math.abs(t[2]! - t[0]!)).toBeLessThan(1e-12 * Math.abs(t[0]!));
  });

  it('gives masks and point look-ups', () => {
    expect(hemi.mask(1).reduce((a, b) => a + b, 0)).toBe(g.size / 2);
    expect(hemi.mask().reduce((a, b) => a + b, 0)).toBe(g.size);
    expect(hemi.codeAt(10, 100)).toBe(1);
    expect(hemi.codeAt(-10, -100)).toBe(7);
    expect(hemi.info(7).name).toBe('South');
    expect(hemi.rowOf(7)).toBe(1);
    expect(hemi.rowOf(3)).toBe(-1);
  });

  it('moves to another grid by largest overlap; fractions sum to 1', () => {
    const fine = hemispheres(LatLonGrid.preset('1x1'));
    const onCoarse = fine.onGrid(g);
    expect(Array.from(onCoarse.codes)).toEqual(Array.from(hemi.codes));
    // On the 6x4 grid the equatorial row is split 50/50: the tie goes to the lower code.
    const g6 = LatLonGrid.preset('6x4');
    expect(fine.onGrid(g6).codeAt(0, 0)).toBe(1);
    const fr = fine.fractionsOn(LatLonGrid.regular(5, 3, 0));
    for (let d = 0; d < fr[0]!.length; d++) expect(fr[0]![d]! + fr[1]![d]!).toBeCloseTo(1, 12);
  });

  it('reads stored float codes, with a "none" code and NaN as no region', () => {
    const vals = Float64Array.from({ length: g.size }, (_, k) => (k === 0 ? Number.NaN : k === 1 ? 23 : 1 + (k % 22)));
    const rm = RegionMap.fromValues(g, vals, TRANSCOM_REGIONS, { none: [23] });
    expect(rm.codes[0]).toBe(0);
    expect(rm.codes[1]).toBe(0);
    expect(rm.codes[2]).toBe(3);
    let err: unknown;
    try {
      RegionMap.fromValues(g, vals, TRANSCOM_REGIONS, { file: 'regions.nc', variable: 'region' });
    } catch (e) {
      err = e;
    }
    expect(isTanhuiError(err, 'BadValue')).toBe(true);
    expect((err as { toLine(): string }).toLine()).toMatch(/code 23.*file regions\.nc, variable region, index 1/);
    expect(() => RegionMap.fromValues(g, [1, 2], TRANSCOM_REGIONS)).toThrow(/cells/);
    expect(() => new RegionMap(g, new Int32Array(g.size).fill(5), HEMIS)).toThrow(/not a listed region/);
  });

  it('lists the 22 TransCOM-3 regions with standard numbering', () => {
    expect(TRANSCOM_REGIONS).toHaveLength(22);
    expect(TRANSCOM_REGIONS[7]).toEqual({ code: 8, name: 'Eurasia Temperate', kind: 'land' });
    expect(TRANSCOM_REGIONS[19]).toEqual({ code: 20, name: 'Southern Ocean', kind: 'ocean' });
    expect(TRANSCOM_REGIONS.filter((r) => r.kind === 'land')).toHaveLength(11);
  });
});
