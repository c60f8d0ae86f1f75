// Prior readers registered by name and loaded lazily, so that importing @tanhui/priors in a
// worker thread (for the mappings) never loads @tanhui/io / gdal-async.
import { Registry, type RegistryEntry } from '@tanhui/core';
import type { PriorFile, PriorFormat, PriorReadOptions } from './types';

type Reader = (file: string, opts?: PriorReadOptions) => Promise<PriorFile>;

export interface PriorReader extends RegistryEntry {
  /** The reader, imported on first use. */
  load(): Promise<Reader>;
}

export const priorReaders = new Registry<PriorReader>('prior format');
priorReaders.register({ name: 'beps', description: 'BEPS NEP as NetCDF or GeoTIFF (units from the attributes)', load: async () => (await import('./beps')).readBeps });
priorReaders.register({ name: 'ct-flux1x1', description: 'CarbonTracker flux1x1 NetCDF (bio/ocn/fossil/fire, mol m-2 s-1)', load: async () => (await import('./ct-flux1x1')).readCtFlux1x1 });
priorReaders.register({ name: 'gcas', description: 'GCASv2 / MOZART-4 emission files (emissions, date, datesec)', load: async () => (await import('./gcas')).readGcas });
priorReaders.register({ name: 'gfed', description: 'GFED4.1s monthly fire emissions (g C m-2 month-1)', load: async () => (await import('./gfed')).readGfed });
priorReaders.register({ name: 'zarr', description: "a Zarr store written by 'tanhui prior --to'", load: async () => (await import('./zarr')).readPriorZarr });

/** Read one prior flux file; `format` 'auto' (default) detects it from the file's content. */
export async function readPriorFile(file: string, opts: PriorReadOptions & { format?: PriorFormat | 'auto' | (string & {}) } = {}): Promise<PriorFile> {
  const format = !opts.format || opts.format === 'auto' ? await detectPriorFormat(file) : opts.format;
  const reader = priorReaders.get(format, { file, key: 'format' });
  return (await reader.load())(file, opts);
}

/** Detect the format from the variables present (not from the file name). */
export async function detectPriorFormat(file: string): Promise<PriorFormat> {
  return (await import('./detect')).detectPriorFormat(file);
}
