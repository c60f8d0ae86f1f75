// The public API of @tanhui/solvers, spelled out: changing it is a visible decision.
import { expect, it } from 'vitest';
import * as solvers from './index';

it('exports exactly the documented names', () => {
  expect(Object.keys(solvers).sort()).toEqual([
    'EARTH_RADIUS_KM', 'GCAS_CLAMPS', 'PROBLEM_ARRAYS', 'SOLVE_METHODS', 'adjointTest', 'andoyerLambertKm',
    'applyEnsembleTransform', 'batchCost', 'batchInversion', 'buildSuperObs', 'checkEnsembleConvention',
    'cholesky', 'choleskyInPlace', 'clampLambda', 'continuityLambda', 'covarianceSqrt', 'ct2007TValue', 'dot',
    'drawEnsemble', 'ensrfBulk', 'ensrfEnsembleSpace', 'ensrfEnsembleSpacePlan', 'ensrfSerial',
    'ensrfSerialPlan', 'ensrfSerialRoute', 'ensrfUpdateRows', 'enterWindows', 'enteringMean',
    'exponentialCorrelation', 'fluxAdjust', 'fourDVar', 'fourDVarObjective', 'gaspariCohn', 'gcWeightFromUnit',
    'gcasCellAreaKm2', 'gcasCorrelationThreshold', 'gcasLambda', 'gcasLocalEnsrf', 'gcasLocalSolve', 'gcasSpatialInterp', 'gemm', 'gemmBackend',
    'gemmStrided', 'gemv', 'gradientTest', 'greatCircleKm', 'identity', 'incompleteBeta', 'inverseFromCholesky',
    'invertLower', 'lagCycle', 'leaveOldest', 'logDetFromCholesky', 'logDetSpd', 'logGamma', 'matrixOperator',
    'mirrorLower', 'nearestIndex', 'prepareRowLocalization', 'setGemmBackend', 'solveLower', 'solveLowerTrans',
    'solveProblem', 'spdInverse', 'studentTCdf', 'studentTQuantile', 'syrk', 'transpose', 'unitVectors',
  ]);
});
