// Region maps from files (TransCOM-3 maps such as GCASv2's regions.nc or CarbonTracker's
// transcom_regions): an integer-valued (lat, lon) variable on a regular global grid → core's
// RegionMap, rows south → north, longitude fastest.
import { LatLonGrid, RegionMap, TRANSCOM_REGIONS, TanhuiError, type RegionInfo } from '@tanhui/core';
import { GdalDataset } from './gdal-reader';

export interface ReadRegionMapOptions {
  /** Variable holding the codes (default: `region`, else `regions`/`transcom_regions`). */
  variable?: string;
  /**
   * The regions the codes refer to. Default: the 22 TransCOM-3 regions when every code is in
   * 0…23, with 23 (ice sheets in GCASv2's map) treated as "no region"; otherwise one region
   * per distinct code, named "region <code>".
   */
  regions?: readonly RegionInfo[];
  /** Codes that mean "no region" (besides 0 and fill). */
  none?: readonly number[];
  /** Grid of files without lat/lon coordinate variables. */
  grid?: LatLonGrid;
}



function pickVariable(ds: GdalDataset, wanted?: string): string {
  if (wanted) {
    ds.variable(wanted); // MissingVariable with the list of names
    return wanted;
  }
  for (const n of ['region', 'regions', 'transcom_regions']) if (ds.hasVariable(n)) return n;
  throw new TanhuiError('MissingVariable', 'no region variable (region, regions or transcom_regions)', {
    context: { file: ds.file },
    hint: `pass options.variable; available: ${ds.variableNames().join(', ')}`,
  });
}

/** Read a region map from a NetCDF file. */
export async function readRegionMap(file: string, options: ReadRegionMapOptions = {}): Promise<RegionMap> {
  const ds = await GdalDataset.open(file);
  try {
    const name = pickVariable(ds, options.variable);
    const info = ds.variable(name);
    const where = { file, variable: name };
    if (info.shape.length !== 2) {
      throw new TanhuiError('BadShape', `region variable must be 2-D (lat, lon), has dims (${info.dims.join(', ')})`, { context: where });
    }
    const [nlat, nlon] = info.shape;
    const values = (await ds.read(name)).data as Float64Array;
    let grid = options.grid;
    let flip = false;
    if (!grid) {
      const [latDim, lonDim] = info.dims;
      if (!ds.hasVariable(latDim) || !ds.hasVariable(lonDim)) {
        throw new TanhuiError('MissingVariable', `no coordinate variables ${latDim}/${lonDim} to place the map on a grid`, {
          context: where,
          hint: 'pass options.grid (e.g. LatLonGrid.regular(1, 1, 0) for GCASv2 maps, whose longitudes start at 0°)',
        });
      }
      const lat = (await ds.read(latDim)).data;
      const lon = (await ds.read(lonDim)).data;
      try {
        ({ grid, flipLat: flip } = LatLonGrid.fromCenters(lon, lat, { file, lonName: lonDim, latName: latDim }));
      } catch (e) {
        if (!(e instanceof TanhuiError)) throw e;
        throw new TanhuiError('GridMismatch', `region map is not on a global latitude-longitude grid: ${e.message}`, {
          context: { ...where, variable: e.context?.variable ?? name },
          hint: 'pass options.grid if the coordinates are unusual',
        });
      }
    }
    if (grid.nlat !== nlat || grid.nlon !== nlon) {
      throw new TanhuiError('GridMismatch', `map is ${nlat}×${nlon}, grid is ${grid.nlat}×${grid.nlon}`, { context: where });
    }
    const codes = new Float64Array(nlat * nlon);
    for (let j = 0; j < nlat; j++) {
      const src = flip ? nlat - 1 - j : j;
      codes.set(values.subarray(src * nlon, (src + 1) * nlon), j * nlon);
    }
    let regions = options.regions;
    let none = options.none ? [...options.none] : [];
    if (!regions) {
      const distinct = new Set<number>();
      for (const v of codes) if (!Number.isNaN(v) && v !== 0) distinct.add(Math.round(v));
      if ([...distinct].every((c) => c >= 1 && c <= 23)) {
        regions = TRANSCOM_REGIONS;
        if (!options.none) none = [23];
      } else {
        regions = [...distinct].sort((a, b) => a - b).map((code) => ({ code, name: `region ${code}`, kind: 'other' as const }));
      }
    }
    return RegionMap.fromValues(grid, codes, regions, { none, file, variable: name });
  } finally {
    ds.close();
  }
}
