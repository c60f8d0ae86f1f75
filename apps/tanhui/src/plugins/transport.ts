// The transport seam: the cycle asks a transport plug-in to simulate K tracers over a window
// (the ensemble members, then extra tracers such as the OSSE truth) and gets back their samples
// of the observations and, on request, their final fields. A kind is one file plus one line
// below; it owns the zod schema of its `transport` section. How it runs (worker threads, a job
// array, an external program) is its own business: the cycle only awaits the result.
import { z } from 'zod';
import { Registry, type HybridLevels, type LatLonGrid, type RegistryEntry } from '@tanhui/core';
import type { ObservationTable } from '@tanhui/observations';
import type { StateMapping } from '@tanhui/priors';
import type { SamplePlan, SamplingContext, TransportWindow } from '@tanhui/transport';
import type { LoadedConfig } from '../config/load';
import type { RunConfig } from '../config/schema';
import type { Executor } from '../executor/executor';
import type { Progress } from '../progress';
import type { RunTimings } from '../pipeline/timings';

/** A tracer with its own initial field [cell] and flux [period][cell] (OSSE truth, a background). */
export interface ExtraTracer {
  initial: Float64Array;
  flux: Float64Array;
}

/** K tracers over one window (or a lag span): members' fluxes = mapping(states) + fixed. */
export interface EnsembleRequest {
  /** Progress index (window or cycle) and a label for logs and errors. */
  index: number;
  label: string;
  window: TransportWindow;
  periodSeconds: number;
  mapping: StateMapping;
  /** Non-optimised flux [period][cell] (mol m⁻² s⁻¹). */
  fixed: Float64Array;
  /** Member states [state][N]. */
  states: Float64Array;
  N: number;
  /** Initial mole fraction [cell] shared by every member, or [cell][N] when initialPerMember. */
  initial: Float64Array;
  initialPerMember?: boolean;
  /** Tracers after the members. */
  extras?: readonly ExtraTracer[];
  plan: SamplePlan;
  /** Observation-table id of each sample (kinds whose model samples by id: response functions, TM5). */
  sampleIds: Float64Array;
  /** Row of each sample in the observation table of `SessionEnv.observations` (kinds that write the observations out: tm5). */
  sampleRows?: Int32Array;
  /** Fill this [cell][N] table with every member's final field (twoStep 'combine'), or none. */
  memberFinals?: Float64Array;
  /** Return the extras' final fields. */
  extraFinals: boolean;
}

export interface EnsembleResult {
  /** Sampled mole fractions [mol mol⁻¹], [sample][N + extras]. */
  samples: Float64Array;
  /** Extras' final fields [cell][extras] when requested. */
  extraFinals?: Float64Array;
}

/** One run's use of a plug-in: what it keeps between windows (buffers, work folders) lives here. */
export interface TransportSession {
  ensemble(request: EnsembleRequest): Promise<EnsembleResult>;
  /** A forward run whose final fields are all returned ([cell][N + extras] in `finals`). */
  forward(request: Omit<EnsembleRequest, 'memberFinals' | 'extraFinals'>): Promise<EnsembleResult & { finals: Float64Array }>;
}

export interface SessionEnv {
  executor: Executor;
  progress: Progress;
  timings: RunTimings;
  /** The observation table (kinds whose model samples the observations itself: tm5). */
  observations?: { table: ObservationTable; isColumn: Uint8Array };
}

export interface TransportPlugin {
  readonly kind: string;
  /** Model time step [s]; sample step n is at window.startSec + n·stepSeconds. */
  readonly stepSeconds: number;
  /** Whether the kind has an exact adjoint (4D-Var and footprints need one). */
  readonly hasAdjoint: boolean;
  nSteps(window: TransportWindow): number;
  /** Grid, levels, time axis and surface pressure of a window, for the observation operators. */
  samplingContext(window: TransportWindow): SamplingContext;
  session(env: SessionEnv): TransportSession;
  /** Fail before the run starts when the kind's inputs do not cover the windows. */
  checkCoverage?(windows: readonly TransportWindow[]): void;
}

export interface TransportContext {
  loaded: LoadedConfig;
  config: RunConfig;
  grid: LatLonGrid;
  levels: HybridLevels;
  /** sha256 of the kind's input files, recorded in the store's provenance. */
  checksums: Record<string, string>;
}

export interface TransportKind<S extends z.ZodType = z.ZodType> extends RegistryEntry {
  /** The `transport` section of this kind, `kind: z.literal(name)` included. */
  readonly schema: S;
  create(section: z.output<S>, context: TransportContext): Promise<TransportPlugin>;
}

export const transportKinds = new Registry<TransportKind>('transport kind');

/** Register a transport kind (this file's lines below, or a user's or a test's own). */
export function registerTransport<S extends z.ZodType>(kind: TransportKind<S>): TransportKind<S> {
  transportKinds.register(kind as unknown as TransportKind);
  return kind;
}
