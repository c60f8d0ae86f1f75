// Distances and the nearest-point rule as GCASv2 uses them (ALGORITHM.md §2, §5).

// GCAS's constants are single-precision literals used in double arithmetic (EarthSurfacedistance):
// a = 6378.137, f = 1/298.257, π/180 = 0.01745329252, each rounded to float32; kept so.
const WGS84_A_KM = Math.fround(6378.137);
const FLATTENING = Math.fround(1 / Math.fround(298.257));
const DEG = Math.fround(0.01745329252);

/**
 * Andoyer–Lambert ellipsoidal distance [km] between two points in degrees: the first-order
 * flattening correction of the spherical distance on a = 6378.137 km, f = 1/298.257.
 * Accurate to ~10 m at continental scales; 0 for identical points.
 */
export function andoyerLambertKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  if (lat1 === lat2 && lon1 === lon2) return 0;
  // Half sums and differences in single precision, as GCAS forms them from `real` arguments.
  const fr = Math.fround;
  const f = fr(fr(lat1 + lat2) / 2) * DEG;
  const g = fr(fr(lat1 - lat2) / 2) * DEG;
  const l = fr(fr(lon1 - lon2) / 2) * DEG;
  const sg = Math.sin(g) ** 2;
  const sl = Math.sin(l) ** 2;
  const sf = Math.sin(f) ** 2;
  const s = sg * (1 - sl) + (1 - sf) * sl;
  const c = (1 - sg) * (1 - sl) + sf * sl;
  const w = Math.atan(Math.sqrt(s / c));
  const r = Math.sqrt(s * c) / w;
  const d = 2 * w * WGS84_A_KM;
  const h1 = (3 * r - 1) / 2 / c;
  const h2 = (3 * r + 1) / 2 / s;
  return d * (1 + FLATTENING * (h1 * sf * (1 - sg) - h2 * (1 - sf) * sg));
}

/** Index of the first minimum of (b_i − a)² (GCAS's dmin2: no wrap-around in longitude). */
export function nearestIndex(a: number, b: ArrayLike<number>): number {
  let best = 0;
  let m = (b[0] - a) * (b[0] - a);
  for (let i = 1; i < b.length; i++) {
    const m1 = (b[i] - a) * (b[i] - a);
    if (m1 < m) {
      m = m1;
      best = i;
    }
  }
  return best;
}
