// Ensemble-space serial EnSRF: the serial answer (no localisation) as one N×N transform.
// Each observation updates the weights w and the transform T (O(N²)); the obs-space values are
// read through T (HX′[n] = HX′₀[n]·T), and X′ is multiplied once at the end:
// x = x₀ + X′₀w, X′ = X′₀T. Cost O(nobs·N² + nparams·N²).
import { TanhuiError } from '@tanhui/core';
import { gemm } from '../kernels/gemm';
import { dot } from '../kernels/vector';
import { obsSequenceTransform } from './sequence';
import { prepareEnsemble } from './validate';
import type { EnsembleProblem, EnsrfOptions, EnsrfResult } from './types';

export function ensrfEnsembleSpace(problem: EnsembleProblem, options: EnsrfOptions = {}): EnsrfResult {
  if (options.localization && options.localization.kind !== 'none') {
    throw new TanhuiError('InvalidArgument', `ensemble-space EnSRF cannot localise (got ${options.localization.kind})`, {
      hint: 'localisation makes each state row its own transform; use ensrfSerial (row kernel) instead',
      context: { variable: 'localization' },
    });
  }
  const e = prepareEnsemble(problem, options);
  const { T, w, HPHR } = obsSequenceTransform(e, false);
  const { nparams, nmembers: N } = e;
  for (let r = 0; r < nparams; r++) e.x[r] += dot(N, e.Xprime, w!, r * N, 0);
  e.Xprime.set(gemm(nparams, N, N, e.Xprime, T!));
  return { x: e.x, Xprime: e.Xprime, Hx: e.Hx, HXprime: e.HXprime, flags: e.flags, HPHR };
}
