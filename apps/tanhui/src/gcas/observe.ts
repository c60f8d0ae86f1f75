// GCASv2's observation operator on the ensemble run's daily h0 files (ALGORITHM.md §4,
// Get_obs.f90): surface obs sample the nearest model box (column, level by Zm, 3-h record);
// XCO2 soundings apply the retrieval's averaging kernel to the nearest column interpolated
// linearly in pressure. Tracers are read one at a time, so memory is one tracer field, not N.
import * as fs from 'node:fs';
import { TanhuiError } from '@tanhui/core';
import { NC_CLASSIC_TYPE, openDataset, readClassicHeader } from '@tanhui/io';
import { nearestIndex, type RawObs } from '@tanhui/solvers';

const fr = Math.fround;
/** GCAS treats the tracer as a mass mixing ratio: ppm = value·29/44·1e6 (single precision, left to right). */
const toPpm = (v: number): number => fr(fr(fr(v * 29) / 44) * 1.0e6);
const P0_PA = 1.0e5;
/** Centres of the 8 three-hourly means [s of day]. */
const SECS = Float64Array.from({ length: 8 }, (_, i) => 5400 + 10800 * i);
const GROSS_PPM = 15;

export interface TransportGrid {
  lat: Float64Array;
  lon: Float64Array;
  nlev: number;
}

export interface SurfaceRecord {
  site: string;
  sec: number;
  lat: number;
  lon: number;
  altM: number;
  co2: number;
  unc: number;
}

export interface Sounding {
  lat: number;
  /** 0…360. */
  lon: number;
  sec: number;
  yPpm: number;
  sigmaPpm: number;
  axco2: number;
  /** [level] arrays of this sounding. */
  pressureHpa: Float64Array;
  ak: Float64Array;
  wf: Float64Array;
  prior: Float64Array;
}

/** A raw obs with its simulated values and GCAS's bias bookkeeping. */
export interface DayRaw extends RawObs {
  meanHxPpm: number;
}

export function h0FileName(mozartdir: string, casename: string, day: string): string {
  return `${mozartdir}/run_ensemble/hist/${casename}.mz4.h0.${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6, 8)}-10800.nc`;
}

/** `srf_YYYYMMDD`: list-directed `site date sec lat lon alt co2 unc` per line. */
export function readSurfaceFile(file: string): SurfaceRecord[] {
  const out: SurfaceRecord[] = [];
  const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/);
  for (const [k, line] of lines.entries()) {
    const t = line.trim().split(/[\s,]+/);
    if (t.length === 1 && t[0] === '') continue;
    const nums = t.slice(2, 8).map(Number);
    if (t.length < 8 || nums.some((x) => !Number.isFinite(x))) {
      throw new TanhuiError('CorruptFile', `line ${k + 1}: expected 'site date sec lat lon alt co2 unc', got '${line.trim()}'`, { context: { file, index: k + 1 } });
    }
    const f = nums.map((x) => Math.fround(x));
    out.push({ site: t[0], sec: f[0], lat: f[1], lon: f[2] < 0 ? Math.fround(f[2] + 360) : f[2], altM: f[3], co2: f[4], unc: f[5] });
  }
  return out;
}

const SAT_VARS = ['latitude', 'longitude', 'xco2', 'time', 'averagingKernel', 'axco2', 'weightingfunction', 'constraintvector', 'pressure', 'xco2unc'] as const;

export type SatProduct = 'gosat' | 'oco2' | 'tansat';

/**
 * GOSAT/OCO-2/TanSat daily file (nSamples × Level). GOSAT and OCO-2 are scaled to WMO 2019
 * (1.00079·xco2 − 0.142); OCO-2's σ is (xco2unc + 0.2 over ocean)·3.5.
 */
export async function readSatFile(file: string, product: SatProduct, isOcean1deg: (lat: number, lon: number) => boolean): Promise<Sounding[]> {
  const ds = await openDataset(file);
  try {
    const v: Record<string, Float64Array> = {};
    for (const name of SAT_VARS) {
      if (!ds.hasVariable(name)) {
        throw new TanhuiError('MissingVariable', `satellite file has no variable '${name}' (GCAS reads ${SAT_VARS.join(', ')})`, { context: { file, variable: name } });
      }
      const d = await ds.read(name, { decode: false });
      v[name] = Float64Array.from(d.data as ArrayLike<number>, (x) => Math.fround(Number(x)));
    }
    const n = v.latitude.length;
    const nlev = n > 0 ? v.pressure.length / n : 0;
    const out: Sounding[] = [];
    for (let i = 0; i < n; i++) {
      const lon = v.longitude[i] < 0 ? Math.fround(v.longitude[i] + 360) : v.longitude[i];
      const lat = v.latitude[i];
      let unc = v.xco2unc[i];
      let y = v.xco2[i];
      if (product !== 'tansat') y = fr(fr(y * fr(1.00079)) - fr(0.142)); // single-precision literals, as GCAS
      if (product === 'oco2') {
        if (isOcean1deg(lat, lon)) unc = fr(unc + fr(0.2));
        unc = Math.fround(unc * 3.5);
      }
      const row = (a: Float64Array): Float64Array => a.slice(i * nlev, (i + 1) * nlev);
      out.push({
        lat, lon, sec: Math.fround(v.time[i] * 3600), yPpm: y, sigmaPpm: unc, axco2: v.axco2[i],
        pressureHpa: row(v.pressure), ak: row(v.averagingKernel), wf: row(v.weightingfunction), prior: row(v.constraintvector),
      });
    }
    return out;
  } finally {
    ds.close();
  }
}

/**
 * GCAS interplot: linear in pressure between model mid-levels, constant beyond the ends;
 * single precision as GCAS computes it (x = (x_j + f·x_{j−1})/(1 + f), f = (pp_j − p)/(p − pp_{j−1})).
 * The plan (which levels, which weight) depends on pressures only: made once per sounding,
 * applied to every member.
 */
export interface ProfilePlan {
  /** Per retrieval level: the model level j above which it lies (x_{j−1}…x_j), or −1: x[0], −2: x[m−1], −3: none (0). */
  upper: Int32Array;
  f: Float64Array;
  /** The model levels the plan reads. */
  levels: Int32Array;
}

export function profilePlan(pRet: ArrayLike<number>, pp: ArrayLike<number>): ProfilePlan {
  const m = pp.length;
  const upper = new Int32Array(pRet.length);
  const f = new Float64Array(pRet.length);
  const used = new Set<number>();
  for (let i = 0; i < pRet.length; i++) {
    const p = pRet[i];
    if (p < pp[0]) (upper[i] = -1), used.add(0);
    else if (p > pp[m - 1]) (upper[i] = -2), used.add(m - 1);
    else {
      upper[i] = -3;
      // GCAS scans every j and keeps the last match.
      for (let j = 1; j < m; j++) if (p > pp[j - 1] && p <= pp[j]) upper[i] = j;
      const j = upper[i];
      if (j > 0) {
        f[i] = fr(fr(pp[j] - p) / fr(p - pp[j - 1]));
        used.add(j).add(j - 1);
      }
    }
  }
  return { upper, f, levels: Int32Array.from([...used].sort((a, b) => a - b)) };
}

export function applyProfilePlan(plan: ProfilePlan, x: ArrayLike<number>, out: Float64Array): void {
  const m = x.length;
  for (let i = 0; i < plan.upper.length; i++) {
    const j = plan.upper[i];
    if (j === -1) out[i] = x[0];
    else if (j === -2) out[i] = x[m - 1];
    else if (j === -3) out[i] = 0;
    else out[i] = fr(fr(x[j] + fr(plan.f[i] * x[j - 1])) / fr(1 + plan.f[i]));
  }
}

export function interpolateProfile(pRet: ArrayLike<number>, pp: ArrayLike<number>, x: ArrayLike<number>, out: Float64Array): void {
  applyProfilePlan(profilePlan(pRet, pp), x, out);
}

export async function readTransportGrid(file: string): Promise<TransportGrid> {
  const ds = await openDataset(file);
  try {
    const lat = Float64Array.from((await ds.read('lat', { decode: false })).data as ArrayLike<number>, Number);
    const lon = Float64Array.from((await ds.read('lon', { decode: false })).data as ArrayLike<number>, Number);
    const hyai = await ds.read('hyai', { decode: false });
    return { lat, lon, nlev: hyai.data.length - 1 };
  } finally {
    ds.close();
  }
}

interface Located {
  ix: number;
  jx: number;
  tx: number;
  kx: number;
}

/**
 * One window day: the raw obs (surface then soundings, GCAS's order) that pass the 15 ppm gross
 * check, each with its N members' values. `bias` accumulates GCAS's xbias/xnum of soundings.
 */
export async function observeDay(
  h0: string,
  grid: TransportGrid,
  members: number,
  surface: readonly SurfaceRecord[],
  soundings: readonly Sounding[],
  onSounding: (s: Sounding, meanHx: number) => void,
): Promise<DayRaw[]> {
  const ds = await openDataset(h0);
  try {
    const nlon = grid.lon.length;
    const nlat = grid.lat.length;
    const nlev = grid.nlev;
    const plane = nlat * nlon;
    for (const name of ['PS', 'Zm', 'hyai', 'hybi']) {
      if (!ds.hasVariable(name)) throw new TanhuiError('MissingVariable', `h0 file has no variable '${name}'`, { context: { file: h0, variable: name } });
    }
    for (let n = 1; n <= members; n++) {
      const name = tracerName(n);
      if (!ds.hasVariable(name)) {
        const have = ds.variableNames().filter((v) => /^EN\d{3}_VMR_avrg$/.test(v)).length;
        throw new TanhuiError('BadShape', `h0 file has ${have} ensemble tracers, fewer than ensemble = ${members} (no '${name}')`, { context: { file: h0, variable: name } });
      }
    }
    const ps = (await ds.read('PS', { decode: false })).data as Float32Array;
    const zm = (await ds.read('Zm', { decode: false })).data as Float32Array;
    const hyai = Float64Array.from((await ds.read('hyai', { decode: false })).data as ArrayLike<number>, Number);
    const hybi = Float64Array.from((await ds.read('hybi', { decode: false })).data as ArrayLike<number>, Number);
    if (ps.length !== 8 * plane) {
      throw new TanhuiError('BadShape', `PS has ${ps.length} values, expected 8 records × ${nlat} × ${nlon}`, { context: { file: h0, variable: 'PS' } });
    }
    const at = (t: number, k: number, j: number, i: number): number => ((t * nlev + k) * nlat + j) * nlon + i;
    const srfLoc: Located[] = surface.map((s) => {
      const ix = nearestIndex(s.lon, grid.lon);
      const jx = nearestIndex(s.lat, grid.lat);
      const tx = nearestIndex(s.sec, SECS);
      const z = new Float64Array(nlev);
      for (let k = 0; k < nlev; k++) z[k] = zm[at(tx, k, jx, ix)];
      return { ix, jx, tx, kx: nearestIndex(s.altM, z) };
    });
    const satLoc: Located[] = soundings.map((s) => ({
      ix: nearestIndex(s.lon, grid.lon),
      jx: nearestIndex(s.lat, grid.lat),
      tx: nearestIndex(s.sec, SECS),
      kx: -1,
    }));
    // Mid-level pressures [hPa] of each sounding's column (from interface coefficients).
    const pp = satLoc.map(({ ix, jx, tx }) => {
      const p = Float64Array.from({ length: nlev + 1 }, (_, k) => fr(fr(hyai[k] * P0_PA) + fr(hybi[k] * ps[(tx * nlat + jx) * nlon + ix])));
      return Float64Array.from({ length: nlev }, (_, k) => fr(fr(fr(p[k] + p[k + 1]) / 2) / 100));
    });
    const plans = soundings.map((s, k) => profilePlan(s.pressureHpa, pp[k]));
    const hSrf = new Float64Array(surface.length * members);
    const hSat = new Float64Array(soundings.length * members);
    const col = new Float64Array(nlev);
    const ax = new Float64Array(64);
    // Classic files: read only the 3-hour slabs the obs use, straight from the file (big-endian
    // float32), and decode only the sampled values; other formats through GDAL.
    const header = readClassicHeader(h0);
    const slabBytes = nlev * plane * 4;
    const usedT = new Set([...srfLoc, ...satLoc].map((l) => l.tx));
    const slabs = header ? Array.from({ length: 8 }, (_, t) => (usedT.has(t) ? Buffer.alloc(slabBytes) : null)) : [];
    const recsize = header ? header.recordBytes : 0;
    const fd = header ? fs.openSync(h0, 'r') : -1;
    try {
    for (let n = 0; n < members; n++) {
      let value: (t: number, k: number, j: number, i: number) => number;
      const v = header?.vars.find((x) => x.name === tracerName(n + 1));
      if (header && v && v.type === NC_CLASSIC_TYPE.float && v.dimLens.length === 4) {
        for (let t = 0; t < 8; t++) {
          const b = slabs[t];
          if (b) fs.readSync(fd, b, 0, slabBytes, v.begin + t * (v.record ? recsize : slabBytes));
        }
        value = (t, k, j, i) => slabs[t]!.readFloatBE(((k * nlat + j) * nlon + i) * 4);
      } else {
        const field = (await ds.read(tracerName(n + 1), { decode: false })).data as Float32Array;
        value = (t, k, j, i) => field[at(t, k, j, i)];
      }
      for (const [k, l] of srfLoc.entries()) hSrf[k * members + n] = toPpm(value(l.tx, l.kx, l.jx, l.ix));
      for (const [k, l] of satLoc.entries()) {
        const s = soundings[k];
        const plan = plans[k];
        for (const lev of plan.levels) col[lev] = toPpm(value(l.tx, lev, l.jx, l.ix));
        const a = ax.length >= s.pressureHpa.length ? ax : new Float64Array(s.pressureHpa.length);
        applyProfilePlan(plan, col, a);
        let h = s.axco2;
        for (let q = 0; q < s.pressureHpa.length; q++) h = fr(h + fr(fr(s.wf[q] * s.ak[q]) * fr(a[q] - s.prior[q])));
        hSat[k * members + n] = h;
      }
    }
    } finally {
      if (fd >= 0) fs.closeSync(fd);
    }
    const out: DayRaw[] = [];
    const mean = (h: Float64Array, k: number): number => {
      let s = 0;
      for (let n = 0; n < members; n++) s = fr(s + h[k * members + n]);
      return fr(s / members);
    };
    for (const [k, s] of surface.entries()) {
      const m = mean(hSrf, k);
      if (Math.abs(m - s.co2) > GROSS_PPM) continue;
      const l = srfLoc[k];
      out.push({
        key: `${l.ix},${l.jx},${l.kx}`, kind: 1, lat: s.lat, lon: s.lon, altM: s.altM, yPpm: s.co2, sigmaPpm: s.unc,
        hxPpm: hSrf.subarray(k * members, (k + 1) * members), level: l.kx + 1, meanHxPpm: m,
      });
    }
    for (const [k, s] of soundings.entries()) {
      const m = mean(hSat, k);
      if (Math.abs(m - s.yPpm) > GROSS_PPM) continue;
      onSounding(s, m);
      const l = satLoc[k];
      out.push({
        key: `${l.ix},${l.jx},-1`, kind: 2, lat: s.lat, lon: s.lon, altM: -999, yPpm: s.yPpm, sigmaPpm: s.sigmaPpm,
        hxPpm: hSat.subarray(k * members, (k + 1) * members), level: -1, meanHxPpm: m,
      });
    }
    return out;
  } finally {
    ds.close();
  }
}

export function tracerName(n: number): string {
  return `EN${String(n).padStart(3, '0')}_VMR_avrg`;
}

