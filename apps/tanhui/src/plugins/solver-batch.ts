// The analytic Bayesian synthesis inversion of @tanhui/solvers (state or observation form).
import { batchInversion } from '@tanhui/solvers';
import type { LinearSolver } from './solver';

export const batchSolver: LinearSolver = {
  name: 'batch',
  description: 'analytic Bayesian synthesis inversion with full posterior covariance',
  family: 'linear',
  needsAdjoint: false,
  solve: (p) => {
    const r = batchInversion(p);
    return { xa: r.xa, Pa: r.Pa, chi2: r.chi2, dofs: r.dofs };
  },
};
