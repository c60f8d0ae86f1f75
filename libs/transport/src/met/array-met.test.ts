import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GRAVITY, HybridLevels, LatLonGrid } from '@tanhui/core';
import { ArrayMeteorology, type ArrayMetData } from './array-met';
import { continuity } from '../builtin/step-builder';
import { BuiltinTransportModel } from '../builtin/model';
import { readMeteorologyFile } from '../ingest/met-reader';

const grid = LatLonGrid.regular(12, 10);
const levels = new HybridLevels([0, 0, 20000, 5000, 0], [1, 0.8, 0.3, 0.05, 0]);
const { nlat, nlon } = grid;
const ncol = grid.size, nlev = levels.nlev;
const t0 = Date.UTC(2020, 0, 1) / 1000;
const DEG = Math.PI / 180;

function makeData(): ArrayMetData {
  const nt = 3;
  const ps = new Float64Array(nt * ncol), u = new Float64Array(nt * nlev * ncol), v = new Float64Array(nt * nlev * ncol);
  for (let q = 0; q < nt; q++) {
    for (let j = 0; j < nlat; j++) {
      const la = grid.latCentersDeg[j]! * DEG;
      for (let i = 0; i < nlon; i++) {
        const lo = grid.lonCentersDeg[i]! * DEG;
        ps[q * ncol + j * nlon + i] = 1e5 + 500 * Math.cos(la) * Math.sin(lo + 0.4 * q);
        for (let k = 0; k < nlev; k++) {
          // Divergent winds, not consistent with the surface-pressure tendency: the fixer's job.
          u[(q * nlev + k) * ncol + j * nlon + i] = (10 + 5 * k) * Math.cos(la) + 4 * Math.sin(2 * lo);
          v[(q * nlev + k) * ncol + j * nlon + i] = 3 * Math.cos(lo) * Math.cos(la) ** 2;
        }
      }
    }
  }
  return {
    lonEdgesDeg: grid.lonEdgesDeg, latEdgesDeg: grid.latEdgesDeg, aHalfPa: levels.aHalfPa, bHalf: levels.bHalf,
    timesSec: Float64Array.from([t0, t0 + 21600, t0 + 43200]), psPa: ps, uMS: u, vMS: v,
  };
}

describe('meteorology from arrays with a pressure fixer', () => {
  const met = new ArrayMeteorology(makeData());
  it('makes the model surface pressure follow the file (up to its global mean tendency)', () => {
    const dt = 10800;
    const ps0 = met.surfacePressurePa(t0);
    const am = new Float64Array(nlev * ncol), bm = new Float64Array(nlev * (nlat + 1) * nlon);
    met.massFluxes(t0, dt, ps0, am, bm);
    const psEnd = new Float64Array(ncol);
    continuity(grid, levels, am, bm, ps0, null, psEnd, new Float64Array(nlev * ncol));
    const target = met.surfacePressurePa(t0 + dt);
    let shift = 0, area = 0;
    for (let c = 0; c < ncol; c++) {
      shift += (target[c]! - ps0[c]!) * grid.cellAreaM2[c]!;
      area += grid.cellAreaM2[c]!;
    }
    shift /= area;
    let worst = 0, change = 0;
    for (let c = 0; c < ncol; c++) {
      worst = Math.max(worst, Math.abs(psEnd[c]! - (target[c]! - shift)));
      change = Math.max(change, Math.abs(target[c]! - ps0[c]!));
    }
    expect(change).toBeGreaterThan(10); // a real tendency to follow
    expect(worst).toBeLessThan(1e-6 * change + 1e-6);
    // Total air mass is conserved.
    let m0 = 0, m1 = 0;
    for (let c = 0; c < ncol; c++) {
      m0 += (ps0[c]! * grid.cellAreaM2[c]!) / GRAVITY;
      m1 += (psEnd[c]! * grid.cellAreaM2[c]!) / GRAVITY;
    }
    expect(Math.abs(m1 / m0 - 1)).toBeLessThan(1e-13);
  });

  it('runs the model: uniform mixing ratio stays uniform and tracer mass is conserved', () => {
    const model = new BuiltinTransportModel(met, { stepSeconds: 10800 });
    const window = { startSec: t0, endSec: t0 + 43200 };
    const ncell = nlev * ncol;
    const c0 = new Float64Array(ncell * 2);
    for (let q = 0; q < ncell; q++) {
      c0[2 * q] = 4e-4;
      c0[2 * q + 1] = 1e-6 * Math.sin(q);
    }
    const out = model.forward({ window, nTracers: 2, initialMoleFraction: c0, fluxes: { periodSeconds: 43200, data: new Float64Array(ncol * 2) } });
    let worst = 0;
    for (let q = 0; q < ncell; q++) worst = Math.max(worst, Math.abs(out.finalMoleFraction[2 * q]! / 4e-4 - 1));
    expect(worst).toBeLessThan(1e-12);
    const ctx = model.samplingContext(window);
    const mass = (ps: Float64Array, c: Float64Array) => {
      let s = 0;
      for (let k = 0; k < nlev; k++) for (let col = 0; col < ncol; col++) {
        const dp = levels.aHalfPa[k]! - levels.aHalfPa[k + 1]! + (levels.bHalf[k]! - levels.bHalf[k + 1]!) * ps[col]!;
        s += c[2 * (k * ncol + col) + 1]! * dp * grid.cellAreaM2[col]!;
      }
      return s;
    };
    const before = mass(ctx.surfacePressurePa(0), c0), after = mass(ctx.surfacePressurePa(ctx.nSteps), out.finalMoleFraction);
    expect(Math.abs(after - before) / Math.abs(before)).toBeLessThan(1e-12);
  });
});

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const havePython = existsSync('/usr/bin/python3');
describe.skipIf(!havePython)('meteorology file reader', () => {
  it('reads u, v, ps and hybrid levels (top first in the file) into the model layout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tanhui-met-'));
    try {
      execFileSync('/usr/bin/python3', ['-c', 'import netCDF4'], { stdio: 'ignore' });
    } catch {
      return;
    }
    execFileSync('/usr/bin/python3', [join(repo, 'tools/fixtures/transport/write_fixtures.py'), dir, 'met'], { stdio: 'ignore' });
    const d = await readMeteorologyFile(join(dir, 'met_uvps.nc'));
    const met = new ArrayMeteorology(d);
    expect(met.levels.nlev).toBe(3);
    expect(met.levels.bHalf[0]).toBe(1);
    expect(met.levels.aHalfPa[1]).toBeCloseTo(20000, 6); // hyai 0.2 × P0, the second interface above the surface
    expect(d.timesSec[1]! - d.timesSec[0]!).toBe(21600);
    const nl = met.grid.nlon, nla = met.grid.nlat;
    // u at the surface layer (file level 2 → k = 0), row 4, column 3: (10 + 5·2)·cos φ + 3 sin 2λ cos φ.
    const la = met.grid.latCentersDeg[4]! * DEG, lo = met.grid.lonCentersDeg[3]! * DEG;
    expect(d.uMS[(0 * nla + 4) * nl + 3]).toBeCloseTo(20 * Math.cos(la) + 3 * Math.sin(2 * lo) * Math.cos(la), 10);
  });
});
