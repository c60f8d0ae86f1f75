import { describe, expect, it } from 'vitest';
import { LatLonGrid } from '@tanhui/core';
import { BuiltinTransportModel } from '../builtin/model';
import { DeformationalFlow, errorNorms, gaussianHills } from './analytic';
import type { Meteorology } from './meteorology';

const DEG = Math.PI / 180;
const DAY = 86400;

// One revolution (12 days) returns the exact solution to the initial field, so the truth is
// the analytic initial condition itself: an independent answer.
function oneRevolution(met: Meteorology, stepSeconds: number, init: (lon: number, lat: number) => number) {
  const model = new BuiltinTransportModel(met, { stepSeconds });
  const g = model.grid;
  const c0 = new Float64Array(g.size);
  for (let j = 0; j < g.nlat; j++) for (let i = 0; i < g.nlon; i++) c0[j * g.nlon + i] = init(g.lonCentersDeg[i]! * DEG, g.latCentersDeg[j]! * DEG);
  const out = model.forward({ window: { startSec: 0, endSec: 12 * DAY }, nTracers: 1, initialMoleFraction: c0, fluxes: { periodSeconds: 12 * DAY, data: new Float64Array(g.size) } });
  let mass0 = 0, mass1 = 0;
  for (let q = 0; q < g.size; q++) {
    mass0 += c0[q]! * g.cellAreaM2[q]!;
    mass1 += out.finalMoleFraction[q]! * g.cellAreaM2[q]!;
  }
  return { norms: errorNorms(g, out.finalMoleFraction, c0), massError: Math.abs(mass1 / mass0 - 1) };
}

describe('Lauritzen et al. (2012) deformational flow (non-divergent), Gaussian hills', () => {
  it('returns the initial field after one period, converging with order ≥ 1.3 in l2', () => {
    const a = oneRevolution(new DeformationalFlow(LatLonGrid.regular(6, 4), { divergent: false }), 4 * 3600, gaussianHills);
    const b = oneRevolution(new DeformationalFlow(LatLonGrid.regular(3, 2), { divergent: false }), 2 * 3600, gaussianHills);
    expect(Math.log2(a.norms.l2 / b.norms.l2)).toBeGreaterThanOrEqual(1.3);
    expect(b.norms.l2).toBeLessThan(a.norms.l2);
    expect(b.massError).toBeLessThan(1e-12);
  });
});
