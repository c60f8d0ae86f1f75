import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { createBuiltinModel, type BuiltinModelSpec } from '../index';

describe('built-in model in a worker thread', () => {
  it('is rebuilt from a plain description and gives the same result as in the main thread', async () => {
    const spec: BuiltinModelSpec = { met: { kind: 'synthetic', grid: { dlonDeg: 24, dlatDeg: 20 }, seed: 2 } };
    const model = createBuiltinModel(spec);
    const K = 2;
    const ncell = model.grid.size * model.levels.nlev;
    const c0 = new Float64Array(ncell * K).map((_, q) => 4e-4 + 1e-6 * Math.sin(q));
    const flux = new Float64Array(model.grid.size * K).map((_, q) => 1e-7 * Math.cos(q));
    const window = { startSec: 1.6e9, endSec: 1.6e9 + model.stepSeconds };
    const here = model.forward({ window, nTracers: K, initialMoleFraction: c0, fluxes: { periodSeconds: model.stepSeconds, data: flux } });
    // Node 20 ignores `--import tsx` in a worker's execArgv: register tsx inside the worker.
    const entry = new URL('../__fixtures__/model-worker.ts', import.meta.url).href;
    const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
    const worker = new Worker(boot, {
      eval: true,
      workerData: { spec, c0: c0.slice(), flux: flux.slice(), K },
      execArgv: ['--conditions=@tanhui/source'],
    });
    const msg = await new Promise<{ final: Float64Array }>((res, rej) => {
      worker.once('message', res);
      worker.once('error', rej);
    });
    await worker.terminate();
    expect(msg.final.length).toBe(here.finalMoleFraction.length);
    for (let q = 0; q < msg.final.length; q++) expect(msg.final[q]).toBe(here.finalMoleFraction[q]);
  });
});
