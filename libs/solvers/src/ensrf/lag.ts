// Lagged windows (CarbonTracker/CTDAS nlag ≥ 1): which windows are in the state in a cycle,
// which enter and which leaves, and the stacked state itself — the bookkeeping of every cycle of
// `tanhui run` (lag 1 is the case L = 1), pure so that it is tested against the exact Kalman
// posterior on a dense linear problem (apps/tanhui/src/__tests__/lag.test.ts).
//
// Cycle c (0-based) of W windows with lag L:
//   span       windows c … min(c+L−1, W−1) are in the state (window-major, oldest first);
//   enter      cycle 0: every window of the span; later: the newest window c+L−1 if it exists
//              (the windows that enter are drawn with deviations from B and the prior mean
//              — or, with nlag ≥ 3 after cycle 0, CTDAS's mean of the prior and the two newest
//              windows, see enteringMean — as in CTDAS make_new_ensemble);
//   assimilate the observations of the windows that enter, so each observation is assimilated
//              exactly once (the older windows' observations were assimilated when they entered);
//   leave      after the solve the oldest window (c) leaves: its posterior is final.
// Near the end (c > W−L) no window enters: the span shrinks and nothing is assimilated, the
// remaining windows only leave one per cycle (their posteriors are already final).
import { TanhuiError } from '@tanhui/core';

export interface LagCycle {
  cycle: number;
  /** Windows in the state during this cycle, oldest first. */
  span: number[];
  /** Windows that enter the state in this cycle; their observations are assimilated now. */
  enter: number[];
}

/** Which windows are in the state and which enter it in cycle `c`. */
export function lagCycle(c: number, nlag: number, nWindows: number): LagCycle {
  if (!Number.isInteger(nlag) || nlag < 1) throw new TanhuiError('InvalidArgument', `nlag must be an integer ≥ 1, got ${nlag}`);
  if (!Number.isInteger(c) || c < 0 || c >= nWindows) throw new TanhuiError('InvalidArgument', `cycle ${c} is outside 0 … ${nWindows - 1}`);
  const last = Math.min(c + nlag - 1, nWindows - 1);
  const span = Array.from({ length: last - c + 1 }, (_, j) => c + j);
  const enter = c === 0 ? span.slice() : c + nlag - 1 <= nWindows - 1 ? [c + nlag - 1] : [];
  return { cycle: c, span, enter };
}

/** The lagged ensemble: S windows × nparams rows (window-major), deviations [row][member]. */
export interface LagState {
  nparams: number;
  nmembers: number;
  /** Window index of each slot, oldest first. */
  windows: number[];
  /** S·nparams. */
  x: Float64Array;
  /** (S·nparams)×nmembers, CTDAS convention (member 0 = mean, column 0 zero). */
  Xprime: Float64Array;
}

export interface LagWindow {
  window: number;
  x: Float64Array;
  Xprime: Float64Array;
}

/** Append windows (newest last) to a lagged state (or start one). */
export function enterWindows(state: LagState | undefined, nparams: number, nmembers: number, entering: readonly LagWindow[]): LagState {
  const n = nparams;
  const N = nmembers;
  const old = state ?? { nparams: n, nmembers: N, windows: [], x: new Float64Array(0), Xprime: new Float64Array(0) };
  if (old.nparams !== n || old.nmembers !== N) throw new TanhuiError('BadShape', 'lagged state and entering windows differ in nparams or nmembers');
  const S = old.windows.length + entering.length;
  const x = new Float64Array(S * n);
  const Xprime = new Float64Array(S * n * N);
  x.set(old.x);
  Xprime.set(old.Xprime);
  entering.forEach((e, i) => {
    if (e.x.length !== n || e.Xprime.length !== n * N) throw new TanhuiError('BadShape', `entering window ${e.window}: expected ${n} means and ${n}×${N} deviations`);
    const j = old.windows.length + i;
    x.set(e.x, j * n);
    Xprime.set(e.Xprime, j * n * N);
  });
  return { nparams: n, nmembers: N, windows: [...old.windows, ...entering.map((e) => e.window)], x, Xprime };
}

/**
 * Prior mean of the window that enters a lagged state in a later cycle (CTDAS
 * make_new_ensemble, CarbonTracker's simple dynamical model): with nlag ≥ 3, the average of the
 * prior and the current means of the two newest windows in the state,
 * x = (x_prior + (x_newest + x_second_newest)) / 3, so a persistent signal found by the
 * observations carries into the new window; otherwise (nlag < 3, or fewer than two windows in
 * the state, as in cycle 0) the prior itself. The deviations still come from B alone.
 */
export function enteringMean(xPrior: Float64Array, state: LagState | undefined, nlag: number): Float64Array {
  const n = xPrior.length;
  const S = state?.windows.length ?? 0;
  if (nlag < 3 || !state || S < 2) return Float64Array.from(xPrior);
  if (state.nparams !== n) throw new TanhuiError('BadShape', `the lagged state has ${state.nparams} parameters per window, the prior ${n}`);
  const newest = (S - 1) * n;
  const second = (S - 2) * n;
  return Float64Array.from(xPrior, (p, i) => (p + (state.x[newest + i]! + state.x[second + i]!)) / 3);
}

/** The oldest window leaves (its posterior is final); the rest stay, in order. */
export function leaveOldest(state: LagState): { done: LagWindow; rest: LagState } {
  const { nparams: n, nmembers: N } = state;
  if (state.windows.length === 0) throw new TanhuiError('InvalidArgument', 'the lagged state is empty');
  return {
    done: { window: state.windows[0]!, x: state.x.slice(0, n), Xprime: state.Xprime.slice(0, n * N) },
    rest: { nparams: n, nmembers: N, windows: state.windows.slice(1), x: state.x.slice(n), Xprime: state.Xprime.slice(n * N) },
  };
}
