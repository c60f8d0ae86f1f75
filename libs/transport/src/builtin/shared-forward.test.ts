import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { createBuiltinModel, createSharedForward, sharedSamples, tracerBlocks, type BuiltinModelSpec, type SamplePlan } from '../index';
import { CONTROL } from './shared-forward';

// A coarse synthetic world, K tracers with distinct initial fields and fluxes over two flux
// periods, samples at several steps: a shared run must give forward()'s values to the bit.
const spec: BuiltinModelSpec = { met: { kind: 'synthetic', grid: { dlonDeg: 24, dlatDeg: 20 }, seed: 3 } };
const model = createBuiltinModel(spec);
const K = 7;
const nSteps = 4;
const ncol = model.grid.size;
const ncell = ncol * model.levels.nlev;
const window = { startSec: 1.6e9, endSec: 1.6e9 + nSteps * model.stepSeconds };
const periodSeconds = 2 * model.stepSeconds;
const c0 = new Float64Array(ncell * K).map((_, q) => 4e-4 + 1e-6 * Math.sin(0.7 * q));
const flux = new Float64Array(2 * ncol * K).map((_, q) => 1e-7 * Math.cos(0.3 * q));
const plan: SamplePlan = (() => {
  const nSamples = 6;
  const rowPtr = Int32Array.from({ length: nSamples + 1 }, (_, s) => 2 * s);
  const step = Int32Array.from({ length: 12 }, (_, e) => e % (nSteps + 1));
  const cell = Int32Array.from({ length: 12 }, (_, e) => (e * 7919) % ncell);
  const weight = Float64Array.from({ length: 12 }, (_, e) => 0.25 + 0.5 * (e % 2));
  return { nSamples, rowPtr, step, cell, weight };
})();
const reference = model.forward({ window, nTracers: K, initialMoleFraction: c0, fluxes: { periodSeconds, data: flux }, plan });
const size = { ncell, ncol, nSteps, nPeriods: 2, nSamples: plan.nSamples };

function blockInputs(t0: number, kb: number, init: Float64Array, fl: Float64Array): void {
  for (let q = 0; q < ncell; q++) for (let t = 0; t < kb; t++) init[q * kb + t] = c0[q * K + t0 + t]!;
  for (let q = 0; q < 2 * ncol; q++) for (let t = 0; t < kb; t++) fl[q * kb + t] = flux[q * K + t0 + t]!;
}

describe('tracerBlocks', () => {
  it('splits K tracers into contiguous near-equal blocks', () => {
    expect(tracerBlocks(10, 4)).toEqual([{ t0: 0, kb: 3 }, { t0: 3, kb: 3 }, { t0: 6, kb: 2 }, { t0: 8, kb: 2 }]);
    expect(tracerBlocks(3, 8)).toEqual([{ t0: 0, kb: 1 }, { t0: 1, kb: 1 }, { t0: 2, kb: 1 }]);
  });
});

describe('forwardShared', () => {
  it('alone, in blocks, gives forward()’s samples and final fields to the bit', () => {
    for (const nBlocks of [1, 3, 7]) {
      const shared = createSharedForward(size, K, nBlocks, 1);
      const finals = new Float64Array(ncell * (K + 2));
      const r = model.forwardShared({ window, periodSeconds, plan, shared, blockInputs, finalInto: [{ start: 2, count: 4, array: finals, stride: K + 2, offset: 1 }] });
      expect(r.blockSteps).toBe(nSteps * nBlocks);
      expect(Array.from(sharedSamples(shared, plan.nSamples))).toEqual(Array.from(reference.samples));
      for (let q = 0; q < ncell; q++) for (let t = 0; t < 4; t++) expect(finals[q * (K + 2) + 1 + t]).toBe(reference.finalMoleFraction[q * K + 2 + t]);
    }
  });

  it('reuses the big buffers of an earlier run and still matches (set-up resets every block)', () => {
    const first = createSharedForward(size, K, 3, 1);
    model.forwardShared({ window, periodSeconds, plan, shared: first, blockInputs });
    const again = createSharedForward(size, K, 3, 1, first.buffers);
    expect(again.buffers.state[0]).toBe(first.buffers.state[0]);
    expect(again.buffers.control).not.toBe(first.buffers.control);
    model.forwardShared({ window, periodSeconds, plan, shared: again, blockInputs });
    expect(Array.from(sharedSamples(again, plan.nSamples))).toEqual(Array.from(reference.samples));
  });

  it('on two worker threads at once gives the same bits', async () => {
    const shared = createSharedForward(size, K, 4, 2);
    const finals = new SharedArrayBuffer(ncell * K * 8);
    const entry = new URL('../__fixtures__/shared-worker.ts', import.meta.url).href;
    const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
    const run = () =>
      new Promise<{ blockSteps: number }>((res, rej) => {
        const w = new Worker(boot, { eval: true, workerData: { spec, shared, window, periodSeconds, c0, flux, plan, finals }, execArgv: ['--conditions=@tanhui/source'] });
        w.once('message', (m) => void w.terminate().then(() => res(m)));
        w.once('error', rej);
      });
    const parts = await Promise.all([run(), run()]);
    expect(parts[0]!.blockSteps + parts[1]!.blockSteps).toBe(4 * nSteps);
    expect(Array.from(sharedSamples(shared, plan.nSamples))).toEqual(Array.from(reference.samples));
    expect(Array.from(new Float64Array(finals))).toEqual(Array.from(reference.finalMoleFraction));
  }, 60_000);

  it('abandons the run when a participant fails, so the others stop instead of waiting', () => {
    const shared = createSharedForward(size, K, 3, 2);
    const failing = () => {
      throw new Error('injected');
    };
    expect(() => model.forwardShared({ window, periodSeconds, plan, shared, blockInputs: failing })).toThrow('injected');
    expect(new Int32Array(shared.buffers.control)[CONTROL.abort]).toBe(1);
    // The second participant sets up the other blocks, then finds block 0 never set up.
    expect(() => model.forwardShared({ window, periodSeconds, plan, shared, blockInputs })).toThrow(/abandoned/);
  });

  it('refuses a participant restarted after a failure (one more than were started)', () => {
    const shared = createSharedForward(size, K, 3, 1);
    model.forwardShared({ window, periodSeconds, plan, shared, blockInputs });
    expect(() => model.forwardShared({ window, periodSeconds, plan, shared, blockInputs })).toThrow(/restarted/);
  });

  it('gives up on a block that makes no progress (its participant died) after the stall timeout', () => {
    const shared = { ...createSharedForward(size, K, 3, 2), stallTimeoutMs: 50 };
    // Block 0 claimed for set-up by a participant that never finished it.
    Atomics.store(new Int32Array(shared.buffers.control), CONTROL.setup, 1);
    expect(() => model.forwardShared({ window, periodSeconds, plan, shared, blockInputs })).toThrow(/no progress for 50 ms/);
  });
});
