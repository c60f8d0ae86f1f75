// The solver seam: `solver.method` names a registered solver. Two families: ensemble solvers
// (the cycle of `tanhui run`: an EnSRF-like update of a state ensemble from its sampled
// observations) and linear-Gaussian solvers (`tanhui invert`: a Jacobian H, prior xb/B and y/R).
// An entry is one file plus one line in ./index.ts. Older config values ('ensrf' with
// `algorithm`) resolve to the new names (solverName).
import { Registry, TanhuiError, type RegistryEntry } from '@tanhui/core';
import type { EnsembleProblem, EnsrfOptions, EnsrfResult } from '@tanhui/solvers';

export interface EnsembleSolver extends RegistryEntry {
  readonly family: 'ensemble';
  /** Whether it applies solver.localization (else only 'none' is allowed). */
  readonly localizes: boolean;
  solve(problem: EnsembleProblem, options: EnsrfOptions): EnsrfResult;
}

export interface LinearProblem {
  nobs: number;
  n: number;
  /** Jacobian [obs][state]. */
  H: Float64Array;
  y: Float64Array;
  /** Observation error variances. */
  R: Float64Array;
  xb: Float64Array;
  /** Prior variances. */
  B: Float64Array;
}

export interface LinearSolution {
  xa: Float64Array;
  Pa: Float64Array;
  chi2: number;
  dofs: number;
}

export interface LinearSolver extends RegistryEntry {
  readonly family: 'linear';
  /** Needs the transport's adjoint (4D-Var) rather than only its forward runs. */
  readonly needsAdjoint: boolean;
  solve(problem: LinearProblem, options: { maxIterations: number; gradientReduction: number }): LinearSolution;
}

export type SolverEntry = EnsembleSolver | LinearSolver;

export const solvers = new Registry<SolverEntry>('solver');

export function registerSolver<E extends SolverEntry>(entry: E): E {
  solvers.register(entry);
  return entry;
}

/** The registered name that `solver.method` (+ the older `algorithm`) selects. */
export function solverName(s: { method: string; algorithm: string }): string {
  if (s.method !== 'ensrf') return s.method;
  return s.algorithm === 'ensemble-space' ? 'ensemble-space' : `ensrf-${s.algorithm}`;
}

/** The solver of a family, or a one-line error saying which command takes it. */
export function solverOf<F extends SolverEntry['family']>(s: { method: string; algorithm: string }, family: F, command: string, file?: string): Extract<SolverEntry, { family: F }> {
  const entry = solvers.get(solverName(s), { file, key: 'solver.method' });
  if (entry.family !== family) {
    const other = family === 'ensemble' ? "'tanhui invert'" : "'tanhui run'";
    throw new TanhuiError('InvalidConfig', `'${command}' needs ${family === 'ensemble' ? 'an ensemble' : 'a linear (batch or variational)'} solver; solver.method is '${entry.name}'`, {
      context: { file, key: 'solver.method' },
      hint: `${family} solvers: ${solvers.entries().filter((e) => e.family === family).map((e) => e.name).join(', ')}; use ${other} for '${entry.name}'`,
    });
  }
  return entry as Extract<SolverEntry, { family: F }>;
}
