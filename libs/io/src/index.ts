// Public API of @tanhui/io: the edges of the system (main thread only).
// Readers (gdal-async): NetCDF3/4, HDF5, GeoTIFF → typed arrays with dims, shape, attributes.
export * from './cf';
export { cfTimesToEpochSeconds, epochSecondsToCfTimes, isCfTimeUnits } from './cf-time';
export * from './gdal-reader';
// Zarr stores (zarrita): v2 + consolidated metadata by default, v3 as an option.
export * from './zarr-codecs';
export * from './zarr-store';
export { lz4Decode, lz4Encode } from './lz4';
export { writeFileAtomic } from './atomic';
// NetCDF classic (CDF-2) writing, for the files other systems read.
export * from './netcdf3-writer';
export { readClassicHeader, NC_CLASSIC_TYPE, CLASSIC_TYPE_SIZE, type ClassicHeader, type ClassicVariable } from './netcdf3-header';
export * from './netcdf-strings';
// Structure of any input (NetCDF/HDF5/GeoTIFF/Zarr), for `tanhui info`.
export * from './describe';
export * from './regions';
