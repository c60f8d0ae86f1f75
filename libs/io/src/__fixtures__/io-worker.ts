// Worker used by worker.test.ts: imports @tanhui/io in a worker thread, writes and reads a Zarr
// store there, and tries (and must fail) to open a NetCDF file.
import { parentPort, workerData } from 'node:worker_threads';
import { ZarrStore, openDataset } from '../index';

const { root, nc } = workerData as { root: string; nc: string };
const store = await ZarrStore.create(root);
await store.writeArray('v', new Float64Array([1, 2, 3]), { dims: ['n'] });
const back = Array.from((await store.readArray('v')).data as Float64Array);
let openError = '';
try {
  await openDataset(nc);
} catch (e) {
  openError = (e as { code?: string }).code ?? String(e);
}
parentPort!.postMessage({ back, openError });
