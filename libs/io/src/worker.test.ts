import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDirs } from './__fixtures__/env';

afterAll(removeTempDirs);

describe('@tanhui/io in a worker thread', () => {
  it('Zarr stores work; GDAL reads are refused with a TanhuiError instead of crashing', async () => {
    const tmp = makeTempDir();
    const file = pathToFileURL(fileURLToPath(new URL('./__fixtures__/io-worker.ts', import.meta.url))).href;
    // Node 20 ignores `--import tsx` in a worker's execArgv: register tsx inside the worker.
    const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(file)}); })`;
    const worker = new Worker(boot, {
      eval: true,
      workerData: { root: path.join(tmp, 'w.zarr'), nc: path.join(tmp, 'absent.nc') },
      execArgv: ['--conditions=@tanhui/source'],
    });
    const msg = await new Promise<{ back: number[]; openError: string }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(msg.back).toEqual([1, 2, 3]);
    expect(msg.openError).toBe('Internal');
  });
});
