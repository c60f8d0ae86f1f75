// A tiny worker for the worker-thread test: builds the built-in model from a plain description
// and runs one forward step on transferred arrays, as the orchestrator's Piscina workers do.
import { parentPort, workerData } from 'node:worker_threads';
import { createBuiltinModel, type BuiltinModelSpec } from '../index';

const { spec, c0, flux, K } = workerData as { spec: BuiltinModelSpec; c0: Float64Array; flux: Float64Array; K: number };
const model = createBuiltinModel(spec);
const window = { startSec: 1.6e9, endSec: 1.6e9 + model.stepSeconds };
const out = model.forward({ window, nTracers: K, initialMoleFraction: c0, fluxes: { periodSeconds: model.stepSeconds, data: flux } });
parentPort!.postMessage({ final: out.finalMoleFraction }, [out.finalMoleFraction.buffer as ArrayBuffer]);
