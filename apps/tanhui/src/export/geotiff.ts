// GeoTIFF for GIS users: one file per map variable, one band per period (window), EPSG:4326,
// north-up rows (the store's rows run south → north), written through GDAL's GTiff driver in the
// main thread (gdal-async loads in one thread per process) into a temporary file, then renamed.
import { renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { TanhuiError } from '@tanhui/core';
import type { LatLonGrid } from '@tanhui/core';
import { STORE_COMPONENTS, type RunStoreData } from '../analysis/run-store-reader';
import { periodsOf, type Period } from './common';

const NODATA = -9999;

/** One band per period of a [period][cell] map stack as a GeoTIFF; bands named by period start. */
export async function writeGeoTiffBands(file: string, grid: LatLonGrid, bands: Float64Array[], periods: Period[], meta: { units: string; longName: string }): Promise<void> {
  const m = (await import('gdal-async')) as typeof import('gdal-async') & { default?: typeof import('gdal-async') };
  const gdal = m.default ?? m;
  const { nlat, nlon } = grid;
  const dlon = grid.lonEdgesDeg[1]! - grid.lonEdgesDeg[0]!;
  const dlat = grid.latEdgesDeg[1]! - grid.latEdgesDeg[0]!;
  const tmp = join(dirname(file), `.${basename(file)}.tmp-${process.pid}`);
  try {
    const ds = gdal.open(tmp, 'w', 'GTiff', nlon, nlat, bands.length, 'Float64', ['COMPRESS=DEFLATE', 'PREDICTOR=3']);
    ds.srs = gdal.SpatialReference.fromEPSG(4326);
    ds.geoTransform = [grid.lonEdgesDeg[0]!, dlon, 0, grid.latEdgesDeg[nlat]!, 0, -dlat];
    ds.setMetadata({ units: meta.units, long_name: meta.longName });
    const rowsNorthUp = new Float64Array(nlat * nlon);
    bands.forEach((map, b) => {
      for (let j = 0; j < nlat; j++) {
        const src = (nlat - 1 - j) * nlon;
        for (let i = 0; i < nlon; i++) {
          const v = map[src + i]!;
          rowsNorthUp[j * nlon + i] = Number.isNaN(v) ? NODATA : v;
        }
      }
      const band = ds.bands.get(b + 1);
      band.noDataValue = NODATA;
      band.setMetadata({ period_start: new Date(periods[b]!.startSec * 1000).toISOString() });
      band.unitType = meta.units;
      band.pixels.write(0, 0, nlon, nlat, rowsNorthUp);
    });
    ds.flush();
    ds.close();
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new TanhuiError('Internal', `writing the GeoTIFF failed: ${err instanceof Error ? err.message : String(err)}`, { context: { file }, cause: err });
  }
}

/** Posterior flux of every component (mol m⁻² s⁻¹) and, where the store has them, σ maps (gC m⁻² yr⁻¹). */
export async function exportGeoTiff(run: RunStoreData, outDir: string, prefix: string): Promise<string[]> {
  const periods = periodsOf(run);
  const files: string[] = [];
  const put = async (name: string, bands: Float64Array[], units: string, longName: string): Promise<void> => {
    const file = join(outDir, `${prefix}.${name}.tif`);
    await writeGeoTiffBands(file, run.grid, bands, periods, { units, longName });
    files.push(file);
  };
  for (const c of STORE_COMPONENTS) await put(`flux_posterior_${c}`, run.fluxPosterior[c], 'mol m-2 s-1', `posterior ${c} flux, window mean (positive to the atmosphere)`);
  for (const c of STORE_COMPONENTS) {
    const u = run.uncertainty[c];
    if (!u) continue;
    await put(`flux_posterior_sd_${c}`, u.sdPosterior, 'gC m-2 yr-1', `posterior standard deviation of the ${c} flux`);
    await put(`uncertainty_reduction_${c}`, u.reduction, '1', `uncertainty reduction of the ${c} flux`);
  }
  return files;
}
