// Worker of the bench's 2-thread row (b‴): updates a row range of x and X′ that live in
// SharedArrayBuffers with ensrfUpdateRows, as an orchestrator's worker would. Started by
// main.ts through a small eval'd bootstrap that registers tsx (Node 20 ignores `--import tsx`
// in a worker's execArgv).
import { parentPort } from 'node:worker_threads';
import { ensrfUpdateRows, type ObsSequence, type RowLocalization } from '@tanhui/solvers';

interface Job {
  sequence: ObsSequence;
  loc: RowLocalization;
  xBuffer: SharedArrayBuffer;
  XBuffer: SharedArrayBuffer;
  rowStart: number;
  rowEnd: number;
}

parentPort!.on('message', (job: Job) => {
  ensrfUpdateRows(job.sequence, new Float64Array(job.xBuffer), new Float64Array(job.XBuffer), job.rowStart, job.rowEnd, job.loc);
  parentPort!.postMessage('done');
});
parentPort!.postMessage('ready');
