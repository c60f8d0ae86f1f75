// Meteo preparation to the model grid (pure): see prepare.ts.
export { FaceFluxOperator, sourceLatEdgesDeg, sourceLonStepDeg, type SourceGrid } from './horizontal';
export { checkLevelMap, defaultLevelMap, ECMWF_L137, GEOS_L72, geosChem47Map, mergedLevels, nearestLevelMap, type LevelMap } from './levels';
export { columnConvergence, MetPreparer, type BalanceReport, type SourceLayout, type SourceRecord } from './prepare';
