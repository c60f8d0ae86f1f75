import { LatLonGrid } from '@tanhui/core';
import { describe, expect, it } from 'vitest';
import { checkRegionMap, landOceanRegionMap, latitudeBand, latitudeBandRegionMap } from './regions';

describe('latitude bands', () => {
  it('puts the boundaries where documented', () => {
    expect(latitudeBand(0)).toBe('tropical N');
    expect(latitudeBand(-0.1)).toBe('tropical S');
    expect(latitudeBand(23.5)).toBe('temperate N');
    expect(latitudeBand(-23.49)).toBe('tropical S');
    expect(latitudeBand(50)).toBe('boreal N');
    expect(latitudeBand(-50)).toBe('boreal S');
    expect(latitudeBand(90)).toBe('boreal N');
    expect(() => latitudeBand(91)).toThrow(/outside/);
  });

  it('band map covers each cell once and honours a mask', () => {
    const grid = LatLonGrid.preset('6x4');
    const bands = latitudeBandRegionMap(grid);
    checkRegionMap(bands);
    expect(bands.codes.every((c) => c >= 0 && c < 6)).toBe(true);
    const mask = Array.from({ length: grid.size }, (_, c) => c % 2 === 0);
    const masked = latitudeBandRegionMap(grid, mask);
    expect(masked.codes.filter((c) => c < 0).length).toBe(grid.size / 2);
    const lo = landOceanRegionMap(grid, mask);
    expect(lo.codes[0]).toBe(0);
    expect(lo.codes[1]).toBe(1);
  });

  it('rejects codes without names and wrong sizes', () => {
    const grid = LatLonGrid.preset('6x4');
    expect(() => checkRegionMap({ grid, codes: new Int32Array(3), names: ['a'] })).toThrow(/cells/);
    const codes = new Int32Array(grid.size);
    codes[5] = 2;
    expect(() => checkRegionMap({ grid, codes, names: ['a', 'b'] })).toThrow(/has no name/);
  });
});
