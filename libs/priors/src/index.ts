// Public API of @tanhui/priors: prior flux components, readers, regridding, the synthetic
// BEPS-like prior, state-vector mappings and prior covariances.
export * from './flux';
export * from './mapping';
export * from './covariance';
export * from './solar';
export * from './temporal';
export * from './regrid';
export * from './readers/types';
export { readPriorFile, detectPriorFormat, priorReaders, type PriorReader } from './readers/registry';
export * from './synthetic';
export * from './summary';

/** Write flux components (same grid and time axis) as a CF Zarr v2 group; main thread only. */
export async function writePriorZarr(
  components: readonly import('./flux').FluxField[],
  path: string,
  opts: { overwrite?: boolean; attrs?: Record<string, string | number | boolean | string[]> } = {},
): Promise<void> {
  // Loaded lazily: importing @tanhui/priors in a worker must not load @tanhui/io (gdal-async).
  const { writePriorZarrImpl } = await import('./zarr-out');
  return writePriorZarrImpl(components, path, opts);
}
export * from './plausibility';
