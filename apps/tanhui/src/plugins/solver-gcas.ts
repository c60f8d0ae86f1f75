// GCASv2's cell-local EnSRF (ring selection of ≤ 20 positively correlated obs per state row,
// Gaspari–Cohn cut at solver.localizationLengthKm, negative-gain skip, λ clamp and continuity):
// @tanhui/solvers gcasLocalSolve. docs/gcas.md says where it differs from the CarbonTracker EnSRF.
import { gcasLocalSolve } from '@tanhui/solvers';
import type { EnsembleSolver } from './solver';

export const gcasLocalSolver: EnsembleSolver = {
  name: 'gcas-local',
  description: "GCASv2's local EnSRF: per state row ≤ 20 positively correlated obs in rings, serial update of that row, clamps (needs localization gaspari-cohn)",
  family: 'ensemble',
  localizes: true,
  solve: gcasLocalSolve,
};
