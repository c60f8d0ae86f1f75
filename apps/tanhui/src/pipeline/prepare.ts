// (1) prepare: which windows are in the state this cycle and which enter (lag 1: the window
// itself), the entering windows' ensembles drawn from B (mean: the previous posterior with lag 1,
// GCAS; x_prior or CTDAS's dynamical mean with lag > 1), and the simulation inputs of the span:
// member states, flux mapping, fixed flux, observation plan, the OSSE truth as an extra tracer.
import { TanhuiError } from '@tanhui/core';
import { applySqrtB, applySqrtBTranspose } from '@tanhui/priors';
import type { StateMapping } from '@tanhui/priors';
import { drawEnsemble, enteringMean, enterWindows, lagCycle, type CovarianceSqrt, type LagCycle, type LagState, type LagWindow } from '@tanhui/solvers';
import type { SamplePlan, TransportWindow } from '@tanhui/transport';
import { concatPlans, type World, type WindowPrior } from '../compose';
import type { ExtraTracer } from '../plugins/transport';
import type { CarriedState } from './carried';
import { budgetDeviations, spreadOf, truthFlux } from './products';
import { spanMapping, toSpanLayout } from './span';

/** The simulation of a cycle's span (only when some window enters). */
export interface SpanSimulation {
  window: TransportWindow;
  mapping: StateMapping;
  /** Layout of one window's state (for localisation). */
  layout: StateMapping;
  fixed: Float64Array;
  plan: SamplePlan;
  /** Observation rows sampled (the entering windows'), their offsets [ppm] and table ids. */
  rows: Int32Array;
  offsetPpm: Float64Array;
  sampleIds: Float64Array;
  /** Rows from…to of each entering window. */
  segments: Array<{ window: number; from: number; to: number }>;
  /** Member states [span state][N] in the span's layout. */
  states: Float64Array;
  truth?: ExtraTracer;
}

export interface PreparedCycle {
  c: number;
  cyc: LagCycle;
  /** The stacked state with the entering windows appended (before the solve). */
  state: LagState;
  /** The entering windows as drawn (lag 1: the prior ensemble of window c). */
  entering: LagWindow[];
  priorOf(w: number): Promise<WindowPrior>;
  sim?: SpanSimulation;
}

/** B^½ of the prior covariance of @tanhui/priors in the shape @tanhui/solvers draws from. */
export function covarianceSqrtOf(world: World): CovarianceSqrt {
  const cov = world.covariance;
  const sig = world.sigmaState;
  const n = sig.length;
  const variances = Float64Array.from(sig, (v) => v * v);
  if (!cov) {
    const scale = (z: Float64Array, k: number): Float64Array => {
      const out = new Float64Array(n * k);
      for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) out[i * k + j] = sig[i]! * z[i * k + j]!;
      return out;
    };
    return { n, variances, apply: (z) => scale(z, 1), applyT: (v) => scale(v, 1), applyMatrix: scale };
  }
  return { n, variances, apply: (z) => applySqrtB(cov, z, 1), applyT: (v) => applySqrtBTranspose(cov, v, 1), applyMatrix: (z, k) => applySqrtB(cov, z, k) };
}

function concatFloat(parts: readonly Float64Array[]): Float64Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export async function prepare(world: World, carried: CarriedState, c: number, sqrtB: CovarianceSqrt): Promise<PreparedCycle> {
  const { config } = world;
  const L = config.solver.lag;
  const N = config.solver.members;
  const ns = world.nState;
  const nr = world.regions.size + 3;
  const cyc = lagCycle(c, L, world.windows.length);
  const lag = carried.lag;
  const priors = new Map<number, WindowPrior>();
  const priorOf = async (w: number): Promise<WindowPrior> => {
    let p = priors.get(w);
    if (!p) priors.set(w, (p = await world.priorFor(w)));
    return p;
  };

  const entering: LagWindow[] = [];
  for (const w of cyc.enter) {
    const mean = L === 1 ? Float64Array.from(carried.x) : config.solver.lagEnteringMean === 'ctdas' ? enteringMean(world.xPrior, lag.state, L) : world.xPrior;
    const { x, Xprime } = drawEnsemble({ mean, nmembers: N, covariance: sqrtB, rng: carried.rng, meanIsMember0: true });
    lag.info.set(w, { statePrior: L === 1 ? mean : undefined, priorSpread: spreadOf(Xprime, ns, N), budgetPriorSd: spreadOf(budgetDeviations(world, await priorOf(w), Xprime), nr, N), chi2: NaN });
    entering.push({ window: w, x, Xprime });
  }
  const state = enterWindows(lag.state, ns, N, entering);
  if (state.windows.join() !== cyc.span.join()) {
    throw new TanhuiError('StoreConflict', `the lagged state holds windows ${state.windows.join(', ')}, cycle ${c + 1} needs ${cyc.span.join(', ')}`, { context: { file: world.storePath } });
  }
  const sim = cyc.enter.length > 0 ? await spanSimulation(world, carried, c, cyc, state, priorOf) : undefined;
  return { c, cyc, state, entering, priorOf, sim };
}

/** The ensemble over the span from the span's start field; only entering windows are sampled. */
async function spanSimulation(world: World, carried: CarriedState, c: number, cyc: LagCycle, state: LagState, priorOf: (w: number) => Promise<WindowPrior>): Promise<SpanSimulation> {
  const N = world.config.solver.members;
  const S = cyc.span.length;
  const spanPriors: WindowPrior[] = [];
  for (const w of cyc.span) spanPriors.push(await priorOf(w));
  const window = { startSec: world.windows[c]!.startSec, endSec: world.windows[cyc.span[S - 1]!]!.endSec };
  const stepsBefore = (w: number): number => {
    let steps = 0;
    for (let v = c; v < w; v++) steps += world.transport.nSteps(world.windows[v]!);
    return steps;
  };
  const plans = cyc.enter.map((w) => world.planFor(w));
  // Sample steps count from the span's start: a window entering later is offset by the windows before it.
  const stepOffsets = cyc.enter.map(stepsBefore);
  const rows = plans.length === 1 ? plans[0]!.rows : Int32Array.from(plans.flatMap((p) => Array.from(p.rows)));
  const segments: SpanSimulation['segments'] = [];
  let s0 = 0;
  cyc.enter.forEach((w, i) => {
    segments.push({ window: w, from: s0, to: s0 + plans[i]!.rows.length });
    s0 += plans[i]!.rows.length;
  });
  const layout = spanPriors[0]!.mapping;
  const nx = S * world.nState;
  const states = new Float64Array(nx * N);
  for (let i = 0; i < nx; i++) for (let k = 0; k < N; k++) states[i * N + k] = state.x[i]! + state.Xprime[i * N + k]!;
  return {
    window,
    mapping: spanMapping(spanPriors.map((p) => p.mapping)),
    layout: spanPriors[0]!.meanMapping,
    fixed: concatFloat(spanPriors.map((p) => p.fixed)),
    plan: plans.length === 1 && stepOffsets[0] === 0 ? plans[0]!.plan : concatPlans(plans.map((p) => p.plan), stepOffsets),
    rows,
    offsetPpm: concatFloat(plans.map((p) => p.offsetPpm)),
    sampleIds: Float64Array.from(rows, (k) => world.obs.table.id[k]!),
    segments,
    states: toSpanLayout(states, S, N, layout),
    truth: world.truthScaling && carried.truthMoleFraction ? { initial: carried.truthMoleFraction, flux: concatFloat(spanPriors.map((p) => truthFlux(world, p))) } : undefined,
  };
}
