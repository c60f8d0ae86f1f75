// Ensemble-space serial EnSRF: the serial answer (no localisation) as one N×N transform.
// Each observation updates the weights w and the transform T (O(N²)); the obs-space values are
// read through T (HX′[n] = HX′₀[n]·T), and X′ is multiplied once at the end:
// x = x₀ + X′₀w, X′ = X′₀T. Cost O(nobs·N² + nparams·N²). The final product is row-separable:
// ensrfEnsembleSpacePlan + applyEnsembleTransform let an orchestrator split rows over workers.
import { TanhuiError } from '@tanhui/core';
import { gemmStrided } from '../kernels/gemm';
import { dot } from '../kernels/vector';
import { obsSequenceTransform } from './sequence';
import { prepareEnsemble } from './validate';
import type { EnsembleProblem, EnsrfOptions, EnsrfResult } from './types';

export interface EnsembleTransform {
  nmembers: number;
  /** N×N: X′ ← X′₀·T. */
  T: Float64Array;
  /** N: x ← x₀ + X′₀·w. */
  w: Float64Array;
}

/**
 * Obs-space pass only: returns the transform and a result whose Hx, HXprime, flags and HPHR
 * are final while x and Xprime are still the prior (copies unless inPlace).
 */
export function ensrfEnsembleSpacePlan(problem: EnsembleProblem, options: EnsrfOptions = {}): { result: EnsrfResult; transform: EnsembleTransform } {
  return plan(problem, options, true);
}

function plan(problem: EnsembleProblem, options: EnsrfOptions, copyState: boolean): { result: EnsrfResult; transform: EnsembleTransform } {
  if (options.localization && options.localization.kind !== 'none') {
    throw new TanhuiError('InvalidArgument', `ensemble-space EnSRF cannot localise (got ${options.localization.kind})`, {
      hint: 'localisation makes each state row its own transform; use ensrfSerial (row kernel) instead',
      context: { variable: 'localization' },
    });
  }
  const e = prepareEnsemble(problem, options, copyState);
  const { T, w, HPHR } = obsSequenceTransform(e, false);
  return {
    result: { x: e.x, Xprime: e.Xprime, Hx: e.Hx, HXprime: e.HXprime, flags: e.flags, HPHR },
    transform: { nmembers: e.nmembers, T: T!, w: w! },
  };
}

/**
 * x[r] += X′[r]·w and X′[r] ← X′[r]·T for rows [rowStart, rowEnd), in place (worker-safe); with
 * `out`, the prior x, X′ are only read and the rows are written to out.x, out.Xprime instead
 * (e.g. fresh SharedArrayBuffers that each worker fills with its own rows).
 */
export function applyEnsembleTransform(
  tr: EnsembleTransform,
  x: Float64Array,
  Xprime: Float64Array,
  rowStart: number,
  rowEnd: number,
  out?: { x: Float64Array; Xprime: Float64Array },
): void {
  transformRows(tr, x, Xprime, out?.x ?? x, out?.Xprime ?? Xprime, rowStart, rowEnd);
}

const BLOCK = 512; // rows per gemm call: bounded scratch; the same bits for any split of the rows

/**
 * xOut[r] = x0[r] + X′₀[r]·w and X′out[r] = X′₀[r]·T for rows [rowStart, rowEnd). In place when
 * X′out is X′₀ (through a scratch block); otherwise straight into X′out. Block by block, so the
 * rows read for w are still in cache for the product.
 */
function transformRows(
  tr: EnsembleTransform,
  x0: Float64Array,
  X0: Float64Array,
  xOut: Float64Array,
  XOut: Float64Array,
  rowStart: number,
  rowEnd: number,
): void {
  const N = tr.nmembers;
  const inPlace = XOut === X0;
  const scratch = inPlace ? new Float64Array(Math.min(BLOCK, Math.max(0, rowEnd - rowStart)) * N) : XOut;
  for (let r0 = rowStart; r0 < rowEnd; r0 += BLOCK) {
    const rows = Math.min(BLOCK, rowEnd - r0);
    for (let r = r0; r < r0 + rows; r++) xOut[r] = x0[r] + dot(N, X0, tr.w, r * N, 0);
    gemmStrided(false, false, rows, N, N, 1, X0, r0 * N, N, tr.T, 0, N, 0, scratch, inPlace ? 0 : r0 * N, N);
    if (inPlace) XOut.set(scratch.subarray(0, rows * N), r0 * N);
  }
}

export function ensrfEnsembleSpace(problem: EnsembleProblem, options: EnsrfOptions = {}): EnsrfResult {
  if (options.inPlace) {
    const { result, transform } = plan(problem, options, true);
    applyEnsembleTransform(transform, result.x, result.Xprime, 0, problem.nparams);
    return result;
  }
  // New arrays straight from the prior ones: no copy of X′ first.
  const { result, transform } = plan(problem, options, false);
  const { nparams } = problem;
  const x = new Float64Array(nparams);
  const Xprime = new Float64Array(nparams * transform.nmembers);
  transformRows(transform, problem.x, problem.Xprime, x, Xprime, 0, nparams);
  return { ...result, x, Xprime };
}
