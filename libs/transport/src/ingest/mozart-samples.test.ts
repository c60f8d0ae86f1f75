// sampleMozartHistory on the MOZART-4 h0 fixture written by Debian's Python netCDF4
// (tools/fixtures/transport/write_fixtures.py: float32 EN001…EN003, levels top first, lon 0…360,
// an unlimited time dimension, records at 00 and 06 UTC). Expected values from its formula:
// EN00n(t, k_top, j, i) = 1e-6·(390 + 0.5·t + 0.1·k_top + 0.01·lat[j] + 0.001·lon[i] + n).
import { beforeAll, describe, expect, it } from 'vitest';
import { havePython, writeTransportFixtures } from '../__fixtures__/python-fixtures';
import { HybridLevels, isTanhuiError, LatLonGrid, samplePlanFromRows } from '@tanhui/core';
import { MASS_TO_VOLUME, sampleMozartHistory, type HistoryRequest } from './mozart-samples';

let dir = '';
beforeAll(() => {
  if (havePython) dir = writeTransportFixtures('tanhui-h0-samples-');
});

const nlon = 8, nlat = 6, nlev = 4;
const lonDeg = Array.from({ length: nlon }, (_, i) => (i * 360) / nlon);
const latDeg = Array.from({ length: nlat }, (_, j) => -90 + ((j + 0.5) * 180) / nlat);
const grid = LatLonGrid.fromCenters(lonDeg, latDeg).grid;
// hyai/hybi top first in the file, × P0 = 1e5.
const levels = new HybridLevels([0.002, 0.05, 0.1, 0.05, 0].map((a) => a * 1e5), [0, 0, 0.2, 0.6, 1]);
const START = Date.UTC(2014, 8, 6) / 1000;
/** tanhui cell (level 0 = surface) → formula value of tracer n (1-based) at record t. */
const expected = (n: number, t: number, k: number, j: number, i: number): number => 1e-6 * (390 + 0.5 * t + 0.1 * (nlev - 1 - k) + 0.01 * latDeg[j]! + 0.001 * lonDeg[i]! + n);
const cell = (k: number, j: number, i: number): number => (k * nlat + j) * nlon + i;

function request(over: Partial<HistoryRequest> = {}): HistoryRequest {
  // Sample 0: one cell at 00 UTC; sample 1: half of two cells at 06 UTC; sample 2: 00 and 06 UTC of one cell.
  const plan = samplePlanFromRows([
    [{ step: 0, cell: cell(0, 2, 3), weight: 1 }],
    [{ step: 1, cell: cell(1, 5, 0), weight: 0.5 }, { step: 1, cell: cell(3, 0, 7), weight: 0.5 }],
    [{ step: 0, cell: cell(2, 4, 1), weight: 0.25 }, { step: 1, cell: cell(2, 4, 1), weight: 0.75 }],
  ]);
  return { dir, window: { startSec: START, endSec: START + 21600 }, stepSeconds: 21600, nSteps: 1, K: 3, plan, grid, levels, mixingRatio: 'volume', wantFinal: true, ...over };
}

describe.skipIf(!havePython)('sampleMozartHistory (h0 written by Python netCDF4)', () => {
  it('samples ENnnn_VMR_avrg with the plan, surface first and south → north, and returns the final record', async () => {
    const out = await sampleMozartHistory(request());
    for (let n = 1; n <= 3; n++) {
      const t = n - 1;
      expect(out.samples[0 * 3 + t]).toBeCloseTo(expected(n, 0, 0, 2, 3), 10); // float32: ≈ 3e-11
      expect(out.samples[1 * 3 + t]).toBeCloseTo(0.5 * expected(n, 1, 1, 5, 0) + 0.5 * expected(n, 1, 3, 0, 7), 10); // float32: ≈ 3e-11
      expect(out.samples[2 * 3 + t]).toBeCloseTo(0.25 * expected(n, 0, 2, 4, 1) + 0.75 * expected(n, 1, 2, 4, 1), 10); // float32: ≈ 3e-11
    }
    let maxErr = 0;
    for (let k = 0; k < nlev; k++) for (let j = 0; j < nlat; j++) for (let i = 0; i < nlon; i++) for (let t = 0; t < 3; t++) maxErr = Math.max(maxErr, Math.abs(out.final![cell(k, j, i) * 3 + t]! - expected(t + 1, 1, k, j, i)));
    expect(maxErr).toBeLessThanOrEqual(1.46e-11); // half a float32 ulp at 2.4e-4…4.9e-4 (2^-36)
    expect(out.files).toHaveLength(1);
  });

  it('converts mass mixing ratios with 29/44 (GCAS)', async () => {
    const out = await sampleMozartHistory(request({ mixingRatio: 'mass', wantFinal: false }));
    expect(out.samples[0]).toBeCloseTo(expected(1, 0, 0, 2, 3) * MASS_TO_VOLUME, 10); // float32: ≈ 3e-11
    expect(out.final).toBeUndefined();
  });

  it('names the missing record, the tracer count and a grid that differs', async () => {
    const fail = async (r: HistoryRequest): Promise<string> => {
      try {
        await sampleMozartHistory(r);
      } catch (err) {
        expect(isTanhuiError(err)).toBe(true);
        return (err as { toLine(): string }).toLine();
      }
      throw new Error('expected a failure');
    };
    expect(await fail(request({ nSteps: 2, window: { startSec: START, endSec: START + 43200 } }))).toMatch(/^MissingFile: the h0 record of 2014-09-06T12:00:00Z is missing \(file \S+test\.mz4\.h0\.2014-09-06-00000\.nc\)/);
    expect(await fail(request({ window: { startSec: START + 86400, endSec: START + 86400 + 21600 } }))).toMatch(/^MissingFile: expected h0 file \*\.h0\.2014-09-07-\*\.nc \(records of 2014-09-07\) is missing/);
    expect(await fail(request({ K: 4 }))).toMatch(/^BadShape: the model wrote 3 tracers ENnnn_VMR_avrg, expected 4/);
    expect(await fail(request({ grid: LatLonGrid.regular(45, 30, -180) }))).toMatch(/^GridMismatch: the model grid .* differs from the expected grid/);
  });
});
