// Prior readers registered by name and loaded lazily, so that importing @tanhui/priors in a
// worker thread (for the mappings) never loads @tanhui/io / gdal-async.
import { TanhuiError } from '@tanhui/core';
import type { PriorFile, PriorFormat, PriorReadOptions } from './types';
import { PRIOR_FORMATS } from './types';

type Reader = (file: string, opts?: PriorReadOptions) => Promise<PriorFile>;

const registry = new Map<PriorFormat, () => Promise<Reader>>([
  ['beps', async () => (await import('./beps')).readBeps],
  ['ct-flux1x1', async () => (await import('./ct-flux1x1')).readCtFlux1x1],
  ['gcas', async () => (await import('./gcas')).readGcas],
  ['gfed', async () => (await import('./gfed')).readGfed],
  ['zarr', async () => (await import('./zarr')).readPriorZarr],
]);

/** Read one prior flux file; `format` 'auto' (default) detects it from the file's content. */
export async function readPriorFile(file: string, opts: PriorReadOptions & { format?: PriorFormat | 'auto' } = {}): Promise<PriorFile> {
  const format = !opts.format || opts.format === 'auto' ? await detectPriorFormat(file) : opts.format;
  const load = registry.get(format);
  if (!load) {
    throw new TanhuiError('UnsupportedFormat', `unknown prior format '${String(format)}'`, { hint: `use one of auto, ${PRIOR_FORMATS.join(', ')}`, context: { file } });
  }
  return (await load())(file, opts);
}

/** Detect the format from the variables present (not from the file name). */
export async function detectPriorFormat(file: string): Promise<PriorFormat> {
  return (await import('./detect')).detectPriorFormat(file);
}
