// A SYNTHETIC BEPS-like prior for the demo world — not BEPS, not data: smooth analytic
// fields with realistic magnitudes so that every command runs with no input files.
//
// Biosphere (NEP, positive to the atmosphere = Re − GPP), per land cell (vegetated fraction =
// core's built-in land fraction outside the ice regions):
//   GPP = ε · fAPAR · PAR · f(T),  PAR = 0.5 · τ · S0 · max(0, cos Z)   (light-use efficiency)
//   Re  = r_row · Q10^((T − 15)/10)                                      (flat within a day)
// with T(lat, day) an analytic climatology (annual mean falling with latitude, seasonal
// amplitude growing with it), f(T) = clamp(T/20, 0, 1), fAPAR from temperature phenology and a
// subtropical aridity dip. cos Z is integrated exactly over each period (solar.ts), so GPP has a
// true diurnal cycle and days/seasons; r_row is set so that over the 365 days of a year each
// latitude row respires (1 − β) of its GPP, and β so that the global net is `bioNetPgCYr`
// (default −2.5 PgC yr⁻¹; global GPP comes out near 140 PgC yr⁻¹).
// Ocean: −2 PgC yr⁻¹ by default — tropical outgassing, uptake in the mid-latitude bands and the
// Southern Ocean, ±30 % seasonal modulation with zero annual mean.
// Fossil: +10 PgC yr⁻¹ by default, on land, weighted by a population-latitude profile
// (maxima near 35°N, 50°N, 22°N; little in the south), constant in time.
// Fire: +0.6 PgC yr⁻¹ by default in the tropical savanna belts, dry-season timing.
// Annual totals hold exactly for a 365-day year of complete periods (the seasonal factors
// have zero mean over days 1–365); periods are any length, any start.
import { builtinRegions, LatLonGrid, M_C, molSToPgCYr, pgCYrToMolM2S, TanhuiError } from '@tanhui/core';
import type { FluxField } from './flux';
import { dailyMeanCosZenith, dayOfYear, meanCosZenith, solarDeclinationRad } from './solar';

export interface SyntheticPriorOptions {
  bioNetPgCYr?: number;
  oceanPgCYr?: number;
  fossilPgCYr?: number;
  firePgCYr?: number;
  /** Vegetated land fraction per cell (default: core's built-in land fraction, ice excluded). */
  landFraction?: ArrayLike<number>;
  /** Ocean fraction per cell (default: 1 − built-in land fraction). */
  oceanFraction?: ArrayLike<number>;
}

export interface SyntheticPrior {
  bio: FluxField;
  ocean: FluxField;
  fossil: FluxField;
  fire: FluxField;
  /** Gross primary production [mol m⁻² s⁻¹, ≥ 0] (uptake magnitude), for diagnostics/downscaling. */
  gpp: FluxField;
  /** Annual GPP [PgC yr⁻¹] of the grid, and β = −bioNet/GPP. */
  annualGppPgCYr: number;
  beta: number;
}

const DEG = Math.PI / 180;
const S0 = 1361; // W m⁻²
const TAU = 0.55; // clear/cloudy-sky mean transmissivity
const EPS_GC_PER_MJ = 0.7; // gC per MJ APAR
const Q10 = 1.5;
const DAYS = 365;

export function meanTemperatureC(latDeg: number, doy: number): number {
  const t0 = -15 + 42 * Math.cos(latDeg * DEG) ** 1.2;
  const amp = 0.3 * Math.abs(latDeg);
  return t0 + amp * Math.sign(latDeg) * Math.cos((2 * Math.PI * (doy - 200)) / 365);
}

/** GPP [mol m⁻² s⁻¹] per unit of max(0, cos Z) for a fully vegetated cell. */
function gppPerCosZ(latDeg: number, doy: number): number {
  const T = meanTemperatureC(latDeg, doy);
  const fT = Math.min(1, Math.max(0, T / 20));
  if (fT === 0) return 0;
  const aridity = 1 - 0.6 * Math.exp(-(((Math.abs(latDeg) - 23) / 7) ** 2));
  const phen = Math.min(1, Math.max(0.1, (T + 5) / 20));
  const fapar = 0.8 * aridity * phen;
  const parPerCosZ = 0.5 * TAU * S0; // W m⁻²
  const gcPerS = EPS_GC_PER_MJ * 1e-6 * fapar * parPerCosZ * fT; // gC m⁻² s⁻¹
  return gcPerS / (M_C * 1e3);
}

function oceanShape(latDeg: number): number {
  const a = Math.abs(latDeg);
  return 1.2 * Math.exp(-((latDeg / 12) ** 2)) - 1.0 * Math.exp(-(((a - 42) / 10) ** 2)) - 0.7 * Math.exp(-(((latDeg + 55) / 8) ** 2));
}

function fossilShape(latDeg: number): number {
  const g = (c: number, w: number): number => Math.exp(-(((latDeg - c) / w) ** 2));
  return g(35, 9) + 0.5 * g(50, 7) + 0.35 * g(22, 7) + 0.12 * g(-25, 10) + 0.05 * g(0, 8);
}

function fireShape(latDeg: number, doy: number): number {
  const g = (c: number, w: number): number => Math.exp(-(((latDeg - c) / w) ** 2));
  // Dry season: north of the equator peaks in January, south in August; factor mean 1 per year.
  return g(9, 6) * (1 + Math.cos((2 * Math.PI * (doy - 15)) / 365)) + g(-12, 6) * (1 + Math.cos((2 * Math.PI * (doy - 228)) / 365));
}

/** Build the synthetic prior on `grid` for periods starting at timesSec, each periodSeconds long. */
export function syntheticPrior(grid: LatLonGrid, timesSec: ArrayLike<number>, periodSeconds: number, opts: SyntheticPriorOptions = {}): SyntheticPrior {
  if (!(periodSeconds > 0)) throw new TanhuiError('InvalidArgument', `periodSeconds must be > 0, got ${periodSeconds}`);
  const nt = timesSec.length;
  if (nt === 0) throw new TanhuiError('EmptyInput', 'no periods requested');
  const n = grid.size;
  const { nlat, nlon } = grid;
  let veg: ArrayLike<number>;
  let ocn: ArrayLike<number>;
  if (opts.landFraction && opts.oceanFraction) {
    veg = opts.landFraction;
    ocn = opts.oceanFraction;
  } else {
    const br = builtinRegions(grid);
    const codes = br.transcom.codes;
    veg = opts.landFraction ?? Float64Array.from(br.landFraction, (f, c) => (codes[c]! >= 1 && codes[c]! <= 11 ? f : 0));
    ocn = opts.oceanFraction ?? Float64Array.from(br.landFraction, (f) => 1 - f);
  }
  if (veg.length !== n || ocn.length !== n) throw new TanhuiError('BadShape', 'land/ocean fractions do not match the grid');
  const area = grid.cellAreaM2;

  // Per row and day of year (1…366): GPP per cos Z, daily-mean GPP, respiration factor.
  const kGpp = new Float64Array(nlat * 367);
  const q10 = new Float64Array(nlat * 367);
  const rRow = new Float64Array(nlat);
  const rowVegArea = new Float64Array(nlat);
  for (let j = 0; j < nlat; j++) for (let i = 0; i < nlon; i++) rowVegArea[j] += veg[j * nlon + i]! * area[j * nlon + i]!;
  let gppGlobal = 0; // mol s⁻¹, annual mean
  const gppRowAnnual = new Float64Array(nlat); // mol m⁻² s⁻¹ (annual mean, per vegetated m²)
  for (let j = 0; j < nlat; j++) {
    const lat = grid.latCentersDeg[j]!;
    let g = 0;
    let q = 0;
    for (let d = 1; d <= 366; d++) {
      kGpp[j * 367 + d] = gppPerCosZ(lat, d);
      q10[j * 367 + d] = Q10 ** ((meanTemperatureC(lat, d) - 15) / 10);
      if (d <= DAYS) {
        g += kGpp[j * 367 + d]! * dailyMeanCosZenith(lat, solarDeclinationRad(d));
        q += q10[j * 367 + d]!;
      }
    }
    gppRowAnnual[j] = g / DAYS;
    rRow[j] = q > 0 ? g / q : 0; // respiration = GPP over the year (β applied below)
    gppGlobal += gppRowAnnual[j]! * rowVegArea[j]!;
  }
  const bioNet = opts.bioNetPgCYr ?? -2.5;
  const gppPg = molSToPgCYr(gppGlobal);
  if (!(gppPg > 0)) throw new TanhuiError('BadValue', 'the grid has no productive land: cannot build a biosphere prior');
  const beta = -bioNet / gppPg;
  for (let j = 0; j < nlat; j++) rRow[j] *= 1 - beta;

  // Ocean / fossil / fire scales: per-area flux = scale · shape, total fixed on this grid.
  const totalOf = (frac: ArrayLike<number>, shape: (lat: number) => number): number => {
    let s = 0;
    for (let j = 0; j < nlat; j++) {
      const sh = shape(grid.latCentersDeg[j]!);
      for (let i = 0; i < nlon; i++) s += frac[j * nlon + i]! * area[j * nlon + i]! * sh;
    }
    return s;
  };
  const unit = pgCYrToMolM2S(1, 1); // mol m⁻² s⁻¹ · m² per PgC yr⁻¹ → mol s⁻¹
  const ocnScale = ((opts.oceanPgCYr ?? -2) * unit) / totalOf(ocn, oceanShape);
  const fosScale = ((opts.fossilPgCYr ?? 10) * unit) / totalOf(veg, fossilShape);
  // Fire: annual mean of the seasonal factor is exactly 1 per belt, so use shape with factor 1.
  const fireAnnual = (lat: number): number => {
    let s = 0;
    for (let d = 1; d <= DAYS; d++) s += fireShape(lat, d);
    return s / DAYS;
  };
  const fireScale = ((opts.firePgCYr ?? 0.6) * unit) / totalOf(veg, fireAnnual);

  const bio = new Float64Array(nt * n);
  const gpp = new Float64Array(nt * n);
  const ocean = new Float64Array(nt * n);
  const fossil = new Float64Array(nt * n);
  const fire = new Float64Array(nt * n);
  for (let t = 0; t < nt; t++) {
    const t1 = timesSec[t]!;
    const t2 = t1 + periodSeconds;
    // Split the period at UTC midnights (declination, temperature are per day).
    const chunks: Array<[number, number, number]> = []; // [start, end, doy]
    for (let a = t1; a < t2; ) {
      const b = Math.min(t2, (Math.floor(a / 86400) + 1) * 86400);
      chunks.push([a, b, dayOfYear(a)]);
      a = b;
    }
    for (let j = 0; j < nlat; j++) {
      const lat = grid.latCentersDeg[j]!;
      let resp = 0;
      let ocnF = 0;
      let fireF = 0;
      for (const [a, b, d] of chunks) {
        const w = (b - a) / periodSeconds;
        resp += w * rRow[j]! * q10[j * 367 + d]!;
        ocnF += w * oceanShape(lat) * (1 + 0.3 * Math.sign(lat) * Math.cos((2 * Math.PI * (d - 30)) / 365));
        fireF += w * fireShape(lat, d);
      }
      const fosF = fossilShape(lat);
      for (let i = 0; i < nlon; i++) {
        const c = j * nlon + i;
        const k = t * n + c;
        let g = 0;
        if (veg[c]! > 0) {
          for (const [a, b, d] of chunks) {
            const kk = kGpp[j * 367 + d]!;
            if (kk > 0) g += ((b - a) / periodSeconds) * kk * meanCosZenith(lat, grid.lonCentersDeg[i]!, a, b, solarDeclinationRad(d));
          }
        }
        gpp[k] = veg[c]! * g;
        bio[k] = veg[c]! * (resp - g);
        ocean[k] = ocn[c]! * ocnScale * ocnF;
        fossil[k] = veg[c]! * fosScale * fosF;
        fire[k] = veg[c]! * fireScale * fireF;
      }
    }
  }
  const times = Float64Array.from(timesSec);
  const mk = (category: FluxField['category'], data: Float64Array, what: string): FluxField => ({
    category,
    grid,
    timesSec: times,
    periodSeconds,
    fluxMolM2S: data,
    source: `synthetic ${what} (tanhui demo world; analytic, not data)`,
  });
  return {
    bio: mk('bio', bio, 'BEPS-like NEP'),
    ocean: mk('ocean', ocean, 'ocean'),
    fossil: mk('fossil', fossil, 'fossil'),
    fire: mk('fire', fire, 'fire'),
    gpp: mk('other', gpp, 'GPP'),
    annualGppPgCYr: gppPg,
    beta,
  };
}
