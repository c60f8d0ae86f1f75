// Equirectangular (plate carrée) maps: the projection, the flux raster as SVG rects (runs of
// equal colour merged along rows), and the Natural Earth coastline from world-atlas decoded with
// topojson-client. d3-geo is not installed in this workspace; the equirectangular projection is
// x = (λ − λ0)·k, y = (90° − φ)·k, so it is written here, with paths split where a ring crosses
// the map's edge.
import { LatLonGrid } from '@tanhui/core';
import { feature } from 'topojson-client';
import land110m from 'world-atlas/land-110m.json' with { type: 'json' };
import { classColour, colourClass, type ColourScale } from './colors';

export interface MapFrame {
  /** Pixel width; height is width/2 for the whole globe. */
  width: number;
  height: number;
  /** West edge of the map [°E]; the map spans 360°. */
  lon0: number;
}

export function mapFrame(width: number, lon0 = -180): MapFrame {
  return { width, height: width / 2, lon0 };
}

/** x of a longitude; the east edge (lon0 + 360) stays at the east edge, other values wrap. */
export function projectX(frame: MapFrame, lonDeg: number): number {
  let x = lonDeg - frame.lon0;
  if (x < 0 || x > 360) {
    x %= 360;
    if (x < 0) x += 360;
  }
  return (x / 360) * frame.width;
}

export function projectY(frame: MapFrame, latDeg: number): number {
  return ((90 - latDeg) / 180) * frame.height;
}

const r2 = (v: number): string => String(Math.round(v * 100) / 100);

/** SVG rects of a gridded field in `frame`, runs of equal colour class merged along each row. */
export function rasterRects(grid: LatLonGrid, values: ArrayLike<number>, scale: ColourScale, frame: MapFrame): string {
  const kx = frame.width / 360;
  // Column order west → east on the map, each column's start wrapped into [lon0, lon0 + 360).
  const cols = Array.from({ length: grid.nlon }, (_, i) => ({ i, x0: projectX(frame, grid.lonEdgesDeg[i]!) % frame.width, w: (grid.lonEdgesDeg[i + 1]! - grid.lonEdgesDeg[i]!) * kx }));
  cols.sort((a, b) => a.x0 - b.x0);
  const parts: string[] = [];
  const emit = (x0: number, x1: number, y0: number, y1: number, k: number): void => {
    // A run that passes the east edge continues at the west edge.
    const pieces: [number, number][] = x1 > frame.width ? [[x0, frame.width], [0, x1 - frame.width]] : [[x0, x1]];
    for (const [a, b] of pieces) {
      if (b - a <= 0) continue;
      parts.push(`<rect x="${r2(a)}" y="${r2(y0)}" width="${r2(b - a)}" height="${r2(y1 - y0)}" fill="${classColour(scale, k)}"/>`);
    }
  };
  for (let j = 0; j < grid.nlat; j++) {
    const y0 = projectY(frame, grid.latEdgesDeg[j + 1]!);
    const y1 = projectY(frame, grid.latEdgesDeg[j]!);
    let runStart = 0;
    let runEnd = 0;
    let runClass = Number.NaN;
    for (const c of cols) {
      const k = colourClass(scale, values[j * grid.nlon + c.i]!);
      if (k === runClass && Math.abs(c.x0 - runEnd) < 1e-6) {
        runEnd = c.x0 + c.w;
        continue;
      }
      if (!Number.isNaN(runClass)) emit(runStart, runEnd, y0, y1, runClass);
      runStart = c.x0;
      runEnd = c.x0 + c.w;
      runClass = k;
    }
    if (!Number.isNaN(runClass)) emit(runStart, runEnd, y0, y1, runClass);
  }
  return parts.join('');
}

type Position = [number, number];
interface Geometry {
  type: string;
  coordinates?: unknown;
  geometries?: Geometry[];
}

function rings(g: Geometry): Position[][] {
  switch (g.type) {
    case 'Polygon':
    case 'MultiLineString':
      return g.coordinates as Position[][];
    case 'MultiPolygon':
      return (g.coordinates as Position[][][]).flat();
    case 'LineString':
      return [g.coordinates as Position[]];
    case 'GeometryCollection':
      return (g.geometries ?? []).flatMap(rings);
    default:
      return [];
  }
}

/** SVG path data of GeoJSON lines/rings in `frame`, broken (not joined) where a segment wraps. */
export function geoPath(geometries: readonly Geometry[], frame: MapFrame): string {
  const out: string[] = [];
  for (const ring of geometries.flatMap(rings)) {
    let prevX = Number.NaN;
    ring.forEach(([lon, lat], k) => {
      const x = projectX(frame, lon);
      const y = projectY(frame, lat);
      // Segments longer than half the map cross its edge: lift the pen instead of a stripe.
      const jump = k === 0 || Math.abs(x - prevX) > frame.width / 2;
      out.push(`${jump ? 'M' : 'L'}${r2(x)},${r2(y)}`);
      prevX = x;
    });
  }
  return out.join('');
}

let landGeometries: Geometry[] | undefined;

/** Natural Earth 1:110m land polygons (world-atlas), decoded once. */
export function worldLand(): Geometry[] {
  if (!landGeometries) {
    const topo = land110m as unknown as { objects: { land: unknown } };
    const f = feature(topo, topo.objects.land) as { type: string; features?: { geometry: Geometry }[]; geometry?: Geometry };
    landGeometries = f.features ? f.features.map((x) => x.geometry) : f.geometry ? [f.geometry] : [];
  }
  return landGeometries;
}

const coastCache = new Map<string, string>();

/** The coastline path data for a frame (memoised per frame: every map of a report shares it). */
export function coastlinePath(frame: MapFrame): string {
  const key = `${frame.width}x${frame.height}@${frame.lon0}`;
  let d = coastCache.get(key);
  if (d === undefined) {
    d = geoPath(worldLand(), frame);
    if (coastCache.size > 16) coastCache.clear();
    coastCache.set(key, d);
  }
  return d;
}
