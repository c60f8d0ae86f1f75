// Public API of @tanhui/transport. Everything exported here is pure (no node:*, no gdal-async)
// and loads in worker threads; the file readers load @tanhui/io lazily inside async functions.
export * from './transport-model';
export { BuiltinTransportModel, DEFAULT_BUILTIN_OPTIONS, defaultStepSeconds, fluxPeriodIndex, allocState, type TracerState } from './builtin/model';
export type { BuiltinOptions, StepOperators } from './builtin/step-builder';
export { airMassFromPs } from './builtin/step-builder';
export { createSharedForward, sharedSamples, abandonSharedForward, tracerBlocks, type SharedForwardSpec, type SharedForwardBuffers, type SharedForwardSize } from './builtin/shared-forward';
export type { ConvectionFields } from './builtin/mixing';
export type { Meteorology } from './met/meteorology';
export { SolidBodyRotation, DeformationalFlow, cosineBell, gaussianHills, errorNorms, singleLayer, type SolidBodyOptions, type DeformationalOptions } from './met/analytic';
export { SyntheticClimate, type SyntheticClimateOptions } from './met/synthetic';
export { ArrayMeteorology, pressureFixer, balanceColumns, type ArrayMetData, type WindMetData } from './met/array-met';
export { createMeteorology, createBuiltinModel, gridFromSpec, levelsFromSpec, type MetSpec, type BuiltinModelSpec, type GridSpec, type LevelsSpec } from './met/met-spec';
// Ingestion of external model output (readers load @tanhui/io lazily: main thread only).
export { readMozartHistory, fieldAtTime, camDateToSeconds, type ModelFields, type MozartReadOptions } from './ingest/mozart';
export { sampleMozartHistory, MASS_TO_VOLUME, H0_PATTERN, tracerName, type HistoryRequest, type HistoryResult } from './ingest/mozart-samples';
export { readTm5MixingRatio, readTm5FlaskOutput, type Tm5FlaskOutput } from './ingest/tm5';
export { ResponseFunctionTransport, readResponseFunctions, type ResponseFunctionData } from './ingest/response-functions';
export { readMeteorologyFile, type MetFileNames } from './ingest/met-reader';
// The zonal advection kernel alone, for the C-comparison benchmark in tools/bench/transport.
export * as advectionKernel from './builtin/advection';
// Preparation of real meteorology (ERA5, MERRA-2, GEOS-FP) to the model grid: pure math.
export * from './met/prep/index';
// Readers of ERA5 / MERRA-2 / GEOS-FP file sets and their streaming preparation (main thread only).
export { metReaders, describeMetFile, checkModelLevels, readMetRecord, squashUnits, type MetReader, type MetRole, type MetVariable, type MetFileDescription } from './ingest/met-sources';
export { prepareMet, describeFileSet, type MetFileSet, type PrepareMetOptions, type PreparedMet } from './ingest/met-prepare';
