// Localisation weights: Gaspari–Cohn (1999, eq. 4.10) on great-circle distance, and the unit
// vectors used to get that distance cheaply inside the row kernel.
import { EARTH_RADIUS_M } from '@tanhui/core';

export const EARTH_RADIUS_KM = EARTH_RADIUS_M / 1000;

/** Gaspari–Cohn fifth-order piecewise rational taper of z = d/c: 1 at 0, 0 for z ≥ 2. */
export function gaspariCohn(z: number): number {
  z = Math.abs(z);
  if (z >= 2) return 0;
  if (z <= 1) {
    return (((-0.25 * z + 0.5) * z + 0.625) * z - 5 / 3) * z * z + 1;
  }
  return ((((z / 12 - 0.5) * z + 0.625) * z + 5 / 3) * z - 5) * z + 4 - 2 / (3 * z);
}

/** Great-circle distance [km] between two points given in degrees (haversine). */
export function greatCircleKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const r = Math.PI / 180;
  const s1 = Math.sin(((lat2 - lat1) * r) / 2);
  const s2 = Math.sin(((lon2 - lon1) * r) / 2);
  const h = s1 * s1 + Math.cos(lat1 * r) * Math.cos(lat2 * r) * s2 * s2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Unit vectors (x, y, z) of points in degrees, 3 per point. */
export function unitVectors(lat: ArrayLike<number>, lon: ArrayLike<number>): Float64Array {
  const out = new Float64Array(lat.length * 3);
  const r = Math.PI / 180;
  for (let i = 0; i < lat.length; i++) {
    const cl = Math.cos(lat[i] * r);
    out[3 * i] = cl * Math.cos(lon[i] * r);
    out[3 * i + 1] = cl * Math.sin(lon[i] * r);
    out[3 * i + 2] = Math.sin(lat[i] * r);
  }
  return out;
}

/** Gaspari–Cohn weight between two unit vectors (chord → arc), length scale c [km]. */
export function gcWeightFromUnit(u: Float64Array, i: number, v: Float64Array, j: number, lengthScaleKm: number): number {
  const dx = u[3 * i] - v[3 * j];
  const dy = u[3 * i + 1] - v[3 * j + 1];
  const dz = u[3 * i + 2] - v[3 * j + 2];
  const chord = Math.sqrt(dx * dx + dy * dy + dz * dz);
  const arcKm = 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, chord / 2));
  return gaspariCohn(arcKm / lengthScaleKm);
}
