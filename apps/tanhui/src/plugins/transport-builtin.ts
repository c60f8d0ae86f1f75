// transport.kind: builtin — tanhui's own mass-flux model (TM5-like, with adjoint) on the met of
// the `met` section, fanned out over the executor: either one transport run of all tracers
// shared by the workers (executor.sharedRun, tracer blocks claimed step by step) or fixed member
// groups, one run each. Members are tracers of one run; big inputs travel on SharedArrayBuffers.
import { z } from 'zod';
import { TanhuiError } from '@tanhui/core';
import type { StateMapping } from '@tanhui/priors';
import {
  abandonSharedForward,
  createBuiltinModel,
  createSharedForward,
  sharedSamples,
  type BuiltinModelSpec,
  type BuiltinTransportModel,
  type SamplePlan,
  type SharedForwardBuffers,
} from '@tanhui/transport';
import { checkMetCoverage, readMetForRun } from '../met-files';
import { isRealMetSource, preparedMetForRun } from '../met/prepared';
import type { MemberGroupInput, MemberGroupOutput, SharedMembersInput, SharedMembersOutput } from '../workers/tasks';
import type { EnsembleRequest, EnsembleResult, SessionEnv, TransportKind, TransportPlugin, TransportSession } from './transport';

const schema = z.strictObject({ kind: z.literal('builtin') }).describe('the built-in mass-flux model on the met of the `met` section');

/** The built-in plug-in also gives its model (main-thread analyses: footprints, resampling). */
export interface BuiltinPlugin extends TransportPlugin {
  readonly modelSpec: BuiltinModelSpec;
  model(): BuiltinTransportModel;
}

export const builtinTransport: TransportKind<typeof schema> = {
  name: 'builtin',
  description: "tanhui's mass-flux model with adjoint (met: synthetic, files, era5, merra2, geosfp), members as tracers on worker threads",
  schema,
  async create(_section, { loaded, config, grid, levels, checksums }) {
    // Met from a file: read and checked here, fields on SharedArrayBuffers, cache key = content hash.
    const metFile = config.met.source === 'files' ? await readMetForRun(loaded, grid, levels) : undefined;
    if (metFile) checksums[config.met.path!] = metFile.fileSha256;
    // ERA5 / MERRA-2 / GEOS-FP as downloaded: prepared to the model grid (or read from the cache).
    const real = isRealMetSource(config.met.source) ? await preparedMetForRun(loaded, grid, levels) : undefined;
    if (real) Object.assign(checksums, real.fingerprints);
    const modelOptions = config.time.stepSeconds > 0 ? { stepSeconds: config.time.stepSeconds } : {};
    const arrays = metFile ?? real;
    const modelSpec: BuiltinModelSpec = arrays
      ? { met: { kind: 'arrays', data: arrays.data }, options: modelOptions, key: `${arrays.key}:${JSON.stringify(modelOptions)}` }
      : { met: { kind: 'synthetic', grid: config.grid.preset, levels: config.grid.levels }, options: modelOptions };
    let cached: BuiltinTransportModel | undefined;
    const model = (): BuiltinTransportModel => (cached ??= createBuiltinModel(modelSpec));
    const plugin: BuiltinPlugin = {
      kind: 'builtin',
      hasAdjoint: true,
      modelSpec,
      model,
      get stepSeconds() {
        return config.time.stepSeconds > 0 ? config.time.stepSeconds : model().stepSeconds;
      },
      nSteps: (w) => model().nSteps(w),
      samplingContext: (w) => model().samplingContext(w),
      checkCoverage: (windows) => {
        if (metFile) checkMetCoverage(loaded, metFile.data, windows);
        if (real) checkMetCoverage(loaded, real.data, windows, 'met.files');
      },
      session: (env) => builtinSession(plugin, env, config.executor),
    };
    return plugin;
  },
};

/** Copy typed arrays onto SharedArrayBuffers so tasks share (not copy) them. */
export function shared<T extends Float64Array | Int32Array>(a: T): T {
  const C = a.constructor as new (b: SharedArrayBuffer) => T;
  const out = new C(new SharedArrayBuffer(a.byteLength));
  (out as Float64Array).set(a as Float64Array);
  return out;
}

function sharedPlan(p: SamplePlan): SamplePlan {
  return { nSamples: p.nSamples, rowPtr: shared(p.rowPtr), step: shared(p.step), cell: shared(p.cell), weight: shared(p.weight) };
}

function sharedMapping(m: StateMapping): StateMapping {
  return { ...m, xPrior: shared(m.xPrior), terms: m.terms.map((t) => ({ ...t, pattern: shared(t.pattern), unit: shared(t.unit), block: shared(t.block) })) };
}

/** Smallest tracer block of a shared run (unless there are fewer tracers than workers × this). */
const MIN_BLOCK_TRACERS = 16;

type BaseInput = Omit<MemberGroupInput, 'states' | 'K' | 'initial' | 'returnFinal'>;
type ExecutorSection = { sharedRun: boolean; blocksPerWorker: number; membersPerTask: number; retries: number };

function builtinSession(plugin: BuiltinPlugin, env: SessionEnv, ex: ExecutorSection): TransportSession {
  // The shared run's tracer state, flux and sample buffers, reused window after window: fresh
  // arrays of hundreds of MB cost ~1.5 s of page faults per GB here.
  let buffers: SharedForwardBuffers | undefined;
  const base = (r: Omit<EnsembleRequest, 'memberFinals' | 'extraFinals'>) => ({
    modelSpec: plugin.modelSpec,
    window: r.window,
    periodSeconds: r.periodSeconds,
    mapping: sharedMapping(r.mapping),
    fixed: shared(r.fixed),
    plan: sharedPlan(r.plan),
  });
  const extrasOf = (r: Omit<EnsembleRequest, 'memberFinals' | 'extraFinals'>) => r.extras?.map((e) => ({ initial: shared(e.initial), flux: shared(e.flux) }));
  return {
    async ensemble(r) {
      if (ex.sharedRun) {
        const out = await sharedEnsemble(plugin, env, ex, r, base(r), extrasOf(r), buffers);
        buffers = out.buffers;
        return out.result;
      }
      return groupEnsemble(env, ex, r, base(r), extrasOf(r));
    },
    async forward(r) {
      const E = r.extras?.length ?? 0;
      const out = await env.executor.run<MemberGroupInput, MemberGroupOutput>(
        'memberGroupTransport',
        { ...base(r), states: Float64Array.from(r.states), K: r.N, initial: shared(r.initial), initialPerMember: r.initialPerMember, extras: E > 0 ? extrasOf(r) : undefined, returnFinal: 'all' },
        { label: r.label },
      );
      return { samples: out.samples, finals: out.final! };
    },
  };
}

/** The members in fixed groups, one transport run each; the extras ride along in group 0. */
async function groupEnsemble(env: SessionEnv, ex: ExecutorSection, r: EnsembleRequest, b: BaseInput, extras: MemberGroupInput['extras']): Promise<EnsembleResult> {
  const { executor, timings } = env;
  const { N, states } = r;
  const E = extras?.length ?? 0;
  const Kall = N + E;
  const groupSize = ex.membersPerTask > 0 ? ex.membersPerTask : Math.max(1, Math.ceil(N / executor.concurrency));
  const nGroups = Math.ceil(N / groupSize);
  const ns = r.mapping.nState;
  const nSamples = r.plan.nSamples;
  const nCell = r.initialPerMember ? r.initial.length / N : r.initial.length;
  const samples = new Float64Array(nSamples * Kall);
  // Final fields: the members' into the caller's [cell][N] table, each group its own columns.
  const finals = r.memberFinals;
  const extraInto = finals && E > 0 && r.extraFinals ? new Float64Array(new SharedArrayBuffer(nCell * E * 8)) : undefined;
  let extraFinals: Float64Array | undefined;
  const initialShared = r.initialPerMember ? undefined : shared(r.initial);
  let done = 0;
  await Promise.all(
    Array.from({ length: nGroups }, async (_, g) => {
      const m0 = g * groupSize;
      const K = Math.min(N, m0 + groupSize) - m0;
      const withExtras = g === 0 && E > 0;
      const st = new Float64Array(ns * K);
      for (let i = 0; i < ns; i++) for (let k = 0; k < K; k++) st[i * K + k] = states[i * N + m0 + k]!;
      let initial = initialShared;
      if (!initial) {
        initial = new Float64Array(new SharedArrayBuffer(nCell * K * 8));
        for (let c = 0; c < nCell; c++) for (let k = 0; k < K; k++) initial[c * K + k] = r.initial[c * N + m0 + k]!;
      }
      const returnFinal = withExtras && r.extraFinals && !extraInto ? 'extras' : 'none';
      const finalsInto = finals ? { members: { array: finals, stride: N, offset: m0 }, extras: withExtras && extraInto ? { array: extraInto, stride: E, offset: 0 } : undefined } : undefined;
      const input: MemberGroupInput = { ...b, states: st, K, initial, initialPerMember: r.initialPerMember, extras: withExtras ? extras : undefined, returnFinal, finalsInto };
      const submit = performance.timeOrigin + performance.now();
      const out = await executor.run<MemberGroupInput, MemberGroupOutput>('memberGroupTransport', input, { label: `${r.label} members ${m0}–${m0 + K - 1}` });
      const received = performance.timeOrigin + performance.now();
      timings.transferMs += Math.max(0, out.timing.startMs - submit) + Math.max(0, received - out.timing.endMs);
      const Kt = K + (withExtras ? E : 0);
      for (let s = 0; s < nSamples; s++) {
        for (let k = 0; k < K; k++) samples[s * Kall + m0 + k] = out.samples[s * Kt + k]!;
        if (withExtras) for (let e = 0; e < E; e++) samples[s * Kall + N + e] = out.samples[s * Kt + K + e]!;
      }
      if (withExtras && r.extraFinals) extraFinals = extraInto ? Float64Array.from(extraInto) : out.final;
      env.progress.taskDone(r.index, ++done, nGroups);
    }),
  );
  return { samples, extraFinals };
}

/**
 * All members (then the extras) as one transport run shared by the workers: its tracers in
 * blocks that the workers claim step by step, so the faster worker takes more. A participant
 * that dies mid-run leaves a block half-stepped: its restart is refused and the others stop;
 * then the whole run starts again (up to `retries` times). A real error (every attempt of some
 * participant failed the same way) fails the window at once.
 */
async function sharedEnsemble(
  plugin: BuiltinPlugin, env: SessionEnv, ex: ExecutorSection, r: EnsembleRequest,
  b: BaseInput, extras: MemberGroupInput['extras'], kept: SharedForwardBuffers | undefined,
): Promise<{ result: EnsembleResult; buffers: SharedForwardBuffers }> {
  const { executor, timings } = env;
  const { N } = r;
  const E = extras?.length ?? 0;
  const Kt = N + E;
  const nSteps = plugin.nSteps(r.window);
  const ncell = r.initialPerMember ? r.initial.length / N : r.initial.length;
  const ncol = plugin.model().grid.size;
  // Blocks of fewer than ~16 tracers cost more per tracer than balance gains (32 members on
  // 6°×4°: 4 blocks of 8 gave 1.53×, 2 blocks of 16 1.80× over 1 worker), so no smaller ones.
  const nBlocks = Math.min(Kt, ex.blocksPerWorker * executor.concurrency, Math.max(executor.concurrency, Math.floor(Kt / MIN_BLOCK_TRACERS)));
  const participants = Math.min(executor.concurrency, nBlocks);
  const nSamples = r.plan.nSamples;
  const finals = r.memberFinals;
  const extraInto = E > 0 && r.extraFinals ? new Float64Array(new SharedArrayBuffer(ncell * E * 8)) : undefined;
  const initial = shared(r.initial);
  let buffers = kept;
  let done = 0;
  for (let attempt = 0; ; attempt++) {
    const spec = createSharedForward({ ncell, ncol, nSteps, nPeriods: b.mapping.nPeriods, nSamples }, Kt, nBlocks, participants, buffers);
    buffers = spec.buffers;
    const input: SharedMembersInput = {
      ...b,
      states: r.states,
      N,
      initial,
      initialPerMember: r.initialPerMember,
      extras,
      shared: spec,
      finalsInto: { members: finals ? { array: finals, stride: N, offset: 0 } : undefined, extras: extraInto ? { array: extraInto, stride: E, offset: 0 } : undefined },
    };
    const results = await Promise.allSettled(
      Array.from({ length: participants }, async (_, p) => {
        const submit = performance.timeOrigin + performance.now();
        let out: SharedMembersOutput;
        try {
          out = await executor.run<SharedMembersInput, SharedMembersOutput>('sharedMembersTransport', input, { label: `${r.label} members 0–${N - 1} (shared run, part ${p + 1} of ${participants})` });
        } catch (e) {
          abandonSharedForward(spec, nSteps);
          throw e;
        }
        const received = performance.timeOrigin + performance.now();
        timings.transferMs += Math.max(0, out.timing.startMs - submit) + Math.max(0, received - out.timing.endMs);
        env.progress.taskDone(r.index, ++done, participants);
      }),
    );
    const failed = results.filter((x): x is PromiseRejectedResult => x.status === 'rejected');
    if (failed.length === 0) {
      return { result: { samples: Float64Array.from(sharedSamples(spec, nSamples)), extraFinals: extraInto ? Float64Array.from(extraInto) : undefined }, buffers: buffers! };
    }
    const root = failed.find((f) => !/abandoned/.test(String((f.reason as Error)?.message)));
    if (root || attempt >= ex.retries) throw (root ?? failed[0]!).reason;
    done = 0;
  }
}

/** The built-in model of a world whose transport is the built-in kind (main-thread analyses). */
export function builtinModelOf(transport: TransportPlugin, what: string): BuiltinTransportModel {
  if (transport.kind !== 'builtin') throw new TanhuiError('InvalidConfig', `${what} needs transport.kind 'builtin', not '${transport.kind}'`, { context: { key: 'transport.kind' } });
  return (transport as BuiltinPlugin).model();
}
