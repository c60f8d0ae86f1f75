// Public API of @tanhui/core: the shared vocabulary (grids, levels, time, units, regions, errors).
export * from './errors';
export * from './constants';
export * from './grid';
export * from './levels';
export * from './regrid';
export * from './time';
export * from './units';
export * from './regions';
export * from './builtin-regions';
export * from './sampling';
export * from './registry';
export * from './rng';
