// What a run carries from one cycle to the next: the posterior-mean field and state, the
// ensemble RNG, the OSSE truth's field, the observation columns, and the lagged state with what
// each window in it entered with. Read back from the run store's restart arrays on resume.
import { type LagState } from '@tanhui/solvers';
import { createRng, type Rng } from '@tanhui/core';
import type { World } from '../compose';
import { emptyObsColumns, type LagRestart, type ObsColumns, type Restart } from '../store/run-store';

/** What a window carries from the cycle it enters the state to the cycle it leaves. */
export interface SlotInfo {
  /** Prior mean the window entered with (lag 1: the previous posterior; lag > 1: x_prior). */
  statePrior?: Float64Array;
  /** Ensemble σ of the state as drawn from B [state]. */
  priorSpread: Float64Array;
  /** Prior σ of the budgets as drawn [region]. */
  budgetPriorSd: Float64Array;
  /** χ² per observation of the window's observations when they were assimilated. */
  chi2: number;
}

export interface CarriedLag {
  state: LagState | undefined;
  info: Map<number, SlotInfo>;
}

export interface CarriedState {
  /** Posterior-mean mole fraction at the start of the next window [level][lat][lon]. */
  moleFraction: Float64Array;
  /** Posterior mean state of the last window (lag 1: the prior mean of the next). */
  x: Float64Array;
  rng: Rng;
  truthMoleFraction?: Float64Array;
  obs: ObsColumns;
  lag: CarriedLag;
  /** The members' final fields [cell][member] ('combine') on a SharedArrayBuffer, kept for the
   * next window: fresh arrays of hundreds of MB cost ~1.5 s of page faults per GB here. */
  finalsTable?: Float64Array;
}

/** The state of a fresh run, or of one resumed after `restart`. */
export function carriedStateOf(world: World, restart: Restart | undefined): CarriedState {
  if (restart) {
    return { moleFraction: restart.moleFraction, x: restart.x, rng: createRng(restart.rng), truthMoleFraction: restart.truthMoleFraction, obs: restart.obs, lag: carriedLagOf(world, restart.lag) };
  }
  // initialField: the posterior-mean run and the OSSE truth start from the same field.
  return {
    moleFraction: Float64Array.from(world.initialMoleFraction),
    x: Float64Array.from(world.xPrior),
    rng: createRng(world.config.solver.seed),
    truthMoleFraction: world.truthScaling ? Float64Array.from(world.initialMoleFraction) : undefined,
    obs: emptyObsColumns(world.obs.table.n),
    lag: { state: undefined, info: new Map() },
  };
}

/** The lagged state and slot information from the run store's lag restart arrays. */
function carriedLagOf(world: World, r: LagRestart | undefined): CarriedLag {
  const ns = world.nState;
  const N = world.config.solver.members;
  const nr = world.regions.size + 3;
  const info = new Map<number, SlotInfo>();
  if (!r) return { state: undefined, info };
  const windows: number[] = [];
  for (let j = 0; j < r.window.length; j++) {
    const w = r.window[j]!;
    if (w < 0) continue;
    windows.push(w);
    info.set(w, { priorSpread: r.priorSpread.slice(j * ns, (j + 1) * ns), budgetPriorSd: r.budgetPriorSd.slice(j * nr, (j + 1) * nr), chi2: r.chi2[j]! });
  }
  const S = windows.length;
  const state: LagState = { nparams: ns, nmembers: N, windows, x: r.mean.slice(0, S * ns), Xprime: r.ensemble.slice(0, S * ns * N) };
  return { state: S > 0 ? state : undefined, info };
}

/** The lag restart arrays of the windows still in the state (slots padded to lag − 1). */
export function lagRestartOf(world: World, carried: CarriedLag): LagRestart {
  const ns = world.nState;
  const N = world.config.solver.members;
  const nr = world.regions.size + 3;
  const slots = world.config.solver.lag - 1;
  const out: LagRestart = {
    window: new Int32Array(slots).fill(-1),
    mean: new Float64Array(slots * ns).fill(NaN),
    ensemble: new Float64Array(slots * ns * N).fill(NaN),
    priorSpread: new Float64Array(slots * ns).fill(NaN),
    budgetPriorSd: new Float64Array(slots * nr).fill(NaN),
    chi2: new Float64Array(slots).fill(NaN),
  };
  const st = carried.state;
  if (!st) return out;
  st.windows.forEach((w, j) => {
    const inf = carried.info.get(w)!;
    out.window[j] = w;
    out.mean.set(st.x.subarray(j * ns, (j + 1) * ns), j * ns);
    out.ensemble.set(st.Xprime.subarray(j * ns * N, (j + 1) * ns * N), j * ns * N);
    out.priorSpread.set(inf.priorSpread, j * ns);
    out.budgetPriorSd.set(inf.budgetPriorSd, j * nr);
    out.chi2[j] = inf.chi2;
  });
  return out;
}
