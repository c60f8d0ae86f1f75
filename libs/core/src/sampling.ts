// The contract between observation operators (libs/observations) and transport models
// (libs/transport): an operator turns each observation into a sparse set of weights on model
// grid cells and model time steps; the transport model evaluates
//   sample[s] = Σ_{e in row s} weight[e] · c(step[e], cell[e])
// for every tracer, where c is the mole fraction [mol mol⁻¹] after `step` time steps of the
// window (step 0 = initial field) and cell is the flat 3-D index (k*nlat + j)*nlon + i
// (level 0 at the surface). Any affine part of an operator (e.g. the retrieval a-priori of a
// column) stays with the operator; the plan is purely linear, so its adjoint is its transpose.

import type { LatLonGrid } from './grid';
import type { HybridLevels } from './levels';

/**
 * What an observation operator needs to know about the model to build a SamplePlan: the grid,
 * the levels, the time axis of the window and the surface pressure (from the meteorology,
 * known before any tracer is run) at each step. A transport model provides one per window.
 */
export interface SamplingContext {
  readonly grid: LatLonGrid;
  readonly levels: HybridLevels;
  /** Window start [s since 1970-01-01 UTC]. */
  readonly windowStartSec: number;
  /** Length of one model time step [s]; step n is at windowStartSec + n·stepSeconds. */
  readonly stepSeconds: number;
  /** Number of steps in the window (the last sample time is step nSteps). */
  readonly nSteps: number;
  /** Surface pressure [Pa] at step n (0 … nSteps), flat index j*nlon + i. */
  surfacePressurePa(step: number): Float64Array;
}

export interface SamplePlan {
  /** Number of samples (observations). */
  readonly nSamples: number;
  /** CSR row pointers, length nSamples + 1. */
  readonly rowPtr: Int32Array;
  /** Model time-step index per entry (0 … nSteps). */
  readonly step: Int32Array;
  /** Flat 3-D cell index per entry. */
  readonly cell: Int32Array;
  /** Weight per entry [1]; weights of a point sample sum to 1. */
  readonly weight: Float64Array;
}

/** Build a SamplePlan from per-sample entry lists (convenience for operators and tests). */
export function samplePlanFromRows(rows: ReadonlyArray<ReadonlyArray<{ step: number; cell: number; weight: number }>>): SamplePlan {
  const rowPtr = new Int32Array(rows.length + 1);
  for (let s = 0; s < rows.length; s++) rowPtr[s + 1] = rowPtr[s]! + rows[s]!.length;
  const n = rowPtr[rows.length]!;
  const step = new Int32Array(n);
  const cell = new Int32Array(n);
  const weight = new Float64Array(n);
  let e = 0;
  for (const row of rows) {
    for (const r of row) {
      step[e] = r.step;
      cell[e] = r.cell;
      weight[e] = r.weight;
      e++;
    }
  }
  return { nSamples: rows.length, rowPtr, step, cell, weight };
}

/**
 * Concatenate sample plans row-wise (the SamplePlan CSR contract above), shifting
 * plan i's steps by stepOffset[i] (default 0; a lag span's time axis).
 */
export function concatPlans(plans: readonly SamplePlan[], stepOffset: readonly number[] = []): SamplePlan {
  const nSamples = plans.reduce((s, p) => s + p.nSamples, 0);
  const nnz = plans.reduce((s, p) => s + p.rowPtr[p.nSamples]!, 0);
  const rowPtr = new Int32Array(nSamples + 1);
  const step = new Int32Array(nnz);
  const cell = new Int32Array(nnz);
  const weight = new Float64Array(nnz);
  let r = 0;
  let e = 0;
  plans.forEach((p, i) => {
    const m = p.rowPtr[p.nSamples]!;
    const off = stepOffset[i] ?? 0;
    for (let q = 0; q < m; q++) step[e + q] = p.step[q]! + off;
    cell.set(p.cell.subarray(0, m), e);
    weight.set(p.weight.subarray(0, m), e);
    for (let s = 0; s < p.nSamples; s++) rowPtr[r + s + 1] = e + p.rowPtr[s + 1]!;
    r += p.nSamples;
    e += m;
  });
  return { nSamples, rowPtr, step, cell, weight };
}
