// Compares core's built-in approximate TransCOM-3 map (Natural Earth 110m rasterised, see
// libs/core/src/builtin-regions.ts) with the real TransCOM-3 map shipped with GCASv2
// (../shared/data/gcasv2/regions.nc, 1°×1°, lon 0.5…359.5; region 1–22 plus 23 = ice).
// The real file is read by an independent reader, Debian's /usr/bin/python3 with netCDF4.
// Prints the agreement figures; the floors sit a little below the measured values so that a
// regression in the rasteriser or in the region rules fails the test.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { builtinRegions, LatLonGrid, RegionMap, TRANSCOM_REGIONS } from '@tanhui/core';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');
const regionsNc = resolve(repoRoot, '../shared/data/gcasv2/regions.nc');
const python = '/usr/bin/python3';
const haveData = existsSync(regionsNc) && existsSync(python);

interface RealMap {
  lat: number[];
  lon: number[];
  region: number[];
  china: number[];
}

function readReal(): RealMap {
  const script = [
    'import json, sys, netCDF4, numpy as np',
    'd = netCDF4.Dataset(sys.argv[1])',
    'f = lambda v: np.asarray(np.ma.filled(d[v][:].astype("f8"), np.nan))',
    'out = {k: [None if np.isnan(x) else float(x) for x in f(k).ravel()] for k in ("lat", "lon", "region", "china")}',
    'json.dump(out, sys.stdout)',
  ].join('\n');
  const r = spawnSync(python, ['-c', script, regionsNc], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`python/netCDF4 failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as RealMap;
}

interface Agreement {
  cells: number;
  landOceanCells: number;
  landOceanArea: number;
  regionCells: number;
  regionArea: number;
  /** Among cells that are land in both maps (excluding ice), region agreement by area. */
  landRegionArea: number;
  oceanRegionArea: number;
  /** Share of the area of the real map's land regions (1–11) where the built-in code is the same. */
  realLandSameArea: number;
  /** Per region: area of intersection / area of union between the two maps. */
  iou: Map<number, number>;
}

function agreement(real: RegionMap, realLandMask: Uint8Array, built: ReturnType<typeof builtinRegions>): Agreement {
  const g = real.grid;
  let lo = 0, loA = 0, rg = 0, rgA = 0, landBoth = 0, landSame = 0, ocBoth = 0, ocSame = 0, realLand = 0, realLandSame = 0;
  const inter = new Map<number, number>();
  const union = new Map<number, number>();
  const add = (m: Map<number, number>, c: number, a: number) => m.set(c, (m.get(c) ?? 0) + a);
  const total = g.totalAreaM2();
  for (let k = 0; k < g.size; k++) {
    const a = g.cellAreaM2[k]!;
    const rc = real.codes[k]!;
    const bc = built.transcom.codes[k]!;
    if (realLandMask[k] === built.landMask[k]) { lo++; loA += a; }
    if (rc === bc) { rg++; rgA += a; }
    if (rc >= 1 && rc <= 11 && bc >= 1 && bc <= 11) { landBoth += a; if (rc === bc) landSame += a; }
    if (rc >= 12 && bc >= 12) { ocBoth += a; if (rc === bc) ocSame += a; }
    if (rc >= 1 && rc <= 11) { realLand += a; if (rc === bc) realLandSame += a; }
    if (rc === bc) { add(inter, rc, a); add(union, rc, a); }
    else { add(union, rc, a); add(union, bc, a); }
  }
  const iou = new Map<number, number>();
  for (let c = 1; c <= 22; c++) iou.set(c, (inter.get(c) ?? 0) / (union.get(c) ?? 1));
  return {
    cells: g.size,
    landOceanCells: lo / g.size,
    landOceanArea: loA / total,
    regionCells: rg / g.size,
    regionArea: rgA / total,
    landRegionArea: landSame / landBoth,
    oceanRegionArea: ocSame / ocBoth,
    realLandSameArea: realLandSame / realLand,
    iou,
  };
}

describe.skipIf(!haveData)('built-in TransCOM approximation vs the real TransCOM-3 map (GCASv2 regions.nc)', () => {
  const real = haveData ? readReal() : undefined;
  const lat = real?.lat ?? [];
  const flip = lat.length > 1 && lat[1]! < lat[0]!;
  const nlat = lat.length;
  const nlon = real?.lon.length ?? 0;
  // tanhui layout: rows south → north.
  const rows = (v: number[]): number[] => (flip ? Array.from({ length: nlat }, (_, j) => v.slice((nlat - 1 - j) * nlon, (nlat - j) * nlon)).flat() : v);
  const grid1 = real ? LatLonGrid.fromCenters(real.lon, lat).grid : undefined;
  const values = real ? rows(real.region).map((v) => (v === null ? Number.NaN : v)) : [];
  const realMap = grid1 ? RegionMap.fromValues(grid1, values, TRANSCOM_REGIONS, { none: [23], file: regionsNc, variable: 'region' }) : undefined;
  const realLandOn = (g: LatLonGrid): Uint8Array => {
    // Land = TransCOM land regions or ice (23), by largest overlap on the target grid.
    const landCodes = values.map((v) => ((v >= 1 && v <= 11) || v === 23 ? 1 : 2));
    const m = new RegionMap(grid1!, landCodes, [
      { code: 1, name: 'land', kind: 'land' },
      { code: 2, name: 'ocean', kind: 'ocean' },
    ]).onGrid(g);
    return Uint8Array.from(m.codes, (c) => (c === 1 ? 1 : 0));
  };

  // Floors about two points under the figures measured when this test was written
  // (1x1: land/ocean 98.1 % of area, region 97.3 % of area, real land-region area with the same
  // code 92.6 %; 3x2 and 6x4 alike).
  const cases: Array<[string, () => LatLonGrid, number, number, number, number]> = [
    // name, grid, floors: land/ocean (area share), region (area share), region (cell share), real land area with the same code
    ['1x1 (the file’s own grid)', () => grid1!, 0.96, 0.95, 0.95, 0.9],
    ['3x2', () => LatLonGrid.preset('3x2'), 0.96, 0.95, 0.95, 0.9],
    ['6x4', () => LatLonGrid.preset('6x4'), 0.96, 0.95, 0.95, 0.9],
  ];

  it.each(cases)('agrees on %s', (name, grid, floorLandOcean, floorRegionArea, floorRegionCells, floorRealLand) => {
    const g = grid();
    const realOnG = realMap!.onGrid(g);
    const a = agreement(realOnG, realLandOn(g), builtinRegions(g));
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    console.log(
      `TransCOM built-in vs real on ${name} (${a.cells} cells): land/ocean ${pct(a.landOceanArea)} of area (${pct(a.landOceanCells)} of cells); ` +
        `region ${pct(a.regionArea)} of area (${pct(a.regionCells)} of cells); land regions where both are land ${pct(a.landRegionArea)}, ocean regions where both are ocean ${pct(a.oceanRegionArea)}; ` +
        `real land-region area with the same built-in code ${pct(a.realLandSameArea)}\n  per-region intersection/union: ` +
        TRANSCOM_REGIONS.map((r) => `${r.code} ${pct(a.iou.get(r.code)!)}`).join(', '),
    );
    expect(a.realLandSameArea).toBeGreaterThan(floorRealLand);
    expect(a.landOceanArea).toBeGreaterThan(floorLandOcean);
    expect(a.regionArea).toBeGreaterThan(floorRegionArea);
    expect(a.regionCells).toBeGreaterThan(floorRegionCells);
  });

  it('agrees on the China mask (1°×1°)', () => {
    const china = rows(real!.china);
    const b = builtinRegions(grid1!);
    let inter = 0, union = 0, realA = 0, builtA = 0;
    for (let k = 0; k < grid1!.size; k++) {
      const r = china[k]! > 0.5;
      const m = b.chinaMask[k] === 1;
      const a = grid1!.cellAreaM2[k]!;
      if (r) realA += a;
      if (m) builtA += a;
      if (r && m) inter += a;
      if (r || m) union += a;
    }
    console.log(`China mask: real ${(realA / 1e12).toFixed(2)} Mkm², built-in ${(builtA / 1e12).toFixed(2)} Mkm², intersection/union ${(100 * inter / union).toFixed(1)}%`);
    expect(inter / union).toBeGreaterThan(0.85);
  });
});
