// Worker of the solvers bench's 2-thread row of case (a): applies the ensemble-space transform
// to a range of state rows, reading the prior from SharedArrayBuffers and writing fresh shared
// output rows (what an orchestrator's worker task would do). Started by main.ts through a tiny
// bootstrap that registers tsx (Node 20 ignores --import tsx in a worker's execArgv).
import { parentPort } from 'node:worker_threads';
import { applyEnsembleTransform, type EnsembleTransform } from '@tanhui/solvers';

export interface TransformJob {
  transform: EnsembleTransform;
  x0: SharedArrayBuffer;
  X0: SharedArrayBuffer;
  xOut: SharedArrayBuffer;
  XOut: SharedArrayBuffer;
  rowStart: number;
  rowEnd: number;
}

parentPort!.on('message', (job: TransformJob) => {
  applyEnsembleTransform(job.transform, new Float64Array(job.x0), new Float64Array(job.X0), job.rowStart, job.rowEnd, {
    x: new Float64Array(job.xOut),
    Xprime: new Float64Array(job.XOut),
  });
  parentPort!.postMessage('done');
});
