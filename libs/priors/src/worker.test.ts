// The orchestrator's use: mappings cross to a worker thread as plain typed arrays and the
// worker computes flux[period][lat][lon][member] for K members. The main thread has loaded
// gdal-async first: if importing @tanhui/priors pulled in @tanhui/io, the worker would fail
// with "Module did not self-register".
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { LatLonGrid } from '@tanhui/core';
import { listVariables } from '@tanhui/io';
import { buildMapping, ensembleFlux, gridScalingTerm, regionMonthTerm } from './mapping';
import { randomArray } from './test-utils';

describe('mappings in a worker thread', () => {
  it('ensembleFlux in a worker equals the main-thread result, with gdal-async loaded in the main thread', async () => {
    await listVariables('/nonexistent.nc').catch(() => undefined); // loads gdal-async here
    const grid = LatLonGrid.regular(30, 30);
    const n = grid.size;
    const nP = 4;
    const land = Int32Array.from({ length: n }, (_, c) => (c % 3 === 0 ? 1 : 0));
    const times = Float64Array.from({ length: nP }, (_, p) => p * 86400 * 20);
    const mapping = buildMapping(nP, n, [
      gridScalingTerm('bio', randomArray(nP * n, 1), nP, land),
      regionMonthTerm('ocean', Int32Array.from(land, (l, c) => (l ? 0 : 1 + (c % 2))), grid.cellAreaM2, times, { unitMolPerSecond: 1e5 }),
    ]);
    const K = 5;
    const fixed = randomArray(nP * n, 2);
    const X = randomArray(mapping.nState * K, 3);
    const want = ensembleFlux(mapping, fixed, X, K);
    const got = await new Promise<Float64Array>((resolve, reject) => {
      const w = new Worker(fileURLToPath(new URL('./__fixtures__/mapping-worker.mjs', import.meta.url)), {
        execArgv: ['--conditions=@tanhui/source'],
        workerData: { mapping, fixed, X, K },
      });
      w.once('message', (m: Float64Array) => {
        void w.terminate();
        resolve(m);
      });
      w.once('error', reject);
    });
    expect(got.length).toBe(nP * n * K);
    expect(Array.from(got)).toEqual(Array.from(want));
  });
});
