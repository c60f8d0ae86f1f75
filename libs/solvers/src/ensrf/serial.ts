// Serial EnSRF (Whitaker & Hamill 2002) as in CTDAS's serial_minimum_least_squares, with the
// one correction that every observation's Hx/HX′ is updated after each assimilation (CTDAS
// skips observation 0). Obs-space sequence first, then all state rows by the row kernel.
import { obsSequenceDirect, obsSequenceTransform, type ObsSequence } from './sequence';
import { ensrfUpdateRows, prepareRowLocalization } from './rows';
import { prepareEnsemble } from './validate';
import type { EnsembleProblem, EnsrfOptions, EnsrfResult } from './types';

export interface SerialOptions extends EnsrfOptions {
  /**
   * How the obs-space sequence is computed: CTDAS's direct loop (O(nobs²·N)) or the N×N
   * transform (O(nobs·N²)). Same numbers to rounding; default 'auto' = transform when nobs > 4N.
   */
  obsSpace?: 'direct' | 'transform' | 'auto';
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
  const e = prepareEnsemble(problem, options);
  const method = options.obsSpace ?? 'auto';
  const useTransform = method === 'transform' || (method === 'auto' && e.nobs > 4 * e.nmembers);
  const out = useTransform ? obsSequenceTransform(e, true) : obsSequenceDirect(e, true);
  return {
    sequence: out.sequence!,
    result: { x: e.x, Xprime: e.Xprime, Hx: e.Hx, HXprime: e.HXprime, flags: e.flags, HPHR: out.HPHR },
  };
}

export function ensrfSerial(problem: EnsembleProblem, options: SerialOptions = {}): EnsrfResult {
  const { result, sequence } = ensrfSerialPlan(problem, options);
  const loc = prepareRowLocalization(options.localization, problem.nmembers, problem.nobs);
  ensrfUpdateRows(sequence, result.x, result.Xprime, 0, problem.nparams, loc);
  return result;
}
