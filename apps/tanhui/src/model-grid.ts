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

/** The grid of a field given by centre coordinates (LatLonGrid.fromCenters), errors as GridMismatch
 * naming the config key. Latitudes may run north first (`flipLat`). */
export function gridOfCentres(lon: ArrayLike<number>, lat: ArrayLike<number>, o: { file: string; key: string; lonName: string; latName: string }): { grid: LatLonGrid; flipLat: boolean } {
  try {
    return LatLonGrid.fromCenters(lon, lat, { file: o.file, lonName: o.lonName, latName: o.latName });
  } catch (e) {
    if (!(e instanceof TanhuiError)) throw e;
    throw new TanhuiError('GridMismatch', e.message, { context: { ...e.context, key: o.key }, hint: 'the field must be on the model grid (cell centres)' });
  }
}
