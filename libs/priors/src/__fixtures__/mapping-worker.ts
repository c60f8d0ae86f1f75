// Worker used by worker.test.ts: imports the lib's public index (must not load gdal-async) and
// computes the ensemble flux for the members it is given.
import { parentPort, workerData } from 'node:worker_threads';
import { ensembleFlux, type StateMapping } from '../index';

const { mapping, fixed, X, K } = workerData as { mapping: StateMapping; fixed: Float64Array; X: Float64Array; K: number };
const out = ensembleFlux(mapping, fixed, X, K);
parentPort!.postMessage(out, [out.buffer as ArrayBuffer]);
