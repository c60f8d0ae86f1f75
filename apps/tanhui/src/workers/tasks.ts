// Tasks that run on worker threads. Only pure libraries are imported here (transport kernels and
// state mappings); readers and writers stay in the main thread. Large inputs arrive on
// SharedArrayBuffers (shared, not copied, and still there if a task is retried); results go
// back as moved buffers.
import { existsSync, writeFileSync } from 'node:fs';
import { Piscina } from 'piscina';
import { ensembleFlux, type StateMapping } from '@tanhui/priors';
import { createBuiltinModel, type BuiltinModelSpec, type BuiltinTransportModel, type SamplePlan, type SharedForwardSpec, type TransportWindow } from '@tanhui/transport';

export interface MemberGroupInput {
  modelSpec: BuiltinModelSpec;
  window: TransportWindow;
  periodSeconds: number;
  mapping: StateMapping;
  /** Non-optimised flux [period][cell]. */
  fixed: Float64Array;
  /** States of the K members of this group, [state][K]. */
  states: Float64Array;
  K: number;
  /** Initial mole fraction [level][lat][lon] shared by every member, or [cell][K] per member
   * when `initialPerMember`. */
  initial: Float64Array;
  initialPerMember?: boolean;
  /** More tracers, each with its own initial field and flux [period][cell] (the OSSE truth, the
   * background of a synthesis inversion); they follow the K members. */
  extras?: ReadonlyArray<{ initial: Float64Array; flux: Float64Array }>;
  plan: SamplePlan;
  /** Which final fields to send back: none, the extras' [cell][nExtras], or all [cell][Ktot]. */
  returnFinal: 'none' | 'extras' | 'all';
  /**
   * Write final fields into shared arrays instead of sending them back (returnFinal is then
   * ignored): the members' into members.array[cell·stride + offset + k] (one [cell][N] table that
   * every group fills with its own columns), the extras' likewise.
   */
  finalsInto?: { members?: SharedColumns; extras?: SharedColumns };
}

/** Columns offset … offset+count−1 of a [cell][stride] table on a SharedArrayBuffer. */
export interface SharedColumns {
  array: Float64Array;
  stride: number;
  offset: number;
}

export interface MemberGroupOutput {
  /** Sampled mole fractions [mol mol⁻¹], [sample][Ktot] (extra tracer last). */
  samples: Float64Array;
  final?: Float64Array;
  /** Epoch milliseconds at task start and end inside the worker, and transport time [ms]. */
  timing: { startMs: number; endMs: number; transportMs: number };
}

const models = new Map<string, BuiltinTransportModel>();

/**
 * Cache key of a model spec: its explicit `key` (compose.ts sets a content hash for met from
 * files), else its JSON for the small analytic specs. Specs with met arrays and no key are
 * never stringified (the JSON of the fields is hundreds of MB and slow): undefined, no cache.
 */
export function modelCacheKey(spec: BuiltinModelSpec): string | undefined {
  if (spec.key !== undefined) return `key:${spec.key}`;
  if (spec.met.kind === 'arrays') return undefined;
  return `json:${JSON.stringify(spec)}`;
}

function modelOf(spec: BuiltinModelSpec): BuiltinTransportModel {
  const key = modelCacheKey(spec);
  if (key === undefined) return createBuiltinModel(spec);
  let m = models.get(key);
  if (!m) {
    m = createBuiltinModel(spec);
    models.clear();
    models.set(key, m);
  }
  return m;
}

// The initial-field buffer of this worker's tasks, kept between tasks like the model's tracer
// state (same size window after window; fresh arrays of this size cost page faults).
let initPool = new Float64Array(0);
function initialBuffer(n: number): Float64Array {
  if (initPool.length < n) initPool = new Float64Array(n);
  return initPool.subarray(0, n);
}

const now = (): number => performance.timeOrigin + performance.now();

function failureSeam(window: TransportWindow): void {
  // Test seam: TANHUI_FAIL_WINDOW_START=<epoch s> makes every task of that window fail (the
  // nightly-run test of retries and of a failed window leaving the store intact).
  const failAt = process.env.TANHUI_FAIL_WINDOW_START;
  if (failAt !== undefined && Number(failAt) === window.startSec) throw new Error(`injected failure for the window starting at ${failAt}`);
}

/**
 * Initial mole fraction [cell][kb] and flux [period·cell][kb] of tracers b0 … b0+kb−1 of a run
 * whose first N tracers are the members (`states` [state][N], `initial` shared or [cell][N]) and
 * whose others are the extras: members' fluxes from their states, extras' as given.
 */
function tracerInputs(input: Pick<MemberGroupInput, 'mapping' | 'fixed' | 'states' | 'initial' | 'initialPerMember' | 'extras'>, N: number, b0: number, kb: number, init: Float64Array, flux: Float64Array): void {
  const { mapping, states } = input;
  const extras = input.extras ?? [];
  const km = Math.max(0, Math.min(N, b0 + kb) - b0);
  const nCell = init.length / kb;
  for (let c = 0; c < nCell; c++) {
    if (input.initialPerMember) for (let k = 0; k < km; k++) init[c * kb + k] = input.initial[c * N + b0 + k]!;
    else {
      const v = input.initial[c]!;
      for (let k = 0; k < km; k++) init[c * kb + k] = v;
    }
    for (let t = km; t < kb; t++) init[c * kb + t] = extras[b0 + t - N]!.initial[c]!;
  }
  const nFlux = mapping.nPeriods * mapping.nCells;
  if (km > 0) {
    let st = states;
    if (km < N) {
      st = new Float64Array(mapping.nState * km);
      for (let i = 0; i < mapping.nState; i++) for (let k = 0; k < km; k++) st[i * km + k] = states[i * N + b0 + k]!;
    }
    if (km === kb) ensembleFlux(mapping, input.fixed, st, km, flux);
    else {
      const f = ensembleFlux(mapping, input.fixed, st, km);
      for (let pc = 0; pc < nFlux; pc++) for (let k = 0; k < km; k++) flux[pc * kb + k] = f[pc * km + k]!;
    }
  }
  for (let t = km; t < kb; t++) {
    const ef = extras[b0 + t - N]!.flux;
    for (let pc = 0; pc < nFlux; pc++) flux[pc * kb + t] = ef[pc]!;
  }
}

/** The members' (tracers 0 … N−1) and extras' (N … N+E−1) final fields into shared columns. */
function finalDestinations(into: NonNullable<MemberGroupInput['finalsInto']>, N: number, E: number) {
  return [...(into.members ? [{ start: 0, count: N, ...into.members }] : []), ...(into.extras && E > 0 ? [{ start: N, count: E, ...into.extras }] : [])];
}

/** Transport for a group of ensemble members as tracers of one run, sampled by the plan. */
export function memberGroupTransport(input: MemberGroupInput): unknown {
  const startMs = now();
  failureSeam(input.window);
  const model = modelOf(input.modelSpec);
  const { K, mapping } = input;
  const extras = input.extras ?? [];
  const E = extras.length;
  const Kt = K + E;
  const nCell = input.initialPerMember ? input.initial.length / K : input.initial.length;
  const init = initialBuffer(nCell * Kt);
  const flux = new Float64Array(mapping.nPeriods * mapping.nCells * Kt);
  tracerInputs(input, K, 0, Kt, init, flux);
  const into = input.finalsInto;
  const t0 = now();
  const out = model.forward({
    window: input.window,
    nTracers: Kt,
    initialMoleFraction: init,
    fluxes: { periodSeconds: input.periodSeconds, data: flux },
    plan: input.plan,
    finalTracers: input.returnFinal === 'all' ? { start: 0, count: Kt } : input.returnFinal === 'extras' ? { start: K, count: E } : { start: 0, count: 0 },
    finalInto: into && finalDestinations(into, K, E),
  });
  const transportMs = now() - t0;
  const final = into || input.returnFinal === 'none' ? undefined : out.finalMoleFraction;
  const result: MemberGroupOutput = { samples: out.samples, final, timing: { startMs, endMs: now(), transportMs } };
  const transfer = [out.samples.buffer];
  if (final) transfer.push(final.buffer);
  // A transferable result marked movable: its buffers are moved, not copied, to the main thread.
  return Piscina.move(new MovedResult(result, transfer as ArrayBuffer[]) as unknown as ArrayBuffer);
}

/**
 * Test seam: TANHUI_DIE_ONCE=<file> ends this worker thread in the middle of a shared run (while
 * setting up a block, after joining) the first time only (the file marks it), as a crash would.
 */
function dieOnceSeam(): void {
  const marker = process.env.TANHUI_DIE_ONCE;
  if (marker === undefined || existsSync(marker)) return;
  writeFileSync(marker, 'died\n');
  process.exit(1);
}

/**
 * The whole ensemble of a window (all N members, then the extras) as one transport run shared
 * by every worker: tracer blocks claimed step by step (BuiltinTransportModel.forwardShared).
 * `states` holds all members, [state][N]; samples land in the spec's shared table, final fields
 * in `finalsInto`.
 */
export interface SharedMembersInput extends Omit<MemberGroupInput, 'K' | 'returnFinal'> {
  N: number;
  shared: SharedForwardSpec;
}

export interface SharedMembersOutput {
  blockSteps: number;
  waitMs: number;
  timing: { startMs: number; endMs: number; transportMs: number };
}

export function sharedMembersTransport(input: SharedMembersInput): SharedMembersOutput {
  const startMs = now();
  failureSeam(input.window);
  const model = modelOf(input.modelSpec);
  const { N } = input;
  const extras = input.extras ?? [];
  const into = input.finalsInto;
  const t0 = now();
  const r = model.forwardShared({
    window: input.window,
    periodSeconds: input.periodSeconds,
    plan: input.plan,
    shared: input.shared,
    blockInputs: (b0, kb, init, flux) => {
      dieOnceSeam();
      tracerInputs(input, N, b0, kb, init, flux);
    },
    finalInto: into && finalDestinations(into, N, extras.length),
  });
  const endMs = now();
  return { ...r, timing: { startMs, endMs, transportMs: endMs - t0 } };
}

/** A result whose buffers are moved to the main thread (Piscina's transferable protocol). */
class MovedResult {
  constructor(
    private readonly value: MemberGroupOutput,
    private readonly list: ArrayBuffer[],
  ) {}
  get [Piscina.transferableSymbol](): ArrayBuffer[] {
    return this.list;
  }
  get [Piscina.valueSymbol](): MemberGroupOutput {
    return this.value;
  }
}

export interface ExternalCommandInput {
  /** Run by /bin/sh -c in cwd; stdout and stderr appended to logFile. */
  command: string;
  cwd: string;
  logFile: string;
}

export interface ExternalCommandOutput {
  exitCode: number | null;
  signal: string | null;
}

/** An external model's command line (transport kinds mozart4, tm5): resolves with its exit status. */
export async function externalCommand(input: ExternalCommandInput): Promise<ExternalCommandOutput> {
  const { spawn } = await import('node:child_process');
  const { closeSync, openSync } = await import('node:fs');
  const fd = openSync(input.logFile, 'a');
  try {
    return await new Promise<ExternalCommandOutput>((resolve, reject) => {
      const child = spawn('/bin/sh', ['-c', input.command], { cwd: input.cwd, stdio: ['ignore', fd, fd] });
      child.on('error', reject);
      child.on('close', (exitCode, signal) => resolve({ exitCode, signal }));
    });
  } finally {
    closeSync(fd);
  }
}
