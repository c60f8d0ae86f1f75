// Fields read from files onto the model grid (meteorology, initial CO2 field): the file's cells
// must be the model's, either the same or the same cells from another longitude origin (0…360°
// files), which are rolled to the model's −180°. Shared by ./met-files.ts and ./initial-field.ts.
import { LatLonGrid, TanhuiError } from '@tanhui/core';

function lonFrom(g: LatLonGrid): string {
  return `${+g.lonEdgesDeg[0]!.toFixed(6)}°`;
}

/**
 * Cells of the file's grid are the model's from another longitude origin: the number s of cells
 * by which the file's first edge lies east of the model's (file cell i = model cell i + s), or
 * undefined when the grids differ otherwise.
 */
export function lonShift(file: LatLonGrid, model: LatLonGrid): number | undefined {
  if (file.nlon !== model.nlon || file.nlat !== model.nlat) return undefined;
  const d = 360 / model.nlon;
  for (let i = 0; i <= model.nlon; i++) if (Math.abs(file.lonEdgesDeg[i]! - file.lonEdgesDeg[0]! - i * d) > 1e-6) return undefined;
  const cells = (file.lonEdgesDeg[0]! - model.lonEdgesDeg[0]!) / d;
  if (Math.abs(cells - Math.round(cells)) > 1e-6) return undefined;
  return (((Math.round(cells) % model.nlon) + model.nlon) % model.nlon);
}

/** Roll fields (longitude fastest) in place so that model cell i takes file cell i − shift. */
export function rollLongitudes(fields: ReadonlyArray<Float64Array | undefined>, nlon: number, shift: number): void {
  const row = new Float64Array(nlon);
  for (const a of fields) {
    if (!a) continue;
    for (let o = 0; o < a.length; o += nlon) {
      for (let i = 0; i < nlon; i++) row[(i + shift) % nlon] = a[o + i]!;
      a.set(row, o);
    }
  }
}

/**
 * The longitude roll (cells, for rollLongitudes) that puts a file's grid on the model grid, or a
 * GridMismatch naming `what` (e.g. 'the meteorology'), the file and the config key.
 */
export function shiftToModelGrid(
  fileGrid: LatLonGrid, grid: LatLonGrid, preset: string,
  o: { what: string; file: string | undefined; key: string; variable?: string; hint: string },
): number {
  const shift = lonShift(fileGrid, grid);
  const g = shift !== undefined && shift !== 0 ? new LatLonGrid(grid.lonEdgesDeg, fileGrid.latEdgesDeg) : fileGrid;
  if (!g.equals(grid, 1e-6)) {
    throw new TanhuiError('GridMismatch', `${o.what} is on a ${fileGrid.describe()} (longitudes from ${lonFrom(fileGrid)}), grid.preset ${preset} is a ${grid.describe()} (from ${lonFrom(grid)})`, {
      context: { file: o.file, key: o.key, ...(o.variable ? { variable: o.variable } : {}) },
      hint: o.hint,
    });
  }
  return shift ?? 0;
}

/** Cell edges of a global grid from its centre coordinates: longitudes regular, latitude edges
 * halfway between centres and ±90 at the poles. Latitudes may run north first (`flipLat`). */
export function gridOfCentres(lon: ArrayLike<number>, lat: ArrayLike<number>, o: { file: string; key: string; lonName: string; latName: string }): { grid: LatLonGrid; flipLat: boolean } {
  const bad = (variable: string, what: string): TanhuiError => new TanhuiError('GridMismatch', `${variable} ${what}`, { context: { file: o.file, variable, key: o.key }, hint: 'the field must be on the model grid (cell centres)' });
  const nlon = lon.length;
  const nlat = lat.length;
  if (nlon < 2 || nlat < 2) throw bad(nlon < 2 ? o.lonName : o.latName, 'needs at least 2 values');
  const d = 360 / nlon;
  for (let i = 1; i < nlon; i++) if (!(Math.abs(lon[i]! - lon[0]! - i * d) <= 1e-4 * d)) throw bad(o.lonName, `is not a regular global longitude axis (value ${lon[i]} at index ${i})`);
  const flipLat = lat[0]! > lat[nlat - 1]!;
  const latS = Float64Array.from({ length: nlat }, (_, j) => lat[flipLat ? nlat - 1 - j : j]!);
  for (let j = 1; j < nlat; j++) if (!(latS[j]! > latS[j - 1]!)) throw bad(o.latName, 'must increase or decrease monotonically');
  if (!(latS[0]! > -90 && latS[nlat - 1]! < 90)) throw bad(o.latName, 'must be cell centres inside (−90, 90)');
  const latEdges = Float64Array.from({ length: nlat + 1 }, (_, j) => (j === 0 ? -90 : j === nlat ? 90 : 0.5 * (latS[j - 1]! + latS[j]!)));
  const lonEdges = Float64Array.from({ length: nlon + 1 }, (_, i) => lon[0]! - d / 2 + i * d);
  return { grid: new LatLonGrid(lonEdges, latEdges), flipLat };
}
