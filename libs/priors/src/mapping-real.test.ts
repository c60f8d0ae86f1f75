// Region × ecosystem mapping on CarbonTracker's real CT2010 region file: our (TransCOM, Olson)
// pair units must coincide cell-for-cell with CarbonTracker's own 240-ecoregion numbering.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openDataset } from '@tanhui/io';
import { applyMapping, applyMappingAdjoint, buildMapping, regionEcosystemTerm } from './mapping';
import { dot, randomArray } from './test-utils';

const here = dirname(fileURLToPath(import.meta.url));
const file = resolve(here, '../../../../shared/data/public/regions/carbontracker_regions_CT2010.nc');

describe.skipIf(!existsSync(file))('region × ecosystem mapping on CarbonTracker CT2010 regions', () => {
  it('units are exactly CarbonTracker land ecoregions; ocean regions as a second term; adjoint holds', async () => {
    const ds = await openDataset(file);
    const read = async (v: string): Promise<Float64Array> => Float64Array.from((await ds.read(v)).data as ArrayLike<number>, (x) => (Number.isFinite(x) ? x : 0));
    const [tc, eco, ocean, ct240] = [await read('transcom_regions'), await read('land_ecosystems'), await read('ocean_regions'), await read('regions')];
    ds.close();
    const n = tc.length;
    const land = Float64Array.from(tc, (r) => (r >= 1 && r <= 11 ? r : 0));
    const bio = new Float64Array(n).fill(1);
    const term = regionEcosystemTerm('bio', bio, land, eco);
    const oTerm = regionEcosystemTerm('ocean', bio, ocean, Float64Array.from(ocean, (o) => (o > 0 ? 1 : 0)));
    // Bijection: every unit holds cells of exactly one CT region code and vice versa.
    const codeOfUnit = new Map<number, number>();
    const unitOfCode = new Map<number, number>();
    let conflicts = 0;
    for (let c = 0; c < n; c++) {
      const u = term.unit[c]!;
      if (u < 0) continue;
      const code = ct240[c]!;
      if ((codeOfUnit.get(u) ?? code) !== code || (unitOfCode.get(code) ?? u) !== u) conflicts++;
      codeOfUnit.set(u, code);
      unitOfCode.set(code, u);
    }
    expect(conflicts).toBe(0);
    expect(unitOfCode.size).toBe(codeOfUnit.size);
    expect(codeOfUnit.size).toBe(new Set(term.unit.filter((u) => u >= 0)).size);
    // CarbonTracker numbers land ecoregions (transcom−1)·19 + olson.
    for (const [u, code] of codeOfUnit) {
      const [r, e] = term.unitNames![u]!.slice(1).split('e').map(Number) as [number, number];
      expect(code).toBe((r - 1) * 19 + e);
    }
    const m = buildMapping(1, n, [term, oTerm]);
    expect(m.terms[1]!.nUnits).toBe(30);
    const K = 2;
    const x = randomArray(m.nState * K, 11);
    const g = randomArray(n * K, 12);
    const lhs = dot(applyMapping(m, x, K), g);
    const rhs = dot(x, applyMappingAdjoint(m, g, K));
    expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-12 * Math.abs(lhs));
  });
});
