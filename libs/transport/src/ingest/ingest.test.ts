import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { havePython, writeTransportFixtures } from '../__fixtures__/python-fixtures';
import { isTanhuiError } from '@tanhui/core';
import { readMozartHistory, fieldAtTime } from './mozart';
import { readTm5FlaskOutput, readTm5MixingRatio } from './tm5';
import { readResponseFunctions, ResponseFunctionTransport } from './response-functions';
import { dot, randomArray, relDiff, rng } from '../builtin/test-helpers';

// The fixtures are written by tools/fixtures/transport/write_fixtures.py with Debian's Python
// (netCDF4, xarray, zarr); the expected values below come from the formulas in its docstring.
let dir = '';
beforeAll(() => {
  if (havePython) dir = writeTransportFixtures('tanhui-transport-');
});

describe.skipIf(!havePython)('MOZART-4 history reader', () => {
  it('reads CO2_VMR_avrg surface first, south→north, with P0·hyai + hybi·PS levels and CAM dates', async () => {
    const h = await readMozartHistory(join(dir, 'test.mz4.h0.2014-09-06-00000.nc'));
    expect(h.grid.nlon).toBe(8);
    expect(h.grid.nlat).toBe(6);
    expect(h.levels.nlev).toBe(4);
    // hyai top first in the file: the surface half level is a = 0, b = 1.
    expect(h.levels.aHalfPa[0]).toBe(0);
    expect(h.levels.bHalf[0]).toBe(1);
    expect(h.levels.aHalfPa[4]).toBeCloseTo(200, 9);
    expect(Array.from(h.timesSec)).toEqual([Date.UTC(2014, 8, 6) / 1000, Date.UTC(2014, 8, 6, 6) / 1000]);
    const { nlat, nlon } = h.grid;
    for (const [t, k, j, i] of [[0, 0, 0, 0], [1, 3, 5, 7], [1, 1, 2, 4]] as const) {
      const kTop = 3 - k; // file index (top first)
      const lat = h.grid.latCentersDeg[j]!, lon = h.grid.lonCentersDeg[i]!;
      const want = 1e-6 * (390 + 0.5 * t + 0.1 * kTop + 0.01 * lat + 0.001 * lon);
      expect(relDiff(h.moleFraction[t]![(k * nlat + j) * nlon + i]!, want)).toBeLessThan(1e-6); // stored as float32
    }
    expect(h.psPa[5 * nlon]).toBeCloseTo(1e5 - 10 * h.grid.latCentersDeg[5]!, 2);
    // Linear in time between records.
    const mid = fieldAtTime(h, Date.UTC(2014, 8, 6, 3) / 1000);
    expect(mid[0]).toBeCloseTo(0.5 * (h.moleFraction[0]![0]! + h.moleFraction[1]![0]!), 15);
  });

  it('reads ensemble tracers ENnnn_VMR_avrg as tracers (innermost)', async () => {
    const h = await readMozartHistory(join(dir, 'test.mz4.h0.2014-09-06-00000.nc'), { tracers: 'ensemble' });
    expect(h.tracerNames).toEqual(['EN001_VMR_avrg', 'EN002_VMR_avrg', 'EN003_VMR_avrg']);
    const co2 = await readMozartHistory(join(dir, 'test.mz4.h0.2014-09-06-00000.nc'));
    for (let t = 0; t < 3; t++) expect(h.moleFraction[1]![10 * 3 + t]! - co2.moleFraction[1]![10]!).toBeCloseTo(1e-6 * (t + 1), 10); // float32 storage
  });

  it('names the file and variable when a tracer is missing', async () => {
    const err = await readMozartHistory(join(dir, 'test.mz4.h0.2014-09-06-00000.nc'), { tracers: ['CH4_VMR_avrg'] }).catch((e: unknown) => e);
    expect(isTanhuiError(err, 'MissingVariable')).toBe(true);
    expect((err as { context: { variable: string } }).context.variable).toBe('CH4_VMR_avrg');
  });
});

describe.skipIf(!havePython)('TM5 output readers', () => {
  it('reads 3-D mole fractions with at/bt levels and surface pressure', async () => {
    const m = await readTm5MixingRatio(join(dir, 'tm5_mix_20140906.nc'));
    expect(m.levels.nlev).toBe(3);
    expect(m.timesSec[1]! - m.timesSec[0]!).toBe(10800);
    const { nlat, nlon } = m.grid;
    const k = 2, j = 3, i = 1;
    expect(m.moleFraction[1]![(k * nlat + j) * nlon + i]).toBeCloseTo(1e-6 * (380 + k + 0.01 * m.grid.latCentersDeg[j]! + 0.001 * m.grid.lonCentersDeg[i]!), 15);
    expect(m.psPa[i]).toBeCloseTo(1e5 + 5 * m.grid.lonCentersDeg[i]!, 6);
  });
  it('reads flask sample output [obs][members]', async () => {
    const s = await readTm5FlaskOutput(join(dir, 'tm5_flask_output.nc'));
    expect(s.nMembers).toBe(4);
    expect(Array.from(s.obsNum)).toEqual([101, 102, 103, 104, 105]);
    expect(s.samples[2 * 4 + 3]).toBeCloseTo(1e-6 * (402 + 0.3), 15);
  });
});

describe.skipIf(!havePython)('response functions', () => {
  for (const ext of ['nc', 'zarr'] as const) {
    it(`applies jacobian × region/month mean flux (${ext}); uniform flux gives Σ_b J[o][b]·F by hand`, async () => {
      const path = join(dir, `response_functions.${ext}`);
      if (ext === 'zarr' && !existsSync(path)) return;
      const data = await readResponseFunctions(path);
      expect(data.nObs).toBe(5);
      expect(data.nBasis).toBe(6);
      const model = new ResponseFunctionTransport(data);
      const t0 = Date.UTC(2014, 8, 1) / 1000;
      const window = { startSec: t0, endSec: t0 + 30 * 86400 }; // exactly the first month's basis period
      const ncol = model.grid.size;
      const plan = { nSamples: 5, rowPtr: new Int32Array(6), step: new Int32Array(0), cell: new Int32Array(0), weight: new Float64Array(0) };
      const out = model.forward({ window, nTracers: 1, initialMoleFraction: new Float64Array(0), fluxes: { periodSeconds: 30 * 86400, data: new Float64Array(ncol).fill(2) }, plan });
      for (let o = 0; o < 5; o++) {
        const want = 2 * (3 * 1e-3 * (o + 1) + 1e-4 * (0 + 1 + 2));
        expect(relDiff(out.samples[o]!, want)).toBeLessThan(1e-12);
      }
      // Samples only: asking for final fields is an error, not a silently empty table.
      const finalInto = [{ start: 0, count: 1, array: new Float64Array(8), stride: 1, offset: 0 }];
      expect(() => model.forward({ window, nTracers: 1, initialMoleFraction: new Float64Array(0), fluxes: { periodSeconds: 30 * 86400, data: new Float64Array(ncol).fill(2) }, plan, finalInto })).toThrow(/no final fields/);
    });
  }

  it('adjoint dot-product test to 1e-12', async () => {
    const model = new ResponseFunctionTransport(await readResponseFunctions(join(dir, 'response_functions.nc')));
    const t0 = Date.UTC(2014, 8, 20) / 1000;
    const window = { startSec: t0, endSec: t0 + 21 * 86400 }; // straddles both months
    const K = 3, ncol = model.grid.size, period = 7 * 86400;
    const r = rng(3);
    const f = randomArray(3 * ncol * K, r);
    const y = randomArray(5 * K, r);
    const plan = { nSamples: 5, rowPtr: new Int32Array(6), step: new Int32Array(0), cell: new Int32Array(0), weight: new Float64Array(0) };
    const fw = model.forward({ window, nTracers: K, initialMoleFraction: new Float64Array(0), fluxes: { periodSeconds: period, data: f }, plan });
    const ad = model.adjoint({ window, nTracers: K, sampleSensitivity: y, plan, fluxPeriodSeconds: period });
    expect(relDiff(dot([fw.samples, y]), dot([f, ad.fluxSensitivity]))).toBeLessThan(1e-12);
  });
});
