// The contract between the orchestrator and every transport model (built-in, MOZART-4 member
// fields, TM5 response functions). Linear in the tracers: K tracers (ensemble members or basis
// functions) share one run, the tracer index innermost in every array.
import type { HybridLevels, LatLonGrid, SamplePlan, SamplingContext } from '@tanhui/core';

export type { SamplePlan, SamplingContext };

/** A simulation window [startSec, endSec) in seconds since 1970-01-01 UTC. */
export interface TransportWindow {
  readonly startSec: number;
  readonly endSec: number;
}

/** Surface fluxes for K tracers, piecewise constant over periods starting at the window start. */
export interface SurfaceFluxes {
  /** Length of one flux period [s] (e.g. 86400 for daily fluxes, or the window length). */
  readonly periodSeconds: number;
  /** mol m⁻² s⁻¹, positive to the atmosphere, layout [period][lat][lon][tracer]. */
  readonly data: Float64Array;
}

export interface ForwardInput {
  readonly window: TransportWindow;
  readonly nTracers: number;
  /** Mole fraction [mol mol⁻¹] at the window start, layout [level][lat][lon][tracer]. */
  readonly initialMoleFraction: Float64Array;
  readonly fluxes: SurfaceFluxes;
  /** Sampling weights built by the observation operators from `samplingContext(window)`. */
  readonly plan?: SamplePlan;
  /**
   * Tracers whose final field to return (default: all): tracers start … start+count−1, so
   * finalMoleFraction is [level][lat][lon][count] (empty for count 0). Saves a field-sized
   * array when only the samples or a few tracers' fields are wanted.
   */
  readonly finalTracers?: { readonly start: number; readonly count: number };
  /**
   * Write final fields into arrays the caller owns instead (e.g. one SharedArrayBuffer that
   * every worker fills with its own members): tracer start+t of cell q goes to
   * array[q·stride + offset + t]. finalMoleFraction is then empty and finalTracers ignored.
   */
  readonly finalInto?: ReadonlyArray<FinalDestination>;
  /**
   * Called at step 0 and after every step n (1 … nSteps) with the tracer mass [cell][tracer] and
   * the air mass [cell] (mole fraction = tracerMass / airMass), e.g. to write history output.
   * The arrays are the model's own: read them, do not keep or change them.
   */
  readonly onStep?: (step: number, tracerMass: Float64Array, airMass: Float64Array) => void;
}

/** Where finalInto puts the final fields of tracers start … start+count−1. */
export interface FinalDestination {
  readonly start: number;
  readonly count: number;
  readonly array: Float64Array;
  readonly stride: number;
  readonly offset: number;
}

export interface ForwardOutput {
  /** Mole fraction [mol mol⁻¹] at the window end, layout [level][lat][lon][tracer] (the tracers
   * of `finalTracers`). */
  readonly finalMoleFraction: Float64Array;
  /** Sampled mole fractions [mol mol⁻¹], layout [sample][tracer] (empty without a plan). */
  readonly samples: Float64Array;
}

export interface AdjointInput {
  readonly window: TransportWindow;
  readonly nTracers: number;
  /** ∂J/∂sample [per mol mol⁻¹], layout [sample][tracer]. */
  readonly sampleSensitivity: Float64Array;
  /** ∂J/∂(final mole fraction), layout [level][lat][lon][tracer]; zero when omitted. */
  readonly finalSensitivity?: Float64Array;
  readonly plan: SamplePlan;
  /** Flux period length [s] of the flux sensitivities returned (default: the window length). */
  readonly fluxPeriodSeconds?: number;
}

export interface AdjointOutput {
  /** ∂J/∂flux [per mol m⁻² s⁻¹], layout [period][lat][lon][tracer] like SurfaceFluxes.data. */
  readonly fluxSensitivity: Float64Array;
  /** ∂J/∂(initial mole fraction), layout [level][lat][lon][tracer]. */
  readonly initialSensitivity: Float64Array;
}

/**
 * A linear tracer transport model. Implementations are pure (typed arrays in and out, no
 * node:* or gdal-async) so that they run inside worker threads.
 */
export interface TransportModel {
  readonly grid: LatLonGrid;
  readonly levels: HybridLevels;
  /** Model time step [s]; sample step n is at window.startSec + n·stepSeconds. */
  readonly stepSeconds: number;
  /** Grid, levels, time axis and surface pressure of a window, for the observation operators. */
  samplingContext(window: TransportWindow): SamplingContext;
  forward(input: ForwardInput): ForwardOutput;
  /** The exact transpose of `forward` (linear part) with respect to fluxes and initial field. */
  adjoint(input: AdjointInput): AdjointOutput;
}

/** Number of flux periods covering a window. */
export function fluxPeriodCount(window: TransportWindow, periodSeconds: number): number {
  return Math.max(1, Math.ceil((window.endSec - window.startSec) / periodSeconds - 1e-9));
}
