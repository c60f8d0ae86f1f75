// Task run inside a worker thread by the row-kernel test: updates row ranges of arrays that
// live in SharedArrayBuffers, as an orchestrator's Piscina task would. (The worker bootstrap
// in the test owns worker_threads; this module stays free of Node built-ins like the lib.)
import { applyEnsembleTransform, ensrfUpdateRows, type EnsembleTransform, type ObsSequence, type RowLocalization } from '../index';

interface Job {
  kind: 'rows' | 'transform';
  xBuffer: SharedArrayBuffer;
  XBuffer: SharedArrayBuffer;
  rowStart: number;
  rowEnd: number;
  sequence?: ObsSequence;
  loc?: RowLocalization;
  transform?: EnsembleTransform;
}

export function run(data: { jobs: Job[] }): void {
  for (const d of data.jobs) {
    const x = new Float64Array(d.xBuffer);
    const X = new Float64Array(d.XBuffer);
    if (d.kind === 'rows') ensrfUpdateRows(d.sequence!, x, X, d.rowStart, d.rowEnd, d.loc);
    else applyEnsembleTransform(d.transform!, x, X, d.rowStart, d.rowEnd);
  }
}
