// Synthetic OCO-2-like soundings for the demo world (pure and seeded: the same seed gives the
// same soundings). SYNTHETIC, not OCO-2 data:
// - orbit: circular, inclination 98.2°, period 98.8 min (14.57 orbits per day), sun-synchronous
//   with the ascending node at 13:36 local solar time; only the sunlit ascending half-orbit
//   between ±maxLatDeg is observed;
// - soundings every `spacingSec` seconds along the ground track (OCO-2 itself: 8 footprints at
//   3 Hz), kept over land (`isLand`) in nadir mode;
// - 20 retrieval levels equally spaced in σ = p/ps from the surface (level 0) to 0.1 hPa,
//   pressure weights of the trapezoid rule (½, 1, …, 1, ½)/(L − 1) — the shape of the real
//   `pressure_weight`; averaging kernel a(σ) = 0.41 + 0.62 (1 − e^{−σ/0.15}) − 0.06 σ², the
//   shape of real OCO-2 nadir land kernels (≈0.4 at the top, ≈1 in the troposphere, ≈0.97 at
//   the surface), with ±2 % seeded jitter; a-priori profile u_a(σ) = base − 14 e^{−σ/0.03} ppm
//   (stratospheric decrease); x_a = Σ h u_a;
// - value: x_a (a placeholder the demo replaces with the truth run's XCO2 plus noise);
//   σ drawn uniformly in [0.4, 1.2] ppm.
import { TanhuiError, mulberry32 } from '@tanhui/core';
import { emptyTable, kindCode, normalizeLon, type ObservationTable } from './record';
import { SITES, findSite } from './sites';

export interface SyntheticTrackOptions {
  startSec: number;
  durationSec: number;
  seed?: number;
  /** Time between soundings along track [s] (default 10). */
  spacingSec?: number;
  /** Land mask; default: everything is land. */
  isLand?: (latDeg: number, lonDeg: number) => boolean;
  /** Surface pressure [hPa] at a point (default 1000 − 0.12·|lat|, a smooth stand-in). */
  surfacePressureHPa?: (latDeg: number, lonDeg: number) => number;
  /** A-priori tropospheric CO2 [ppm] (default 400). */
  baseXco2Ppm?: number;
  nLevels?: number;
  maxLatDeg?: number;
}

const DEG = Math.PI / 180;
export const OCO2_INCLINATION_DEG = 98.2;
export const OCO2_PERIOD_SEC = 98.8 * 60;
/** Local solar time of the ascending node [h]. */
export const OCO2_NODE_LOCAL_HOURS = 13.6;

/** Ground-track position at argument of latitude θ for an orbit crossing the node at lonNode. */
export function groundTrack(thetaRad: number, lonNodeDeg: number, dtSec: number): { latDeg: number; lonDeg: number } {
  const i = OCO2_INCLINATION_DEG * DEG;
  const lat = Math.asin(Math.sin(i) * Math.sin(thetaRad));
  const dLon = Math.atan2(Math.cos(i) * Math.sin(thetaRad), Math.cos(thetaRad));
  const earth = (360 / 86164.1) * dtSec; // Earth rotates under the orbit
  return { latDeg: lat / DEG, lonDeg: normalizeLon(lonNodeDeg + dLon / DEG - earth) };
}

export function averagingKernelShape(sigma: number): number {
  return 0.41 + 0.62 * (1 - Math.exp(-sigma / 0.15)) - 0.06 * sigma * sigma;
}

export function syntheticOco2(options: SyntheticTrackOptions): ObservationTable {
  const L = options.nLevels ?? 20;
  if (L < 2) throw new TanhuiError('InvalidArgument', 'need at least 2 retrieval levels');
  if (!(options.durationSec > 0)) throw new TanhuiError('InvalidArgument', 'durationSec must be positive');
  const spacing = options.spacingSec ?? 10;
  const maxLat = options.maxLatDeg ?? 70;
  const rand = mulberry32(options.seed ?? 1);
  const isLand = options.isLand ?? (() => true);
  const psAt = options.surfacePressureHPa ?? ((lat: number) => 1000 - 0.12 * Math.abs(lat));
  const base = options.baseXco2Ppm ?? 400;
  const omega = (2 * Math.PI) / OCO2_PERIOD_SEC;
  const thetaMax = Math.asin(Math.min(1, Math.sin(maxLat * DEG) / Math.sin(OCO2_INCLINATION_DEG * DEG)));
  // Orbit phase offset from the seed so different seeds give different tracks.
  const phase = rand() * OCO2_PERIOD_SEC;
  const pts: Array<{ t: number; lat: number; lon: number }> = [];
  const t0 = options.startSec;
  const t1 = t0 + options.durationSec;
  for (let tc = t0 - OCO2_PERIOD_SEC + phase; tc < t1 + OCO2_PERIOD_SEC; tc += OCO2_PERIOD_SEC) {
    // Node longitude where local solar time is 13:36 at the crossing time tc.
    const utcHours = (((tc % 86400) + 86400) % 86400) / 3600;
    const lonNode = normalizeLon((OCO2_NODE_LOCAL_HOURS - utcHours) * 15);
    const dtMax = thetaMax / omega;
    for (let dt = -dtMax; dt <= dtMax; dt += spacing) {
      const t = tc + dt;
      if (t < t0 || t >= t1) continue;
      const { latDeg, lonDeg } = groundTrack(omega * dt, lonNode, dt);
      if (!isLand(latDeg, lonDeg)) continue;
      pts.push({ t, lat: latDeg, lon: lonDeg });
    }
  }
  pts.sort((a, b) => a.t - b.t);
  const n = pts.length;
  const t = emptyTable(n, L);
  const c = t.column!;
  t.sites.push('oco2-synthetic');
  t.datasets.push('synthetic-oco2');
  const kind = kindCode('xco2');
  for (let k = 0; k < n; k++) {
    const p = pts[k]!;
    t.id[k] = k + 1;
    t.timeSec[k] = p.t;
    t.latDeg[k] = p.lat;
    t.lonDeg[k] = p.lon;
    t.kind[k] = kind;
    t.mode[k] = 0;
    t.landFraction[k] = 1;
    const ps = psAt(p.lat, p.lon);
    c.surfacePressureHPa[k] = ps;
    let xa = 0;
    for (let j = 0; j < L; j++) {
      const sigma = 1 - (j / (L - 1)) * (1 - 0.1 / ps); // surface … 0.1 hPa
      const h = (j === 0 || j === L - 1 ? 0.5 : 1) / (L - 1);
      const ua = base - 14 * Math.exp(-sigma / 0.03);
      c.pressureHPa[k * L + j] = sigma * ps;
      c.pressureWeight[k * L + j] = h;
      c.averagingKernel[k * L + j] = averagingKernelShape(sigma) * (1 + 0.02 * (2 * rand() - 1));
      c.aprioriProfilePpm[k * L + j] = ua;
      xa += h * ua;
    }
    c.aprioriXco2Ppm[k] = xa;
    t.valuePpm[k] = xa;
    t.errorPpm[k] = 0.4 + 0.8 * rand();
  }
  return t;
}

export interface SyntheticStationOptions {
  startSec: number;
  durationSec: number;
  /** Site codes from the catalogue (default: all). */
  sites?: readonly string[];
  /** Local solar hour of the daily sample (default 14: CarbonTracker's afternoon selection). */
  localHour?: number;
  /** Days between samples (default 1; NOAA flasks are weekly: 7). */
  everyDays?: number;
  /** Measurement error σ [ppm] (default 0.1). */
  errorPpm?: number;
  /** Placeholder value [ppm] (default 400), replaced by the truth run. */
  valuePpm?: number;
}

/**
 * Surface observations at catalogue stations for the demo world: one sample per station every
 * `everyDays` days at `localHour` local solar time (UTC + lon/15 h), at the station's altitude
 * (elevation + intake). Kinds and datasets follow the catalogue (dataset co2_<site>_synthetic).
 */
export function syntheticStations(options: SyntheticStationOptions): ObservationTable {
  const codes = options.sites ?? SITES.map((s) => s.code);
  const sites = codes.map((c) => {
    const s = findSite(c);
    if (!s) throw new TanhuiError('InvalidArgument', `site '${c}' is not in the catalogue`, { hint: `known: ${SITES.map((x) => x.code).join(', ')}` });
    return s;
  });
  const hour = options.localHour ?? 14;
  const every = (options.everyDays ?? 1) * 86400;
  const rows: Array<{ t: number; s: number }> = [];
  const day0 = Math.floor(options.startSec / 86400) * 86400;
  const end = options.startSec + options.durationSec;
  sites.forEach((s, si) => {
    for (let d = day0; d < end + 86400; d += every) {
      const t = d + ((((hour - s.lonDeg / 15) % 24) + 24) % 24) * 3600;
      if (t >= options.startSec && t < end) rows.push({ t, s: si });
    }
  });
  rows.sort((a, b) => a.t - b.t || a.s - b.s);
  const t = emptyTable(rows.length);
  t.sites.push(...sites.map((s) => s.code));
  t.datasets.push(...sites.map((s) => `co2_${s.code}_synthetic`));
  rows.forEach((r, k) => {
    const s = sites[r.s]!;
    t.id[k] = k + 1;
    t.timeSec[k] = r.t;
    t.latDeg[k] = s.latDeg;
    t.lonDeg[k] = s.lonDeg;
    t.altitudeM[k] = s.altitudeM;
    t.valuePpm[k] = options.valuePpm ?? 400;
    t.errorPpm[k] = options.errorPpm ?? 0.1;
    t.kind[k] = kindCode(s.kind);
    t.site[k] = r.s;
    t.dataset[k] = r.s;
  });
  return t;
}
