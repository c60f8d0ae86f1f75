import { describe, expect, it } from 'vitest';
import { EARTH_RADIUS_M } from './constants';
import { TanhuiError } from './errors';
import { LatLonGrid } from './grid';

describe('LatLonGrid', () => {
  it.each(['1x1', '3x2', '6x4'] as const)('cell areas of %s sum to the area of the sphere 4πR²', (name) => {
    const g = LatLonGrid.preset(name);
    const sphere = 4 * Math.PI * EARTH_RADIUS_M ** 2;
    expect(Math.abs(g.totalAreaM2() - sphere) / sphere).toBeLessThan(1e-12);
  });

  it('has the TM5 glb3x2 shape', () => {
    const g = LatLonGrid.preset('3x2');
    expect([g.nlon, g.nlat]).toEqual([120, 90]);
  });
});

describe('LatLonGrid.locate', () => {
  const g = LatLonGrid.preset('6x4'); // lon edges −180, −174, …, 180; lat −90, −86, …, 90

  it('puts points on an edge into the cell to the north / east', () => {
    expect(g.locate(0, 0)).toEqual({ j: 22, i: 30, index: 22 * 60 + 30 });
    expect(g.locate(-86, -174)).toEqual({ j: 1, i: 1, index: 61 });
  });

  it('keeps the poles in the first and last rows', () => {
    expect(g.locate(-90, 10).j).toBe(0);
    expect(g.locate(90, 10).j).toBe(44);
    expect(g.locate(89.999, 10).j).toBe(44);
  });

  it('wraps longitudes of any convention', () => {
    expect(g.locate(10, 180).i).toBe(0); // 180 = −180
    expect(g.locate(10, -180).i).toBe(0);
    expect(g.locate(10, 359).i).toBe(g.locate(10, -1).i);
    expect(g.locate(10, 179.999).i).toBe(59);
    expect(g.locate(10, 540 + 3).i).toBe(g.locate(10, -177).i);
    expect(g.locate(10, -721).i).toBe(g.locate(10, -1).i);
  });

  it('works on a 0..360 grid', () => {
    const e = LatLonGrid.regular(1, 1, 0);
    expect(e.locate(0, -0.5).i).toBe(359);
    expect(e.locate(0, 360).i).toBe(0);
    expect(e.locate(0, 0.5).i).toBe(0);
    expect(e.lonCentersDeg[0]).toBe(0.5);
  });

  it('rejects latitudes off the sphere and non-finite longitudes', () => {
    expect(() => g.locate(90.5, 0)).toThrow(TanhuiError);
    expect(() => g.locate(Number.NaN, 0)).toThrow(TanhuiError);
    expect(() => g.locate(0, Number.POSITIVE_INFINITY)).toThrow(TanhuiError);
  });

  it('brute force: every cell centre is located in its own cell', () => {
    const h = new LatLonGrid([-10, 5, 7, 100, 350], [-90, -80, 0, 1, 90]);
    for (let j = 0; j < h.nlat; j++) for (let i = 0; i < h.nlon; i++) {
      expect(h.locate(h.latCentersDeg[j]!, h.lonCentersDeg[i]!).index).toBe(h.index(j, i));
    }
  });

  it('rejects grids that do not cover the sphere', () => {
    expect(() => new LatLonGrid([0, 10, 350], [-90, 90])).toThrow(/360/);
    expect(() => new LatLonGrid([0, 360], [-80, 90])).toThrow(/−90 to 90/);
    expect(() => LatLonGrid.regular(7, 4)).toThrow(/tile/);
  });
});

describe('LatLonGrid.fromCenters', () => {
  it('gives the regular grid back from its centres, in either latitude order and any longitude start', () => {
    for (const g of [LatLonGrid.regular(3, 2), LatLonGrid.regular(1, 1, 0), LatLonGrid.regular(6, 4)]) {
      const up = LatLonGrid.fromCenters(g.lonCentersDeg, g.latCentersDeg);
      expect(up.flipLat).toBe(false);
      expect(up.grid.equals(g, 0)).toBe(true);
      const down = LatLonGrid.fromCenters(g.lonCentersDeg, Float64Array.from(g.latCentersDeg).reverse());
      expect(down.flipLat).toBe(true);
      expect(down.grid.equals(g, 0)).toBe(true);
    }
  });

  it('keeps exact regular edges when the centres went through float32', () => {
    const g = LatLonGrid.regular(2.5, 2);
    const f32 = LatLonGrid.fromCenters(Float32Array.from(g.lonCentersDeg), Float32Array.from(g.latCentersDeg)).grid;
    expect(f32.latEdgesDeg).toEqual(g.latEdgesDeg);
    expect(f32.totalAreaM2() / (4 * Math.PI * f32.radiusM ** 2)).toBeCloseTo(1, 14);
  });

  it('puts edges halfway between irregular (Gaussian-like) or pole-centred latitudes, ±90 at the ends', () => {
    const lat = [-85, -60, -20, 0, 30, 70];
    const g = LatLonGrid.fromCenters([0, 90, 180, 270], lat).grid;
    expect(Array.from(g.latEdgesDeg)).toEqual([-90, -72.5, -40, -10, 15, 50, 90]);
    expect(Array.from(g.lonEdgesDeg)).toEqual([-45, 45, 135, 225, 315]);
    // CAM finite-volume grid: centres at the poles.
    const fv = LatLonGrid.fromCenters([0, 120, 240], [-90, -45, 0, 45, 90]).grid;
    expect(Array.from(fv.latEdgesDeg)).toEqual([-90, -67.5, -22.5, 22.5, 67.5, 90]);
  });

  it('names the file and variable of a bad axis', () => {
    const where = { file: 'x.nc', lonName: 'longitude', latName: 'latitude' };
    expect(() => LatLonGrid.fromCenters([0, 90, 200, 270], [-45, 45], where)).toThrow(/longitude is not a regular global longitude axis \(value 200 at index 2\)/);
    expect(() => LatLonGrid.fromCenters([0, 180], [10, -20, 30], where)).toThrow(/latitude must increase or decrease monotonically/);
    expect(() => LatLonGrid.fromCenters([0, 180], [-95, 0], where)).toThrow(/latitude value -95 is outside/);
    expect(() => LatLonGrid.fromCenters([0], [0, 1], where)).toThrow(/longitude needs at least 2 values/);
    try {
      LatLonGrid.fromCenters([0, 90, 200, 270], [-45, 45], where);
    } catch (e) {
      expect((e as TanhuiError).context).toMatchObject({ file: 'x.nc', variable: 'longitude' });
    }
  });
});
