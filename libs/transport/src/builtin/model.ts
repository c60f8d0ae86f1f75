// The built-in TM5-like tracer model behind the TransportModel interface: one step is
// advection (x y z z y x, Russell–Lerner slopes), surface-flux injection into the lowest
// layer, implicit boundary-layer diffusion, implicit convection. State per tracer: tracer
// mass rm = c·m [kg of air × mol mol⁻¹] and its three first moments. The adjoint runs the
// transposed operators in reverse order with the same coefficients (rebuilt step by step).
import { TanhuiError, type HybridLevels, type LatLonGrid } from '@tanhui/core';
import type { Meteorology } from '../met/meteorology';
import {
  fluxPeriodCount,
  type FinalDestination,
  type AdjointInput,
  type AdjointOutput,
  type ForwardInput,
  type ForwardOutput,
  type SamplePlan,
  type SamplingContext,
  type TransportModel,
  type TransportWindow,
} from '../transport-model';
import { lineSweepAdjoint, lineSweepForward, SweepScratch, type SweepCoefficients } from './advection';
import { convectionAdjoint, convectionForward, diffusionAdjoint, diffusionForward } from './mixing';
import { airMassFromPs, StepBuilder, type BuiltinOptions, type StepOperators } from './step-builder';
import { abandonSharedForward, CONTROL, progressIndex, waitForBlock, type SharedForwardSpec } from './shared-forward';
import { XScratch, xSweepAdjoint, xSweepForward } from './xsweep';

export type { BuiltinOptions } from './step-builder';

export const DEFAULT_BUILTIN_OPTIONS: Omit<BuiltinOptions, 'stepSeconds'> = {
  reducedGridMinWidth: 0.1,
  cflMax: 1,
  diffusion: true,
  convection: true,
  limiter: false,
  splitting: 'xyzzyx',
  fusedStep: true,
};

/** Default time step: 6 h on 4° grids, 3 h on 2° grids, scaled with the latitude spacing below. */
export function defaultStepSeconds(grid: LatLonGrid): number {
  const dlat = 180 / grid.nlat;
  if (dlat >= 4 - 1e-9) return 21600;
  if (dlat >= 2 - 1e-9) return 10800;
  return Math.max(600, Math.round((10800 * dlat) / 2 / 600) * 600);
}

/** Tracer state: mass and first moments, [cell][tracer]. */
export interface TracerState {
  K: number;
  rm: Float64Array;
  rxm: Float64Array;
  rym: Float64Array;
  rzm: Float64Array;
}

export function allocState(ncell: number, K: number): TracerState {
  const n = ncell * K;
  return { K, rm: new Float64Array(n), rxm: new Float64Array(n), rym: new Float64Array(n), rzm: new Float64Array(n) };
}

interface PlanIndex {
  /** Entries grouped by step: entries stepPtr[n] … stepPtr[n+1]−1 of `order`. */
  stepPtr: Int32Array;
  order: Int32Array;
  sampleOf: Int32Array;
}

export class BuiltinTransportModel implements TransportModel {
  readonly grid: LatLonGrid;
  readonly levels: HybridLevels;
  readonly stepSeconds: number;
  readonly options: BuiltinOptions;
  readonly builder: StepBuilder;
  private readonly ncol: number;
  private readonly ncell: number;
  private scratch: { K: number; w: SweepScratch; xs: XScratch } | null = null;
  private psCache: { key: string; ps: Float64Array[] } | null = null;
  /** Tracer state kept between runs (the largest so far): a worker runs window after window of
   * the same size, and fresh arrays cost ~1.5 s of page faults per GB on a VM (4 KB pages). */
  private statePool: Float64Array[] = [];

  constructor(readonly met: Meteorology, options: Partial<BuiltinOptions> = {}) {
    this.grid = met.grid;
    this.levels = met.levels;
    const stepSeconds = options.stepSeconds ?? defaultStepSeconds(met.grid);
    if (!(stepSeconds > 0)) throw new TanhuiError('InvalidArgument', `options.stepSeconds must be > 0, got ${stepSeconds}`);
    this.options = { ...DEFAULT_BUILTIN_OPTIONS, ...options, stepSeconds };
    if (!(this.options.cflMax > 0 && this.options.cflMax <= 1)) {
      throw new TanhuiError('InvalidArgument', `options.cflMax must be in (0, 1], got ${this.options.cflMax}`);
    }
    this.stepSeconds = stepSeconds;
    this.ncol = met.grid.nlat * met.grid.nlon;
    this.ncell = this.ncol * met.levels.nlev;
    this.builder = new StepBuilder(met, this.options);
  }

  nSteps(window: TransportWindow): number {
    const len = window.endSec - window.startSec;
    const n = Math.round(len / this.stepSeconds);
    if (!(len > 0) || Math.abs(n * this.stepSeconds - len) > 1e-6 * this.stepSeconds) {
      throw new TanhuiError('InvalidArgument', `window length ${len} s is not a positive multiple of the time step ${this.stepSeconds} s`);
    }
    return n;
  }

  /** Surface pressure at steps 0 … nSteps of a window (met only, no tracers). */
  surfacePressures(window: TransportWindow): Float64Array[] {
    const n = this.nSteps(window);
    const key = `${window.startSec}:${n}`;
    if (this.psCache?.key === key) return this.psCache.ps;
    const ps: Float64Array[] = [Float64Array.from(this.met.surfacePressurePa(window.startSec))];
    for (let s = 0; s < n; s++) {
      const next = new Float64Array(this.ncol);
      this.builder.psAfterStep(window.startSec + s * this.stepSeconds, ps[s]!, next);
      ps.push(next);
    }
    this.psCache = { key, ps };
    return ps;
  }

  samplingContext(window: TransportWindow): SamplingContext {
    const nSteps = this.nSteps(window);
    const ps = this.surfacePressures(window);
    return {
      grid: this.grid,
      levels: this.levels,
      windowStartSec: window.startSec,
      stepSeconds: this.stepSeconds,
      nSteps,
      surfacePressurePa: (step: number) => {
        const p = ps[step];
        if (!p) throw new TanhuiError('InvalidArgument', `step ${step} is outside 0 … ${nSteps}`);
        return p;
      },
    };
  }

  /** Zeroed tracer state for K tracers on the pooled arrays (grown when too small). */
  private pooledState(K: number): TracerState {
    const n = this.ncell * K;
    if (this.statePool.length === 0 || this.statePool[0]!.length < n) this.statePool = [0, 1, 2, 3].map(() => new Float64Array(n));
    const [rm, rxm, rym, rzm] = this.statePool.map((a) => a.subarray(0, n).fill(0)) as [Float64Array, Float64Array, Float64Array, Float64Array];
    return { K, rm, rxm, rym, rzm };
  }

  private getScratch(K: number): { w: SweepScratch; xs: XScratch } {
    if (!this.scratch || this.scratch.K !== K) {
      const { nlat, nlon } = this.grid;
      const blockK = Math.max(nlon, nlat * nlon) * K;
      this.scratch = { K, w: new SweepScratch(blockK, nlon * K), xs: new XScratch(nlon, K) };
    }
    return this.scratch;
  }

  /** Apply the advection sweeps of one step (forward). */
  advectForward(ops: StepOperators, s: TracerState): void {
    const { w, xs } = this.getScratch(s.K);
    const { nlat, nlon } = this.grid;
    const nlev = this.levels.nlev;
    for (const sw of ops.sweeps) {
      if (sw.kind === 'x') xSweepForward(sw.plan, s.K, s.rm, s.rxm, s.rym, s.rzm, w, xs);
      else if (sw.kind === 'y') lineSweepForward(sw.co, nlev, nlat, nlon, s.K, s.rm, s.rym, s.rxm, s.rzm, w);
      else if (nlev > 1) lineSweepForward(sw.co, 1, nlev, this.ncol, s.K, s.rm, s.rzm, s.rxm, s.rym, w);
      if (this.options.limiter) limitSlopes(s, sw.kind);
    }
  }

  advectAdjoint(ops: StepOperators, s: TracerState): void {
    if (this.options.limiter) {
      throw new TanhuiError('NotImplemented', 'the slope limiter makes the model non-linear: no exact adjoint', { hint: 'set options.limiter = false' });
    }
    const { w, xs } = this.getScratch(s.K);
    const { nlat, nlon } = this.grid;
    const nlev = this.levels.nlev;
    for (let q = ops.sweeps.length - 1; q >= 0; q--) {
      const sw = ops.sweeps[q]!;
      if (sw.kind === 'x') xSweepAdjoint(sw.plan, s.K, s.rm, s.rxm, s.rym, s.rzm, w, xs);
      else if (sw.kind === 'y') lineSweepAdjoint(sw.co, nlev, nlat, nlon, s.K, s.rm, s.rym, s.rxm, s.rzm, w);
      else if (nlev > 1) lineSweepAdjoint(sw.co, 1, nlev, this.ncol, s.K, s.rm, s.rzm, s.rxm, s.rym, w);
    }
  }

  /**
   * One whole step (advection, flux injection, mixing) with the same operations in the same
   * order per cell as advectForward + injection + mixForward, so bit-identical results, but
   * visiting memory in cache-sized pieces: consecutive x/y sweeps run level by level (both only
   * couple cells within a level), consecutive z sweeps and then injection + mixing run on blocks
   * of columns (they only couple cells within a column). A step then streams the tracer arrays
   * through memory 4 times instead of 9: the ensemble runs are memory-bound, and 2 workers
   * share one memory bus.
   */
  stepForwardFused(ops: StepOperators, s: TracerState, period: number, fluxData: Float64Array): void {
    const { w, xs } = this.getScratch(s.K);
    const { nlat, nlon } = this.grid;
    const nlev = this.levels.nlev;
    const ncol = this.ncol;
    const K = s.K;
    // Columns per block: ~512 KB of tracer state (4 arrays × nlev levels × K tracers).
    const block = Math.max(1, Math.min(ncol, Math.floor(16384 / (nlev * K))));
    const sweeps = ops.sweeps;
    let q = 0;
    while (q < sweeps.length) {
      let end = q;
      const vertical = sweeps[q]!.kind === 'z';
      while (end < sweeps.length && (sweeps[end]!.kind === 'z') === vertical) end++;
      if (!vertical) {
        for (let k = 0; k < nlev; k++) {
          for (let i = q; i < end; i++) {
            const sw = sweeps[i]!;
            if (sw.kind === 'x') xSweepForward(sw.plan, K, s.rm, s.rxm, s.rym, s.rzm, w, xs, k, k + 1);
            else if (sw.kind === 'y') lineSweepForward(sw.co, nlev, nlat, nlon, K, s.rm, s.rym, s.rxm, s.rzm, w, k, k + 1);
          }
        }
      } else if (nlev > 1) {
        for (let c0 = 0; c0 < ncol; c0 += block) {
          const c1 = Math.min(ncol, c0 + block);
          for (let i = q; i < end; i++) lineSweepForward((sweeps[i] as { co: SweepCoefficients }).co, 1, nlev, ncol, K, s.rm, s.rzm, s.rxm, s.rym, w, 0, 1, c0, c1);
        }
      }
      q = end;
    }
    for (let c0 = 0; c0 < ncol; c0 += block) {
      const c1 = Math.min(ncol, c0 + block);
      injectForward(ops.injectFactor, period, ncol, K, fluxData, s.rm, c0, c1);
      if (ops.diffusion) diffusionForward(ops.diffusion, K, s.rm, s.rxm, s.rym, s.rzm, c0, c1);
      if (ops.convection) convectionForward(ops.convection, K, s.rm, s.rxm, s.rym, s.rzm, c0, c1);
    }
  }

  /** A copy of the surface pressure at the start of a window (cached by surfacePressures). */
  private startPs(window: TransportWindow, nSteps: number): Float64Array<ArrayBuffer> {
    return Float64Array.from(this.psCache?.key === `${window.startSec}:${nSteps}` ? this.psCache.ps[0]! : this.met.surfacePressurePa(window.startSec));
  }

  /** One whole step (advection, injection of flux period `period`, mixing), fused when it can. */
  stepForward(ops: StepOperators, s: TracerState, period: number, fluxData: Float64Array): void {
    if (this.options.limiter || !this.options.fusedStep) {
      this.advectForward(ops, s);
      injectForward(ops.injectFactor, period, this.ncol, s.K, fluxData, s.rm);
      this.mixForward(ops, s);
    } else this.stepForwardFused(ops, s, period, fluxData);
  }

  mixForward(ops: StepOperators, s: TracerState): void {
    if (ops.diffusion) diffusionForward(ops.diffusion, s.K, s.rm, s.rxm, s.rym, s.rzm);
    if (ops.convection) convectionForward(ops.convection, s.K, s.rm, s.rxm, s.rym, s.rzm);
  }

  mixAdjoint(ops: StepOperators, s: TracerState): void {
    if (ops.convection) convectionAdjoint(ops.convection, s.K, s.rm, s.rxm, s.rym, s.rzm);
    if (ops.diffusion) diffusionAdjoint(ops.diffusion, s.K, s.rm, s.rxm, s.rym, s.rzm);
  }

  forward(input: ForwardInput): ForwardOutput {
    const K = checkK(input.nTracers);
    const nSteps = this.nSteps(input.window);
    const { ncell, ncol } = this;
    expectLength('initialMoleFraction', input.initialMoleFraction, ncell * K);
    const nPeriods = fluxPeriodCount(input.window, input.fluxes.periodSeconds);
    expectLength('fluxes.data', input.fluxes.data, nPeriods * ncol * K);
    const idx = input.plan ? indexPlan(input.plan, nSteps, ncell) : null;
    const samples = new Float64Array((input.plan?.nSamples ?? 0) * K);
    // Surface pressure step by step: each step's build ends with the next step's start (the same
    // computation as surfacePressures, so the same bits) — a worker that never needed the
    // sampling context skips a met-only pass over the window.
    let psNow = this.startPs(input.window, nSteps);
    let psNext = new Float64Array(ncol);
    const fin = input.finalInto ? { start: 0, count: 0 } : (input.finalTracers ?? { start: 0, count: K });
    checkTracerRange('finalTracers', fin, K);
    for (const d of input.finalInto ?? []) checkDestination(d, K, ncell);
    const s = this.pooledState(K);
    const m0 = airMassFromPs(this.grid, this.levels, psNow, new Float64Array(ncell));
    const c0 = input.initialMoleFraction;
    for (let q = 0; q < ncell; q++) {
      const mq = m0[q]!;
      for (let t = 0; t < K; t++) s.rm[q * K + t] = c0[q * K + t]! * mq;
    }
    if (idx && input.plan) sampleForward(input.plan, idx, 0, K, s.rm, m0, samples);
    input.onStep?.(0, s.rm, m0);
    let mEnd = m0;
    for (let n = 0; n < nSteps; n++) {
      const ops = this.builder.build(input.window.startSec + n * this.stepSeconds, psNow);
      psNext.set(ops.psEnd);
      [psNow, psNext] = [psNext, psNow];
      const period = fluxPeriodIndex(n, this.stepSeconds, input.fluxes.periodSeconds, nPeriods);
      this.stepForward(ops, s, period, input.fluxes.data);
      mEnd = ops.mEnd;
      if (idx && input.plan) sampleForward(input.plan, idx, n + 1, K, s.rm, mEnd, samples);
      input.onStep?.(n + 1, s.rm, mEnd);
    }
    const finalMoleFraction = new Float64Array(ncell * fin.count);
    const destinations = input.finalInto ?? [{ ...fin, array: finalMoleFraction, stride: fin.count, offset: 0 }];
    for (const d of destinations) writeFinals(s, 0, mEnd, ncell, d);
    return { finalMoleFraction, samples };
  }

  /**
   * This thread's part of a forward run shared with other threads (shared-forward.ts): claims
   * tracer blocks step by step until every block has done every step. `blockInputs` fills the
   * initial mole fraction [cell][kb] and the flux [period][col][kb] of tracers t0 … t0+kb−1 (it
   * runs once per block, in the participant that sets the block up). Samples go to the spec's
   * shared [sample][K] table, final fields to `finalInto` (the block that finishes writes its
   * own). Returns the blocks this thread ran and how long it waited for others [ms].
   */
  forwardShared(input: {
    window: TransportWindow;
    periodSeconds: number;
    plan?: SamplePlan;
    shared: SharedForwardSpec;
    blockInputs: (t0: number, kb: number, initialOut: Float64Array, fluxOut: Float64Array) => void;
    finalInto?: ReadonlyArray<FinalDestination>;
  }): { blockSteps: number; waitMs: number } {
    const { shared } = input;
    const K = checkK(shared.nTracers);
    const nSteps = this.nSteps(input.window);
    const { ncell, ncol } = this;
    const nPeriods = fluxPeriodCount(input.window, input.periodSeconds);
    const idx = input.plan ? indexPlan(input.plan, nSteps, ncell) : null;
    const nSamples = input.plan?.nSamples ?? 0;
    const { state, flux, samples: samplesBuf, control } = shared.buffers;
    const ctl = new Int32Array(control);
    if (ctl.length < progressIndex(nSteps, shared.blocks.length)) throw new TanhuiError('BadShape', 'shared forward: control words too short for this window');
    for (const d of input.finalInto ?? []) checkDestination(d, K, ncell);
    const arrays = state.map((b) => new Float64Array(b));
    const fluxAll = new Float64Array(flux);
    const samples = new Float64Array(samplesBuf);
    if (arrays.some((a) => a.length < ncell * K) || fluxAll.length < nPeriods * ncol * K || samples.length < nSamples * K) {
      throw new TanhuiError('BadShape', 'shared forward: buffers too small for this window and tracer count');
    }
    const blocks = shared.blocks.map(({ t0, kb }) => {
      const part = (a: Float64Array) => a.subarray(ncell * t0, ncell * (t0 + kb));
      const s: TracerState = { K: kb, rm: part(arrays[0]!), rxm: part(arrays[1]!), rym: part(arrays[2]!), rzm: part(arrays[3]!) };
      return { t0, s, flux: fluxAll.subarray(nPeriods * ncol * t0, nPeriods * ncol * (t0 + kb)) };
    });
    if (Atomics.add(ctl, CONTROL.joined, 1) >= shared.participants) {
      abandonSharedForward(shared, nSteps);
      throw new TanhuiError('WorkerFailed', 'a participant of a shared transport run was restarted after a failure; the run is abandoned');
    }
    let blockSteps = 0;
    let waitMs = 0;
    try {
      let psNow = this.startPs(input.window, nSteps);
      const m0 = airMassFromPs(this.grid, this.levels, psNow, new Float64Array(ncell));
      // Set-up: initial tracer mass, zero moments, the block's flux and its samples at step 0.
      for (let b = Atomics.add(ctl, CONTROL.setup, 1); b < blocks.length; b = Atomics.add(ctl, CONTROL.setup, 1)) {
        const { t0, s, flux: fb } = blocks[b]!;
        const kb = s.K;
        input.blockInputs(t0, kb, s.rm, fb);
        for (let q = 0; q < ncell; q++) {
          const mq = m0[q]!;
          for (let t = 0; t < kb; t++) s.rm[q * kb + t] = s.rm[q * kb + t]! * mq;
        }
        s.rxm.fill(0);
        s.rym.fill(0);
        s.rzm.fill(0);
        for (let r = 0; r < nSamples; r++) samples.fill(0, r * K + t0, r * K + t0 + kb);
        if (idx && input.plan) sampleForward(input.plan, idx, 0, kb, s.rm, m0, samples, K, t0);
        Atomics.store(ctl, progressIndex(nSteps, b), 1);
        Atomics.notify(ctl, progressIndex(nSteps, b));
      }
      let psNext = new Float64Array(ncol);
      for (let n = 0; n < nSteps; n++) {
        const ops = this.builder.build(input.window.startSec + n * this.stepSeconds, psNow);
        psNext.set(ops.psEnd);
        [psNow, psNext] = [psNext, psNow];
        const period = fluxPeriodIndex(n, this.stepSeconds, input.periodSeconds, nPeriods);
        for (let b = Atomics.add(ctl, CONTROL.steps + n, 1); b < blocks.length; b = Atomics.add(ctl, CONTROL.steps + n, 1)) {
          waitMs += waitForBlock(shared, ctl, nSteps, b, n + 1);
          const { t0, s, flux: fb } = blocks[b]!;
          this.stepForward(ops, s, period, fb);
          if (idx && input.plan) sampleForward(input.plan, idx, n + 1, s.K, s.rm, ops.mEnd, samples, K, t0);
          if (n === nSteps - 1) for (const d of input.finalInto ?? []) writeFinals(s, t0, ops.mEnd, ncell, d);
          blockSteps++;
          Atomics.store(ctl, progressIndex(nSteps, b), n + 2);
          Atomics.notify(ctl, progressIndex(nSteps, b));
        }
      }
    } catch (e) {
      abandonSharedForward(shared, nSteps);
      throw e;
    }
    return { blockSteps, waitMs };
  }

  adjoint(input: AdjointInput): AdjointOutput {
    const K = checkK(input.nTracers);
    const nSteps = this.nSteps(input.window);
    const { ncell, ncol } = this;
    const plan = input.plan;
    const idx = indexPlan(plan, nSteps, ncell);
    expectLength('sampleSensitivity', input.sampleSensitivity, plan.nSamples * K);
    if (input.finalSensitivity) expectLength('finalSensitivity', input.finalSensitivity, ncell * K);
    const period = input.fluxPeriodSeconds ?? input.window.endSec - input.window.startSec;
    const nPeriods = fluxPeriodCount(input.window, period);
    const fluxSensitivity = new Float64Array(nPeriods * ncol * K);
    const ps = this.surfacePressures(input.window);
    const a = this.pooledState(K);
    for (let n = nSteps - 1; n >= 0; n--) {
      const ops = this.builder.build(input.window.startSec + n * this.stepSeconds, ps[n]!);
      if (n === nSteps - 1 && input.finalSensitivity) {
        const fs = input.finalSensitivity;
        for (let q = 0; q < ncell; q++) {
          const inv = 1 / ops.mEnd[q]!;
          for (let t = 0; t < K; t++) a.rm[q * K + t] += fs[q * K + t]! * inv;
        }
      }
      sampleAdjoint(plan, idx, n + 1, K, a.rm, ops.mEnd, input.sampleSensitivity);
      this.mixAdjoint(ops, a);
      injectAdjoint(ops.injectFactor, fluxPeriodIndex(n, this.stepSeconds, period, nPeriods), ncol, K, fluxSensitivity, a.rm);
      this.advectAdjoint(ops, a);
    }
    const m0 = airMassFromPs(this.grid, this.levels, ps[0]!, new Float64Array(ncell));
    sampleAdjoint(plan, idx, 0, K, a.rm, m0, input.sampleSensitivity);
    const initialSensitivity = new Float64Array(ncell * K);
    for (let q = 0; q < ncell; q++) {
      const mq = m0[q]!;
      for (let t = 0; t < K; t++) initialSensitivity[q * K + t] = a.rm[q * K + t]! * mq;
    }
    return { fluxSensitivity, initialSensitivity };
  }
}

function checkK(K: number): number {
  if (!Number.isInteger(K) || K < 1) throw new TanhuiError('InvalidArgument', `nTracers must be an integer ≥ 1, got ${K}`);
  return K;
}

function checkTracerRange(name: string, r: { start: number; count: number }, K: number): void {
  if (!(Number.isInteger(r.start) && Number.isInteger(r.count) && r.start >= 0 && r.count >= 0 && r.start + r.count <= K)) {
    throw new TanhuiError('InvalidArgument', `${name} must lie within the ${K} tracers, got start ${r.start}, count ${r.count}`);
  }
}

function checkDestination(d: FinalDestination, K: number, ncell: number): void {
  checkTracerRange('finalInto', d, K);
  if (!(d.array instanceof Float64Array && Number.isInteger(d.stride) && Number.isInteger(d.offset) && d.offset >= 0 && d.stride >= d.offset + d.count && d.array.length >= ncell * d.stride)) {
    throw new TanhuiError('InvalidArgument', `finalInto needs a Float64Array of at least ${ncell}·stride elements and 0 ≤ offset, offset + count ≤ stride`);
  }
}

/**
 * Final mole fractions of the tracers of state s (tracers t0 … t0+s.K−1 of the run) that lie in
 * d's range start … start+count−1, into d.array[cell·stride + offset + (tracer − start)].
 */
function writeFinals(s: TracerState, t0: number, mEnd: Float64Array, ncell: number, d: FinalDestination): void {
  const { start, count, array, stride, offset } = d;
  const a = Math.max(start, t0);
  const b = Math.min(start + count, t0 + s.K);
  if (b <= a) return;
  const K = s.K;
  for (let q = 0; q < ncell; q++) {
    const inv = 1 / mEnd[q]!;
    const e = q * K - t0;
    const o = q * stride + offset - start;
    for (let t = a; t < b; t++) array[o + t] = s.rm[e + t]! * inv;
  }
}

function expectLength(name: string, a: Float64Array, n: number): void {
  if (!(a instanceof Float64Array) || a.length !== n) {
    throw new TanhuiError('BadShape', `${name} must be a Float64Array of length ${n}, got ${a?.length}`, { context: { variable: name } });
  }
}

export function fluxPeriodIndex(step: number, dt: number, period: number, nPeriods: number): number {
  return Math.min(nPeriods - 1, Math.floor(((step + 0.5) * dt) / period));
}

/** Surface flux of period p into the lowest layer, columns c0 … c1−1 (default all). */
function injectForward(factor: Float64Array, p: number, ncol: number, K: number, data: Float64Array, rm: Float64Array, c0 = 0, c1 = ncol): void {
  const off = p * ncol * K;
  for (let col = c0; col < c1; col++) {
    const f = factor[col]!;
    const e = col * K;
    for (let t = 0; t < K; t++) rm[e + t] += f * data[off + e + t]!;
  }
}

function injectAdjoint(factor: Float64Array, p: number, ncol: number, K: number, sens: Float64Array, rm: Float64Array): void {
  const off = p * ncol * K;
  for (let col = 0; col < ncol; col++) {
    const f = factor[col]!;
    const e = col * K;
    for (let t = 0; t < K; t++) sens[off + e + t] += f * rm[e + t]!;
  }
}

function indexPlan(plan: SamplePlan, nSteps: number, ncell: number): PlanIndex {
  const nE = plan.rowPtr[plan.nSamples]!;
  if (plan.rowPtr.length !== plan.nSamples + 1 || plan.step.length < nE || plan.cell.length < nE || plan.weight.length < nE) {
    throw new TanhuiError('BadShape', 'sample plan arrays are inconsistent with rowPtr');
  }
  const sampleOf = new Int32Array(nE);
  for (let s = 0; s < plan.nSamples; s++) for (let e = plan.rowPtr[s]!; e < plan.rowPtr[s + 1]!; e++) sampleOf[e] = s;
  const stepPtr = new Int32Array(nSteps + 2);
  for (let e = 0; e < nE; e++) {
    const st = plan.step[e]!;
    if (!(st >= 0 && st <= nSteps)) throw new TanhuiError('BadValue', `sample plan entry ${e} refers to step ${st}, outside 0 … ${nSteps}`, { context: { index: e } });
    const c = plan.cell[e]!;
    if (!(c >= 0 && c < ncell)) throw new TanhuiError('BadValue', `sample plan entry ${e} refers to cell ${c}, outside the grid`, { context: { index: e } });
    stepPtr[st + 1]++;
  }
  for (let n = 0; n <= nSteps; n++) stepPtr[n + 1] += stepPtr[n]!;
  const fill = stepPtr.slice(0, nSteps + 1);
  const order = new Int32Array(nE);
  for (let e = 0; e < nE; e++) order[fill[plan.step[e]!]!++] = e;
  return { stepPtr, order, sampleOf };
}

/** Samples of step `step` into out[sample·outStride + outOffset + t] (default rows of K). */
function sampleForward(plan: SamplePlan, idx: PlanIndex, step: number, K: number, rm: Float64Array, m: Float64Array, out: Float64Array, outStride = K, outOffset = 0): void {
  for (let q = idx.stepPtr[step]!; q < idx.stepPtr[step + 1]!; q++) {
    const e = idx.order[q]!;
    const cell = plan.cell[e]!;
    const w = plan.weight[e]! / m[cell]!;
    const so = idx.sampleOf[e]! * outStride + outOffset;
    const co = cell * K;
    for (let t = 0; t < K; t++) out[so + t] += w * rm[co + t]!;
  }
}

function sampleAdjoint(plan: SamplePlan, idx: PlanIndex, step: number, K: number, rm: Float64Array, m: Float64Array, sens: Float64Array): void {
  for (let q = idx.stepPtr[step]!; q < idx.stepPtr[step + 1]!; q++) {
    const e = idx.order[q]!;
    const cell = plan.cell[e]!;
    const w = plan.weight[e]! / m[cell]!;
    const so = idx.sampleOf[e]! * K;
    const co = cell * K;
    for (let t = 0; t < K; t++) rm[co + t] += w * sens[so + t]!;
  }
}

/** TM5's optional limiter |s| ≤ rm on the moment along the sweep direction (non-linear). */
function limitSlopes(s: TracerState, kind: 'x' | 'y' | 'z'): void {
  const sa = kind === 'x' ? s.rxm : kind === 'y' ? s.rym : s.rzm;
  const rm = s.rm;
  for (let q = 0; q < sa.length; q++) {
    const r = Math.abs(rm[q]!);
    if (sa[q]! > r) sa[q] = r;
    else if (sa[q]! < -r) sa[q] = -r;
  }
}
