// Prior covariance of the state vector of a StateMapping:
//   B = blockdiag over terms of  D (C_time ⊗ C_space) D,
// D = diag(σ) (σ per term, or per spatial unit, e.g. per ecosystem class), C_space[u,v] =
// exp(−d(u,v)/L) with d the great-circle distance between the units' area-weighted centroids
// (positive definite on the sphere), C_time[a,b] = exp(−|a−b|·Δ/τ) between temporal blocks.
// Terms are uncorrelated with each other (land and ocean independent, as in CarbonTracker).
// The structured factor B^½ = D (L_time ⊗ L_space) with Cholesky factors L is applied to K
// members at once (state layout [state][member]) without forming B; its adjoint is
// D (L_timeᵀ ⊗ L_spaceᵀ).
import { EARTH_RADIUS_M, LatLonGrid, TanhuiError } from '@tanhui/core';
import type { StateMapping } from './mapping';

export interface TermCovarianceSpec {
  /** Standard deviation [state units]: one value, or one per spatial unit. */
  sigma: number | ArrayLike<number>;
  /** Spatial e-folding length [m]; 0 = uncorrelated units. */
  correlationLengthM: number;
  /** Temporal correlation between consecutive blocks, ρ = exp(−1/τ) (0 = uncorrelated). */
  temporalCorrelation: number;
}

interface TermFactor {
  offset: number;
  nUnits: number;
  nBlocks: number;
  sigma: Float64Array; // per unit
  lSpace: Float64Array; // nUnits×nUnits lower triangular, row-major
  lTime: Float64Array; // nBlocks×nBlocks lower triangular
  cSpace: Float64Array;
  cTime: Float64Array;
}

export interface PriorCovariance {
  readonly nState: number;
  readonly terms: readonly TermFactor[];
}

/** Area-weighted centroids [deg] of the spatial units of each term (mean of unit vectors). */
export function unitCentroids(unit: Int32Array, nUnits: number, grid: LatLonGrid): { latDeg: Float64Array; lonDeg: Float64Array } {
  const sx = new Float64Array(nUnits);
  const sy = new Float64Array(nUnits);
  const sz = new Float64Array(nUnits);
  const D = Math.PI / 180;
  for (let j = 0; j < grid.nlat; j++) {
    const phi = grid.latCentersDeg[j]! * D;
    for (let i = 0; i < grid.nlon; i++) {
      const c = j * grid.nlon + i;
      const u = unit[c]!;
      if (u < 0) continue;
      const lam = grid.lonCentersDeg[i]! * D;
      const a = grid.cellAreaM2[c]!;
      sx[u] += a * Math.cos(phi) * Math.cos(lam);
      sy[u] += a * Math.cos(phi) * Math.sin(lam);
      sz[u] += a * Math.sin(phi);
    }
  }
  const latDeg = new Float64Array(nUnits);
  const lonDeg = new Float64Array(nUnits);
  for (let u = 0; u < nUnits; u++) {
    const r = Math.hypot(sx[u]!, sy[u]!, sz[u]!);
    // A unit spread evenly around the globe has no meaningful centroid; the pole is as good as any.
    latDeg[u] = r > 0 ? Math.asin(sz[u]! / r) / D : 90;
    lonDeg[u] = Math.atan2(sy[u]!, sx[u]!) / D;
  }
  return { latDeg, lonDeg };
}

/** Great-circle distance [m] (Vincenty's atan2 form: accurate from 0 to antipodes). */
export function greatCircleM(lat1Deg: number, lon1Deg: number, lat2Deg: number, lon2Deg: number, radiusM = EARTH_RADIUS_M): number {
  const D = Math.PI / 180;
  const p1 = lat1Deg * D;
  const p2 = lat2Deg * D;
  const dl = (lon2Deg - lon1Deg) * D;
  const a = Math.cos(p2) * Math.sin(dl);
  const b = Math.cos(p1) * Math.sin(p2) - Math.sin(p1) * Math.cos(p2) * Math.cos(dl);
  const c = Math.sin(p1) * Math.sin(p2) + Math.cos(p1) * Math.cos(p2) * Math.cos(dl);
  return radiusM * Math.atan2(Math.hypot(a, b), c);
}

/** In-place lower Cholesky factor of a symmetric n×n matrix (row-major); throws if not SPD. */
export function choleskyLower(a: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j]!;
    for (let k = 0; k < j; k++) d -= l[j * n + k]! ** 2;
    if (!(d > 0)) throw new TanhuiError('NotPositiveDefinite', `correlation matrix is not positive definite at pivot ${j}`, { hint: 'reduce the correlation length or merge duplicate units' });
    const ljj = Math.sqrt(d);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = s / ljj;
    }
  }
  return l;
}

/** Build the structured prior covariance of a mapping, one spec per term (in term order). */
export function buildPriorCovariance(mapping: StateMapping, grid: LatLonGrid, specs: readonly TermCovarianceSpec[]): PriorCovariance {
  if (specs.length !== mapping.terms.length) {
    throw new TanhuiError('InvalidArgument', `need one covariance spec per mapping term (${mapping.terms.length}), got ${specs.length}`);
  }
  const terms: TermFactor[] = mapping.terms.map((t, idx) => {
    const s = specs[idx]!;
    const sigma = new Float64Array(t.nUnits);
    if (typeof s.sigma === 'number') sigma.fill(s.sigma);
    else {
      if (s.sigma.length !== t.nUnits) throw new TanhuiError('BadShape', `term ${t.name}: sigma has ${s.sigma.length} values, expected ${t.nUnits}`);
      for (let u = 0; u < t.nUnits; u++) sigma[u] = s.sigma[u]!;
    }
    for (const v of sigma) if (!(v >= 0)) throw new TanhuiError('BadValue', `term ${t.name}: sigma must be ≥ 0, got ${v}`);
    if (!(s.correlationLengthM >= 0)) throw new TanhuiError('InvalidArgument', `correlationLengthM must be ≥ 0, got ${s.correlationLengthM}`);
    if (!(s.temporalCorrelation >= 0 && s.temporalCorrelation < 1)) {
      throw new TanhuiError('InvalidArgument', `temporalCorrelation must be in [0, 1), got ${s.temporalCorrelation}`);
    }
    const { latDeg, lonDeg } = unitCentroids(t.unit, t.nUnits, grid);
    const nu = t.nUnits;
    const cSpace = new Float64Array(nu * nu);
    for (let u = 0; u < nu; u++) {
      cSpace[u * nu + u] = 1;
      for (let v = 0; v < u; v++) {
        const d = greatCircleM(latDeg[u]!, lonDeg[u]!, latDeg[v]!, lonDeg[v]!, grid.radiusM);
        const r = s.correlationLengthM > 0 ? Math.exp(-d / s.correlationLengthM) : 0;
        cSpace[u * nu + v] = r;
        cSpace[v * nu + u] = r;
      }
    }
    const nb = t.nBlocks;
    const cTime = new Float64Array(nb * nb);
    for (let a = 0; a < nb; a++) for (let b = 0; b < nb; b++) cTime[a * nb + b] = s.temporalCorrelation ** Math.abs(a - b);
    return { offset: t.offset, nUnits: nu, nBlocks: nb, sigma, cSpace, cTime, lSpace: choleskyLower(cSpace, nu), lTime: choleskyLower(cTime, nb) };
  });
  return { nState: mapping.nState, terms };
}

/** Dense B [nState × nState], row-major. */
export function denseCovariance(cov: PriorCovariance): Float64Array {
  const n = cov.nState;
  const b = new Float64Array(n * n);
  for (const t of cov.terms) {
    const { nUnits: nu, nBlocks: nb } = t;
    for (let a = 0; a < nb; a++) {
      for (let u = 0; u < nu; u++) {
        const r = t.offset + a * nu + u;
        for (let a2 = 0; a2 < nb; a2++) {
          const ct = t.cTime[a * nb + a2]!;
          for (let v = 0; v < nu; v++) {
            b[r * n + t.offset + a2 * nu + v] = t.sigma[u]! * t.sigma[v]! * ct * t.cSpace[u * nu + v]!;
          }
        }
      }
    }
  }
  return b;
}

/** y = B^½ z for K members (z, y: [state][member]). */
export function applySqrtB(cov: PriorCovariance, z: Float64Array, K = 1, out?: Float64Array): Float64Array {
  return kron(cov, z, K, out, false);
}

/** y = (B^½)ᵀ w for K members. */
export function applySqrtBTranspose(cov: PriorCovariance, w: Float64Array, K = 1, out?: Float64Array): Float64Array {
  return kron(cov, w, K, out, true);
}

function kron(cov: PriorCovariance, z: Float64Array, K: number, out: Float64Array | undefined, transpose: boolean): Float64Array {
  const n = cov.nState;
  if (z.length !== n * K) throw new TanhuiError('BadShape', `state array has length ${z.length}, expected ${n * K}`);
  const y = out ?? new Float64Array(n * K);
  if (y.length !== n * K) throw new TanhuiError('BadShape', `output array has length ${y.length}, expected ${n * K}`);
  for (const t of cov.terms) {
    const { nUnits: nu, nBlocks: nb, offset } = t;
    const tmp = new Float64Array(nb * nu * K);
    // For the transpose, D is applied first: (D (Lt ⊗ Ls))ᵀ = (Ltᵀ ⊗ Lsᵀ) D.
    const zin = transpose ? new Float64Array(nb * nu * K) : z.subarray(offset * K, (offset + nb * nu) * K);
    if (transpose) {
      for (let a = 0; a < nb; a++) for (let u = 0; u < nu; u++) for (let k = 0; k < K; k++) zin[(a * nu + u) * K + k] = t.sigma[u]! * z[(offset + a * nu + u) * K + k]!;
    }
    // Space: tmp[a,u] = Σ_v Ls[u,v] zin[a,v]   (or Lsᵀ: Σ_v Ls[v,u] zin[a,v])
    for (let a = 0; a < nb; a++) {
      for (let u = 0; u < nu; u++) {
        const o = (a * nu + u) * K;
        const vFrom = transpose ? u : 0;
        const vTo = transpose ? nu : u + 1;
        for (let v = vFrom; v < vTo; v++) {
          const l = transpose ? t.lSpace[v * nu + u]! : t.lSpace[u * nu + v]!;
          if (l === 0) continue;
          const zi = (a * nu + v) * K;
          for (let k = 0; k < K; k++) tmp[o + k] += l * zin[zi + k]!;
        }
      }
    }
    // Time: y[a,u] = Σ_b Lt[a,b] tmp[b,u]   (or Ltᵀ)
    for (let a = 0; a < nb; a++) {
      for (let u = 0; u < nu; u++) {
        const o = (offset + a * nu + u) * K;
        for (let k = 0; k < K; k++) y[o + k] = 0;
        const bFrom = transpose ? a : 0;
        const bTo = transpose ? nb : a + 1;
        for (let b = bFrom; b < bTo; b++) {
          const l = transpose ? t.lTime[b * nb + a]! : t.lTime[a * nb + b]!;
          if (l === 0) continue;
          const ti = (b * nu + u) * K;
          for (let k = 0; k < K; k++) y[o + k] += l * tmp[ti + k]!;
        }
        if (!transpose) for (let k = 0; k < K; k++) y[o + k] *= t.sigma[u]!;
      }
    }
  }
  return y;
}
