// The public API of @tanhui/solvers, spelled out: changing it is a visible decision.
import { expect, it } from 'vitest';
import * as solvers from './index';

it('exports exactly the documented names', () => {
  expect(Object.keys(solvers).sort()).toEqual([
    'EARTH_RADIUS_KM', 'PROBLEM_ARRAYS', 'SOLVE_METHODS', 'adjointTest', 'applyEnsembleTransform',
    'batchCost', 'batchInversion', 'checkEnsembleConvention', 'cholesky', 'choleskyInPlace', 'covarianceSqrt',
    'ct2007TValue', 'dot', 'drawEnsemble', 'ensrfBulk', 'ensrfEnsembleSpace', 'ensrfEnsembleSpacePlan',
    'ensrfSerial', 'ensrfSerialPlan', 'ensrfSerialRoute', 'ensrfUpdateRows', 'enterWindows', 'enteringMean',
    'exponentialCorrelation', 'fourDVar', 'fourDVarObjective', 'gaspariCohn', 'gcWeightFromUnit', 'gemm', 'gemmBackend',
    'gemmStrided', 'gemv', 'gradientTest', 'greatCircleKm', 'identity', 'incompleteBeta', 'inverseFromCholesky',
    'invertLower', 'lagCycle', 'leaveOldest', 'logDetFromCholesky', 'logDetSpd', 'logGamma', 'matrixOperator',
    'mirrorLower', 'prepareRowLocalization', 'setGemmBackend', 'solveLower', 'solveLowerTrans', 'solveProblem',
    'spdInverse', 'studentTCdf', 'studentTQuantile', 'syrk', 'transpose', 'unitVectors',
  ]);
});
