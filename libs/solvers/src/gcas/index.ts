// GCASv2's local-analysis EnSRF (ALGORITHM.md in the GCAS reference case): pure math.
export { andoyerLambertKm, nearestIndex } from './geodesy';
export { buildSuperObs, type RawObs, type SuperObs, type SuperObsOptions } from './superobs';
export {
  gcasLocalEnsrf,
  gcasCorrelationThreshold,
  type GcasCells,
  type GcasObs,
  type GcasLocalOptions,
  type GcasLocalResult,
} from './local-ensrf';
export {
  GCAS_CLAMPS,
  clampLambda,
  continuityLambda,
  fluxAdjust,
  gcasLambda,
  type GcasLambdaInput,
  type GcasLambdaResult,
  type LambdaClamp,
} from './lambda';
export { gcasLocalSolve, type GcasSolverOptions } from './solver';
export { gcasCellAreaKm2, gcasSpatialInterp } from './regrid';
