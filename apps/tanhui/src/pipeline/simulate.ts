// (2) simulate: the transport plug-in runs the members (and the OSSE truth) over the span and
// samples the entering windows' observations; the samples become HX [obs][member] in ppm and the
// synthetic observations are drawn from the truth's samples.
import type { TransportSession } from '../plugins/transport';
import { FLUX_PERIOD_SECONDS, type World } from '../compose';
import type { CarriedState } from './carried';
import { observedValues } from './observed';
import type { PreparedCycle, SpanSimulation } from './prepare';
import type { RunTimings } from './timings';

export interface Simulated {
  /** Member samples [obs][N] in ppm (offset included). */
  HX: Float64Array;
  /** Observed values and their total errors σ [ppm], aligned with the span's rows. */
  y: Float64Array;
  sigma: Float64Array;
  /** The truth's final field at the end of the window (lag 1 only; lag > 1 reruns it in advance). */
  truthFinal?: Float64Array;
}

/**
 * Tracers t0 … t0+count−1 of samples [sample][Kt] (mol mol⁻¹) as ppm with the sample's offset,
 * into out[sample·stride + offset + k]; returns out.
 */
export function samplesToPpm(samples: Float64Array, Kt: number, t0: number, count: number, offsetPpm: Float64Array, nobs: number, out: Float64Array, stride: number, offset: number): Float64Array {
  for (let s = 0; s < nobs; s++) for (let k = 0; k < count; k++) out[s * stride + offset + k] = offsetPpm[s]! + 1e6 * samples[s * Kt + t0 + k]!;
  return out;
}

export async function simulate(world: World, session: TransportSession, carried: CarriedState, p: PreparedCycle & { sim: SpanSimulation }, timings: RunTimings): Promise<Simulated> {
  const { config } = world;
  const N = config.solver.members;
  const sim = p.sim;
  const S = p.cyc.span.length;
  const combine = config.solver.twoStep === 'combine';
  // With lag 1 the truth's final field comes from this run; with lag > 1 from advance's rerun.
  const truthFinal = config.solver.lag === 1 && sim.truth !== undefined;
  const nCell = carried.moleFraction.length;
  const te = performance.now();
  const r = await session.ensemble({
    index: p.c,
    label: S > 1 ? `cycle ${p.c + 1} (windows ${p.cyc.span[0]! + 1}–${p.cyc.span[S - 1]! + 1})` : `window ${p.c + 1}`,
    window: sim.window,
    periodSeconds: FLUX_PERIOD_SECONDS,
    mapping: sim.mapping,
    fixed: sim.fixed,
    states: sim.states,
    N,
    initial: carried.moleFraction,
    extras: sim.truth ? [sim.truth] : undefined,
    plan: sim.plan,
    sampleIds: sim.sampleIds,
    sampleRows: sim.rows,
    memberFinals: combine ? (carried.finalsTable ??= new Float64Array(new SharedArrayBuffer(nCell * N * 8))) : undefined,
    extraFinals: truthFinal,
  });
  timings.ensembleMs += performance.now() - te;
  const nobs = sim.rows.length;
  const Kt = N + (sim.truth ? 1 : 0);
  const HX = samplesToPpm(r.samples, Kt, 0, N, sim.offsetPpm, nobs, new Float64Array(nobs * N), N, 0);
  const truthSamples = sim.truth ? samplesToPpm(r.samples, Kt, N, 1, sim.offsetPpm, nobs, new Float64Array(nobs), 1, 0) : undefined;
  // Observations: per-window noise streams, so the values do not depend on the lag.
  const sigma = Float64Array.from(sim.rows, (k) => world.obs.qc.totalErrorPpm[k]!);
  const y = new Float64Array(nobs);
  for (const seg of sim.segments) observedValues(world, sim.rows, sigma, truthSamples, seg.window, seg.from, seg.to, y);
  return { HX, y, sigma, truthFinal: truthFinal ? r.extraFinals : undefined };
}
