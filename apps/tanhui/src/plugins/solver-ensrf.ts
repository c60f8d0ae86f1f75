// The CarbonTracker/CTDAS ensemble square-root filters of @tanhui/solvers (member 0 = mean).
import { ensrfBulk, ensrfEnsembleSpace, ensrfSerial } from '@tanhui/solvers';
import type { EnsembleSolver } from './solver';

export const ensrfSerialSolver: EnsembleSolver = {
  name: 'ensrf-serial',
  aliases: ['ensrf'],
  description: 'EnSRF, one observation at a time (CarbonTracker optimizer; localisation none, CT2007 or gaspari-cohn)',
  family: 'ensemble',
  localizes: true,
  solve: ensrfSerial,
};

export const ensrfBulkSolver: EnsembleSolver = {
  name: 'ensrf-bulk',
  description: 'EnSRF in batches of observations (same posterior as serial, faster for many obs)',
  family: 'ensemble',
  localizes: true,
  solve: ensrfBulk,
};

export const ensembleSpaceSolver: EnsembleSolver = {
  name: 'ensemble-space',
  description: 'ETKF-like square-root update in ensemble space (all obs at once; no localisation)',
  family: 'ensemble',
  localizes: false,
  solve: ensrfEnsembleSpace,
};
