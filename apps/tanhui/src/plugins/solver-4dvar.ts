// 4D-Var (conjugate gradients on the B^½ control variable) of @tanhui/solvers on H and Hᵀ.
import { fourDVar, matrixOperator } from '@tanhui/solvers';
import type { LinearSolver } from './solver';

export const fourDVarSolver: LinearSolver = {
  name: '4dvar',
  description: '4D-Var by conjugate gradients with Lanczos posterior covariance; needs a transport with an adjoint',
  family: 'linear',
  needsAdjoint: true,
  solve: (p, o) => {
    const op = matrixOperator(p.nobs, p.n, p.H);
    const r = fourDVar({ n: p.n, nobs: p.nobs, xb: p.xb, y: p.y, R: p.R, H: op.H, HT: op.HT, B: { kind: 'diag', variances: p.B } }, { maxIterations: o.maxIterations, tolerance: o.gradientReduction, posteriorCovariance: true });
    return { xa: r.xa, Pa: r.Pa!, chi2: r.chi2, dofs: r.dofs };
  },
};
