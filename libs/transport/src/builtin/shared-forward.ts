// One forward run of K tracers carried out by several threads together (the workers of an
// ensemble window). The tracers are split into blocks whose state lives on SharedArrayBuffers;
// every participant builds each step's operators itself (they depend on the air only) and claims
// that step's blocks from an atomic counter, so a thread that runs faster takes more blocks —
// on a shared machine the two threads of a static split rarely run at the same speed. A block at
// step n waits only for itself at step n−1. The values are those of forward() with the same
// tracers: every tracer goes through the same operations in the same order.
import { TanhuiError } from '@tanhui/core';

/** The shared arrays of one run (created in the main thread, reusable run after run). */
export interface SharedForwardBuffers {
  /** Tracer mass rm and moments rxm, rym, rzm: block b's [cell][kb] at offset ncell·t0. */
  state: SharedArrayBuffer[];
  /** Surface flux of block b, [period][col][kb] at offset nPeriods·ncol·t0 (its set-up writes it). */
  flux: SharedArrayBuffer;
  /** Sampled mole fractions [sample][K] (each block writes its own columns). */
  samples: SharedArrayBuffer;
  /** Int32 control words, fresh (zero) for every run: see CONTROL. */
  control: SharedArrayBuffer;
}

/** Everything a participant needs to take part (structured-clonable). */
export interface SharedForwardSpec {
  nTracers: number;
  blocks: ReadonlyArray<{ t0: number; kb: number }>;
  /** Participants started for this run: one more joining means one was restarted (abandon). */
  participants: number;
  /** A participant waiting this long for a block gives up and abandons the run [ms]. */
  stallTimeoutMs: number;
  buffers: SharedForwardBuffers;
}

/** Control words: abandon flag, participants joined, set-up claims, then per step the claims
 * and per block its progress (0: not set up; n + 1: n steps done). */
export const CONTROL = { abort: 0, joined: 1, setup: 2, steps: 3 } as const;
const controlLength = (nSteps: number, nBlocks: number) => CONTROL.steps + nSteps + nBlocks;
export const progressIndex = (nSteps: number, b: number): number => CONTROL.steps + nSteps + b;

/** Split K tracers into `n` near-equal blocks. */
export function tracerBlocks(K: number, n: number): Array<{ t0: number; kb: number }> {
  const nb = Math.max(1, Math.min(K, Math.floor(n)));
  const small = Math.floor(K / nb);
  const blocks: Array<{ t0: number; kb: number }> = [];
  for (let b = 0, t0 = 0; b < nb; b++) {
    const kb = small + (b < K - small * nb ? 1 : 0);
    blocks.push({ t0, kb });
    t0 += kb;
  }
  return blocks;
}

export interface SharedForwardSize {
  ncell: number;
  ncol: number;
  nSteps: number;
  nPeriods: number;
  nSamples: number;
}

/**
 * The spec of a shared run of K tracers in `nBlocks` blocks; the big buffers of `reuse` are kept
 * when large enough (fresh arrays cost page faults, ~1.5 s per GB on a VM), the control words
 * are always fresh.
 */
export function createSharedForward(size: SharedForwardSize, K: number, nBlocks: number, participants: number, reuse?: SharedForwardBuffers, stallTimeoutMs = 600_000): SharedForwardSpec {
  const blocks = tracerBlocks(K, nBlocks);
  const sab = (old: SharedArrayBuffer | undefined, bytes: number) => (old && old.byteLength >= bytes ? old : new SharedArrayBuffer(Math.max(8, bytes)));
  const stateBytes = size.ncell * K * 8;
  const buffers: SharedForwardBuffers = {
    state: [0, 1, 2, 3].map((i) => sab(reuse?.state[i], stateBytes)),
    flux: sab(reuse?.flux, size.nPeriods * size.ncol * K * 8),
    samples: sab(reuse?.samples, size.nSamples * K * 8),
    control: new SharedArrayBuffer(4 * controlLength(size.nSteps, blocks.length)),
  };
  return { nTracers: K, blocks, participants, stallTimeoutMs, buffers };
}

/** The samples [sample][K] of a finished shared run. */
export function sharedSamples(spec: SharedForwardSpec, nSamples: number): Float64Array {
  return new Float64Array(spec.buffers.samples, 0, nSamples * spec.nTracers);
}

/** Abandon the run: every participant stops at its next wait (and the main thread may call it
 * when a participant's task failed). */
export function abandonSharedForward(spec: SharedForwardSpec, nSteps: number): void {
  const ctl = new Int32Array(spec.buffers.control);
  Atomics.store(ctl, CONTROL.abort, 1);
  for (let b = 0; b < spec.blocks.length; b++) Atomics.notify(ctl, progressIndex(nSteps, b));
}

/** Wait until block b has done `target − 1` steps; throws when the run was abandoned or stalls. */
export function waitForBlock(spec: SharedForwardSpec, ctl: Int32Array, nSteps: number, b: number, target: number): number {
  const i = progressIndex(nSteps, b);
  let cur = Atomics.load(ctl, i);
  if (cur >= target) return 0;
  const t0 = performance.now();
  for (;;) {
    if (Atomics.load(ctl, CONTROL.abort) !== 0) {
      throw new TanhuiError('WorkerFailed', 'another participant of this shared transport run failed; the run is abandoned');
    }
    if (performance.now() - t0 > spec.stallTimeoutMs) {
      abandonSharedForward(spec, nSteps);
      throw new TanhuiError('WorkerFailed', `tracer block ${b} made no progress for ${spec.stallTimeoutMs} ms (its participant died?); the shared transport run is abandoned`);
    }
    Atomics.wait(ctl, i, cur, 200);
    cur = Atomics.load(ctl, i);
    if (cur >= target) return performance.now() - t0;
  }
}
