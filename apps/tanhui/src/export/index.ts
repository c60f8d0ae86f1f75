// `tanhui export`: the run store in the formats the field exchanges. One function per format,
// each writing its files into the output folder atomically and returning their paths.
import type { RunStoreData } from '../analysis/run-store-reader';
import { exportCsv } from './csv';
import { exportCtFlux1x1 } from './ct-flux1x1';
import { exportGcas } from './gcas';
import { exportGeoTiff } from './geotiff';
import { exportNetcdf } from './netcdf';

export const EXPORT_FORMATS = {
  netcdf: { describe: 'one CF NetCDF file on the model grid (maps, σ, budgets, observations as a point DSG)', write: exportNetcdf },
  'ct-flux1x1': { describe: "CarbonTracker flux1x1 files, one per window, 1°×1° (conservative regrid), mol m-2 s-1", write: exportCtFlux1x1 },
  gcas: { describe: "GCASv2's posterior.fluxes.CASE.nc (1°×1°, gC m-2 per window) and <Region>_{monthly,annual}{flux,uncertainties}.txt", write: exportGcas },
  geotiff: { describe: 'GeoTIFF per map variable, one band per window, EPSG:4326', write: exportGeoTiff },
  csv: { describe: 'regional budgets with σ, and the observation table with decoded flags', write: exportCsv },
} as const satisfies Record<string, { describe: string; write: (run: RunStoreData, outDir: string, prefix: string) => Promise<string[]> }>;

export type ExportFormat = keyof typeof EXPORT_FORMATS;
