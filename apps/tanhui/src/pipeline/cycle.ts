// One cycle of `tanhui run` (every window, every lag): prepare → simulate → solve → advance →
// write. Lag 1 is the lag smoother with L = 1; with L > 1 a cycle near the end of the run has no
// entering window and only advances (its window's posterior is already final).
import type { ZarrStore } from '@tanhui/io';
import type { CovarianceSqrt } from '@tanhui/solvers';
import type { World } from '../compose';
import type { EnsembleSolver } from '../plugins/solver';
import type { TransportSession } from '../plugins/transport';
import type { Progress } from '../progress';
import type { WindowOutput } from '../store/run-store';
import { advance } from './advance';
import type { CarriedState } from './carried';
import { prepare } from './prepare';
import { simulate } from './simulate';
import { solve } from './solve';
import type { RunTimings } from './timings';
import { windowOutput, write } from './write';

export interface CycleContext {
  world: World;
  store: ZarrStore;
  session: TransportSession;
  solver: EnsembleSolver;
  sqrtB: CovarianceSqrt;
  carried: CarriedState;
  progress: Progress;
  timings: RunTimings;
}

export async function cycle(ctx: CycleContext, c: number): Promise<WindowOutput> {
  const { world, carried, timings } = ctx;
  const tp = performance.now();
  const prepared = await prepare(world, carried, c, ctx.sqrtB);
  const withSim = prepared.sim ? { ...prepared, sim: prepared.sim } : undefined;
  const tsim = performance.now();
  const simulated = withSim ? await simulate(world, ctx.session, carried, withSim, timings) : undefined;
  const ts = performance.now();
  const solved = withSim && simulated ? solve(world, ctx.solver, carried, withSim, simulated) : undefined;
  const ta = performance.now();
  timings.solveMs += ta - ts;
  const advanced = await advance(world, ctx.session, carried, prepared, simulated, solved, ctx);
  const out = windowOutput(world, carried, c, advanced, solved);
  const tw = performance.now();
  await write(ctx.store, world, out);
  const tEnd = performance.now();
  timings.writeMs += tEnd - tw;
  // The window's products (windowOutput) count as advance: they are the posterior's.
  timings.stageWindowMs.push({ prepare: tsim - tp, simulate: ts - tsim, solve: ta - ts, advance: tw - ta, write: tEnd - tw });
  return out;
}
