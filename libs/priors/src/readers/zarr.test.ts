import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LatLonGrid } from '@tanhui/core';
import { writePriorZarr } from '../index';
import type { FluxField } from '../flux';
import { randomArray } from '../test-utils';
import { detectPriorFormat, readPriorFile } from './registry';

const dir = mkdtempSync(join(tmpdir(), 'tanhui-prior-zarr-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('CF Zarr prior stores', () => {
  it('round trip: writePriorZarr → readPriorFile gives the same fields bit for bit', async () => {
    const grid = LatLonGrid.preset('6x4');
    const times = Float64Array.from({ length: 3 }, (_, t) => 1409961600 + t * 10800);
    const mk = (category: FluxField['category'], seed: number): FluxField => ({ category, grid, timesSec: times, periodSeconds: 10800, fluxMolM2S: randomArray(3 * grid.size, seed) });
    const comps = [mk('bio', 1), mk('ocean', 2), mk('fossil', 3)];
    const store = join(dir, 'p.zarr');
    await writePriorZarr(comps, store);
    expect(await detectPriorFormat(store)).toBe('zarr');
    const r = await readPriorFile(store);
    expect(r.components.map((c) => c.category)).toEqual(['bio', 'ocean', 'fossil']);
    r.components.forEach((c, k) => {
      expect(c.grid.equals(grid)).toBe(true);
      expect(c.periodSeconds).toBe(10800);
      expect(Array.from(c.timesSec)).toEqual(Array.from(times));
      expect(Array.from(c.fluxMolM2S)).toEqual(Array.from(comps[k]!.fluxMolM2S));
    });
  });
});
