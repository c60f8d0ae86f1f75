// Shape and convention checks for EnSRF problems; copies unless the caller asked for in-place.
import { TanhuiError } from '@tanhui/core';
import { expectLength, expectPositive, expectPositiveInteger } from '../checks';
import type { EnsembleProblem, EnsrfOptions } from './types';

export interface PreparedEnsemble {
  nparams: number;
  nmembers: number;
  nobs: number;
  x: Float64Array;
  Xprime: Float64Array;
  Hx: Float64Array;
  HXprime: Float64Array;
  obs: Float64Array;
  R: Float64Array;
  mayReject: Uint8Array;
  mayLocalize: Uint8Array;
  flags: Int32Array;
  threshold: number;
}

/** `copyState: false` leaves x and Xprime as the caller's arrays (for solvers that write new ones). */
export function prepareEnsemble(p: EnsembleProblem, options: EnsrfOptions, copyState = true): PreparedEnsemble {
  const { nparams, nmembers: N, nobs } = p;
  expectPositiveInteger('nparams', nparams);
  expectPositiveInteger('nmembers', N, 2);
  expectPositiveInteger('nobs', nobs, 0);
  expectLength('x', p.x, nparams, 'nparams');
  expectLength('X_prime', p.Xprime, nparams * N, `nparams×nmembers = ${nparams}×${N}`);
  expectLength('Hx', p.Hx, nobs, 'nobs');
  expectLength('HX_prime', p.HXprime, nobs * N, `nobs×nmembers = ${nobs}×${N}`);
  expectLength('obs', p.obs, nobs, 'nobs');
  expectLength('R', p.R, nobs, 'nobs (variances)');
  expectPositive('R', p.R);
  if (p.mayReject) expectLength('may_reject', p.mayReject, nobs, 'nobs');
  if (p.mayLocalize) expectLength('may_localize', p.mayLocalize, nobs, 'nobs');
  if (p.flags) expectLength('flags', p.flags, nobs, 'nobs');
  const threshold = options.rejectionThreshold ?? 3;
  if (!(threshold > 0)) {
    throw new TanhuiError('InvalidArgument', `rejectionThreshold must be > 0, got ${threshold}`, {
      context: { variable: 'rejection_threshold' },
    });
  }
  checkEnsembleConvention(p.Xprime, nparams, N, options.meanIsMember0 ?? true);
  const inPlace = options.inPlace ?? false;
  const flags =
    inPlace && p.flags instanceof Int32Array ? p.flags : Int32Array.from(p.flags ?? new Int32Array(nobs), (v) => v);
  return {
    nparams,
    nmembers: N,
    nobs,
    x: inPlace || !copyState ? p.x : p.x.slice(),
    Xprime: inPlace || !copyState ? p.Xprime : p.Xprime.slice(),
    Hx: inPlace ? p.Hx : p.Hx.slice(),
    HXprime: inPlace ? p.HXprime : p.HXprime.slice(),
    obs: p.obs,
    R: p.R,
    mayReject: Uint8Array.from(p.mayReject ?? new Uint8Array(nobs).fill(1), (v) => (v ? 1 : 0)),
    mayLocalize: Uint8Array.from(p.mayLocalize ?? new Uint8Array(nobs).fill(1), (v) => (v ? 1 : 0)),
    flags,
    threshold,
  };
}

/**
 * meanIsMember0: column 0 of X′ must be zero (member 0 is the mean run).
 * Otherwise: every row of X′ must sum to zero (x is the ensemble mean).
 */
export function checkEnsembleConvention(Xprime: Float64Array, nparams: number, N: number, meanIsMember0: boolean): void {
  for (let r = 0; r < nparams; r++) {
    const o = r * N;
    if (meanIsMember0 && Xprime[o] === 0) continue; // passes whatever the row holds (one read per row)
    let sum = 0;
    let abs = 0;
    for (let j = 0; j < N; j++) {
      sum += Xprime[o + j];
      abs += Math.abs(Xprime[o + j]);
    }
    if (meanIsMember0 ? Math.abs(Xprime[o]) > 1e-12 * abs : Math.abs(sum) > 1e-8 * abs) {
      throw new TanhuiError(
        'BadValue',
        meanIsMember0
          ? `X_prime row ${r} has a non-zero member 0 (${Xprime[o]}) but mean_is_member0 is true`
          : `X_prime row ${r} does not sum to zero (${sum}) but mean_is_member0 is false`,
        {
          hint: meanIsMember0
            ? 'CTDAS convention: member 0 is the mean run, its deviation is zero; set mean_is_member0 = false for ensemble-mean deviations'
            : 'deviations from the ensemble mean sum to zero over members; set mean_is_member0 = true for the CTDAS convention',
          context: { variable: 'X_prime', index: [r, 0] },
        },
      );
    }
  }
}
