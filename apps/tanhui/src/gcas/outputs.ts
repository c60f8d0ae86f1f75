// What GCASv2's Ensrf.exe writes (ALGORITHM.md §4, §6, §7), same names, variables and layout:
// output/CASE/emissions.opt.lambda.nc (records 1…da_step), emissions.opt.compare.D.nc,
// Obs_sim_D.txt, emissions.opt.DAY.nc per window day (the 1° prior after fluxadjust) and, with
// --debug, the four tables of the reference case's debug/ folder. Every file is written
// atomically, after the whole analysis has succeeded.
// Differences: NetCDF record (unlimited) dimensions are written as fixed ones of the same
// length (readers see the same variables and shapes).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { TanhuiError } from '@tanhui/core';
import { openDataset, writeFileAtomic, writeNetcdf3, type Nc3File } from '@tanhui/io';
import { fluxAdjust, gcasSpatialInterp, nearestIndex } from '@tanhui/solvers';
import { computeGcasEnsrf, lambdaFile, type GcasEnsrfOptions, type GcasEnsrfResult } from './ensrf';
import { gcasDay, type GcasNamelist } from './namelist';

/** netCDF's default fill for float (what an unwritten variable reads as). */
const NC_FILL_FLOAT = 9.969209968386869e36;
const COMPONENTS = ['bio', 'ocn', 'fossil', 'fire'] as const;

export interface GcasEnsrfRunOptions extends GcasEnsrfOptions {
  /** Write the four debug tables of reference/debug/ (output/CASE/debug/). */
  debug?: boolean;
}

export function outputDir(nml: GcasNamelist): string {
  return `${nml.optDir}/${nml.casename}`;
}

const f32 = (a: ArrayLike<number>): Float32Array => Float32Array.from(a);

async function readAll(file: string, variable: string): Promise<Float64Array> {
  const ds = await openDataset(file);
  try {
    return Float64Array.from((await ds.read(variable, { decode: false })).data as ArrayLike<number>, Number);
  } finally {
    ds.close();
  }
}

/** The λ file with records 1…da_step: earlier records from the existing file, record da_step new. */
async function lambdaNc(r: GcasEnsrfResult): Promise<Nc3File> {
  const { bnx, bny, bnvar, blat, blon } = r.state;
  const steps = r.nml.daStep;
  const vol = bnvar * bny * bnx;
  const plane = bny * bnx;
  const names4 = ['lambda', 'Nobs', 'Lscale', 'dflux'] as const;
  const names3 = ['xbias', 'xnum', 'xbias_org', 'xbias_opt', 'sbias_org', 'sbias_opt'] as const;
  const data: Record<string, Float32Array> = {};
  for (const n of names4) data[n] = new Float32Array(steps * vol).fill(NC_FILL_FLOAT);
  for (const n of names3) data[n] = new Float32Array(steps * plane).fill(NC_FILL_FLOAT);
  const date = new Int32Array(steps);
  const file = lambdaFile(r.nml);
  if (steps > 1) {
    // GCAS appends to the file of the earlier windows: keep what is there.
    const keep = steps - 1;
    const old = await readAll(file, 'date');
    if (old.length < keep) {
      throw new TanhuiError('BadShape', `has ${old.length} records, da_step = ${steps} needs ${keep}`, { context: { file, variable: 'date' } });
    }
    date.set(Int32Array.from(old.subarray(0, keep)));
    for (const n of names4) data[n].set((await readAll(file, n)).subarray(0, keep * vol));
    for (const n of names3) data[n].set((await readAll(file, n)).subarray(0, keep * plane));
  }
  const rec = steps - 1;
  date[rec] = Number(r.icdate);
  data.lambda.set(r.out.lambda, rec * vol);
  data.dflux.set(r.out.dflux, rec * vol);
  data.Nobs.set(r.analysis.nObs, rec * vol);
  data.Lscale.set(r.analysis.lscaleKm, rec * vol);
  data.xbias.set(r.xbias, rec * plane);
  data.xnum.set(r.xnum, rec * plane);
  return {
    dims: [['time', steps], ['lat', bny], ['lon', bnx], ['var', bnvar]],
    vars: [
      { name: 'lat', type: 'float', dims: ['lat'], data: f32(blat) },
      { name: 'lon', type: 'float', dims: ['lon'], data: f32(blon) },
      { name: 'date', type: 'int', dims: ['time'], data: date },
      ...names4.slice(0, 3).map((n) => ({ name: n, type: 'float' as const, dims: ['time', 'var', 'lat', 'lon'], data: data[n] })),
      ...names3.map((n) => ({ name: n, type: 'float' as const, dims: ['time', 'lat', 'lon'], data: data[n] })),
      { name: 'dflux', type: 'float', dims: ['time', 'var', 'lat', 'lon'], data: data.dflux },
    ],
  };
}

function compareNc(r: GcasEnsrfResult): Nc3File {
  const { bnx, bny, bnvar, blat, blon } = r.state;
  const units = 'gC/m2/rundays'; // GCAS's attribute; the values are gC per cell per window
  return {
    dims: [['var', bnvar], ['lat', bny], ['lon', bnx]],
    vars: [
      { name: 'bgopt', type: 'float', dims: ['var', 'lat', 'lon'], data: f32(r.out.xopt), attrs: { long_name: 'optimze carbon flux', units } },
      { name: 'bgorg', type: 'float', dims: ['var', 'lat', 'lon'], data: f32(r.xorg), attrs: { long_name: 'orgin carbon flux', units } },
      { name: 'dflux', type: 'float', dims: ['var', 'lat', 'lon'], data: f32(r.out.dflux), attrs: { long_name: 'delta carbon flux', units } },
      { name: 'lat', type: 'float', dims: ['lat'], data: f32(blat), attrs: { long_name: 'Latitude' } },
      { name: 'lon', type: 'float', dims: ['lon'], data: f32(blon), attrs: { long_name: 'Longitude' } },
    ],
  };
}

const f8 = (x: number): string => {
  const s = x.toFixed(2);
  return s.length > 8 ? '********' : s.padStart(8);
};

/** Obs_sim_D.txt, Fortran format (2i4,2x,a5,i4,10f8.2). */
export function obsSimText(r: GcasEnsrfResult): string {
  const so = r.superObs;
  const N = r.members;
  const lines: string[] = [];
  for (let o = 0; o < so.n; o++) {
    const h = so.hxPpm.subarray(o * N, (o + 1) * N);
    let s = 0;
    let mn = Infinity;
    let mx = -Infinity;
    for (const v of h) {
      s += v;
      mn = Math.min(mn, v);
      mx = Math.max(mx, v);
    }
    const m = s / N;
    const kx = so.kind[o] === 1 ? so.level[o] : -1;
    const vals = [so.lat[o], so.lon[o], so.altM[o], so.yPpm[o], so.sigmaPpm[o], m, m - so.yPpm[o], mn, mx, mx - mn];
    lines.push(
      `${String(o + 1).padStart(4)}${String(r.grid.nlev - kx + 1).padStart(4)}  ${(so.kind[o] === 1 ? 'surf' : 'xco2').padEnd(5)}${String(so.count[o]).padStart(4)}${vals.map(f8).join('')}`,
    );
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

/** Fortran-style ES with 8 decimals and a 3-digit exponent, width 17 ("  3.95512482E+002"). */
function es(x: number): string {
  if (x === 0 || !Number.isFinite(x)) return (x === 0 ? '0.00000000E+000' : String(x)).padStart(17);
  const [mant, exp] = Math.fround(x).toExponential(8).split('e');
  const e = Number(exp);
  return `${mant}E${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(3, '0')}`.padStart(17);
}
const i6 = (n: number): string => String(n).padStart(6);

/** The four debug tables (gzip), in the reference case's column layout. */
export function debugTables(r: GcasEnsrfResult): Record<string, string> {
  const { bnx, bny, bnvar } = r.state;
  const N = r.members;
  const so = r.superObs;
  const a = r.analysis;
  const obs = ['# idx ytype lat lon y R(ppm, after x1.9 and floor) HX(1:N) (super-obs, ppm)'];
  for (let o = 0; o < so.n; o++) {
    const h = Array.from(so.hxPpm.subarray(o * N, (o + 1) * N), es).join('');
    obs.push(`${i6(o + 1)}${i6(so.kind[o])}${es(so.lat[o])}${es(so.lon[o])}${es(so.yPpm[o])}${es(so.sigmaPpm[o])}${h}`);
  }
  const sel = ['# i j v rank obs_index distance_km   (obs lists in the order they are assimilated)'];
  const state = ['# i j v snum xmean_prior xmean_post   (i=lon index, j=lat index, v=1 bio 2 ocn 3 fire; gC/cell/window)'];
  const xnew = ['# i j v XNEW(1:N) (posterior members; = prior perturbation where the cell was never updated)'];
  for (let v = 0; v < bnvar; v++) {
    for (let j = 0; j < bny; j++) {
      for (let i = 0; i < bnx; i++) {
        const c = (v * bny + j) * bnx + i;
        const ijv = `${i6(i + 1)}${i6(j + 1)}${i6(v + 1)}`;
        for (let k = a.selStart[c]; k < a.selStart[c + 1]; k++) sel.push(`${ijv}${i6(k - a.selStart[c] + 1)}${i6(a.selObs[k] + 1)}${es(a.selDistanceKm[k])}`);
        state.push(`${ijv}${i6(a.nObs[c])}${es(a.xmeanPrior[c])}${es(a.xmeanPost[c])}`);
        xnew.push(`${ijv}${Array.from(a.xnew.subarray(c * N, (c + 1) * N), es).join('')}`);
      }
    }
  }
  return { obs: `${obs.join('\n')}\n`, sel: `${sel.join('\n')}\n`, state: `${state.join('\n')}\n`, xnew: `${xnew.join('\n')}\n` };
}

/** A prior day's file, falling back to the same date a year earlier (down to 2000) as GCAS does. */
export function priorFile(priordir: string, comp: string, day: string): string {
  let y = Number(day.slice(0, 4));
  const rest = day.slice(4);
  const name = (yy: number): string => `${priordir}/${comp}/emissions.${comp}.${yy}${rest}.nc`;
  const all = (yy: number): boolean => COMPONENTS.every((c) => fs.existsSync(`${priordir}/${c}/emissions.${c}.${yy}${rest}.nc`));
  while (!all(y)) {
    y--;
    if (y < 2000) throw new TanhuiError('MissingFile', `no prior files for ${day} (nor the same date of an earlier year ≥ 2000)`, { context: { file: name(Number(day.slice(0, 4))) } });
  }
  return name(y);
}

const LAT1 = Float64Array.from({ length: 180 }, (_, j) => j - 89.5);
const LON1 = Float64Array.from({ length: 360 }, (_, i) => i + 0.5);

interface DayFluxes {
  prior: Record<string, Float32Array>;
  opt: Record<string, Float32Array>;
}

/** A day's 1° prior and, with λ (nearest coarse cell) applied by fluxadjust, its optimised fluxes. */
async function dayFluxes(r: GcasEnsrfResult, day: string): Promise<DayFluxes> {
  const { bnx, bny, bnvar, blat, blon } = r.state;
  const cellOf = new Int32Array(180 * 360);
  for (let j = 0; j < 180; j++) {
    const jx = nearestIndex(LAT1[j], blat);
    for (let i = 0; i < 360; i++) cellOf[j * 360 + i] = jx * bnx + nearestIndex(LON1[i], blon);
  }
  const prior: Record<string, Float32Array> = {};
  for (const comp of COMPONENTS) {
    const file = priorFile(r.nml.priordir, comp, day);
    const d = await readAll(file, 'emissions');
    if (d.length !== 8 * 180 * 360) {
      throw new TanhuiError('BadShape', `'emissions' has ${d.length} values, expected 8 × 180 × 360`, { context: { file, variable: 'emissions' } });
    }
    prior[comp] = Float32Array.from(d);
  }
  const opt: Record<string, Float32Array> = { ...prior };
  for (const [v, comp] of ['bio', 'ocn', 'fire'].slice(0, bnvar).entries()) {
    const lam = new Float64Array(180 * 360);
    for (let p = 0; p < lam.length; p++) lam[p] = r.out.lambda[v * bny * bnx + cellOf[p]];
    const work = Float64Array.from(prior[comp]);
    fluxAdjust(work, lam, 8);
    opt[comp] = Float32Array.from(work);
  }
  return { prior, opt };
}

/** emissions.opt.DAY.nc (bio, ocn, fossil, fire [8, 180, 360], molecules cm⁻² s⁻¹). */
function optDayNc(day: string, f: DayFluxes): Nc3File {
  return {
    dims: [['time', 8], ['lat', 180], ['lon', 360]],
    vars: [
      { name: 'lat', type: 'float', dims: ['lat'], data: f32(LAT1) },
      { name: 'lon', type: 'float', dims: ['lon'], data: f32(LON1) },
      { name: 'date', type: 'int', dims: ['time'], data: new Int32Array(8).fill(Number(day)) },
      { name: 'datesec', type: 'int', dims: ['time'], data: Int32Array.from({ length: 8 }, (_, t) => 5400 + 10800 * t) },
      { name: 'time', type: 'int', dims: ['time'], data: Int32Array.from({ length: 8 }, (_, t) => t + 1) },
      ...COMPONENTS.map((c) => ({ name: c, type: 'float' as const, dims: ['time', 'lat', 'lon'], data: f.opt[c] })),
    ],
  };
}

/**
 * emissions.ENnnn.surface.T42LR.nc for MOZART: total flux CO2[8W+1, lat, lon] on the transport
 * grid (the last step is the next day's first), date/datesec 0, 10800, … (writeflux_formzt).
 */
export function mozartFluxNc(firstDay: string, rundays: number, total1deg: Float64Array, lat1: Float64Array, lon1: Float64Array): Nc3File {
  const nt = 8 * rundays + 1;
  const { flux } = gcasSpatialInterp(total1deg, nt, LAT1, LON1, lat1, lon1);
  const start = { year: Number(firstDay.slice(0, 4)), month: Number(firstDay.slice(4, 6)), day: Number(firstDay.slice(6, 8)) };
  return {
    dims: [['time', nt], ['lat', lat1.length], ['lon', lon1.length]],
    vars: [
      { name: 'CO2', type: 'float', dims: ['time', 'lat', 'lon'], data: f32(flux), attrs: { long_name: 'total carbon flux', units: 'molecules/cm2/s' } },
      { name: 'lat', type: 'float', dims: ['lat'], data: f32(lat1), attrs: { long_name: 'Latitude' } },
      { name: 'lon', type: 'float', dims: ['lon'], data: f32(lon1), attrs: { long_name: 'Longitude' } },
      { name: 'date', type: 'int', dims: ['time'], data: Int32Array.from({ length: nt }, (_, it) => Number(gcasDay(start, Math.floor(it / 8)))) },
      { name: 'datesec', type: 'int', dims: ['time'], data: Int32Array.from({ length: nt }, (_, it) => 10800 * (it % 8)) },
      { name: 'time', type: 'int', dims: ['time'], data: Int32Array.from({ length: nt }, (_, it) => it + 1) },
    ],
  };
}

/**
 * GCAS's posterior 1° ensemble: each member's 1° prior value × XNEW/bgens of its coarse cell
 * (0 where bgens = 0). prior1deg and the result are [N][var][180·360]; xnew [cell][N] and
 * bgens [N][cell] with cell = var·plane + coarse index; cellOf maps a 1° cell to its coarse index.
 */
export function posteriorEnsemble1deg(prior1deg: ArrayLike<number>, xnew: ArrayLike<number>, bgens: ArrayLike<number>, cellOf: Int32Array, N: number, nvar: number, coarsePlane: number): Float32Array {
  const plane1 = cellOf.length;
  const out = new Float32Array(N * nvar * plane1);
  for (let n = 0; n < N; n++) {
    for (let v = 0; v < nvar; v++) {
      for (let p = 0; p < plane1; p++) {
        const c = v * coarsePlane + cellOf[p];
        const b = bgens[n * nvar * coarsePlane + c];
        out[(n * nvar + v) * plane1 + p] = b === 0 ? 0 : prior1deg[(n * nvar + v) * plane1 + p] * (xnew[c * N + n] / b);
      }
    }
  }
  return out;
}

export interface GcasEnsrfRun extends GcasEnsrfResult {
  written: string[];
}

/** Ensrf.exe: analyse, then write every output (nothing is written if the analysis fails). */
export async function runGcasEnsrf(namelist: string, options: GcasEnsrfRunOptions = {}): Promise<GcasEnsrfRun> {
  const log = options.log ?? (() => undefined);
  const r = await computeGcasEnsrf(namelist, options);
  const t0 = performance.now();
  const dir = outputDir(r.nml);
  const D = r.icdate;
  // Build everything in memory first, then rename into place.
  const nc: [string, Nc3File][] = [
    [lambdaFile(r.nml), await lambdaNc(r)],
    [`${dir}/emissions.opt.compare.${D}.nc`, compareNc(r)],
  ];
  // The window's days (written) and the next day, whose first step ends the MOZART flux files.
  const plane = 180 * 360;
  const nt = 8 * r.nml.rundays + 1;
  const optTotal = new Float64Array(nt * plane);
  const priorTotal = new Float64Array(nt * plane);
  for (let d = 0; d <= r.nml.rundays; d++) {
    const day = gcasDay(r.nml, d);
    const f = await dayFluxes(r, day);
    if (d < r.nml.rundays) nc.push([`${dir}/emissions.opt.${day}.nc`, optDayNc(day, f)]);
    for (let t = 0; t < (d < r.nml.rundays ? 8 : 1); t++) {
      const o = (d * 8 + t) * plane;
      for (let p = 0; p < plane; p++) {
        const k = t * plane + p;
        optTotal[o + p] = f.opt.bio[k] + f.opt.ocn[k] + f.opt.fossil[k] + f.opt.fire[k];
        priorTotal[o + p] = f.prior.bio[k] + f.prior.ocn[k] + f.prior.fossil[k] + f.prior.fire[k];
      }
    }
  }
  const emis = `${r.nml.mozartdir}/data/emis`;
  nc.push([`${emis}/emissions.EN001.surface.T42LR.nc`, mozartFluxNc(D, r.nml.rundays, optTotal, r.grid.lat, r.grid.lon)]);
  nc.push([`${emis}/emissions.EN002.surface.T42LR.nc`, mozartFluxNc(D, r.nml.rundays, priorTotal, r.grid.lat, r.grid.lon)]);
  // The posterior 1° ensemble needs Gen_ensembles' uncertainties.prior file (skipped without it).
  const priorEns = `${dir}/uncertainties.prior.${D}.nc`;
  if (fs.existsSync(priorEns)) {
    const { bnx, bny, bnvar, blat, blon } = r.state;
    const cellOf = new Int32Array(180 * 360);
    for (let j = 0; j < 180; j++) for (let i = 0; i < 360; i++) cellOf[j * 360 + i] = nearestIndex(LAT1[j], blat) * bnx + nearestIndex(LON1[i], blon);
    const prior1 = await readAll(priorEns, 'bgens');
    if (prior1.length !== r.members * bnvar * 180 * 360) {
      throw new TanhuiError('BadShape', `'bgens' has ${prior1.length} values, expected ${r.members} × ${bnvar} × 180 × 360`, { context: { file: priorEns, variable: 'bgens' } });
    }
    const bgensState = await readAll(`${r.nml.mozartdir}/data/emis/emissions.intermediate.${D}.nc`, 'bgens');
    if (bgensState.length !== r.members * bnvar * bny * bnx) {
      throw new TanhuiError('BadShape', `'bgens' has more components than opt_scheme = ${bnvar}: cannot pair it with the 1° ensemble`, { context: { variable: 'bgens' } });
    }
    const post = posteriorEnsemble1deg(prior1, r.analysis.xnew, bgensState, cellOf, r.members, bnvar, bny * bnx);
    nc.push([
      `${dir}/uncertainties.posterior.${D}.nc`,
      {
        dims: [['en_size', r.members], ['var', bnvar], ['lat', 180], ['lon', 360]],
        vars: [
          { name: 'bgens', type: 'float', dims: ['en_size', 'var', 'lat', 'lon'], data: post, attrs: { units: 'gC/grid/rundays' } },
          { name: 'lat', type: 'float', dims: ['lat'], data: f32(LAT1) },
          { name: 'lon', type: 'float', dims: ['lon'], data: f32(LON1) },
        ],
      },
    ]);
  } else log(`no ${priorEns}: the posterior 1° ensemble is not written`);
  const text: [string, string | Uint8Array][] = [[`${dir}/Obs_sim_${D}.txt`, obsSimText(r)]];
  if (options.debug) {
    for (const [k, t] of Object.entries(debugTables(r))) text.push([`${dir}/debug/ensrf_dump_${k}.${D}.txt.gz`, zlib.gzipSync(t)]);
  }
  fs.mkdirSync(dir, { recursive: true });
  for (const [file, f] of nc) await writeNetcdf3(file, f);
  for (const [file, t] of text) writeFileAtomic(file, t);
  const written = [...nc.map(([f]) => f), ...text.map(([f]) => f)];
  r.timings['write outputs'] = (performance.now() - t0) / 1000;
  log(`write outputs: ${r.timings['write outputs'].toFixed(2)} s (${written.length} files in ${path.resolve(dir)})`);
  const tg = (v: number): string => {
    let org = 0;
    let opt = 0;
    const plane = r.state.bny * r.state.bnx;
    for (let c = v * plane; c < (v + 1) * plane; c++) {
      org += Math.fround(r.xorg[c]);
      opt += Math.fround(r.out.xopt[c]);
    }
    return `${(org / 1e12).toFixed(2).padStart(8)}${(opt / 1e12).toFixed(2).padStart(8)} TgC`;
  };
  log(' Species     ORG      OPT');
  for (let v = 0; v < r.state.bnvar; v++) log(`${['Bio', 'Ocn', 'Fire'][v].padStart(7)}${tg(v)}`);
  return { ...r, written };
}
