// Column retrievals: ACOS GOSAT / OCO-2 Lite NetCDF4, GCAS's preprocessed OCO-2 layout, and
// TCCON GGG2020 public files. Every reader stores levels SURFACE FIRST; the file's order is
// detected per sounding from the pressures (never assumed).
import { TanhuiError } from '@tanhui/core';
import { emptyTable, kindCode, normalizeLon, QC, type ObservationTable } from './record';
import {
  attrString,
  expectShape,
  firstPresent,
  hPaFactor,
  numericData,
  parseCfTimeUnits,
  ppmFactor,
  requireFinite,
  requireRange,
  requireVariable,
  decodeLevelsInto,
  type NcSource,
  type NcVariable,
} from './source';

function baseName(file: string): string {
  return (file.split(/[\\/]/).pop() ?? file).replace(/\.(nc4?|h5)$/i, '');
}

/**
 * Copy one sounding's profiles into the table at row k, surface first. `off` is the offset of
 * the sounding in the file arrays (k·L). Returns true when the file had them top first.
 */
function storeProfiles(
  t: ObservationTable,
  k: number,
  L: number,
  pHPa: Float64Array,
  ak: Float64Array,
  pw: Float64Array,
  ua: Float64Array,
  srcOff: number,
): boolean {
  const c = t.column!;
  const flip = pHPa[srcOff]! < pHPa[srcOff + L - 1]!;
  for (let j = 0; j < L; j++) {
    const s = srcOff + (flip ? L - 1 - j : j);
    c.pressureHPa[k * L + j] = pHPa[s]!;
    c.averagingKernel[k * L + j] = ak[s]!;
    c.pressureWeight[k * L + j] = pw[s]!;
    c.aprioriProfilePpm[k * L + j] = ua[s]!;
  }
  return flip;
}

/**
 * Decode the four [n, L] retrieval variables into the table's column block, surface first:
 * pressures first, then each sounding whose first level has the lower pressure is reversed.
 */
function decodeProfiles(src: NcSource, t: ObservationTable, pV: NcVariable, akV: NcVariable, pwV: NcVariable, uaV: NcVariable, pf: number, uaf: number): void {
  const c = t.column!;
  const n = t.n;
  const L = c.nLevels;
  const none = new Uint8Array(n);
  decodeLevelsInto(src, pV, c.pressureHPa, n, L, none, pf);
  const flip = new Uint8Array(n);
  const p = c.pressureHPa;
  for (let k = 0; k < n; k++) {
    if (p[k * L]! < p[k * L + L - 1]!) {
      flip[k] = 1;
      p.subarray(k * L, k * L + L).reverse();
    }
  }
  decodeLevelsInto(src, akV, c.averagingKernel, n, L, flip);
  decodeLevelsInto(src, pwV, c.pressureWeight, n, L, flip);
  decodeLevelsInto(src, uaV, c.aprioriProfilePpm, n, L, flip, uaf);
}

function requireMonotonic(file: string, variable: string, t: ObservationTable): void {
  const c = t.column!;
  const L = c.nLevels;
  for (let k = 0; k < t.n; k++) {
    for (let j = 1; j < L; j++) {
      if (!(c.pressureHPa[k * L + j]! < c.pressureHPa[k * L + j - 1]!)) {
        throw new TanhuiError('BadValue', `pressure levels of sounding ${k} are not monotonic`, { context: { file, variable, index: k } });
      }
    }
  }
}

function requireNonEmpty(file: string, variable: string, n: number): void {
  if (n === 0) throw new TanhuiError('EmptyInput', 'the file holds no soundings', { context: { file, variable } });
}

/**
 * ACOS GOSAT / OCO-2 Lite file. Names accepted: latitude|lat, longitude|lon,
 * pressure_weight|pressure_weights. When `xco2_apriori` is absent (binned files) it is computed
 * as Σ_j h_j u_a,j — its definition; when `xco2_quality_flag` is absent the file is taken as
 * pre-filtered (all 0). Optional: sounding_id, Sounding/land_fraction, Sounding/operation_mode
 * (0 nadir, 1 glint, 2 target), Retrieval/psurf.
 */
export async function parseOco2Lite(src: NcSource): Promise<ObservationTable> {
  const file = src.file;
  const xV = await requireVariable(src, ['xco2']);
  const n = xV.shape[0] ?? 0;
  requireNonEmpty(file, 'xco2', n);
  const pV = await requireVariable(src, ['pressure_levels']);
  const L = pV.shape[1] ?? 0;
  expectShape(src, pV, [n, L]);
  const xf = ppmFactor(attrString(xV.attrs, 'units') ?? 'ppm', file, 'xco2');
  const x = numericData(src, xV);
  const uV = await requireVariable(src, ['xco2_uncertainty']);
  const unc = numericData(src, uV);
  const uf = ppmFactor(attrString(uV.attrs, 'units') ?? 'ppm', file, 'xco2_uncertainty');
  const latName = firstPresent(src, ['latitude', 'lat']) ?? 'latitude';
  const lat = numericData(src, await requireVariable(src, ['latitude', 'lat']));
  requireFinite(file, latName, lat);
  requireRange(file, latName, lat, -90, 90);
  const lonName = firstPresent(src, ['longitude', 'lon']) ?? 'longitude';
  const lon = numericData(src, await requireVariable(src, ['longitude', 'lon']));
  requireFinite(file, lonName, lon);
  requireRange(file, lonName, lon, -180, 360);
  const tV = await requireVariable(src, ['time']);
  const { scale, offsetSec } = parseCfTimeUnits(attrString(tV.attrs, 'units') ?? 'seconds since 1970-01-01', file, 'time');
  const time = numericData(src, tV);
  requireFinite(file, 'time', time);
  const pf = hPaFactor(attrString(pV.attrs, 'units'), file, 'pressure_levels', 1);
  const akV = await requireVariable(src, ['xco2_averaging_kernel']);
  expectShape(src, akV, [n, L]);
  const pwName = firstPresent(src, ['pressure_weight', 'pressure_weights']) ?? 'pressure_weight';
  const pwV = await requireVariable(src, ['pressure_weight', 'pressure_weights']);
  expectShape(src, pwV, [n, L]);
  const uaV = await requireVariable(src, ['co2_profile_apriori']);
  expectShape(src, uaV, [n, L]);
  const uaf = ppmFactor(attrString(uaV.attrs, 'units') ?? 'ppm', file, 'co2_profile_apriori');
  const xa = src.has('xco2_apriori') ? numericData(src, await src.variable('xco2_apriori')) : undefined;
  const qf = src.has('xco2_quality_flag') ? numericData(src, await src.variable('xco2_quality_flag')) : undefined;
  const sid = src.has('sounding_id') ? numericData(src, await src.variable('sounding_id')) : undefined;
  const land = src.has('Sounding/land_fraction') ? numericData(src, await src.variable('Sounding/land_fraction')) : undefined;
  const mode = src.has('Sounding/operation_mode') ? numericData(src, await src.variable('Sounding/operation_mode')) : undefined;
  const psurf = src.has('Retrieval/psurf') ? numericData(src, await src.variable('Retrieval/psurf')) : undefined;

  const t = emptyTable(n, L);
  const c = t.column!;
  // Profiles decoded straight into the table, surface first (order detected per sounding).
  decodeProfiles(src, t, pV, akV, pwV, uaV, pf, uaf);
  requireFinite(file, 'pressure_levels', c.pressureHPa);
  requireFinite(file, 'xco2_averaging_kernel', c.averagingKernel);
  requireFinite(file, pwName, c.pressureWeight);
  requireFinite(file, 'co2_profile_apriori', c.aprioriProfilePpm);
  const landScale = land && land.some((v) => v > 1) ? 0.01 : 1; // percent in Lite files
  // Platform: the Lite files' global attribute, else the file name (acos_LtCO2_… = GOSAT).
  const platform = (attrString(src.attrs, 'Platform') ?? attrString(src.attrs, 'platform') ?? (/acos|gosat/i.test(baseName(file)) ? 'gosat' : 'oco2')).toLowerCase().replace(/[^a-z0-9]/g, '');
  t.sites.push(platform);
  t.datasets.push(baseName(file));
  const xco2Kind = kindCode('xco2');
  for (let k = 0; k < n; k++) {
    t.id[k] = sid ? sid[k]! : k + 1;
    t.timeSec[k] = time[k]! * scale + offsetSec;
    t.latDeg[k] = lat[k]!;
    t.lonDeg[k] = normalizeLon(lon[k]!);
    const v = x[k]! * xf;
    t.valuePpm[k] = v;
    t.errorPpm[k] = unc[k]! * uf;
    t.kind[k] = xco2Kind;
    let flags = 0;
    if (!Number.isFinite(v) || !(t.errorPpm[k]! > 0)) flags |= QC.missing;
    if (qf && qf[k] !== 0) flags |= QC.providerFlag;
    t.flags[k] = flags;
    if (land) t.landFraction[k] = land[k]! * landScale;
    if (mode) t.mode[k] = mode[k]!;
    let sumHua = 0;
    for (let j = 0; j < L; j++) sumHua += c.pressureWeight[k * L + j]! * c.aprioriProfilePpm[k * L + j]!;
    c.aprioriXco2Ppm[k] = xa ? xa[k]! * xf : sumHua;
    c.surfacePressureHPa[k] = psurf ? psurf[k]! * pf : c.pressureHPa[k * L]!;
  }
  requireFinite(file, 'xco2_apriori', c.aprioriXco2Ppm);
  requireMonotonic(file, 'pressure_levels', t);
  return t;
}

/**
 * GCAS's preprocessed OCO-2 layout (GCASv2 input/obs/oco2_v11.1): dims nSamples × Level;
 * `date` (yyyymmdd), `time` (hour of day, UTC), `latitude`, `longitude`, `surfacepressure`
 * (hPa), `pressure` (hPa, top → surface in the files seen, detected anyway), `xco2`, `xco2unc`,
 * `axco2` (a-priori XCO2), `constraintvector` (a-priori profile), `averagingKernel`,
 * `weightingfunction` (pressure weights), `opmode`. The files carry no units attributes:
 * ppm and hPa by GCAS's convention, checked by range (XCO2 100–1000, pressures 0–1100).
 */
export async function parseGcasOco2(src: NcSource): Promise<ObservationTable> {
  const file = src.file;
  const xV = await requireVariable(src, ['xco2']);
  const n = xV.shape[0] ?? 0;
  requireNonEmpty(file, 'xco2', n);
  const pV = await requireVariable(src, ['pressure']);
  const L = pV.shape[1] ?? 0;
  expectShape(src, pV, [n, L]);
  const get = async (name: string, shape: number[], finite = true): Promise<Float64Array> => {
    const v = await requireVariable(src, [name]);
    expectShape(src, v, shape);
    const a = numericData(src, v);
    if (finite) requireFinite(file, name, a);
    return a;
  };
  const date = await get('date', [n]);
  const hour = await get('time', [n]);
  requireRange(file, 'time', hour, 0, 24);
  const lat = await get('latitude', [n]);
  requireRange(file, 'latitude', lat, -90, 90);
  const lon = await get('longitude', [n]);
  requireRange(file, 'longitude', lon, -180, 360);
  const ps = await get('surfacepressure', [n]);
  requireRange(file, 'surfacepressure', ps, 100, 1100);
  const p = await get('pressure', [n, L]);
  requireRange(file, 'pressure', p, 0, 1100);
  const x = await get('xco2', [n], false);
  const unc = await get('xco2unc', [n], false);
  const xa = await get('axco2', [n]);
  requireRange(file, 'axco2', xa, 100, 1000);
  const ua = await get('constraintvector', [n, L]);
  requireRange(file, 'constraintvector', ua, 100, 1000);
  const ak = await get('averagingKernel', [n, L]);
  const pw = await get('weightingfunction', [n, L]);
  const mode = src.has('opmode') ? numericData(src, await src.variable('opmode')) : undefined;

  const t = emptyTable(n, L);
  const c = t.column!;
  t.sites.push('oco2');
  t.datasets.push(baseName(file));
  const xco2Kind = kindCode('xco2');
  for (let k = 0; k < n; k++) {
    storeProfiles(t, k, L, p, ak, pw, ua, k * L);
    const d = date[k]!;
    const y = Math.floor(d / 10000);
    const mo = Math.floor((d % 10000) / 100);
    const dd = d % 100;
    if (y < 1900 || mo < 1 || mo > 12 || dd < 1 || dd > 31) {
      throw new TanhuiError('BadValue', `date ${d} at index ${k} is not yyyymmdd`, { context: { file, variable: 'date', index: k } });
    }
    t.id[k] = k + 1;
    t.timeSec[k] = Date.UTC(y, mo - 1, dd) / 1000 + hour[k]! * 3600;
    t.latDeg[k] = lat[k]!;
    t.lonDeg[k] = normalizeLon(lon[k]!);
    t.valuePpm[k] = x[k]!;
    t.errorPpm[k] = unc[k]!;
    t.kind[k] = xco2Kind;
    let flags = 0;
    if (!Number.isFinite(x[k]!) || !(unc[k]! > 0)) flags |= QC.missing;
    else if (x[k]! < 100 || x[k]! > 1000) flags |= QC.outOfRange;
    t.flags[k] = flags;
    if (mode) t.mode[k] = mode[k]!;
    c.aprioriXco2Ppm[k] = xa[k]!;
    c.surfacePressureHPa[k] = ps[k]!;
  }
  requireMonotonic(file, 'pressure', t);
  return t;
}

/**
 * TCCON GGG2020 public file. The operator of the TCCON wiki (GGG2020 data changes) is
 *   X_model = prior_xco2 + Σ_j h_j a_j (f_wet,j − f_a,wet,j)
 * with h = integration_operator, a = ak_xco2 (on ak_altitude, interpolated linearly in
 * altitude to prior_altitude when the grids differ), f_a = prior_co2 (WET mole fraction, ppm).
 * A dry model profile u gives f_wet = u (1 − q) with q = prior_h2o (wet). Written in the
 * XCO2 form used everywhere here, X = x_a + Σ h'_j a_j (u_j − u'_a,j), this is exact with
 * h'_j = h_j (1 − q_j) and u'_a,j = f_a,j / (1 − q_j) (the dry a-priori): we store those.
 * Pressures: prior_pressure (atm) → hPa.
 */
export async function parseTccon(src: NcSource): Promise<ObservationTable> {
  const file = src.file;
  const xV = await requireVariable(src, ['xco2']);
  const n = xV.shape[0] ?? 0;
  requireNonEmpty(file, 'xco2', n);
  const xf = ppmFactor(attrString(xV.attrs, 'units'), file, 'xco2');
  const x = numericData(src, xV);
  const eV = await requireVariable(src, ['xco2_error']);
  const err = numericData(src, eV);
  const ef = ppmFactor(attrString(eV.attrs, 'units'), file, 'xco2_error');
  const tV = await requireVariable(src, ['time']);
  const { scale, offsetSec } = parseCfTimeUnits(attrString(tV.attrs, 'units'), file, 'time');
  const time = numericData(src, tV);
  requireFinite(file, 'time', time);
  const lat = numericData(src, await requireVariable(src, ['lat']));
  requireFinite(file, 'lat', lat);
  requireRange(file, 'lat', lat, -90, 90);
  const lon = numericData(src, await requireVariable(src, ['long']));
  requireFinite(file, 'long', lon);
  requireRange(file, 'long', lon, -180, 360);
  const zV = src.has('zobs') ? await src.variable('zobs') : undefined;
  const zobs = zV ? numericData(src, zV) : undefined;
  const zf = zV && attrString(zV.attrs, 'units')?.toLowerCase() === 'km' ? 1000 : 1;
  const ppV = await requireVariable(src, ['prior_pressure']);
  const L = ppV.shape[1] ?? 0;
  expectShape(src, ppV, [n, L]);
  const pf = hPaFactor(attrString(ppV.attrs, 'units'), file, 'prior_pressure');
  const pp = numericData(src, ppV);
  for (let i = 0; i < pp.length; i++) pp[i] = pp[i]! * pf;
  requireFinite(file, 'prior_pressure', pp);
  const ioV = await requireVariable(src, ['integration_operator']);
  expectShape(src, ioV, [n, L]);
  const h = numericData(src, ioV);
  requireFinite(file, 'integration_operator', h);
  const pcV = await requireVariable(src, ['prior_co2']);
  expectShape(src, pcV, [n, L]);
  const pcf = ppmFactor(attrString(pcV.attrs, 'units'), file, 'prior_co2');
  const pc = numericData(src, pcV);
  requireFinite(file, 'prior_co2', pc);
  const q = src.has('prior_h2o') ? numericData(src, await src.variable('prior_h2o')) : new Float64Array(n * L);
  const pxa = numericData(src, await requireVariable(src, ['prior_xco2']));
  requireFinite(file, 'prior_xco2', pxa);
  const akV = await requireVariable(src, ['ak_xco2']);
  const La = akV.shape[1] ?? 0;
  expectShape(src, akV, [n, La]);
  const akRaw = numericData(src, akV);
  requireFinite(file, 'ak_xco2', akRaw);
  const akAlt = numericData(src, await requireVariable(src, ['ak_altitude']));
  const prAlt = numericData(src, await requireVariable(src, ['prior_altitude']));
  const ak = new Float64Array(n * L);
  const same = La === L && akAlt.every((z, i) => Math.abs(z - prAlt[i]!) < 1e-6);
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < L; j++) {
      ak[k * L + j] = same ? akRaw[k * La + j]! : interp1(akAlt, akRaw.subarray(k * La, k * La + La), prAlt[j]!);
    }
  }
  // Dry-air form (see above).
  const hDry = new Float64Array(n * L);
  const uaDry = new Float64Array(n * L);
  for (let i = 0; i < n * L; i++) {
    const w = 1 - (Number.isFinite(q[i]!) ? q[i]! : 0);
    hDry[i] = h[i]! * w;
    uaDry[i] = (pc[i]! * pcf) / w;
  }

  const t = emptyTable(n, L);
  const c = t.column!;
  // TCCON site ids are the two letters that start the file name (hw = Harwell).
  const site = baseName(file).slice(0, 2).toLowerCase();
  t.sites.push(site);
  t.datasets.push(baseName(file));
  const kind = kindCode('tccon');
  for (let k = 0; k < n; k++) {
    storeProfiles(t, k, L, pp, ak, hDry, uaDry, k * L);
    t.id[k] = k + 1;
    t.timeSec[k] = time[k]! * scale + offsetSec;
    t.latDeg[k] = lat[k]!;
    t.lonDeg[k] = normalizeLon(lon[k]!);
    t.altitudeM[k] = zobs ? zobs[k]! * zf : NaN;
    t.valuePpm[k] = x[k]! * xf;
    t.errorPpm[k] = err[k]! * ef;
    t.kind[k] = kind;
    t.flags[k] = Number.isFinite(t.valuePpm[k]!) && t.errorPpm[k]! > 0 ? 0 : QC.missing;
    c.aprioriXco2Ppm[k] = pxa[k]! * xf;
    c.surfacePressureHPa[k] = c.pressureHPa[k * L]!;
  }
  requireMonotonic(file, 'prior_pressure', t);
  return t;
}

/** Linear interpolation in x (ascending), clamped at the ends. */
function interp1(xs: Float64Array, ys: ArrayLike<number>, x: number): number {
  const n = xs.length;
  if (x <= xs[0]!) return ys[0]!;
  if (x >= xs[n - 1]!) return ys[n - 1]!;
  let j = 1;
  while (xs[j]! < x) j++;
  const w = (x - xs[j - 1]!) / (xs[j]! - xs[j - 1]!);
  return ys[j - 1]! * (1 - w) + ys[j]! * w;
}
