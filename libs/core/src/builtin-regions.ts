// Built-in geography for the synthetic world, which must run with no data files: land/ocean,
// China and an APPROXIMATION of the TransCOM-3 22 regions, rasterised on any LatLonGrid from
// Natural Earth 1:110m country polygons (npm `world-atlas`, public domain).
//
// This is NOT the TransCOM-3 map. TransCOM's boundaries were drawn on a 1°×1° vegetation map;
// here the land regions are "continent × latitude band" (continents from the country
// polygons) and the ocean regions "basin × latitude band", with band edges at the latitudes
// where the TransCOM-3 map changes region (oceans ±18°, −45°, 49°N Atlantic / 66°N Pacific;
// West/East tropical Pacific at 161°W; land: boreal North America north of 51°N, boreal
// Eurasia north of 50°N, Northern/Southern Africa at 1°N, tropical/temperate South America
// at 14°S, Tropical Asia south of 25°N east of 89°E). Inland seas (Mediterranean, Black,
// Caspian, Red Sea, Persian Gulf, Great Lakes) belong to the surrounding land regions as in
// TransCOM; Greenland, Antarctica, Iceland and Svalbard belong to no region (TransCOM's
// "ice"), small Pacific islands to the ocean around them. For real work load the real map
// (e.g. GCASv2's regions.nc) with RegionMap.fromValues. Agreement with the real map is
// measured by tools/checks/transcom-builtin.test.ts.
//
// Rasterisation: each cell is sampled on a lattice of about 0.5° (at least 3×3 points per
// cell); a point is in a polygon by the even-odd rule on scanlines; each sample carries its
// exact spherical area. Land and China are area fractions; a cell's region is the code with
// the largest sampled area (land regions and ocean regions compete, as on TransCOM's map).
/// <reference path="./topojson-client.d.ts" />
import { feature } from 'topojson-client';
import countries110m from 'world-atlas/countries-110m.json' with { type: 'json' };
import { TanhuiError } from './errors';
import type { LatLonGrid } from './grid';
import { RegionMap, TRANSCOM_REGIONS } from './regions';

const DEG = Math.PI / 180;
const SAMPLE_DEG = 0.5;
const MIN_SAMPLES = 3;

export interface BuiltinRegions {
  grid: LatLonGrid;
  /** Land area fraction per cell (0..1). */
  landFraction: Float64Array;
  /** 1 where landFraction ≥ 0.5. */
  landMask: Uint8Array;
  /** Area fraction of China (PRC incl. Taiwan, as GCAS's China mask) per cell. */
  chinaFraction: Float64Array;
  /** 1 where chinaFraction ≥ 0.5. */
  chinaMask: Uint8Array;
  /** Approximate TransCOM-3 regions (codes 1–22, 0 = none); see the module notes. */
  transcom: RegionMap;
}

type Continent = 'NA' | 'SA' | 'AF' | 'EU' | 'AS' | 'AU' | 'ICE' | 'SEA';

// Continent of each Natural Earth 110m country ('SEA': small islands treated as the ocean
// around them). Russia and France are split by longitude in continentAt.
const CONTINENTS: Record<Continent, string[]> = {
  NA: ['Canada', 'United States of America', 'Mexico', 'Guatemala', 'Belize', 'Honduras', 'El Salvador', 'Nicaragua', 'Costa Rica', 'Panama', 'Cuba', 'Haiti', 'Dominican Rep.', 'Jamaica', 'Bahamas', 'Puerto Rico', 'Trinidad and Tobago'],
  SA: ['Colombia', 'Venezuela', 'Guyana', 'Suriname', 'Ecuador', 'Peru', 'Brazil', 'Bolivia', 'Paraguay', 'Chile', 'Argentina', 'Uruguay', 'Falkland Is.'],
  AF: ['Morocco', 'W. Sahara', 'Algeria', 'Tunisia', 'Libya', 'Egypt', 'Mauritania', 'Mali', 'Niger', 'Chad', 'Sudan', 'S. Sudan', 'Eritrea', 'Ethiopia', 'Djibouti', 'Somalia', 'Somaliland', 'Senegal', 'Gambia', 'Guinea-Bissau', 'Guinea', 'Sierra Leone', 'Liberia', "Côte d'Ivoire", 'Burkina Faso', 'Ghana', 'Togo', 'Benin', 'Nigeria', 'Cameroon', 'Central African Rep.', 'Eq. Guinea', 'Gabon', 'Congo', 'Dem. Rep. Congo', 'Uganda', 'Kenya', 'Rwanda', 'Burundi', 'Tanzania', 'Angola', 'Zambia', 'Malawi', 'Mozambique', 'Zimbabwe', 'Botswana', 'Namibia', 'South Africa', 'Lesotho', 'eSwatini', 'Madagascar'],
  EU: ['Norway', 'Sweden', 'Finland', 'Denmark', 'United Kingdom', 'Ireland', 'France', 'Spain', 'Portugal', 'Belgium', 'Netherlands', 'Luxembourg', 'Germany', 'Switzerland', 'Austria', 'Italy', 'Slovenia', 'Croatia', 'Bosnia and Herz.', 'Serbia', 'Montenegro', 'Kosovo', 'Albania', 'Macedonia', 'Greece', 'Bulgaria', 'Romania', 'Moldova', 'Hungary', 'Slovakia', 'Czechia', 'Poland', 'Lithuania', 'Latvia', 'Estonia', 'Belarus', 'Ukraine', 'Russia'],
  AS: ['Kazakhstan', 'Uzbekistan', 'Turkmenistan', 'Tajikistan', 'Kyrgyzstan', 'Afghanistan', 'Pakistan', 'India', 'Nepal', 'Bhutan', 'Bangladesh', 'Sri Lanka', 'Myanmar', 'Thailand', 'Laos', 'Cambodia', 'Vietnam', 'Malaysia', 'Brunei', 'Indonesia', 'Philippines', 'Timor-Leste', 'China', 'Taiwan', 'Mongolia', 'North Korea', 'South Korea', 'Japan', 'Iran', 'Iraq', 'Syria', 'Lebanon', 'Israel', 'Palestine', 'Jordan', 'Saudi Arabia', 'Yemen', 'Oman', 'United Arab Emirates', 'Qatar', 'Kuwait', 'Turkey', 'Cyprus', 'N. Cyprus', 'Georgia', 'Armenia', 'Azerbaijan', 'Papua New Guinea'],
  AU: ['Australia', 'New Zealand'],
  ICE: ['Greenland', 'Antarctica', 'Iceland'],
  SEA: ['Fiji', 'Vanuatu', 'New Caledonia', 'Solomon Is.', 'Fr. S. Antarctic Lands'],
};
const CHINA = new Set(['China', 'Taiwan']);

interface Country {
  name: string;
  continent: Continent;
  china: boolean;
  /** Edges x1,y1,x2,y2 (lon, lat in degrees; rings unwrapped across the antimeridian). */
  edges: Float64Array;
  latMin: number;
  latMax: number;
}

interface World {
  countries: Country[];
  /** Edges bucketed by 1° latitude bins: per bin, flat (x1, y1, x2, y2, country) records. */
  bins: Float64Array[];
}

let worldCache: World | undefined;

interface GeoFeature {
  properties: { name?: string };
  geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: number[][][] | number[][][][] };
}

function loadWorld(): World {
  if (worldCache) return worldCache;
  const continentOf = new Map<string, Continent>();
  for (const [c, names] of Object.entries(CONTINENTS) as Array<[Continent, string[]]>) for (const n of names) continentOf.set(n, c);
  const topo = countries110m as unknown as { objects: { countries: unknown } };
  const fc = feature(topo, topo.objects.countries) as { features: GeoFeature[] };
  const out: Country[] = [];
  for (const f of fc.features) {
    const name = f.properties.name ?? '';
    const continent = continentOf.get(name);
    if (continent === undefined) throw new TanhuiError('Internal', `built-in regions: country '${name}' has no continent`);
    const polys = (f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates) as number[][][][];
    const edges: number[] = [];
    let latMin = 90;
    let latMax = -90;
    for (const poly of polys) {
      for (const ring of poly) {
        // Unwrap longitudes so the ring is continuous across ±180°.
        const pts: Array<[number, number]> = [];
        let shift = 0;
        for (let k = 0; k < ring.length; k++) {
          const x = ring[k]![0]!;
          const y = ring[k]![1]!;
          if (k > 0) {
            const prev = ring[k - 1]![0]!;
            if (x - prev > 180) shift -= 360;
            else if (prev - x > 180) shift += 360;
          }
          pts.push([x + shift, y]);
        }
        const net = pts[pts.length - 1]![0] - pts[0]![0];
        if (Math.abs(net) > 180) {
          // The ring circles a pole (Antarctica): close it along the pole.
          const pole = pts.reduce((s, p) => s + p[1], 0) < 0 ? -90 : 90;
          const last = pts[pts.length - 1]!;
          pts.push([last[0], pole], [pts[0]![0], pole], pts[0]!);
        }
        for (let k = 0; k + 1 < pts.length; k++) {
          const x1 = pts[k]![0];
          const y1 = pts[k]![1];
          const x2 = pts[k + 1]![0];
          const y2 = pts[k + 1]![1];
          if (y1 === y2) continue; // never crossed by a scanline test (half-open rule)
          edges.push(x1, y1, x2, y2);
          latMin = Math.min(latMin, y1, y2);
          latMax = Math.max(latMax, y1, y2);
        }
      }
    }
    out.push({ name, continent, china: CHINA.has(name), edges: Float64Array.from(edges), latMin, latMax });
  }
  const binLists: number[][] = Array.from({ length: 180 }, () => []);
  out.forEach((c, ci) => {
    const e = c.edges;
    for (let k = 0; k < e.length; k += 4) {
      const lo = Math.max(0, Math.floor(Math.min(e[k + 1]!, e[k + 3]!) + 90));
      const hi = Math.min(179, Math.floor(Math.max(e[k + 1]!, e[k + 3]!) + 90));
      for (let b = lo; b <= hi; b++) binLists[b]!.push(e[k]!, e[k + 1]!, e[k + 2]!, e[k + 3]!, ci);
    }
  });
  worldCache = { countries: out, bins: binLists.map((l) => Float64Array.from(l)) };
  return worldCache;
}

/** Intervals [lonStart, lonEnd) in −180..180 where the scanline at latitude y is inside a country. */
function scanline(world: World, y: number): { start: Float64Array; end: Float64Array; country: Int32Array } {
  const e = world.bins[Math.min(179, Math.max(0, Math.floor(y + 90)))]!;
  const crossings = new Map<number, number[]>();
  for (let k = 0; k < e.length; k += 5) {
    const y1 = e[k + 1]!;
    const y2 = e[k + 3]!;
    if (y1 <= y !== y2 <= y) {
      const x1 = e[k]!;
      const ci = e[k + 4]!;
      let xs = crossings.get(ci);
      if (!xs) crossings.set(ci, (xs = []));
      xs.push(x1 + ((y - y1) * (e[k + 2]! - x1)) / (y2 - y1));
    }
  }
  const iv: Array<[number, number, number]> = [];
  for (const [ci, xs] of crossings) {
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      // Back into −180..180, splitting at the antimeridian.
      let a = xs[k]!;
      let b = xs[k + 1]!;
      const turns = Math.floor((a + 180) / 360);
      a -= turns * 360;
      b -= turns * 360;
      if (b <= 180) iv.push([a, b, ci]);
      else {
        iv.push([a, 180, ci]);
        iv.push([-180, Math.min(b - 360, a), ci]);
      }
    }
  }
  iv.sort((p, q) => p[0] - q[0]);
  return {
    start: Float64Array.from(iv, (v) => v[0]),
    end: Float64Array.from(iv, (v) => v[1]),
    country: Int32Array.from(iv, (v) => v[2]),
  };
}

/** Index of the country containing lon (−180..180) on a scanline, or −1. */
function countryAt(line: { start: Float64Array; end: Float64Array; country: Int32Array }, lon: number): number {
  // Last interval starting at or before lon; intervals of different countries do not overlap
  // except along shared borders, so checking a few predecessors is enough.
  let lo = 0;
  let hi = line.start.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (line.start[mid]! <= lon) lo = mid + 1;
    else hi = mid;
  }
  for (let k = lo - 1; k >= 0 && k >= lo - 4; k--) if (lon < line.end[k]!) return line.country[k]!;
  return -1;
}

// Piecewise-linear y(x) through points sorted by x (index access: no iterator allocations).
function lerp(x: number, pts: ReadonlyArray<readonly [number, number]>): number {
  if (x <= pts[0]![0]) return pts[0]![1];
  for (let k = 1; k < pts.length; k++) {
    const p1 = pts[k]!;
    if (x <= p1[0]) {
      const p0 = pts[k - 1]!;
      return p0[1] + ((x - p0[0]) * (p1[1] - p0[1])) / (p1[0] - p0[0]);
    }
  }
  return pts[pts.length - 1]![1];
}

// Pacific/Atlantic divide through the Americas: Pacific west of this longitude.
const AMERICAS_DIVIDE: ReadonlyArray<readonly [number, number]> = [
  [-90, -70], [6, -77.5], [9, -78.5], [9.5, -81.5], [10.5, -84.5], [15, -91.5], [18.5, -97], [20, -100], [90, -100],
];

/** Pacific/Indian divide through the Maritime Continent and Australia: Pacific east of it. */
function pacificWestEdge(lat: number): number {
  if (lat >= 0) return 104.5;
  if (lat >= -30) return 141;
  return 146.5;
}

/** TransCOM-like ocean region of an ocean point (lon in −180..180). */
function oceanRegion(lat: number, lon: number): number {
  // Inland seas belong to the surrounding land regions.
  if (lat >= 30 && lat <= 46 && lon >= -5.6 && lon <= 36.5 && !(lat >= 43 && lon < 0)) {
    return lon >= 26 ? 8 : lat < 35 && lon < 32 ? 5 : 11; // Mediterranean
  }
  if (lat >= 40.5 && lat <= 47.5 && lon >= 27 && lon <= 42) return lat >= 44.5 ? 11 : 8; // Black Sea
  if (lat >= 36.5 && lat <= 47.5 && lon >= 46.5 && lon <= 55) return 8; // Caspian
  if (lat >= 12.5 && lat <= 30 && lon >= 32 && lon <= 44) return 5; // Red Sea
  if (lat >= 23.5 && lat <= 30.5 && lon >= 47.5 && lon <= 56.5) return 8; // Persian Gulf
  if (lat >= 41 && lat <= 49.5 && lon >= -93 && lon <= -75.5) return 2; // Great Lakes
  if (lat >= 66) return 16;
  if (lat < -79) return 0; // under the Ross and Filchner-Ronne ice shelves (TransCOM "ice")
  if (lat < -45) return 20;
  const pacific = lon < lerp(lat, AMERICAS_DIVIDE) || lon >= pacificWestEdge(lat);
  if (pacific) {
    if (lat >= 18) return 12;
    if (lat >= -18) return lon >= -161 && lon < 0 ? 14 : 13;
    return 15;
  }
  const atlantic = lon < 20 || lat >= 31;
  if (atlantic) {
    if (lat >= 49) return 16;
    if (lat >= 18) return 17;
    if (lat >= -18) return 18;
    return 19;
  }
  return lat >= -18 ? 21 : 22;
}

/** TransCOM-like land region of a point inside a country of the given continent (0 = none). */
function landRegion(c: Country, lat: number, lon: number): number {
  let continent = c.continent;
  if (c.name === 'Russia' && lon >= 60) continent = 'AS';
  if (c.name === 'Russia' && lon < -100) continent = 'AS'; // Chukotka east of 180°
  if (c.name === 'France' && lon < -30) continent = 'SA'; // French Guiana
  if (c.name === 'United States of America' && lon < -150 && lat < 30) return oceanRegion(lat, lon); // Hawaii
  switch (continent) {
    case 'ICE':
      return 0;
    case 'SEA':
      return oceanRegion(lat, lon);
    case 'NA':
      if (lat >= 51) return 1;
      if (lat >= 18 && !(lat < 22 && lon > -92)) return 2;
      return 3;
    case 'SA':
      return lat >= -14 ? 3 : 4;
    case 'AF':
      return lat >= 1 ? 5 : 6;
    case 'EU':
      if (lat >= 74) return 0; // Svalbard
      if (lat >= 67 && lon >= 33) return 7;
      return 11;
    case 'AS':
      if (lat >= 50) return 7;
      if (lat < 25 && lon >= 89) return 9;
      if (c.name === 'Papua New Guinea') return 9;
      return 8;
    case 'AU':
      return 10;
  }
}

const cache = new Map<string, BuiltinRegions>();

/**
 * Land/ocean, China and approximate TransCOM-3 regions on a grid, from Natural Earth 110m
 * polygons (cached per grid). See the module notes for what the approximation is.
 */
export function builtinRegions(grid: LatLonGrid): BuiltinRegions {
  const key = `${Array.from(grid.lonEdgesDeg).join(',')}|${Array.from(grid.latEdgesDeg).join(',')}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const world = loadWorld();
  const countries = world.countries;
  const { nlat, nlon } = grid;
  const NCODE = 23;
  const codeArea = new Float64Array(grid.size * NCODE);
  const land = new Float64Array(grid.size);
  const china = new Float64Array(grid.size);
  const total = new Float64Array(grid.size);
  // Sub-sample longitudes per column, wrapped into −180..180.
  const colSamples: Array<Float64Array> = [];
  for (let i = 0; i < nlon; i++) {
    const w = grid.lonEdgesDeg[i + 1]! - grid.lonEdgesDeg[i]!;
    const n = Math.max(MIN_SAMPLES, Math.ceil(w / SAMPLE_DEG));
    colSamples.push(Float64Array.from({ length: n }, (_, k) => {
      const x = grid.lonEdgesDeg[i]! + ((k + 0.5) / n) * w;
      return ((((x + 180) % 360) + 360) % 360) - 180;
    }));
  }
  for (let j = 0; j < nlat; j++) {
    const s = grid.latEdgesDeg[j]!;
    const n = grid.latEdgesDeg[j + 1]!;
    const ny = Math.max(MIN_SAMPLES, Math.ceil((n - s) / SAMPLE_DEG));
    for (let a = 0; a < ny; a++) {
      const y0 = s + (a / ny) * (n - s);
      const y1 = s + ((a + 1) / ny) * (n - s);
      const y = 0.5 * (y0 + y1);
      const band = Math.sin(y1 * DEG) - Math.sin(y0 * DEG);
      const line = scanline(world, y);
      for (let i = 0; i < nlon; i++) {
        const lons = colSamples[i]!;
        const wlon = (grid.lonEdgesDeg[i + 1]! - grid.lonEdgesDeg[i]!) / lons.length;
        const w = band * wlon; // proportional to the sample's exact area
        const cell = j * nlon + i;
        for (let b = 0; b < lons.length; b++) {
          const lon = lons[b]!;
          const ci = countryAt(line, lon);
          let code: number;
          if (ci >= 0) {
            const c = countries[ci]!;
            land[cell]! += w;
            if (c.china) china[cell]! += w;
            code = landRegion(c, y, lon);
          } else {
            code = oceanRegion(y, lon);
          }
          codeArea[cell * NCODE + code]! += w;
          total[cell]! += w;
        }
      }
    }
  }
  const codes = new Int32Array(grid.size);
  const landMask = new Uint8Array(grid.size);
  const chinaMask = new Uint8Array(grid.size);
  for (let cell = 0; cell < grid.size; cell++) {
    land[cell] = land[cell]! / total[cell]!;
    china[cell] = china[cell]! / total[cell]!;
    landMask[cell] = land[cell]! >= 0.5 ? 1 : 0;
    chinaMask[cell] = china[cell]! >= 0.5 ? 1 : 0;
    let best = 0;
    let bestW = -1;
    for (let c = 0; c < NCODE; c++) {
      const v = codeArea[cell * NCODE + c]!;
      if (v > bestW) {
        best = c;
        bestW = v;
      }
    }
    codes[cell] = best;
  }
  const result: BuiltinRegions = {
    grid,
    landFraction: land,
    landMask,
    chinaFraction: china,
    chinaMask,
    transcom: new RegionMap(grid, codes, TRANSCOM_REGIONS),
  };
  if (cache.size >= 8) cache.delete(cache.keys().next().value!);
  cache.set(key, result);
  return result;
}
