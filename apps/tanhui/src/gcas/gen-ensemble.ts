// `tanhui gcas gen-ensemble`: GCASv2's Gen_ensembles.exe (ALGORITHM.md §3). Draws λ = bunc·ξ per
// coarse cell, component and member with tanhui's seeded generator (GCAS seeds from the clock),
// and writes the state ensemble (emissions.intermediate.D.nc), the 1° prior ensemble
// (uncertainties.prior.D.nc) and the N member flux files for MOZART (emissions.ENnnn.surface.T42LR.nc).
import * as fs from 'node:fs';
import { TanhuiError, createRng } from '@tanhui/core';
import { openDataset, writeNetcdf3, type Nc3File } from '@tanhui/io';
import { nearestIndex } from '@tanhui/solvers';
import { stateGrid, intermediateFile, type StateGrid } from './ensrf';
import { gcasDay, readGcasNamelist, type GcasNamelist } from './namelist';
import { h0FileName, readTransportGrid, type TransportGrid } from './observe';
import { mozartFluxNc, priorFile } from './outputs';

const PLANE = 180 * 360;
const LAT1 = Float64Array.from({ length: 180 }, (_, j) => j - 89.5);
const LON1 = Float64Array.from({ length: 360 }, (_, i) => i + 0.5);
const COMPS = ['bio', 'ocn', 'fire'] as const;

/** molecules CO2 cm⁻² s⁻¹ → gC per 1° cell per 3 h at latitude `lat` (GCAS's factor, dxyp in km²). */
export function gcasGramsPer3h(latDeg: number): number {
  const r = Math.PI / 180;
  const l = (latDeg - 0.5) * r;
  const areaKm2 = r * (Math.sin(l + r) - Math.sin(l)) * 6.371e3 ** 2;
  return (((((1 / 6.02e23) * 12 * 1.0e4) * 3600) * 3) * areaKm2) * 1.0e6;
}

export interface PriorWindow {
  /** Per component (bio, ocn, fossil, fire): [8·W+1 steps][180][360] (the last = next day's first). */
  flux: Record<string, Float32Array>;
  steps: number;
}

export interface StateEnsemble {
  /** [N][var][lat][lon] gC per coarse cell per window. */
  bgens: Float64Array;
  bgmean: Float64Array;
  bgstdev: Float64Array;
  bgmeanOrg: Float64Array;
  /** [N][var][180][360] gC per 1° cell per window. */
  bgens1deg: Float64Array;
}

/** Coarse cell (j·bnx + i) of each 1° cell: nearest centre in lat and lon separately. */
export function coarseCellOf1deg(state: StateGrid): Int32Array {
  const out = new Int32Array(PLANE);
  for (let j = 0; j < 180; j++) {
    const jx = nearestIndex(LAT1[j], state.blat);
    for (let i = 0; i < 360; i++) out[j * 360 + i] = jx * state.bnx + nearestIndex(LON1[i], state.blon);
  }
  return out;
}

/**
 * The state ensemble of given λ [var][cell][N] (member flux = prior·(1 + λ) per component;
 * GCAS's ½(bio + mbio) with mbio = bio is the same): sums over the window's 8·W steps.
 */
export function gcasStateEnsemble(state: StateGrid, prior: PriorWindow, lambda: Float64Array, N: number): StateEnsemble {
  const nv = state.bnvar;
  const nc = state.bny * state.bnx;
  const cellOf = coarseCellOf1deg(state);
  const fac = Float64Array.from(LAT1, gcasGramsPer3h);
  const steps = prior.steps - 1;
  // Unperturbed sums per 1° cell and component.
  const sum1 = new Float64Array(nv * PLANE);
  for (let v = 0; v < nv; v++) {
    const f = prior.flux[COMPS[v]];
    for (let t = 0; t < steps; t++) for (let p = 0; p < PLANE; p++) sum1[v * PLANE + p] += f[t * PLANE + p] * fac[Math.floor(p / 360)];
  }
  const bgmeanOrg = new Float64Array(nv * nc);
  const bgens = new Float64Array(N * nv * nc);
  const bgens1deg = new Float64Array(N * nv * PLANE);
  for (let v = 0; v < nv; v++) {
    for (let p = 0; p < PLANE; p++) {
      const c = cellOf[p];
      const s = sum1[v * PLANE + p];
      bgmeanOrg[v * nc + c] += s;
      for (let n = 0; n < N; n++) {
        const m = s * (1 + lambda[(v * nc + c) * N + n]);
        bgens1deg[(n * nv + v) * PLANE + p] = m;
        bgens[(n * nv + v) * nc + c] += m;
      }
    }
  }
  const bgmean = new Float64Array(nv * nc);
  const bgstdev = new Float64Array(nv * nc);
  for (let k = 0; k < nv * nc; k++) {
    let s = 0;
    for (let n = 0; n < N; n++) s += bgens[n * nv * nc + k];
    const m = s / N;
    let ss = 0;
    for (let n = 0; n < N; n++) ss += (bgens[n * nv * nc + k] - m) ** 2;
    bgmean[k] = m;
    bgstdev[k] = Math.sqrt(ss / N);
  }
  return { bgens, bgmean, bgstdev, bgmeanOrg, bgens1deg };
}

async function readPriorDay(nml: GcasNamelist, comp: string, day: string): Promise<Float32Array> {
  const file = priorFile(nml.priordir, comp, day);
  const ds = await openDataset(file);
  try {
    const d = (await ds.read('emissions', { decode: false })).data;
    if (d.length !== 8 * PLANE) throw new TanhuiError('BadShape', `'emissions' has ${d.length} values, expected 8 × 180 × 360`, { context: { file, variable: 'emissions' } });
    return Float32Array.from(d as ArrayLike<number>);
  } finally {
    ds.close();
  }
}

/** The window's priors (W days and the next day's first step). */
export async function readPriorWindow(nml: GcasNamelist): Promise<PriorWindow> {
  const steps = 8 * nml.rundays + 1;
  const flux: Record<string, Float32Array> = {};
  for (const comp of ['bio', 'ocn', 'fossil', 'fire']) {
    const all = new Float32Array(steps * PLANE);
    for (let d = 0; d <= nml.rundays; d++) {
      const f = await readPriorDay(nml, comp, gcasDay(nml, d));
      all.set(d < nml.rundays ? f : f.subarray(0, PLANE), d * 8 * PLANE);
    }
    flux[comp] = all;
  }
  return { flux, steps };
}

/** λ [var][cell][N] = bunc_v·ξ, drawn in GCAS's loop order (j, i, v, n). */
export function drawGcasLambda(state: StateGrid, bunc: readonly number[], N: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const nc = state.bny * state.bnx;
  const out = new Float64Array(state.bnvar * nc * N);
  for (let j = 0; j < state.bny; j++)
    for (let i = 0; i < state.bnx; i++)
      for (let v = 0; v < state.bnvar; v++) for (let n = 0; n < N; n++) out[(v * nc + j * state.bnx + i) * N + n] = bunc[v] * rng.normal();
  return out;
}

function intermediateNc(state: StateGrid, e: StateEnsemble, N: number): Nc3File {
  const f32 = (a: ArrayLike<number>): Float32Array => Float32Array.from(a);
  const attrs = { long_name: 'total carbon flux', units: 'gC/grid/rundays' };
  return {
    dims: [['var', state.bnvar], ['lat', state.bny], ['lon', state.bnx], ['en_size', N]],
    vars: [
      { name: 'bgens', type: 'float', dims: ['en_size', 'var', 'lat', 'lon'], data: f32(e.bgens), attrs },
      { name: 'bgstdev', type: 'float', dims: ['var', 'lat', 'lon'], data: f32(e.bgstdev) },
      { name: 'bgmean', type: 'float', dims: ['var', 'lat', 'lon'], data: f32(e.bgmean), attrs },
      { name: 'bgmean_org', type: 'float', dims: ['var', 'lat', 'lon'], data: f32(e.bgmeanOrg), attrs },
      { name: 'lat', type: 'float', dims: ['lat'], data: f32(state.blat), attrs: { long_name: 'Latitude' } },
      { name: 'lon', type: 'float', dims: ['lon'], data: f32(state.blon), attrs: { long_name: 'Longitude' } },
    ],
  };
}

export interface GenEnsembleOptions {
  seed?: number;
  /** Transport grid source (default: the ensemble run's h0 file of the first day, else --grid-from). */
  gridFrom?: string;
  log?: (line: string) => void;
}

export async function runGenEnsemble(namelist: string, options: GenEnsembleOptions = {}): Promise<{ written: string[]; state: StateGrid; grid: TransportGrid }> {
  const log = options.log ?? (() => undefined);
  const nml = readGcasNamelist(namelist);
  const N = nml.ensemble;
  const state = stateGrid(nml.resb, nml.optScheme);
  const icdate = gcasDay(nml, 0);
  const gridFile = options.gridFrom ?? h0FileName(nml.mozartdir, nml.casename, icdate);
  if (!fs.existsSync(gridFile)) {
    throw new TanhuiError('MissingFile', 'no file to take the transport grid from (lat, lon, hyai)', {
      context: { file: gridFile },
      hint: 'pass --grid-from with any MOZART h0 file of the run',
    });
  }
  const grid = await readTransportGrid(gridFile);
  const prior = await readPriorWindow(nml);
  log(`read priors: ${nml.rundays} days + 1`);
  const lambda = drawGcasLambda(state, nml.bunc, N, options.seed ?? Number(icdate));
  const e = gcasStateEnsemble(state, prior, lambda, N);
  const nc = state.bny * state.bnx;
  const cellOf = coarseCellOf1deg(state);
  const files: [string, Nc3File][] = [];
  // Member total fluxes on the transport grid (fossil unperturbed).
  const total = new Float64Array(prior.steps * PLANE);
  for (let n = 0; n < N; n++) {
    for (let t = 0; t < prior.steps; t++) {
      for (let p = 0; p < PLANE; p++) {
        const k = t * PLANE + p;
        let s = prior.flux.fossil[k];
        for (let v = 0; v < 3; v++) {
          const f = prior.flux[COMPS[v]][k];
          s += v < state.bnvar ? f * (1 + lambda[(v * nc + cellOf[p]) * N + n]) : f;
        }
        total[k] = s;
      }
    }
    files.push([`${nml.mozartdir}/data/emis/emissions.EN${String(n + 1).padStart(3, '0')}.surface.T42LR.nc`, mozartFluxNc(icdate, nml.rundays, total, grid.lat, grid.lon)]);
  }
  files.push([intermediateFile(nml, icdate), intermediateNc(state, e, N)]);
  files.push([
    `${nml.optDir}/${nml.casename}/uncertainties.prior.${icdate}.nc`,
    {
      dims: [['en_size', N], ['var', state.bnvar], ['lat', 180], ['lon', 360]],
      vars: [
        { name: 'bgens', type: 'float', dims: ['en_size', 'var', 'lat', 'lon'], data: Float32Array.from(e.bgens1deg), attrs: { units: 'gC/grid/rundays' } },
        { name: 'lat', type: 'float', dims: ['lat'], data: Float32Array.from(LAT1) },
        { name: 'lon', type: 'float', dims: ['lon'], data: Float32Array.from(LON1) },
      ],
    },
  ]);
  for (const [file, f] of files) await writeNetcdf3(file, f);
  log(`wrote ${files.length} files`);
  return { written: files.map(([f]) => f), state, grid };
}
