// Solar geometry for diurnal cycles: exact interval means of the clipped cosine of the solar
// zenith angle, max(0, cos Z), with the declination held at its value for the UTC day (no
// equation of time). Used to shape GPP within a day; the clipped-cosine integral is closed
// form, so daily means are conserved exactly when a day is split into sub-daily periods.
const DEG = Math.PI / 180;
const TWO_PI = 2 * Math.PI;

/** Solar declination [rad] on day-of-year doy (1-based), Cooper (1969). */
export function solarDeclinationRad(dayOfYear: number): number {
  return 23.44 * DEG * Math.sin((TWO_PI * (284 + dayOfYear)) / 365);
}

/** Day of year (1-based) of a UTC instant [s since 1970]. */
export function dayOfYear(tSec: number): number {
  const d = new Date(Math.floor(tSec / 86400) * 86400 * 1000);
  const start = Date.UTC(d.getUTCFullYear(), 0, 1);
  return Math.round((d.getTime() - start) / 86400000) + 1;
}

/** ∫ max(0, a + b cos u) du from −π to h, for h in [−π, π] (b ≥ 0). */
function clippedCosPrimitive(a: number, b: number, h: number): number {
  if (b <= 0) return Math.max(0, a) * (h + Math.PI);
  const r = -a / b;
  if (r <= -1) return a * (h + Math.PI) + b * Math.sin(h);
  if (r >= 1) return 0;
  const h0 = Math.acos(r);
  if (h < -h0) return 0;
  if (h <= h0) return a * (h + h0) + b * (Math.sin(h) + Math.sin(h0));
  return 2 * (a * h0 + b * Math.sin(h0));
}

/** The primitive extended to all h (periodic increments). */
function clippedCosIntegralTo(a: number, b: number, h: number): number {
  const full = clippedCosPrimitive(a, b, Math.PI);
  const n = Math.floor((h + Math.PI) / TWO_PI);
  const hr = Math.min(Math.PI, Math.max(-Math.PI, h - n * TWO_PI));
  return n * full + clippedCosPrimitive(a, b, hr);
}

/**
 * Mean of max(0, cos Z) over [t1, t2] (UTC seconds, t2 − t1 ≤ 1 day, both in the same UTC
 * day or t2 at its end) at latitude/longitude [deg]. Declination of that UTC day.
 */
export function meanCosZenith(latDeg: number, lonDeg: number, t1: number, t2: number, declinationRad?: number): number {
  if (!(t2 > t1)) return 0;
  const phi = latDeg * DEG;
  const delta = declinationRad ?? solarDeclinationRad(dayOfYear(t1));
  const a = Math.sin(phi) * Math.sin(delta);
  const b = Math.max(0, Math.cos(phi) * Math.cos(delta));
  const hourAngle = (t: number): number => TWO_PI * ((t / 86400) % 1) - Math.PI + lonDeg * DEG;
  const h1 = hourAngle(t1);
  const h2 = h1 + (TWO_PI * (t2 - t1)) / 86400;
  return (clippedCosIntegralTo(a, b, h2) - clippedCosIntegralTo(a, b, h1)) / (h2 - h1);
}

/** Daily mean of max(0, cos Z) [1] at a latitude on a day with declination δ (closed form). */
export function dailyMeanCosZenith(latDeg: number, declinationRad: number): number {
  const phi = latDeg * DEG;
  const a = Math.sin(phi) * Math.sin(declinationRad);
  const b = Math.max(0, Math.cos(phi) * Math.cos(declinationRad));
  return clippedCosPrimitive(a, b, Math.PI) / TWO_PI;
}
