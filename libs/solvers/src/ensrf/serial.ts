// Serial EnSRF (Whitaker & Hamill 2002) as in CTDAS's serial_minimum_least_squares, with the
// one correction that every observation's Hx/HX′ is updated after each assimilation (CTDAS
// skips observation 0). Obs-space sequence first, then all state rows by the row kernel —
// or, without localisation and when it is cheaper, the identical answer through the N×N
// ensemble-space transform (X′ ← X′₀T: one matrix product instead of two passes over X′ per obs).
import { ensrfEnsembleSpace } from './ensemble-space';
import { obsSequenceDirect, obsSequenceTransform, type ObsSequence } from './sequence';
import { ensrfUpdateRows, prepareRowLocalization } from './rows';
import { prepareEnsemble, type PreparedEnsemble } from './validate';
import type { EnsembleProblem, EnsrfOptions, EnsrfResult } from './types';

export interface SerialOptions extends EnsrfOptions {
  /**
   * How the obs-space sequence is computed: CTDAS's direct loop (O(nobs²·N)) or the N×N
   * transform (O(nobs·N²)). Same numbers to rounding; default 'auto' = transform when nobs > 4N.
   */
  obsSpace?: 'direct' | 'transform' | 'auto';
  /**
   * How the state (x, X′) is updated. 'rows': the plain serial loop (Whitaker & Hamill), every
   * state row updated obs by obs — two passes over X′ per observation, 2·nassim·nparams·N
   * multiply-adds. 'ensemble-space': the same answer (to rounding) as x = x₀ + X′₀w, X′ = X′₀T
   * with the N×N transform carried through the obs-space pass (ensrfEnsembleSpace) —
   * nparams·N² multiply-adds in one GEMM; needs no localisation. Default 'auto': ensemble-space
   * when there is no localisation and N < 2·(observations with flag 0), otherwise rows.
   * obsSpace applies to the rows path only.
   */
  stateUpdate?: 'auto' | 'rows' | 'ensemble-space';
}

export type SerialRoute = 'rows' | 'ensemble-space';

/** The path ensrfSerial takes for this problem and these options (see SerialOptions.stateUpdate). */
export function ensrfSerialRoute(problem: EnsembleProblem, options: SerialOptions = {}): SerialRoute {
  const mode = options.stateUpdate ?? 'auto';
  if (mode !== 'auto') return mode;
  if (options.localization && options.localization.kind !== 'none') return 'rows';
  let candidates = 0;
  if (problem.flags) {
    for (let n = 0; n < problem.nobs; n++) if (problem.flags[n] === 0) candidates++;
  } else candidates = problem.nobs;
  // Multiply-adds: rows 2·nassim·nparams·N, ensemble-space nparams·N² (+ O(nobs·N²) either way).
  return problem.nmembers < 2 * candidates ? 'ensemble-space' : 'rows';
}

export interface SerialPlan {
  result: EnsrfResult;
  sequence: ObsSequence;
}

/**
 * Obs-space half only: returns the sequence (for ensrfUpdateRows on workers) and the result
 * whose Hx, HXprime, flags, HPHR are final; x and Xprime are still the prior (copies unless
 * inPlace) until the rows are updated.
 */
export function ensrfSerialPlan(problem: EnsembleProblem, options: SerialOptions = {}): SerialPlan {
  return planRows(prepareEnsemble(problem, options), options);
}

function planRows(e: PreparedEnsemble, options: SerialOptions): SerialPlan {
  const method = options.obsSpace ?? 'auto';
  const useTransform = method === 'transform' || (method === 'auto' && e.nobs > 4 * e.nmembers);
  const out = useTransform ? obsSequenceTransform(e, true) : obsSequenceDirect(e, true);
  return {
    sequence: out.sequence!,
    result: { x: e.x, Xprime: e.Xprime, Hx: e.Hx, HXprime: e.HXprime, flags: e.flags, HPHR: out.HPHR },
  };
}

export function ensrfSerial(problem: EnsembleProblem, options: SerialOptions = {}): EnsrfResult {
  if (ensrfSerialRoute(problem, options) === 'ensemble-space') return ensrfEnsembleSpace(problem, options);
  const loc = prepareRowLocalization(options.localization, problem.nmembers, problem.nobs);
  // Unless in place, the rows are read from the caller's x, X′ and written once into new arrays
  // (no copy of X′ that is then updated).
  const { result, sequence } = planRows(prepareEnsemble(problem, options, false), options);
  const out = options.inPlace ? undefined : { x: new Float64Array(problem.nparams), Xprime: new Float64Array(problem.nparams * problem.nmembers) };
  ensrfUpdateRows(sequence, result.x, result.Xprime, 0, problem.nparams, loc, out);
  return out ? { ...result, x: out.x, Xprime: out.Xprime } : result;
}
