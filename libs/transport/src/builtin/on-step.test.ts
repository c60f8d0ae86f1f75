// The forward run's onStep hook (history output of an external-model stand-in): at every step
// tracerMass / airMass is the mole fraction the model's own sampling sees — checked against a
// plan that samples every cell at every step — and the last call is the final field.
import { describe, expect, it } from 'vitest';
import { samplePlanFromRows } from '@tanhui/core';
import { createBuiltinModel } from '../met/met-spec';
import { randomArray, rng } from './test-helpers';

const model = createBuiltinModel({ met: { kind: 'synthetic', grid: { dlonDeg: 30, dlatDeg: 30 }, seed: 5 } });

describe('BuiltinTransportModel.forward onStep', () => {
  it('gives every step’s field (= the plan samples of every cell) and ends with the final field', () => {
    const window = { startSec: Date.UTC(2020, 5, 1) / 1000, endSec: Date.UTC(2020, 5, 1) / 1000 + 4 * model.stepSeconds };
    const nSteps = 4;
    const K = 2;
    const ncell = model.grid.size * model.levels.nlev;
    const r = rng(3);
    const initial = Float64Array.from(randomArray(ncell * K, r), (v) => 4e-4 + 1e-6 * v);
    const flux = randomArray(model.grid.size * K, r, 1e-7);
    const plan = samplePlanFromRows(Array.from({ length: (nSteps + 1) * ncell }, (_, s) => [{ step: Math.floor(s / ncell), cell: s % ncell, weight: 1 }]));
    const seen: number[] = [];
    const fields: Float64Array[] = [];
    const out = model.forward({
      window, nTracers: K, initialMoleFraction: initial, fluxes: { periodSeconds: window.endSec - window.startSec, data: flux }, plan,
      onStep: (n, rm, m) => {
        seen.push(n);
        fields.push(Float64Array.from({ length: ncell * K }, (_, q) => rm[q]! / m[Math.floor(q / K)]!));
      },
    });
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    // Same values up to the order of one multiplication and one division (sampling uses w/m · rm).
    let maxRel = 0;
    for (let n = 0; n <= nSteps; n++) {
      for (let q = 0; q < ncell * K; q++) maxRel = Math.max(maxRel, Math.abs(fields[n]![q]! / out.samples[(n * ncell + Math.floor(q / K)) * K + (q % K)]! - 1));
    }
    for (let q = 0; q < ncell * K; q++) maxRel = Math.max(maxRel, Math.abs(fields[nSteps]![q]! / out.finalMoleFraction[q]! - 1));
    expect(maxRel).toBeLessThan(1e-15);
    // And the fields change from step to step (the hook sees the run, not one field).
    expect(fields[nSteps]!.some((v, q) => v !== fields[0]![q])).toBe(true);
  });
});
