// Public API of @tanhui/priors: prior flux components, readers, regridding, the synthetic
// BEPS-like prior, state-vector mappings and prior covariances.
export * from './flux';
export * from './mapping';
export * from './covariance';
export * from './solar';
export * from './temporal';
export * from './regrid';
export * from './readers/types';
export { readPriorFile, detectPriorFormat } from './readers/registry';
export * from './synthetic';
