// (3) solve: the registered ensemble solver updates the stacked state from HX, y and R;
// χ²/n per entering window with the prior HPHᵀ + R; the observation columns get their values.
import { unitCentroids, type StateMapping } from '@tanhui/priors';
import type { EnsembleProblem, EnsrfResult, Localization } from '@tanhui/solvers';
import type { World } from '../compose';
import type { EnsembleSolver } from '../plugins/solver';
import type { CarriedState } from './carried';
import type { PreparedCycle, SpanSimulation } from './prepare';
import type { Simulated } from './simulate';

/** Use flag of held-out observations (sampled, not assimilated); 0 = assimilated, 2 = rejected. */
export const FLAG_HELD_OUT = 1;

export interface Solved {
  result: EnsrfResult;
  /** Prior-mean samples [obs] (member 0). */
  Hx: Float64Array;
  nAssimilated: number;
  nRejected: number;
}

function localizationOf(world: World, lat: Float64Array, lon: Float64Array, layout: StateMapping): Localization {
  const s = world.config.solver;
  if (s.localization === 'none') return { kind: 'none' };
  if (s.localization === 'CT2007') return { kind: 'CT2007' };
  const paramLat = new Float64Array(world.nState);
  const paramLon = new Float64Array(world.nState);
  for (const t of layout.terms) {
    const c = unitCentroids(t.unit, t.nUnits, world.grid);
    for (let b = 0; b < t.nBlocks; b++) {
      paramLat.set(c.latDeg, t.offset + b * t.nUnits);
      paramLon.set(c.lonDeg, t.offset + b * t.nUnits);
    }
  }
  return { kind: 'gaspari-cohn', lengthScaleKm: s.localizationLengthKm, obsLat: lat, obsLon: lon, paramLat, paramLon };
}

/** χ²/n of the observations from…to−1 the solver assimilated (flag 0), with the prior HPHᵀ + R. */
function chi2Of(solved: EnsrfResult, problem: EnsembleProblem, from: number, to: number): { chi2: number; nAssim: number; nRej: number } {
  const N = problem.nmembers;
  let chi2 = 0;
  let nAssim = 0;
  let nRej = 0;
  for (let s = from; s < to; s++) {
    if (solved.flags[s] === 2) nRej++;
    if (solved.flags[s] !== 0) continue;
    let hph = 0;
    for (let k = 0; k < N; k++) hph += problem.HXprime[s * N + k]! ** 2;
    hph /= N - 1;
    chi2 += (problem.obs[s]! - problem.Hx[s]!) ** 2 / (hph + problem.R[s]!);
    nAssim++;
  }
  return { chi2: nAssim > 0 ? chi2 / nAssim : NaN, nAssim, nRej };
}

/**
 * The update of the stacked state: member 0 is the mean (CTDAS), R = σ². Held-out sites enter
 * with use flag 1: the solver skips them (and leaves the flag), so they are sampled by the prior
 * and posterior runs but never assimilated. Parameter locations repeat per window of the span.
 */
export function solve(world: World, solver: EnsembleSolver, carried: CarriedState, p: PreparedCycle & { sim: SpanSimulation }, s: Simulated): Solved {
  const { obs, config } = world;
  const { rows } = p.sim;
  const N = config.solver.members;
  const nobs = rows.length;
  const Hx = Float64Array.from({ length: nobs }, (_, i) => s.HX[i * N]!);
  const HXprime = new Float64Array(nobs * N);
  for (let i = 0; i < nobs; i++) for (let k = 0; k < N; k++) HXprime[i * N + k] = s.HX[i * N + k]! - Hx[i]!;
  const problem: EnsembleProblem = {
    nparams: p.state.x.length,
    nmembers: N,
    nobs,
    x: p.state.x,
    Xprime: p.state.Xprime,
    Hx,
    HXprime,
    obs: s.y,
    R: Float64Array.from(s.sigma, (v) => v * v),
    mayReject: Uint8Array.from(rows, (k) => obs.qc.mayReject[k]!),
    mayLocalize: Uint8Array.from(rows, (k) => obs.qc.mayLocalize[k]!),
    flags: Int32Array.from(rows, (k) => (obs.heldOut[k] ? FLAG_HELD_OUT : 0)),
  };
  const localization = localizationOf(world, Float64Array.from(rows, (k) => obs.table.latDeg[k]!), Float64Array.from(rows, (k) => obs.table.lonDeg[k]!), p.sim.layout);
  const result = solver.solve(problem, { rejectionThreshold: config.solver.rejectionThreshold, meanIsMember0: true, localization, gcas: config.solver.gcas });
  let nAssimilated = 0;
  let nRejected = 0;
  for (const seg of p.sim.segments) {
    const fit = chi2Of(result, problem, seg.from, seg.to);
    nRejected += fit.nRej;
    nAssimilated += fit.nAssim;
    carried.lag.info.get(seg.window)!.chi2 = fit.chi2;
  }
  // Written once, in the cycle the observation is assimilated (posterior: when its window leaves).
  const o = carried.obs;
  for (let i = 0; i < nobs; i++) {
    const k = rows[i]!;
    o.value[k] = s.y[i]!;
    o.priorSim[k] = Hx[i]!;
    o.innovation[k] = s.y[i]! - Hx[i]!;
    o.hphr[k] = result.HPHR[i]!;
    o.flag[k] = result.flags[i]!;
  }
  return { result, Hx, nAssimilated, nRejected };
}
