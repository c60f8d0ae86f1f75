// The cycling run (GCAS two-step EnSRF), one short pipeline per window:
//   prepare (prior, plan, ensemble) → sample (member groups on the executor) → solve (EnSRF)
//   → advance (forward run with the posterior mean; its final field starts the next window)
//   → write (append the window to the run store and commit it).
import { availableParallelism } from 'node:os';
import { ZarrStore, type ZarrAttrs } from '@tanhui/io';
import { TanhuiError } from '@tanhui/core';
import {
  applyMapping,
  applySqrtB,
  applySqrtBTranspose,
  buildMapping,
  ensembleFlux,
  gridScalingTerm,
  unitCentroids,
  type StateMapping,
} from '@tanhui/priors';
import { createRng, drawEnsemble, ensrfBulk, ensrfEnsembleSpace, ensrfSerial, type CovarianceSqrt, type EnsrfOptions, type EnsrfResult, type Localization, type Rng } from '@tanhui/solvers';
import { abandonSharedForward, createSharedForward, sharedSamples, type SamplePlan, type SharedForwardBuffers, type TransportWindow } from '@tanhui/transport';
import { budgetsOf, COMPONENTS, concatPlans, FLUX_PERIOD_SECONDS, type ComponentName, type World, type WindowPrior } from '../compose';
import type { Executor } from '../executor/executor';
import { combineColumns, combineWeights } from './combine';
import { InlineExecutor } from '../executor/inline-executor';
import { PiscinaExecutor } from '../executor/piscina-executor';
import type { MemberGroupInput, MemberGroupOutput, SharedMembersInput, SharedMembersOutput } from '../workers/tasks';
import type { Progress } from '../progress';
import { acquireStoreLock } from '../store/lock';
import { createRunStore, emptyObsColumns, openRunStore, readRestart, writeWindow, type LagRestart, type ObsColumns, type WindowOutput } from '../store/run-store';
import { enterWindows, enteringMean, lagCycle, leaveOldest, spanMapping, toSpanLayout, type LagState, type LagWindow } from './lag';

/** Default uniform initial CO2 of the first window [mol mol⁻¹] (initialField, README). */
export const INITIAL_MOLE_FRACTION = 400e-6;

export interface RunOptions {
  progress: Progress;
  /** Root attributes with provenance (version, git commit, command). */
  provenance: ZarrAttrs;
  /** Use this executor instead of one built from the config (closed by the caller). */
  executor?: Executor;
  /** Stop after this many windows of this invocation (tests). */
  maxWindows?: number;
}

export interface RunTimings {
  ensembleMs: number;
  transferMs: number;
  solveMs: number;
  forwardMs: number;
  writeMs: number;
  windowMs: number[];
  /** Per window: its ensemble step and its share of transferMs (the first window of a run also pays the page faults of its fresh shared arrays). */
  ensembleWindowMs: number[];
  transferWindowMs: number[];
}

export interface RunSummary {
  store: string;
  windowsDone: number;
  windowsTotal: number;
  resumedFrom: number;
  timings: RunTimings;
}

/** Use flag of held-out observations (sampled, not assimilated); 0 = assimilated, 2 = rejected. */
export const FLAG_HELD_OUT = 1;

const TASKS_MODULE = new URL('../workers/tasks.ts', import.meta.url);

export function executorFor(world: World): Executor {
  const e = world.config.executor;
  if (e.engine === 'inline') return new InlineExecutor(() => import('../workers/tasks'), e.retries);
  return new PiscinaExecutor({ filename: TASKS_MODULE, workers: e.workers > 0 ? e.workers : availableParallelism(), retries: e.retries });
}

/** Copy typed arrays onto SharedArrayBuffers so tasks share (not copy) them. */
export function shared<T extends Float64Array | Int32Array>(a: T): T {
  const C = a.constructor as new (b: SharedArrayBuffer) => T;
  const out = new C(new SharedArrayBuffer(a.byteLength));
  (out as Float64Array).set(a as Float64Array);
  return out;
}

export function sharedPlan(p: SamplePlan): SamplePlan {
  return { nSamples: p.nSamples, rowPtr: shared(p.rowPtr), step: shared(p.step), cell: shared(p.cell), weight: shared(p.weight) };
}

export function sharedMapping(m: StateMapping): StateMapping {
  return { ...m, xPrior: shared(m.xPrior), terms: m.terms.map((t) => ({ ...t, pattern: shared(t.pattern), unit: shared(t.unit), block: shared(t.block) })) };
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
  return {
    n,
    variances,
    apply: (z) => applySqrtB(cov, z, 1),
    applyT: (v) => applySqrtBTranspose(cov, v, 1),
    applyMatrix: (z, k) => applySqrtB(cov, z, k),
  };
}

/** A mapping restricted to one component (for per-component flux maps). */
function termOnly(m: StateMapping, name: string): StateMapping | undefined {
  const t = m.terms.find((x) => x.name === name);
  return t ? { ...m, terms: [t] } : undefined;
}

function localizationOf(world: World, nobs: number, lat: Float64Array, lon: Float64Array, layout: StateMapping): Localization {
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
  void nobs;
  return { kind: 'gaspari-cohn', lengthScaleKm: s.localizationLengthKm, obsLat: lat, obsLon: lon, paramLat, paramLon };
}

/** Ensemble mean and standard deviation (N−1) of K columns of [row][K] data given deviations. */
function spreadOf(dev: Float64Array, rows: number, N: number): Float64Array {
  const sd = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let k = 0; k < N; k++) s += dev[r * N + k]! ** 2;
    sd[r] = Math.sqrt(s / (N - 1));
  }
  return sd;
}

function meanOf(f: Float64Array, nPeriods: number, n: number): Float64Array {
  const m = new Float64Array(n);
  for (let p = 0; p < nPeriods; p++) for (let c = 0; c < n; c++) m[c] += f[p * n + c]!;
  for (let c = 0; c < n; c++) m[c] /= nPeriods;
  return m;
}

interface CarriedState {
  moleFraction: Float64Array;
  x: Float64Array;
  rng: Rng;
  truthMoleFraction?: Float64Array;
  obs: ObsColumns;
  /** Lagged windows (solver.lag > 1): the windows still in the state and what they entered with. */
  lag?: CarriedLag;
  /** The members' final fields [cell][member] ('combine') on a SharedArrayBuffer, kept for the
   * next window of this run: fresh arrays of hundreds of MB cost ~1.5 s of page faults per GB here. */
  finalsTable?: Float64Array;
  /** The shared run's tracer state, flux and sample buffers (reused window after window). */
  sharedBuffers?: SharedForwardBuffers;
}

/** What a window carries from the cycle it entered the lagged state to the cycle it leaves. */
interface SlotInfo {
  /** Ensemble σ of the state as drawn from B [state]. */
  priorSpread: Float64Array;
  /** Prior σ of the budgets as drawn [region]. */
  budgetPriorSd: Float64Array;
  /** χ² per observation of the window's observations when they were assimilated. */
  chi2: number;
}

interface CarriedLag {
  state: LagState | undefined;
  info: Map<number, SlotInfo>;
}

/** The lagged state and slot information from (or for) the run store's lag restart arrays. */
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
function lagRestartOf(world: World, carried: CarriedLag): LagRestart {
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

/** Run (or resume) the cycling assimilation of a composed world into its run store. */
export async function runCycling(world: World, opts: RunOptions): Promise<RunSummary> {
  const { config } = world;
  if (config.solver.method !== 'ensrf') {
    throw new TanhuiError('InvalidConfig', `'tanhui run' cycles an EnSRF; solver.method is '${config.solver.method}'`, {
      context: { file: world.loaded.file, key: 'solver.method' },
      hint: "use 'tanhui invert' for batch and 4dvar",
    });
  }
  const lock = acquireStoreLock(world.storePath, String(opts.provenance.tanhui_command ?? 'tanhui run'));
  const executor = opts.executor ?? executorFor(world);
  const timings: RunTimings = { ensembleMs: 0, transferMs: 0, solveMs: 0, forwardMs: 0, writeMs: 0, windowMs: [], ensembleWindowMs: [], transferWindowMs: [] };
  try {
    let store: ZarrStore;
    let complete = 0;
    if (ZarrStore.exists(world.storePath)) {
      const info = await openRunStore(world);
      store = info.store;
      complete = info.complete;
    } else {
      store = await createRunStore(world, { ...opts.provenance, config: world.storedConfig as ZarrAttrs, config_sha256: world.configSha256, input_checksums: world.inputChecksums });
    }
    const W = world.windows.length;
    const N = config.solver.members;
    const groupSize = config.executor.membersPerTask > 0 ? config.executor.membersPerTask : Math.max(1, Math.ceil(N / executor.concurrency));
    const nGroups = Math.ceil(N / groupSize);
    opts.progress.runStart({ command: String(opts.provenance.tanhui_command ?? 'run'), store: world.storePath, windows: W, complete, tasksPerWindow: config.executor.sharedRun ? executor.concurrency : nGroups });

    let carried: CarriedState;
    if (complete > 0) {
      const r = await readRestart(store, world, complete);
      carried = { moleFraction: r.moleFraction, x: r.x, rng: createRng(r.rng), truthMoleFraction: r.truthMoleFraction, obs: r.obs };
      if (config.solver.lag > 1) carried.lag = carriedLagOf(world, r.lag);
    } else {
      // initialField: the posterior-mean run and the OSSE truth start from the same field.
      carried = {
        moleFraction: Float64Array.from(world.initialMoleFraction),
        x: Float64Array.from(world.xPrior),
        rng: createRng(config.solver.seed),
        truthMoleFraction: world.truthScaling ? Float64Array.from(world.initialMoleFraction) : undefined,
        obs: emptyObsColumns(world.obs.table.n),
      };
      if (config.solver.lag > 1) carried.lag = carriedLagOf(world, undefined);
    }
    const sqrtB = covarianceSqrtOf(world);
    const startAt = complete;
    const last = opts.maxWindows !== undefined ? Math.min(W, complete + opts.maxWindows) : W;
    for (let w = complete; w < last; w++) {
      const t0 = performance.now();
      const [e0, x0] = [timings.ensembleMs, timings.transferMs];
      opts.progress.windowStart(w, new Date(world.windows[w]!.startSec * 1000).toISOString());
      const out =
        config.solver.lag > 1
          ? await runLagCycle(world, w, carried, executor, sqrtB, groupSize, nGroups, opts.progress, timings)
          : await runWindow(world, w, carried, executor, sqrtB, groupSize, nGroups, opts.progress, timings);
      const tw = performance.now();
      await writeWindow(store, world, out);
      timings.writeMs += performance.now() - tw;
      timings.windowMs.push(performance.now() - t0);
      timings.ensembleWindowMs.push(timings.ensembleMs - e0);
      timings.transferWindowMs.push(timings.transferMs - x0);
      opts.progress.windowDone(w, { chi2PerObs: out.chi2, assimilated: out.nAssimilated, rejected: out.nRejected, seconds: (performance.now() - t0) / 1000 });
    }
    await store.consolidate();
    opts.progress.runDone({ store: world.storePath, windows: last });
    return { store: world.storePath, windowsDone: last, windowsTotal: W, resumedFrom: startAt, timings };
  } finally {
    if (!opts.executor) await executor.close();
    lock.release();
  }
}

async function runWindow(
  world: World,
  w: number,
  carried: CarriedState,
  executor: Executor,
  sqrtB: CovarianceSqrt,
  groupSize: number,
  nGroups: number,
  progress: Progress,
  timings: RunTimings,
): Promise<WindowOutput> {
  const { config, obs } = world;
  const N = config.solver.members;
  const ns = world.nState;
  const win = world.windows[w]!;
  const prior: WindowPrior = await world.priorFor(w);
  const { plan, offsetPpm, rows } = world.planFor(w);
  const nobs = rows.length;

  // (a) ensemble: mean from the previous posterior, deviations from B (CTDAS: member 0 = mean).
  const xb = Float64Array.from(carried.x);
  const { x, Xprime } = drawEnsemble({ mean: xb, nmembers: N, covariance: sqrtB, rng: carried.rng, meanIsMember0: true });
  const states = new Float64Array(ns * N);
  for (let i = 0; i < ns; i++) for (let k = 0; k < N; k++) states[i * N + k] = x[i]! + Xprime[i * N + k]!;

  // (b) member groups on the executor; the OSSE truth rides along in group 0 as one more tracer.
  const mapping = sharedMapping(prior.mapping);
  const fixed = shared(prior.fixed);
  const initial = shared(carried.moleFraction);
  const splan = sharedPlan(plan);
  let extra: { initial: Float64Array; flux: Float64Array } | undefined;
  if (world.truthScaling && carried.truthMoleFraction) {
    extra = { initial: shared(carried.truthMoleFraction), flux: shared(truthFlux(world, prior)) };
  }
  const base = { modelSpec: world.modelSpec, window: win, periodSeconds: FLUX_PERIOD_SECONDS, mapping, fixed, initial, plan: splan };
  const nCell = carried.moleFraction.length;
  const combine = config.solver.twoStep === 'combine';
  const { HX, truthSamples, finals, truthFinal } = await sampleMembers({
    executor, timings, progress, progressIndex: w, base, N, groupSize, nGroups, nobs, offsetPpm, extra, shared: sharedRunOf(world, carried, win),
    statesOf: (m0, K) => {
      const st = new Float64Array(ns * K);
      for (let i = 0; i < ns; i++) for (let k = 0; k < K; k++) st[i * K + k] = states[i * N + m0 + k]!;
      return st;
    },
    finals: combine ? (carried.finalsTable ??= new Float64Array(new SharedArrayBuffer(nCell * N * 8))) : undefined,
    truthFinal: true,
    label: (m0, K) => `window ${w + 1} members ${m0}–${m0 + K - 1}`,
  });

  const sigma = Float64Array.from(rows, (k) => obs.qc.totalErrorPpm[k]!);
  const y = new Float64Array(nobs);
  observedValues(world, rows, sigma, truthSamples, w, 0, nobs, y);

  // (c) solve.
  const ts = performance.now();
  const { solved, Hx, HXprime, R } = solveEnsemble(world, x, Xprime, ns, HX, N, rows, y, sigma, prior.meanMapping);
  timings.solveMs += performance.now() - ts;
  const fit = chi2Of(solved, HXprime, y, Hx, R, N, 0, nobs);
  const chi2 = fit.chi2;
  const nAssim = fit.nAssim;
  const nRej = fit.nRej;

  // (d) forward run with the posterior mean: its final field starts the next window. With
  // twoStep 'combine' it is the exact linear combination of the member runs (see combine.ts).
  const tf = performance.now();
  let fwd: { final: Float64Array; samples: Float64Array } | undefined;
  if (combine) {
    const d = Float64Array.from(solved.x, (v, i) => v - x[i]!);
    const { w: weights, relResidual } = combineWeights(Xprime, ns, N, d);
    if (relResidual < 1e-9) {
      const samples = combineColumns(HX, nobs, N, weights);
      for (let s = 0; s < nobs; s++) samples[s] = (samples[s]! - offsetPpm[s]!) / 1e6;
      fwd = { final: combineColumns(finals!, nCell, N, weights), samples };
    }
    progress.step(w, 'combine-weights', { relResidual });
  }
  if (!fwd) {
    const r = await executor.run<MemberGroupInput, MemberGroupOutput>(
      'memberGroupTransport',
      { ...base, states: Float64Array.from(solved.x), K: 1, returnFinal: 'all' },
      { label: `window ${w + 1} posterior-mean forward run` },
    );
    fwd = { final: r.final!, samples: r.samples };
  }
  timings.forwardMs += performance.now() - tf;
  progress.step(w, 'forward-run-done');

  // (e) window outputs.
  const products = windowProducts(world, prior, solved.x, solved.Xprime);
  const nr = world.regions.size + 3;
  const devPrior = budgetDeviations(world, prior, Xprime);

  const o = carried.obs;
  for (let s = 0; s < nobs; s++) {
    const k = rows[s]!;
    o.value[k] = y[s]!;
    o.priorSim[k] = Hx[s]!;
    o.posteriorSim[k] = offsetPpm[s]! + 1e6 * fwd.samples[s]!;
    o.innovation[k] = y[s]! - Hx[s]!;
    o.hphr[k] = solved.HPHR[s]!;
    o.flag[k] = solved.flags[s]!;
  }

  const result: WindowOutput = {
    window: w,
    fluxPrior: products.fluxPrior,
    fluxPosterior: products.fluxPosterior,
    statePrior: xb,
    statePriorSd: spreadOf(Xprime, ns, N),
    stateMean: Float64Array.from(solved.x),
    stateSd: spreadOf(solved.Xprime, ns, N),
    budgetPrior: products.budgetPrior,
    budgetPriorSd: spreadOf(devPrior, nr, N),
    budgetPosterior: products.budgetPosterior,
    budgetPosteriorSd: products.budgetPosteriorSd,
    budgetPosteriorCov: products.budgetPosteriorCov,
    obs: o,
    restart: { moleFraction: fwd.final!, x: Float64Array.from(solved.x), ensemble: Float64Array.from(solved.Xprime), rng: carried.rng.getState(), truthMoleFraction: truthFinal },
    truth: products.truth,
    chi2,
    nAssimilated: nAssim,
    nRejected: nRej,
  };
  carried.moleFraction = fwd.final!;
  carried.x = Float64Array.from(solved.x);
  carried.truthMoleFraction = truthFinal;
  return result;
}

function concatFloat(parts: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * One cycle of lagged windows (solver.lag = L > 1), CTDAS semantics (see ./lag.ts). The windows
 * entering the state are drawn from the prior (mean x_prior, deviations from B); the ensemble is
 * transported over the whole span (windows c … c+L−1) from the span's start field — the end of
 * window c−1 in the posterior-mean run — with each member's fluxes of every window of the span,
 * sampling the observations of the entering windows only; the EnSRF updates the stacked state;
 * then window c leaves with its final posterior, its posterior mean is rerun over window c (the
 * two-step: the final field starts the next span) and the window is written as window c.
 */
async function runLagCycle(
  world: World,
  c: number,
  carried: CarriedState,
  executor: Executor,
  sqrtB: CovarianceSqrt,
  groupSize: number,
  nGroups: number,
  progress: Progress,
  timings: RunTimings,
): Promise<WindowOutput> {
  const { config, obs } = world;
  const N = config.solver.members;
  const ns = world.nState;
  const nr = world.regions.size + 3;
  const cyc = lagCycle(c, config.solver.lag, world.windows.length);
  const lag = carried.lag!;
  const priors = new Map<number, WindowPrior>();
  const priorOf = async (w: number): Promise<WindowPrior> => {
    let p = priors.get(w);
    if (!p) {
      p = await world.priorFor(w);
      priors.set(w, p);
    }
    return p;
  };

  // (a) windows entering the state: deviations drawn from B, the prior mean — or with lag ≥ 3 after
  // cycle 0 CTDAS's mean of the prior and the two newest windows (make_new_ensemble).
  const entering: LagWindow[] = [];
  for (const w of cyc.enter) {
    const mean = config.solver.lagEnteringMean === 'ctdas' ? enteringMean(world.xPrior, lag.state, config.solver.lag) : world.xPrior;
    const { x, Xprime } = drawEnsemble({ mean, nmembers: N, covariance: sqrtB, rng: carried.rng, meanIsMember0: true });
    lag.info.set(w, { priorSpread: spreadOf(Xprime, ns, N), budgetPriorSd: spreadOf(budgetDeviations(world, await priorOf(w), Xprime), nr, N), chi2: NaN });
    entering.push({ window: w, x, Xprime });
  }
  let state = enterWindows(lag.state, ns, N, entering);
  if (state.windows.join() !== cyc.span.join()) {
    throw new TanhuiError('StoreConflict', `the lagged state holds windows ${state.windows.join(', ')}, cycle ${c + 1} needs ${cyc.span.join(', ')}`, { context: { file: world.storePath } });
  }

  let nAssim = 0;
  let nRej = 0;
  const o = carried.obs;
  if (cyc.enter.length > 0) {
    // (b) the ensemble over the span; only the entering windows' observations are sampled.
    const S = cyc.span.length;
    const spanPriors: WindowPrior[] = [];
    for (const w of cyc.span) spanPriors.push(await priorOf(w));
    const spanWindow = { startSec: world.windows[c]!.startSec, endSec: world.windows[cyc.span[S - 1]!]!.endSec };
    const model = world.model();
    const stepsBefore = (w: number): number => {
      let steps = 0;
      for (let v = c; v < w; v++) steps += model.nSteps(world.windows[v]!);
      return steps;
    };
    const plans = cyc.enter.map((w) => world.planFor(w));
    const rows = Int32Array.from(plans.flatMap((p) => Array.from(p.rows)));
    const offsetPpm = concatFloat(plans.map((p) => p.offsetPpm));
    const nobs = rows.length;
    const splan = sharedPlan(concatPlans(plans.map((p) => p.plan), cyc.enter.map(stepsBefore)));
    const mapping = sharedMapping(spanMapping(spanPriors.map((p) => p.mapping)));
    const layout = spanPriors[0]!.mapping;
    const fixed = shared(concatFloat(spanPriors.map((p) => p.fixed)));
    const initial = shared(carried.moleFraction);
    let extra: { initial: Float64Array; flux: Float64Array } | undefined;
    if (world.truthScaling && carried.truthMoleFraction) {
      extra = { initial: shared(carried.truthMoleFraction), flux: shared(concatFloat(spanPriors.map((p) => truthFlux(world, p)))) };
    }
    const base = { modelSpec: world.modelSpec, window: spanWindow, periodSeconds: FLUX_PERIOD_SECONDS, mapping, fixed, initial, plan: splan };
    const nx = S * ns;
    const { HX, truthSamples } = await sampleMembers({
      executor, timings, progress, progressIndex: c, base, N, groupSize, nGroups, nobs, offsetPpm, extra, shared: sharedRunOf(world, carried, spanWindow),
      statesOf: (m0, K) => {
        const st = new Float64Array(nx * K);
        for (let i = 0; i < nx; i++) for (let k = 0; k < K; k++) st[i * K + k] = state.x[i]! + state.Xprime[i * N + m0 + k]!;
        return toSpanLayout(st, S, K, layout);
      },
      finals: undefined,
      truthFinal: false,
      label: (m0, K) => `cycle ${c + 1} (windows ${cyc.span[0]! + 1}–${cyc.span[S - 1]! + 1}) members ${m0}–${m0 + K - 1}`,
    });

    // Observations: the same values as with lag 1 (per-window noise streams).
    const sigma = Float64Array.from(rows, (k) => obs.qc.totalErrorPpm[k]!);
    const y = new Float64Array(nobs);
    const segments: Array<{ window: number; from: number; to: number }> = [];
    let s0 = 0;
    cyc.enter.forEach((w, i) => {
      const m = plans[i]!.rows.length;
      observedValues(world, rows, sigma, truthSamples, w, s0, s0 + m, y);
      segments.push({ window: w, from: s0, to: s0 + m });
      s0 += m;
    });

    // (c) solve the stacked state. Parameter locations repeat per window of the span (the
    // solver uses row mod nparams).
    const ts = performance.now();
    const { solved, Hx, HXprime, R } = solveEnsemble(world, state.x, state.Xprime, nx, HX, N, rows, y, sigma, spanPriors[0]!.meanMapping);
    timings.solveMs += performance.now() - ts;
    for (const seg of segments) {
      const fit = chi2Of(solved, HXprime, y, Hx, R, N, seg.from, seg.to);
      nRej += fit.nRej;
      nAssim += fit.nAssim;
      lag.info.get(seg.window)!.chi2 = fit.chi2;
    }
    // Written once, in the cycle the observation is assimilated (posterior: when its window leaves).
    for (let s = 0; s < nobs; s++) {
      const k = rows[s]!;
      o.value[k] = y[s]!;
      o.priorSim[k] = Hx[s]!;
      o.innovation[k] = y[s]! - Hx[s]!;
      o.hphr[k] = solved.HPHR[s]!;
      o.flag[k] = solved.flags[s]!;
    }
    state = { ...state, x: solved.x, Xprime: solved.Xprime };
  }

  // (d) window c leaves with its final posterior; two-step forward run of its mean over window c
  // (the OSSE truth rides along as a second tracer: its final field starts the next span too).
  const { done: fin, rest } = leaveOldest(state);
  lag.state = rest.windows.length > 0 ? rest : undefined;
  const info = lag.info.get(c)!;
  lag.info.delete(c);
  const prior = await priorOf(c);
  const { plan, offsetPpm, rows } = world.planFor(c);
  const tf = performance.now();
  const truthExtra = world.truthScaling && carried.truthMoleFraction ? [{ initial: shared(carried.truthMoleFraction), flux: shared(truthFlux(world, prior)) }] : undefined;
  const r = await executor.run<MemberGroupInput, MemberGroupOutput>(
    'memberGroupTransport',
    {
      modelSpec: world.modelSpec,
      window: world.windows[c]!,
      periodSeconds: FLUX_PERIOD_SECONDS,
      mapping: sharedMapping(prior.mapping),
      fixed: shared(prior.fixed),
      initial: shared(carried.moleFraction),
      plan: sharedPlan(plan),
      states: Float64Array.from(fin.x),
      K: 1,
      extras: truthExtra,
      returnFinal: 'all',
    },
    { label: `window ${c + 1} posterior-mean forward run` },
  );
  const Kt = 1 + (truthExtra ? 1 : 0);
  const nCell = carried.moleFraction.length;
  const meanFinal = new Float64Array(nCell);
  for (let q = 0; q < nCell; q++) meanFinal[q] = r.final![q * Kt]!;
  const truthFinal = truthExtra ? Float64Array.from({ length: nCell }, (_, q) => r.final![q * Kt + 1]!) : undefined;
  for (let s = 0; s < rows.length; s++) o.posteriorSim[rows[s]!] = offsetPpm[s]! + 1e6 * r.samples[s * Kt]!;
  timings.forwardMs += performance.now() - tf;
  progress.step(c, 'forward-run-done');

  // (e) window outputs: the prior is what the window entered with, the posterior its final one.
  const products = windowProducts(world, prior, fin.x, fin.Xprime);
  const result: WindowOutput = {
    window: c,
    fluxPrior: products.fluxPrior,
    fluxPosterior: products.fluxPosterior,
    statePrior: Float64Array.from(world.xPrior),
    statePriorSd: info.priorSpread,
    stateMean: fin.x,
    stateSd: spreadOf(fin.Xprime, ns, N),
    budgetPrior: products.budgetPrior,
    budgetPriorSd: info.budgetPriorSd,
    budgetPosterior: products.budgetPosterior,
    budgetPosteriorSd: products.budgetPosteriorSd,
    budgetPosteriorCov: products.budgetPosteriorCov,
    obs: o,
    restart: { moleFraction: meanFinal, x: fin.x, ensemble: fin.Xprime, rng: carried.rng.getState(), truthMoleFraction: truthFinal, lag: lagRestartOf(world, lag) },
    truth: products.truth,
    chi2: info.chi2,
    nAssimilated: nAssim,
    nRejected: nRej,
  };
  carried.moleFraction = meanFinal;
  carried.x = fin.x;
  carried.truthMoleFraction = truthFinal;
  return result;
}

/** Budget deviations [region][N] of ensemble deviations [state][N] of one window. */
/**
 * (b) of a window or lag cycle: the members in groups on the executor, each group the tracers of
 * one transport run; the OSSE truth (`extra`) rides along in group 0 as one more tracer. Returns
 * HX [obs][member] in ppm, the truth's samples, and on request every member's final field
 * (written into `finals`, [cell][member]; for twoStep 'combine') and the truth's final field.
 */
async function sampleMembers(o: {
  executor: Executor;
  timings: RunTimings;
  progress: Progress;
  progressIndex: number;
  base: Omit<MemberGroupInput, 'states' | 'K' | 'extras' | 'returnFinal'>;
  N: number;
  groupSize: number;
  nGroups: number;
  nobs: number;
  offsetPpm: Float64Array;
  extra: { initial: Float64Array; flux: Float64Array } | undefined;
  statesOf: (m0: number, K: number) => Float64Array;
  /** Table [cell][member] to fill with every member's final field (twoStep 'combine'), or none. */
  finals: Float64Array | undefined;
  truthFinal: boolean;
  label: (m0: number, K: number) => string;
  /** One transport run shared by the workers (executor.sharedRun) instead of member groups. */
  shared?: SharedRun;
}): Promise<{ HX: Float64Array; truthSamples?: Float64Array; finals?: Float64Array; truthFinal?: Float64Array }> {
  if (o.shared) return sampleMembersShared(o, o.shared);
  const { N, nobs, offsetPpm, extra, timings } = o;
  // Final fields ('combine'): one shared [cell][member] table that each group's worker fills with
  // its own columns (no copies through the main thread).
  const finals = o.finals;
  const nCell = finals ? finals.length / N : 0;
  const HX = new Float64Array(nobs * N);
  let truthSamples: Float64Array | undefined;
  let truthFinal: Float64Array | undefined;
  const truthInto = finals && extra && o.truthFinal ? new Float64Array(new SharedArrayBuffer(nCell * 8)) : undefined;
  let done = 0;
  const te = performance.now();
  await Promise.all(
    Array.from({ length: o.nGroups }, async (_, g) => {
      const m0 = g * o.groupSize;
      const K = Math.min(N, m0 + o.groupSize) - m0;
      const withTruth = g === 0 && extra !== undefined;
      const returnFinal = withTruth && o.truthFinal ? 'extras' : 'none';
      const finalsInto = finals ? { members: { array: finals, stride: N, offset: m0 }, extras: withTruth && truthInto ? { array: truthInto, stride: 1, offset: 0 } : undefined } : undefined;
      const input: MemberGroupInput = { ...o.base, states: o.statesOf(m0, K), K, extras: withTruth ? [extra] : undefined, returnFinal, finalsInto };
      const submit = performance.timeOrigin + performance.now();
      const r = await o.executor.run<MemberGroupInput, MemberGroupOutput>('memberGroupTransport', input, { label: o.label(m0, K) });
      const received = performance.timeOrigin + performance.now();
      timings.transferMs += Math.max(0, r.timing.startMs - submit) + Math.max(0, received - r.timing.endMs);
      const Kt = K + (withTruth ? 1 : 0);
      samplesToPpm(r.samples, Kt, 0, K, offsetPpm, nobs, HX, N, m0);
      if (withTruth) {
        truthSamples = samplesToPpm(r.samples, Kt, K, 1, offsetPpm, nobs, new Float64Array(nobs), 1, 0);
        if (o.truthFinal) truthFinal = truthInto ? Float64Array.from(truthInto) : r.final;
      }
      o.progress.taskDone(o.progressIndex, ++done, o.nGroups);
    }),
  );
  timings.ensembleMs += performance.now() - te;
  return { HX, truthSamples, finals, truthFinal };
}

/**
 * Tracers t0 … t0+count−1 of samples [sample][Kt] (mol mol⁻¹) as ppm with the sample's offset,
 * into out[sample·stride + offset + k]; returns out.
 */
function samplesToPpm(samples: Float64Array, Kt: number, t0: number, count: number, offsetPpm: Float64Array, nobs: number, out: Float64Array, stride: number, offset: number): Float64Array {
  for (let s = 0; s < nobs; s++) for (let k = 0; k < count; k++) out[s * stride + offset + k] = offsetPpm[s]! + 1e6 * samples[s * Kt + t0 + k]!;
  return out;
}

/** Smallest tracer block of a shared run (unless there are fewer tracers than workers × this). */
const MIN_BLOCK_TRACERS = 16;

interface SharedRun {
  blocksPerWorker: number;
  nSteps: number;
  ncol: number;
  ncell: number;
  /** Keeps the big shared buffers between windows. */
  holder: CarriedState;
  /** Restarts of the whole run after a participant died mid-run. */
  retries: number;
}

function sharedRunOf(world: World, carried: CarriedState, window: TransportWindow): SharedRun | undefined {
  const e = world.config.executor;
  if (!e.sharedRun) return undefined;
  return { blocksPerWorker: e.blocksPerWorker, nSteps: world.model().nSteps(window), ncol: world.grid.nlat * world.grid.nlon, ncell: carried.moleFraction.length, holder: carried, retries: e.retries };
}

/**
 * (b) as one transport run of all members (then the truth) shared by the workers: its tracers
 * in blocks that the workers claim step by step, so the faster worker takes more. A failed
 * participant abandons the run (the others stop at their next wait); the run starts again when
 * only abandonments are left (a participant died mid-run), else the window fails with the first
 * error that is not one.
 */
async function sampleMembersShared(o: Parameters<typeof sampleMembers>[0], sh: SharedRun): Promise<Awaited<ReturnType<typeof sampleMembers>>> {
  const { N, nobs, offsetPpm, extra, timings, executor } = o;
  const Kt = N + (extra ? 1 : 0);
  // Blocks of fewer than ~16 tracers cost more per tracer than balance gains (32 members on
  // 6°×4°: 4 blocks of 8 gave 1.53×, 2 blocks of 16 1.80× over 1 worker), so no smaller ones.
  const nBlocks = Math.min(Kt, sh.blocksPerWorker * executor.concurrency, Math.max(executor.concurrency, Math.floor(Kt / MIN_BLOCK_TRACERS)));
  const participants = Math.min(executor.concurrency, nBlocks);
  const nSamples = o.base.plan.nSamples;
  const finals = o.finals;
  const truthInto = extra && o.truthFinal ? new Float64Array(new SharedArrayBuffer(sh.ncell * 8)) : undefined;
  const states = o.statesOf(0, N);
  let done = 0;
  const te = performance.now();
  // A participant that dies mid-run leaves a block half-stepped: its restart is refused and the
  // others stop; then the whole run starts again (up to `retries` times). A real error (every
  // attempt of some participant failed the same way) fails the window at once.
  for (let attempt = 0; ; attempt++) {
    const spec = createSharedForward({ ncell: sh.ncell, ncol: sh.ncol, nSteps: sh.nSteps, nPeriods: o.base.mapping.nPeriods, nSamples }, Kt, nBlocks, participants, sh.holder.sharedBuffers);
    sh.holder.sharedBuffers = spec.buffers;
    const input: SharedMembersInput = {
      ...o.base,
      states,
      N,
      extras: extra ? [extra] : undefined,
      shared: spec,
      finalsInto: { members: finals ? { array: finals, stride: N, offset: 0 } : undefined, extras: truthInto ? { array: truthInto, stride: 1, offset: 0 } : undefined },
    };
    const results = await Promise.allSettled(
      Array.from({ length: participants }, async (_, p) => {
        const submit = performance.timeOrigin + performance.now();
        let r: SharedMembersOutput;
        try {
          r = await executor.run<SharedMembersInput, SharedMembersOutput>('sharedMembersTransport', input, { label: `${o.label(0, N)} (shared run, part ${p + 1} of ${participants})` });
        } catch (e) {
          abandonSharedForward(spec, sh.nSteps);
          throw e;
        }
        const received = performance.timeOrigin + performance.now();
        timings.transferMs += Math.max(0, r.timing.startMs - submit) + Math.max(0, received - r.timing.endMs);
        o.progress.taskDone(o.progressIndex, ++done, participants);
      }),
    );
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length === 0) {
      timings.ensembleMs += performance.now() - te;
      const samples = sharedSamples(spec, nSamples);
      const HX = samplesToPpm(samples, Kt, 0, N, offsetPpm, nobs, new Float64Array(nobs * N), N, 0);
      const truthSamples = extra ? samplesToPpm(samples, Kt, N, 1, offsetPpm, nobs, new Float64Array(nobs), 1, 0) : undefined;
      return { HX, truthSamples, finals, truthFinal: truthInto ? Float64Array.from(truthInto) : undefined };
    }
    const root = failed.find((f) => !/abandoned/.test(String((f.reason as Error)?.message)));
    if (root || attempt >= sh.retries) throw (root ?? failed[0]!).reason;
    done = 0;
  }
}

/**
 * Observed values y[from…to) of rows[from…to), all of window w: synthetic sources are the truth
 * run's samples plus noise of their σ (one noise stream per window, so a value does not depend
 * on which cycle assimilates it), others are the values read.
 */
function observedValues(world: World, rows: Int32Array, sigma: Float64Array, truthSamples: Float64Array | undefined, w: number, from: number, to: number, y: Float64Array): void {
  const { obs, config } = world;
  const noise = createRng(config.observations.noiseSeed * 100_003 + w);
  for (let s = from; s < to; s++) {
    const k = rows[s]!;
    const e = noise.normal() * sigma[s]!;
    if (obs.synthetic[k]) {
      if (!truthSamples) throw new TanhuiError('InvalidConfig', 'synthetic observations need a truth (add a truth section)', { context: { file: world.loaded.file, key: 'truth' } });
      y[s] = truthSamples[s]! + e;
    } else y[s] = obs.table.valuePpm[k]!;
  }
}

/**
 * The EnSRF of a window (or of a lag cycle's stacked state): member 0 is the mean (CTDAS), HX
 * [obs][member] in ppm, R = σ². Held-out sites enter with use flag 1: the solver skips them (and
 * leaves the flag), so they are sampled by the prior and posterior runs but never assimilated.
 */
function solveEnsemble(
  world: World, x: Float64Array, Xprime: Float64Array, nparams: number, HX: Float64Array, N: number,
  rows: Int32Array, y: Float64Array, sigma: Float64Array, layout: StateMapping,
): { solved: EnsrfResult; Hx: Float64Array; HXprime: Float64Array; R: Float64Array } {
  const { obs, config } = world;
  const nobs = rows.length;
  const Hx = Float64Array.from({ length: nobs }, (_, s) => HX[s * N]!);
  const HXprime = new Float64Array(nobs * N);
  for (let s = 0; s < nobs; s++) for (let k = 0; k < N; k++) HXprime[s * N + k] = HX[s * N + k]! - Hx[s]!;
  const R = Float64Array.from(sigma, (v) => v * v);
  const problem = {
    nparams,
    nmembers: N,
    nobs,
    x,
    Xprime,
    Hx,
    HXprime,
    obs: y,
    R,
    mayReject: Uint8Array.from(rows, (k) => obs.qc.mayReject[k]!),
    mayLocalize: Uint8Array.from(rows, (k) => obs.qc.mayLocalize[k]!),
    flags: Int32Array.from(rows, (k) => (obs.heldOut[k] ? FLAG_HELD_OUT : 0)),
  };
  const options: EnsrfOptions = {
    rejectionThreshold: config.solver.rejectionThreshold,
    meanIsMember0: true,
    localization: localizationOf(world, nobs, Float64Array.from(rows, (k) => obs.table.latDeg[k]!), Float64Array.from(rows, (k) => obs.table.lonDeg[k]!), layout),
  };
  const solved = config.solver.algorithm === 'bulk' ? ensrfBulk(problem, options) : config.solver.algorithm === 'ensemble-space' ? ensrfEnsembleSpace(problem, options) : ensrfSerial(problem, options);
  return { solved, Hx, HXprime, R };
}

/** χ²/n of the observations from…to−1 the solver assimilated (flag 0), with the prior HPHᵀ + R. */
function chi2Of(solved: EnsrfResult, HXprime: Float64Array, y: Float64Array, Hx: Float64Array, R: Float64Array, N: number, from: number, to: number): { chi2: number; nAssim: number; nRej: number } {
  let chi2 = 0;
  let nAssim = 0;
  let nRej = 0;
  for (let s = from; s < to; s++) {
    if (solved.flags[s] === 2) nRej++;
    if (solved.flags[s] !== 0) continue;
    let hph = 0;
    for (let k = 0; k < N; k++) hph += HXprime[s * N + k]! ** 2;
    hph /= N - 1;
    chi2 += (y[s]! - Hx[s]!) ** 2 / (hph + R[s]!);
    nAssim++;
  }
  return { chi2: nAssim > 0 ? chi2 / nAssim : NaN, nAssim, nRej };
}

function budgetDeviations(world: World, prior: WindowPrior, Xprime: Float64Array): Float64Array {
  const N = world.config.solver.members;
  return budgetsOf(world, applyMapping(prior.meanMapping, Xprime, N), N);
}

type WindowProducts = Pick<WindowOutput, 'fluxPrior' | 'fluxPosterior' | 'budgetPrior' | 'budgetPosterior' | 'budgetPosteriorSd' | 'budgetPosteriorCov' | 'truth'>;

/** Flux maps, budgets (mean, σ, covariance) and OSSE truth of a window's final posterior. */
function windowProducts(world: World, prior: WindowPrior, xPost: Float64Array, XpostPrime: Float64Array): WindowProducts {
  const n = world.grid.size;
  const N = world.config.solver.members;
  const fluxPrior = {} as Record<ComponentName, Float64Array>;
  const fluxPosterior = {} as Record<ComponentName, Float64Array>;
  // Cells a term does not cover (e.g. bio flux in a coastal cell of an ocean region) keep the
  // prior flux: posterior = prior + M (x − x_prior).
  const increment = Float64Array.from(xPost, (v, i) => v - world.xPrior[i]!);
  const naturalPrior = new Float64Array(n);
  for (const c of COMPONENTS) {
    fluxPrior[c] = meanOf(prior.components[c].fluxMolM2S, prior.nPeriods, n);
    const term = termOnly(prior.meanMapping, c);
    fluxPosterior[c] = term ? applyMapping(term, increment, 1).map((v, i) => v + fluxPrior[c][i]!) : fluxPrior[c];
    if (term) for (let i = 0; i < n; i++) naturalPrior[i] += fluxPrior[c][i]!;
  }
  const nr = world.regions.size + 3;
  const budgetPrior = budgetsOf(world, naturalPrior, 1);
  const budgetIncrement = budgetsOf(world, applyMapping(prior.meanMapping, increment, 1), 1);
  const budgetPosterior = Float64Array.from(budgetPrior, (v, r) => v + budgetIncrement[r]!);
  const devPost = budgetDeviations(world, prior, XpostPrime);
  const cov = new Float64Array(nr * nr);
  for (let a = 0; a < nr; a++) for (let b = 0; b < nr; b++) {
    let s = 0;
    for (let k = 0; k < N; k++) s += devPost[a * N + k]! * devPost[b * N + k]!;
    cov[a * nr + b] = s / (N - 1);
  }

  let truth: WindowOutput['truth'];
  if (world.truthScaling) {
    const flux = {} as Record<ComponentName, Float64Array>;
    const nat = new Float64Array(n);
    for (const c of COMPONENTS) {
      const s = world.truthScaling[c];
      flux[c] = s ? Float64Array.from(fluxPrior[c], (v, i) => v * s[i]!) : fluxPrior[c];
      if (s) for (let i = 0; i < n; i++) nat[i] += flux[c][i]!;
    }
    truth = { flux, budget: budgetsOf(world, nat, 1) };
  }
  return { fluxPrior, fluxPosterior, budgetPrior, budgetPosterior, budgetPosteriorSd: spreadOf(devPost, nr, N), budgetPosteriorCov: cov, truth };
}

/** Truth flux of a window [period][cell]: the prior with each optimised component scaled per cell. */
function truthFlux(world: World, prior: WindowPrior): Float64Array {
  const n = world.grid.size;
  const all = new Uint8Array(n).fill(1);
  const terms = world.optimised.map((name) => gridScalingTerm(name, prior.components[name].fluxMolM2S, prior.nPeriods, all));
  const m = buildMapping(prior.nPeriods, n, terms);
  const xTruth = new Float64Array(m.nState);
  world.optimised.forEach((name, t) => xTruth.set(world.truthScaling![name]!, t * n));
  return ensembleFlux(m, prior.fixed, xTruth, 1);
}
