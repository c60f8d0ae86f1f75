// `tanhui gcas ensrf`: GCASv2's Ensrf.exe on its own files. This file reads the namelist's
// inputs and composes the pure pieces of @tanhui/solvers (super-obs, gcasLocalEnsrf,
// gcasLambda); gcas/outputs.ts writes what Ensrf.exe writes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TanhuiError } from '@tanhui/core';
import { openDataset } from '@tanhui/io';
import {
  buildSuperObs,
  gcasLambda,
  gcasLocalEnsrf,
  nearestIndex,
  type GcasLambdaResult,
  type GcasLocalResult,
  type SuperObs,
} from '@tanhui/solvers';
import { gcasDay, readGcasNamelist, type GcasNamelist } from './namelist';
import { h0FileName, observeDay, readSatFile, readSurfaceFile, readTransportGrid, type DayRaw, type Sounding, type TransportGrid } from './observe';

export interface GcasEnsrfOptions {
  /** GCAS's ocean map for OCO-2 σ (default: ../input/region_gcas.nc next to the namelist's folder). */
  regionMap?: string;
  /** Progress and stage times. */
  log?: (line: string) => void;
}

export interface StateGrid {
  bnx: number;
  bny: number;
  bnvar: number;
  blat: Float64Array;
  blon: Float64Array;
}

export interface GcasEnsrfResult {
  nml: GcasNamelist;
  icdate: string;
  state: StateGrid;
  grid: TransportGrid;
  members: number;
  superObs: SuperObs;
  nSurface: number;
  nColumn: number;
  analysis: GcasLocalResult;
  /** [var][lat][lon] unperturbed prior, gC per cell per window. */
  xorg: Float64Array;
  out: GcasLambdaResult;
  /** Mean (H̄ − y) and count of accepted raw soundings per coarse cell [lat][lon]. */
  xbias: Float64Array;
  xnum: Float64Array;
  /** Seconds per stage. */
  timings: Record<string, number>;
}

export function stateGrid(resb: number, bnvar: number): StateGrid {
  const bny = 180 / resb;
  const bnx = 360 / resb;
  return {
    bnx, bny, bnvar,
    blat: Float64Array.from({ length: bny }, (_, j) => j * resb + resb / 2 - 90),
    blon: Float64Array.from({ length: bnx }, (_, i) => i * resb + resb / 2),
  };
}

export function intermediateFile(nml: GcasNamelist, day: string): string {
  return `${nml.mozartdir}/data/emis/emissions.intermediate.${day}.nc`;
}

export function lambdaFile(nml: GcasNamelist): string {
  return `${nml.optDir}/${nml.casename}/emissions.opt.lambda.nc`;
}

async function readF64(file: string, variable: string, expected?: number): Promise<{ data: Float64Array; shape: number[] }> {
  const ds = await openDataset(file);
  try {
    if (!ds.hasVariable(variable)) throw new TanhuiError('MissingVariable', `no variable '${variable}'`, { context: { file, variable } });
    const v = await ds.read(variable, { decode: false });
    const data = Float64Array.from(v.data as ArrayLike<number>, Number);
    if (expected !== undefined && data.length !== expected) {
      throw new TanhuiError('BadShape', `'${variable}' has shape [${v.shape.join(', ')}] (${data.length} values), expected ${expected}`, { context: { file, variable } });
    }
    return { data, shape: v.shape };
  } finally {
    ds.close();
  }
}

/** 1° ocean test of GCAS (region 0 or ≥ 52 of region_gcas.nc, nearest 1° cell). */
async function oceanTest(file: string): Promise<(lat: number, lon: number) => boolean> {
  const { data } = await readF64(file, 'region', 180 * 360);
  const lonk = Float64Array.from({ length: 360 }, (_, i) => i + 0.5);
  const latk = Float64Array.from({ length: 180 }, (_, j) => j - 89.5);
  return (lat, lon) => {
    const r = data[nearestIndex(lat, latk) * 360 + nearestIndex(lon, lonk)];
    return r === 0 || r >= 52;
  };
}

export async function computeGcasEnsrf(namelist: string, options: GcasEnsrfOptions = {}): Promise<GcasEnsrfResult> {
  const log = options.log ?? (() => undefined);
  const timings: Record<string, number> = {};
  let t0 = performance.now();
  const lap = (name: string): void => {
    const t = performance.now();
    timings[name] = (t - t0) / 1000;
    log(`${name}: ${timings[name].toFixed(2)} s`);
    t0 = t;
  };
  const nml = readGcasNamelist(namelist);
  const icdate = gcasDay(nml, 0);
  const N = nml.ensemble;
  const state = stateGrid(nml.resb, nml.optScheme);
  const nCells = state.bnvar * state.bny * state.bnx;
  const nCellsAll = (v: number): number => v * state.bny * state.bnx;

  // State ensemble (Gen_ensembles' output): bgens [N][var][lat][lon], bgmean_org [var][lat][lon].
  const inter = intermediateFile(nml, icdate);
  const bgens = await readF64(inter, 'bgens');
  if (bgens.shape.length !== 4 || bgens.shape[0] !== N || bgens.shape[1] < state.bnvar || bgens.shape[2] !== state.bny || bgens.shape[3] !== state.bnx) {
    throw new TanhuiError('BadShape', `bgens has shape [${bgens.shape.join(', ')}], expected [${N}, ≥${state.bnvar}, ${state.bny}, ${state.bnx}] (ensemble, opt_scheme, resb)`, {
      context: { file: inter, variable: 'bgens' },
    });
  }
  const nv = bgens.shape[1];
  const org = await readF64(inter, 'bgmean_org', nCellsAll(nv));
  const members = new Float64Array(nCells * N);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < nCells; c++) members[c * N + n] = bgens.data[n * nCellsAll(nv) + c];
  }
  const xorg = org.data.slice(0, nCells);
  lap('read state ensemble');

  // Observations, day by day, through the ensemble run's h0 files.
  const grid = await readTransportGrid(h0FileName(nml.mozartdir, nml.casename, icdate));
  const needOcean = nml.issat === 1 && nml.isoco2 === 1;
  const regionMap = options.regionMap ?? path.resolve(path.dirname(namelist), '..', 'input', 'region_gcas.nc');
  const isOcean = needOcean ? await oceanTest(regionMap) : () => false;
  const xbiasSum = new Float64Array(state.bny * state.bnx);
  const xnum = new Float64Array(state.bny * state.bnx);
  const raw: DayRaw[] = [];
  for (let d = 0; d < nml.rundays; d++) {
    const day = gcasDay(nml, d);
    const h0 = h0FileName(nml.mozartdir, nml.casename, day);
    const srfFile = `${nml.obsdirSrf}/srf_${day}`;
    const surface = nml.issrf === 1 && fs.existsSync(srfFile) ? readSurfaceFile(srfFile) : [];
    const soundings: Sounding[] = [];
    if (nml.issat === 1) {
      const products: [number, string, 'gosat' | 'oco2' | 'tansat'][] = [
        [nml.isgosat, `${nml.obsdirGosat}/acos_v90_${day}.nc`, 'gosat'],
        [nml.isoco2, `${nml.obsdirOco2}/oco2_v11_${day}.nc`, 'oco2'],
        [nml.istansat, `${nml.obsdirTansat}/TanSat_v2.${day}.nc`, 'tansat'],
      ];
      for (const [on, file, product] of products) {
        if (on === 1 && fs.existsSync(file)) soundings.push(...(await readSatFile(file, product, isOcean)));
      }
    }
    if (!fs.existsSync(h0)) throw new TanhuiError('MissingFile', `ensemble history file of ${day} not found`, { context: { file: h0 } });
    const dayRaw = await observeDay(h0, grid, N, surface, soundings, (s, m) => {
      const c = nearestIndex(s.lat, state.blat) * state.bnx + nearestIndex(s.lon, state.blon);
      xbiasSum[c] += m - s.yPpm;
      xnum[c] += 1;
    });
    raw.push(...dayRaw);
    log(`day ${day}: ${surface.length} surface records, ${soundings.length} soundings, ${dayRaw.length} pass the 15 ppm check`);
  }
  const superObs = buildSuperObs(raw, N, { float32: true });
  const xbias = xbiasSum.map((s, c) => (xnum[c] > 0 ? s / xnum[c] : 0));
  let nSurface = 0;
  for (let o = 0; o < superObs.n; o++) if (superObs.kind[o] === 1) nSurface++;
  log(`super-obs: ${superObs.n} (surface ${nSurface}, column ${superObs.n - nSurface})`);
  lap('read h0 files and build super-obs');

  const lat = new Float64Array(nCells);
  const lon = new Float64Array(nCells);
  const component = new Uint8Array(nCells);
  const columnBoost = new Uint8Array(nCells);
  for (let v = 0; v < state.bnvar; v++) {
    for (let j = 0; j < state.bny; j++) {
      for (let i = 0; i < state.bnx; i++) {
        const c = (v * state.bny + j) * state.bnx + i;
        lat[c] = state.blat[j];
        lon[c] = state.blon[i];
        component[c] = v;
        columnBoost[c] = v === 1 ? 1 : 0;
      }
    }
  }
  const analysis = gcasLocalEnsrf({ n: nCells, lat, lon, members, columnBoost }, {
    n: superObs.n, kind: superObs.kind, lat: superObs.lat, lon: superObs.lon, yPpm: superObs.yPpm, sigmaPpm: superObs.sigmaPpm, hxPpm: superObs.hxPpm,
  }, { float32Means: true });
  lap('select obs and analyse');

  let lambdaOld: Float64Array | undefined;
  if (nml.daStep > 1) {
    const file = lambdaFile(nml);
    const all = await readF64(file, 'lambda');
    const rec = nml.daStep - 2;
    const size = nCells;
    if (all.shape.length !== 4 || all.shape[0] <= rec || all.shape[1] !== state.bnvar) {
      throw new TanhuiError('BadShape', `lambda has shape [${all.shape.join(', ')}]: no record ${nml.daStep - 1} for da_step = ${nml.daStep}`, { context: { file, variable: 'lambda' } });
    }
    lambdaOld = all.data.slice(rec * size, (rec + 1) * size);
  }
  const out = gcasLambda({ xorg, xmeanPrior: analysis.xmeanPrior, xmeanPost: analysis.xmeanPost, component, lambdaOld });
  lap('scaling factors');
  return { nml, icdate, state, grid, members: N, superObs, nSurface, nColumn: superObs.n - nSurface, analysis, xorg, out, xbias, xnum, timings };
}
