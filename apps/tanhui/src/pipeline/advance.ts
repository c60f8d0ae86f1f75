// (4) advance: the oldest window leaves the state with its final posterior; its posterior mean
// is run forward over the window (GCAS step b) — with twoStep 'combine' as the exact linear
// combination of the member runs instead — and the final field starts the next window.
import { leaveOldest, type LagWindow } from '@tanhui/solvers';
import { FLUX_PERIOD_SECONDS, type World, type WindowPrior } from '../compose';
import type { Progress } from '../progress';
import type { TransportSession } from '../plugins/transport';
import type { CarriedState, SlotInfo } from './carried';
import { combineColumns, combineWeights } from './combine';
import type { PreparedCycle } from './prepare';
import type { Simulated } from './simulate';
import type { Solved } from './solve';
import { truthFlux } from './products';
import type { RunTimings } from './timings';

export interface Advanced {
  /** The window that left, with its final posterior. */
  done: LagWindow;
  info: SlotInfo;
  prior: WindowPrior;
  /** Posterior-mean and truth fields at the window's end. */
  meanFinal: Float64Array;
  truthFinal?: Float64Array;
}

/** twoStep 'combine': posterior-mean samples and final field from the members' (exact when linear). */
function combined(world: World, p: PreparedCycle, s: Simulated, solved: Solved, finals: Float64Array, progress: Progress): { samples: Float64Array; final: Float64Array } | undefined {
  const ns = world.nState;
  const N = world.config.solver.members;
  const { x, Xprime } = p.entering[0]!;
  const d = Float64Array.from(solved.result.x, (v, i) => v - x[i]!);
  const { w: weights, relResidual } = combineWeights(Xprime, ns, N, d);
  progress.step(p.c, 'combine-weights', { relResidual });
  if (relResidual >= 1e-9) return undefined;
  const { offsetPpm, rows } = p.sim!;
  const samples = combineColumns(s.HX, rows.length, N, weights);
  for (let i = 0; i < rows.length; i++) samples[i] = (samples[i]! - offsetPpm[i]!) / 1e6;
  return { samples, final: combineColumns(finals, finals.length / N, N, weights) };
}

export async function advance(
  world: World, session: TransportSession, carried: CarriedState, p: PreparedCycle,
  s: Simulated | undefined, solved: Solved | undefined, env: { progress: Progress; timings: RunTimings },
): Promise<Advanced> {
  const { c } = p;
  const lag = carried.lag;
  const state = solved ? { ...p.state, x: solved.result.x, Xprime: solved.result.Xprime } : p.state;
  const { done, rest } = leaveOldest(state);
  lag.state = rest.windows.length > 0 ? rest : undefined;
  const info = lag.info.get(c)!;
  lag.info.delete(c);
  const prior = await p.priorOf(c);
  const { plan, offsetPpm, rows } = world.planFor(c);
  const tf = performance.now();
  const L = world.config.solver.lag;
  const nCell = carried.moleFraction.length;
  let fwd = world.config.solver.twoStep === 'combine' && s && solved && carried.finalsTable ? combined(world, p, s, solved, carried.finalsTable, env.progress) : undefined;
  let Kt = 1;
  let truthFinal = s?.truthFinal;
  if (!fwd) {
    // With lag > 1 the truth rides along: its final field starts the next span too.
    const truth = L > 1 && world.truthScaling && carried.truthMoleFraction ? [{ initial: carried.truthMoleFraction, flux: truthFlux(world, prior) }] : undefined;
    const r = await session.forward({
      index: c,
      label: `window ${c + 1} posterior-mean forward run`,
      window: world.windows[c]!,
      periodSeconds: FLUX_PERIOD_SECONDS,
      mapping: prior.mapping,
      fixed: prior.fixed,
      states: done.x,
      N: 1,
      initial: carried.moleFraction,
      extras: truth,
      plan,
      sampleIds: Float64Array.from(rows, (k) => world.obs.table.id[k]!),
      sampleRows: rows,
    });
    Kt = 1 + (truth ? 1 : 0);
    fwd = { samples: r.samples, final: Kt === 1 ? r.finals : Float64Array.from({ length: nCell }, (_, q) => r.finals[q * Kt]!) };
    if (truth) truthFinal = Float64Array.from({ length: nCell }, (_, q) => r.finals[q * Kt + 1]!);
  }
  for (let i = 0; i < rows.length; i++) carried.obs.posteriorSim[rows[i]!] = offsetPpm[i]! + 1e6 * fwd.samples[i * Kt]!;
  env.timings.forwardMs += performance.now() - tf;
  env.progress.step(c, 'forward-run-done');
  return { done, info, prior, meanFinal: fwd.final, truthFinal };
}
