// A participant of a shared forward run for the shared-forward test: the model from a plain
// description, its tracers' inputs from rows of K (copied block by block), finals into a shared
// [cell][K] table — as the orchestrator's workers do.
import { parentPort, workerData } from 'node:worker_threads';
import { createBuiltinModel, type BuiltinModelSpec, type SamplePlan, type SharedForwardSpec, type TransportWindow } from '../index';

const d = workerData as {
  spec: BuiltinModelSpec; shared: SharedForwardSpec; window: TransportWindow; periodSeconds: number;
  c0: Float64Array; flux: Float64Array; plan: SamplePlan; finals: SharedArrayBuffer;
};
const model = createBuiltinModel(d.spec);
const K = d.shared.nTracers;
const r = model.forwardShared({
  window: d.window,
  periodSeconds: d.periodSeconds,
  plan: d.plan,
  shared: d.shared,
  blockInputs: (t0, kb, init, flux) => {
    for (let q = 0; q < init.length / kb; q++) for (let t = 0; t < kb; t++) init[q * kb + t] = d.c0[q * K + t0 + t]!;
    for (let q = 0; q < flux.length / kb; q++) for (let t = 0; t < kb; t++) flux[q * kb + t] = d.flux[q * K + t0 + t]!;
  },
  finalInto: [{ start: 0, count: K, array: new Float64Array(d.finals), stride: K, offset: 0 }],
});
parentPort!.postMessage(r);
