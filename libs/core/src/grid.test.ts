import { describe, expect, it } from 'vitest';
import { EARTH_RADIUS_M } from './constants';
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
