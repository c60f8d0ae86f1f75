// Worker used by the row-kernel test: updates row ranges of arrays that live in
// SharedArrayBuffers, as an orchestrator's Piscina task would.
import { parentPort, workerData } from 'node:worker_threads';
import { applyEnsembleTransform, ensrfUpdateRows } from '../index';

for (const d of workerData.jobs) {
  const x = new Float64Array(d.xBuffer);
  const X = new Float64Array(d.XBuffer);
  if (d.kind === 'rows') ensrfUpdateRows(d.sequence, x, X, d.rowStart, d.rowEnd, d.loc);
  else applyEnsembleTransform(d.transform, x, X, d.rowStart, d.rowEnd);
}
parentPort!.postMessage('done');
