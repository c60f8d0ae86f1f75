// Contract (a): the model writes gridded history (MOZART-4 h0: ENnnn_VMR_avrg(time, lev, lat, lon),
// levels top first, CAM date/datesec) and tanhui samples it with its own point and column
// operators (the plan). Streamed: one record of one tracer in memory at a time.
// Main thread only (gdal-async, node:fs loaded lazily): the pure index can still load anywhere.
import { LatLonGrid, TanhuiError, type HybridLevels, type SamplePlan } from '@tanhui/core';
import type { GdalDataset } from '@tanhui/io';
import type { TransportWindow } from '../transport-model';
import { loadIo } from './common';
import { camDateToSeconds } from './mozart';

/** A MOZART-4 h0 history file's name (`<case>.mz4.h0.YYYY-MM-DD-SSSSS.nc`). */
export const H0_PATTERN = /\.h0\.(\d{4})-(\d{2})-(\d{2})-(\d{5})\.nc$/;

/** Tracer t (0-based) → EN001, EN002, … (GCAS's ensemble tracer names). */
export function tracerName(t: number): string {
  return `EN${String(t + 1).padStart(3, '0')}`;
}

/** GCAS's conversion of MOZART's mass mixing ratio to a volume (mole) fraction: M_air / M_CO2. */
export const MASS_TO_VOLUME = 29 / 44;

export interface HistoryRequest {
  dir: string;
  window: TransportWindow;
  /** Time between records that the plan's steps refer to [s] (record n at window start + n·stepSeconds). */
  stepSeconds: number;
  nSteps: number;
  /** Tracers expected: EN001 … EN<K>. */
  K: number;
  plan: SamplePlan;
  grid: LatLonGrid;
  levels: HybridLevels;
  mixingRatio: 'mass' | 'volume';
  /** Also return every tracer's field at the window end ([cell][K], tanhui layout). */
  wantFinal: boolean;
  /** Observation-table ids of the plan's samples, for error messages. */
  sampleIds?: Float64Array;
}

export interface HistoryResult {
  /** [sample][K] mol mol⁻¹. */
  samples: Float64Array;
  final?: Float64Array;
  files: string[];
}

const iso = (sec: number): string => new Date(sec * 1000).toISOString().replace('.000Z', 'Z');

interface OpenH0 {
  file: string;
  ds: GdalDataset;
  /** Flat index into the file's [lev][lat][lon] of tanhui cell q. */
  fileIndex: Int32Array;
  /** record → step (−1: not a step of this window). */
  steps: number[];
}

/** Tanhui cell (level 0 = surface, south → north) → index into a file's [lev][lat][lon]. */
function fileIndexOf(nlev: number, nlat: number, nlon: number, flipLev: boolean, flipLat: boolean): Int32Array {
  const out = new Int32Array(nlev * nlat * nlon);
  for (let k = 0; k < nlev; k++) {
    const kf = flipLev ? nlev - 1 - k : k;
    for (let j = 0; j < nlat; j++) {
      const jf = flipLat ? nlat - 1 - j : j;
      for (let i = 0; i < nlon; i++) out[(k * nlat + j) * nlon + i] = (kf * nlat + jf) * nlon + i;
    }
  }
  return out;
}

async function openH0(file: string, r: HistoryRequest): Promise<OpenH0> {
  const ds = await (await loadIo()).openDataset(file);
  try {
    for (const v of ['lat', 'lon', 'date', 'datesec']) {
      if (!ds.hasVariable(v)) throw new TanhuiError('MissingVariable', `MOZART-4 history file lacks ${v}`, { context: { file, variable: v } });
    }
    const [lat, lon, date, datesec] = [await ds.read('lat'), await ds.read('lon'), await ds.read('date'), await ds.read('datesec')];
    const { grid, flipLat } = LatLonGrid.fromCenters(lon!.data, lat!.data, { file });
    if (!grid.equals(r.grid, 1e-6)) {
      throw new TanhuiError('GridMismatch', `the model grid (${grid.describe()}) differs from the expected grid (${r.grid.describe()})`, { context: { file, variable: 'lat/lon' }, hint: 'the h0 files must be on the grid of the emission files tanhui wrote' });
    }
    const nlev = r.levels.nlev;
    let flipLev = true; // MOZART stores levels top first
    if (ds.hasVariable('hyai') && ds.hasVariable('hybi')) {
      const [a, b] = [(await ds.read('hyai')).data as Float64Array, (await ds.read('hybi')).data as Float64Array];
      if (a.length !== nlev + 1) throw new TanhuiError('GridMismatch', `the model has ${a.length - 1} levels, expected ${nlev}`, { context: { file, variable: 'hyai' } });
      flipLev = a[0]! + b[0]! * 1e5 < a[nlev]! + b[nlev]! * 1e5;
    }
    const steps = Array.from(date!.data as Float64Array, (d, q) => {
      const t = camDateToSeconds(d, (datesec!.data as Float64Array)[q]!);
      const n = (t - r.window.startSec) / r.stepSeconds;
      return Math.abs(n - Math.round(n)) < 1e-6 && n > -0.5 && n < r.nSteps + 0.5 ? Math.round(n) : -1;
    });
    return { file, ds, fileIndex: fileIndexOf(nlev, r.grid.nlat, r.grid.nlon, flipLev, flipLat), steps };
  } catch (err) {
    ds.close();
    throw err;
  }
}

/** Sample the h0 history of one model run: samples [sample][K] and, on request, the final fields. */
export async function sampleMozartHistory(r: HistoryRequest): Promise<HistoryResult> {
  const { K, plan, nSteps } = r;
  const ncell = r.levels.nlev * r.grid.size;
  const { readdirSync } = await import('node:fs');
  const io = await loadIo();
  const join = (f: string): string => `${r.dir.replace(/\/+$/, '')}/${f}`;
  const names = readdirSync(r.dir).filter((f) => H0_PATTERN.test(f)).sort();
  const files = names.map(join);
  // Which file and record holds each step.
  const where: Array<{ h: number; q: number } | undefined> = new Array(nSteps + 1);
  const opened: OpenH0[] = [];
  try {
    for (const f of files) opened.push(await openH0(f, r));
    opened.forEach((o, h) => o.steps.forEach((n, q) => { if (n >= 0) where[n] = { h, q }; }));
    for (let n = 0; n <= nSteps; n++) {
      if (where[n]) continue;
      const t = r.window.startSec + n * r.stepSeconds;
      const day = new Date(t * 1000).toISOString().slice(0, 10);
      const dayFile = names.find((f) => f.includes(`.h0.${day}-`));
      throw new TanhuiError('MissingFile', dayFile ? `the h0 record of ${iso(t)} is missing` : `expected h0 file *.h0.${day}-*.nc (records of ${day}) is missing`, {
        context: { file: dayFile ? join(dayFile) : r.dir },
        hint: `the model must write ENnnn_VMR_avrg every ${r.stepSeconds} s from ${iso(r.window.startSec)} to ${iso(r.window.endSec)}`,
      });
    }
    // Tracer count: the first file decides, every file must have them all.
    const tracers = (await io.listVariables(files[0]!)).map((v) => v.name).filter((n) => /^EN\d+_VMR_avrg$/.test(n));
    if (tracers.length !== K) {
      throw new TanhuiError('BadShape', `the model wrote ${tracers.length} tracers ENnnn_VMR_avrg, expected ${K} (one per ensemble member and extra tracer)`, { context: { file: files[0]!, variable: 'ENnnn_VMR_avrg' } });
    }
    // Plan entries by step.
    const nE = plan.rowPtr[plan.nSamples]!;
    const sampleOf = new Int32Array(nE);
    for (let s = 0; s < plan.nSamples; s++) for (let e = plan.rowPtr[s]!; e < plan.rowPtr[s + 1]!; e++) sampleOf[e] = s;
    const stepPtr = new Int32Array(nSteps + 2);
    for (let e = 0; e < nE; e++) stepPtr[plan.step[e]! + 1]++;
    for (let n = 0; n <= nSteps; n++) stepPtr[n + 1] += stepPtr[n]!;
    const order = new Int32Array(nE);
    const fill = stepPtr.slice(0, nSteps + 1);
    for (let e = 0; e < nE; e++) order[fill[plan.step[e]!]!++] = e;

    const factor = r.mixingRatio === 'mass' ? MASS_TO_VOLUME : 1;
    const samples = new Float64Array(plan.nSamples * K);
    const final = r.wantFinal ? new Float64Array(ncell * K) : undefined;
    const { nlat, nlon } = r.grid;
    const nlev = r.levels.nlev;
    for (let n = 0; n <= nSteps; n++) {
      const e0 = stepPtr[n]!, e1 = stepPtr[n + 1]!;
      const isFinal = final !== undefined && n === nSteps;
      if (e0 === e1 && !isFinal) continue;
      const { h, q } = where[n]!;
      const o = opened[h]!;
      for (let t = 0; t < K; t++) {
        const name = `${tracerName(t)}_VMR_avrg`;
        if (!o.ds.hasVariable(name)) throw new TanhuiError('MissingVariable', `MOZART-4 history file lacks ${name}`, { context: { file: o.file, variable: name } });
        const v = await o.ds.read(name, { start: [q, 0, 0, 0], count: [1, nlev, nlat, nlon], decode: false });
        const data = v.data as Float32Array;
        if (data.length !== ncell) throw new TanhuiError('BadShape', `${name} has shape [${v.shape}] per record, expected [1, ${nlev}, ${nlat}, ${nlon}]`, { context: { file: o.file, variable: name } });
        for (let x = e0; x < e1; x++) {
          const e = order[x]!;
          const val = data[o.fileIndex[plan.cell[e]!]!]!;
          if (!(Math.abs(val) < 1)) {
            const s = sampleOf[e]!;
            throw new TanhuiError('BadValue', `${name} is ${val} (NaN or fill value) at ${iso(r.window.startSec + n * r.stepSeconds)}, sampled by observation ${r.sampleIds ? r.sampleIds[s] : s}`, { context: { file: o.file, variable: name, index: q } });
          }
          samples[sampleOf[e]! * K + t] += plan.weight[e]! * val * factor;
        }
        if (isFinal) {
          for (let c = 0; c < ncell; c++) {
            const val = data[o.fileIndex[c]!]!;
            if (!(Math.abs(val) < 1)) throw new TanhuiError('BadValue', `${name} is ${val} (NaN or fill value) in the final record (${iso(r.window.endSec)})`, { context: { file: o.file, variable: name, index: q } });
            final![c * K + t] = val * factor;
          }
        }
      }
    }
    return { samples, final, files };
  } finally {
    for (const o of opened) o.ds.close();
  }
}
