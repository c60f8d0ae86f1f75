// Lagged windows (CarbonTracker nlag ≥ 1): the state holds nlag windows × nparams rows,
// window 0 the oldest. After a cycle the oldest window leaves (its posterior is final) and a
// new prior window is appended; observations are assimilated once, in the cycle they arrive.
import { expectLength, expectPositiveInteger } from '../checks';

export interface LaggedState {
  nlag: number;
  nparams: number;
  nmembers: number;
  /** nlag·nparams. */
  x: Float64Array;
  /** (nlag·nparams)×nmembers. */
  Xprime: Float64Array;
}

export interface LagAdvance {
  /** The next state: windows 1..nlag−1 moved down, the new prior appended last. */
  state: LaggedState;
  /** The window that left (final posterior): x [nparams], Xprime [nparams×N]. */
  done: { x: Float64Array; Xprime: Float64Array };
}

/** Drop the oldest window and append `newX` / `newXprime` as the newest. */
export function advanceLag(s: LaggedState, newX: Float64Array, newXprime: Float64Array): LagAdvance {
  expectPositiveInteger('nlag', s.nlag);
  const { nlag, nparams: n, nmembers: N } = s;
  expectLength('x', s.x, nlag * n, 'nlag·nparams');
  expectLength('X_prime', s.Xprime, nlag * n * N, 'nlag·nparams×nmembers');
  expectLength('newX', newX, n, 'nparams');
  expectLength('newXprime', newXprime, n * N, 'nparams×nmembers');
  const x = new Float64Array(nlag * n);
  const Xprime = new Float64Array(nlag * n * N);
  x.set(s.x.subarray(n), 0);
  x.set(newX, (nlag - 1) * n);
  Xprime.set(s.Xprime.subarray(n * N), 0);
  Xprime.set(newXprime, (nlag - 1) * n * N);
  return {
    state: { nlag, nparams: n, nmembers: N, x, Xprime },
    done: { x: s.x.slice(0, n), Xprime: s.Xprime.slice(0, n * N) },
  };
}
