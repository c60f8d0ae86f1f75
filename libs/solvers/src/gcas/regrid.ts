// GCAS's spatial_interp (spatial_interpolat.f90; ALGORITHM.md §3): 1° fluxes to the transport
// grid. Each 1° row/column goes whole to its nearest model row/column, or is split linearly
// between the two it lies between; area-weighted sums are rescaled so that Σ area·flux is kept
// per time step, then divided by the accumulated area. Where GCAS leaves a weight undefined
// (no rule applies) the 1° row/column goes whole to the nearest one.
import { nearestIndex } from './geodesy';

const AE_KM = 6.371e3;

/** Area [km²] of a 1°-high cell of width `resDeg` centred at `latDeg` (GCAS dxyp). */
export function gcasCellAreaKm2(latDeg: number, resDeg: number): number {
  const r = Math.PI / 180;
  const l = (latDeg - resDeg / 2) * r;
  return resDeg * r * (Math.sin(l + resDeg * r) - Math.sin(l)) * AE_KM * AE_KM;
}

interface Split {
  to1: number;
  f1: number;
  /** −1: none. */
  to2: number;
  f2: number;
}

function splits(src: ArrayLike<number>, dst: ArrayLike<number>, wrap: boolean): Split[] {
  const n1 = dst.length;
  const step = wrap ? Math.abs(dst[1] - dst[0]) : Math.abs(dst[2] - dst[1]);
  const out: Split[] = [];
  for (let i = 0; i < src.length; i++) {
    const k = nearestIndex(src[i], dst);
    const d1 = Math.abs(src[i] - dst[k]);
    const d2 = k > 0 ? Math.abs(src[i] - dst[k - 1]) : wrap ? Math.abs(src[i] - dst[n1 - 1] + 360) : 0;
    const d3 = k < n1 - 1 ? Math.abs(src[i] - dst[k + 1]) : wrap ? Math.abs(src[i] - dst[0] - 360) : 0;
    const prev = k > 0 ? k - 1 : n1 - 1;
    const next = k < n1 - 1 ? k + 1 : 0;
    const half = step / 2;
    let s: Split = { to1: k, f1: 1, to2: -1, f2: 0 };
    if (d1 + 0.5 < half) s = { to1: k, f1: 1, to2: -1, f2: 0 };
    else if (wrap && d3 + 0.5 < half) s = { to1: next, f1: 1, to2: -1, f2: 0 };
    else if (Math.abs(d1 + d2 - step) < 0.001 && (!wrap || (d2 + 0.5 > half && d1 + 0.5 > half)) && (wrap || k > 0)) s = { to1: k, f1: d2 / step, to2: prev, f2: d1 / step };
    else if (Math.abs(d1 + d3 - step) < 0.001 && (!wrap || (d3 + 0.5 > half && d1 + 0.5 > half)) && (wrap || k < n1 - 1)) s = { to1: k, f1: d3 / step, to2: next, f2: d1 / step };
    out.push(s);
  }
  return out;
}

/**
 * 1° fluxes [step][lat][lon] (lat −89.5…89.5, lon 0.5…359.5) to the model grid
 * [step][lat1][lon1], keeping Σ area·flux per step (with the model cells' accumulated 1° areas
 * `areaKm2`: Σ areaKm2·flux1 = Σ area·flux).
 */
export function gcasSpatialInterp(
  flux: Float32Array | Float64Array,
  steps: number,
  lat: ArrayLike<number>,
  lon: ArrayLike<number>,
  lat1: ArrayLike<number>,
  lon1: ArrayLike<number>,
): { flux: Float64Array; areaKm2: Float64Array } {
  const ny = lat.length;
  const nx = lon.length;
  const ny1 = lat1.length;
  const nx1 = lon1.length;
  const area = Float64Array.from(lat, (l) => gcasCellAreaKm2(l, 1));
  const ys = splits(lat, lat1, false);
  const xs = splits(lon, lon1, true);
  // Accumulated area per model cell (the same for every step).
  const aTmp = new Float64Array(ny1 * nx);
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      aTmp[ys[j].to1 * nx + i] += ys[j].f1 * area[j];
      if (ys[j].to2 >= 0) aTmp[ys[j].to2 * nx + i] += ys[j].f2 * area[j];
    }
  }
  const a1 = new Float64Array(ny1 * nx1);
  for (let j = 0; j < ny1; j++) {
    for (let i = 0; i < nx; i++) {
      a1[j * nx1 + xs[i].to1] += xs[i].f1 * aTmp[j * nx + i];
      if (xs[i].to2 >= 0) a1[j * nx1 + xs[i].to2] += xs[i].f2 * aTmp[j * nx + i];
    }
  }
  const out = new Float64Array(steps * ny1 * nx1);
  const cTmp = new Float64Array(ny1 * nx);
  for (let t = 0; t < steps; t++) {
    cTmp.fill(0);
    let before = 0;
    const base = t * ny * nx;
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const c = flux[base + j * nx + i] * area[j];
        before += c;
        cTmp[ys[j].to1 * nx + i] += ys[j].f1 * c;
        if (ys[j].to2 >= 0) cTmp[ys[j].to2 * nx + i] += ys[j].f2 * c;
      }
    }
    const o = out.subarray(t * ny1 * nx1, (t + 1) * ny1 * nx1);
    for (let j = 0; j < ny1; j++) {
      for (let i = 0; i < nx; i++) {
        o[j * nx1 + xs[i].to1] += xs[i].f1 * cTmp[j * nx + i];
        if (xs[i].to2 >= 0) o[j * nx1 + xs[i].to2] += xs[i].f2 * cTmp[j * nx + i];
      }
    }
    let after = 0;
    for (const v of o) after += v;
    const f = after === 0 ? 0 : before / after;
    for (let p = 0; p < o.length; p++) o[p] = a1[p] > 0 ? (o[p] * f) / a1[p] : 0;
  }
  return { flux: out, areaKm2: a1 };
}
