import { describe, expect, it } from 'vitest';
import { LatLonGrid } from '@tanhui/core';
import {
  applyMapping,
  applyMappingAdjoint,
  buildMapping,
  ensembleFlux,
  gridScalingTerm,
  monthBlocks,
  regionEcosystemTerm,
  regionMonthTerm,
  type StateMapping,
} from './mapping';
import { dot, randomArray } from './test-utils';

const grid = LatLonGrid.regular(30, 30); // 12 × 6
const nCells = grid.size;
const nPeriods = 5;
const land = Int32Array.from({ length: nCells }, (_, c) => ((c * 7) % 3 === 0 ? 1 : 0));
const ocean = Int32Array.from(land, (v) => 1 - v);

/** Naive dense M built from the definition, independent of the kernels. */
function denseM(m: StateMapping): Float64Array {
  const rows = m.nPeriods * m.nCells;
  const M = new Float64Array(rows * m.nState);
  for (const t of m.terms) {
    for (let b = 0; b < t.nBlocks; b++) {
      for (let u = 0; u < t.nUnits; u++) {
        const s = t.offset + b * t.nUnits + u;
        for (let p = 0; p < m.nPeriods; p++) {
          if (t.block[p] !== b) continue;
          for (let c = 0; c < m.nCells; c++) if (t.unit[c] === u) M[(p * m.nCells + c) * m.nState + s] += t.pattern[p * m.nCells + c]!;
        }
      }
    }
  }
  return M;
}

function checkMapping(m: StateMapping, K: number): void {
  const rows = m.nPeriods * m.nCells;
  const x = randomArray(m.nState * K, 1);
  const g = randomArray(rows * K, 2);
  const y = applyMapping(m, x, K);
  const z = applyMappingAdjoint(m, g, K);
  // Dot-product test <Mx, g> = <x, Mᵀg>
  const lhs = dot(y, g);
  const rhs = dot(x, z);
  expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(lhs)));
  // Forward against the naive dense matrix, per member.
  const M = denseM(m);
  for (let k = 0; k < K; k++) {
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let q = 0; q < m.nState; q++) s += M[r * m.nState + q]! * x[q * K + k]!;
      expect(y[r * K + k]).toBeCloseTo(s, 12);
    }
  }
}

describe('state-vector mappings', () => {
  const bio = randomArray(nPeriods * nCells, 3);
  const ocn = randomArray(nPeriods * nCells, 4);

  it('grid-cell scaling (GCAS), land and ocean jointly: adjoint and dense check', () => {
    const m = buildMapping(nPeriods, nCells, [gridScalingTerm('bio', bio, nPeriods, land), gridScalingTerm('ocean', ocn, nPeriods, ocean)]);
    expect(m.nState).toBe(nCells); // land + ocean partition the cells
    expect(Array.from(m.xPrior).every((v) => v === 1)).toBe(true);
    checkMapping(m, 1);
    checkMapping(m, 4);
  });

  it('scaling factors of 1 reproduce the prior flux', () => {
    const m = buildMapping(nPeriods, nCells, [gridScalingTerm('bio', bio, nPeriods, land), gridScalingTerm('ocean', ocn, nPeriods, ocean)]);
    const y = applyMapping(m, m.xPrior);
    for (let p = 0; p < nPeriods; p++) {
      for (let c = 0; c < nCells; c++) {
        const want = land[c] ? bio[p * nCells + c]! : ocn[p * nCells + c]!;
        expect(y[p * nCells + c]).toBe(want);
      }
    }
  });

  it('region × ecosystem (CarbonTracker)', () => {
    const region = Int32Array.from({ length: nCells }, (_, c) => (land[c] ? 1 + (c % 3) : 0));
    const eco = Int32Array.from({ length: nCells }, (_, c) => 1 + (c % 4));
    const oreg = Int32Array.from({ length: nCells }, (_, c) => (ocean[c] ? 1 + (c % 5) : 0));
    const m = buildMapping(nPeriods, nCells, [regionEcosystemTerm('bio', bio, region, eco), regionEcosystemTerm('ocean', ocn, oreg, Int32Array.from(oreg, () => 1))]);
    checkMapping(m, 3);
  });

  it('region × month basis functions (Bayesian synthesis): unit flux totals', () => {
    const t0 = Date.UTC(2014, 0, 20) / 1000;
    const times = Float64Array.from({ length: nPeriods }, (_, p) => t0 + p * 10 * 86400); // spans Jan–Mar
    const region = Int32Array.from({ length: nCells }, (_, c) => (land[c] ? 1 + (c % 2) : 0));
    const term = regionMonthTerm('land', region, grid.cellAreaM2, times, { unitMolPerSecond: 1e6 });
    const m = buildMapping(nPeriods, nCells, [term]);
    expect(m.terms[0]!.nBlocks).toBe(3);
    expect(m.nState).toBe(6);
    checkMapping(m, 2);
    // A unit state in region 1, month 0 integrates to exactly 1e6 mol/s in periods of month 0 only.
    const x = new Float64Array(m.nState);
    x[0] = 1;
    const y = applyMapping(m, x);
    for (let p = 0; p < nPeriods; p++) {
      let tot = 0;
      for (let c = 0; c < nCells; c++) tot += y[p * nCells + c]! * grid.cellAreaM2[c]!;
      const month = new Date(times[p]! * 1000).getUTCMonth();
      expect(tot).toBeCloseTo(month === 0 ? 1e6 : 0, 6);
    }
  });

  it('monthBlocks counts months from the first period', () => {
    const { block, names } = monthBlocks([Date.UTC(2014, 11, 31) / 1000, Date.UTC(2015, 0, 1) / 1000, Date.UTC(2015, 1, 3) / 1000]);
    expect(Array.from(block)).toEqual([0, 1, 2]);
    expect(names).toEqual(['2014-12', '2015-01', '2015-02']);
  });

  it('ensembleFlux = fixed + M x per member', () => {
    const m = buildMapping(nPeriods, nCells, [gridScalingTerm('bio', bio, nPeriods, land)]);
    const K = 3;
    const fixed = randomArray(nPeriods * nCells, 9);
    const X = randomArray(m.nState * K, 10);
    const f = ensembleFlux(m, fixed, X, K);
    for (let k = 0; k < K; k++) {
      const xk = Float64Array.from({ length: m.nState }, (_, s) => X[s * K + k]!);
      const yk = applyMapping(m, xk);
      for (let r = 0; r < fixed.length; r++) expect(f[r * K + k]).toBeCloseTo(fixed[r]! + yk[r]!, 14);
    }
  });

  it('rejects wrong sizes', () => {
    const m = buildMapping(nPeriods, nCells, [gridScalingTerm('bio', bio, nPeriods, land)]);
    expect(() => applyMapping(m, new Float64Array(3))).toThrow(/state array has length 3/);
    expect(() => buildMapping(nPeriods, nCells, [gridScalingTerm('bio', bio, nPeriods, new Int32Array(nCells))])).toThrow(/no cell/);
  });
});
