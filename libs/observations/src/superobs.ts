// Super-observations for satellite columns: the soundings of one grid cell and one time window
// become one inverse-variance weighted observation, w_i = 1/σ_i²:
//   y = Σ w_i y_i / W,  W = Σ w_i.
// Error inflation. 1/W would be the error if the soundings' errors were independent; they are
// not (aerosol, albedo and surface-pressure errors are shared by neighbouring soundings), and
// averaging N soundings does not beat the correlated part down. With a uniform correlation ρ
// between the errors of soundings in the same cell and window (C_ij = ρ σ_i σ_j, i ≠ j), the
// variance of the weighted mean is exactly
//   σ²_super = [ Σ w_i² σ_i² + ρ ((Σ w_i σ_i)² − Σ w_i² σ_i²) ] / W²
//            = [ W + ρ ((Σ 1/σ_i)² − W) ] / W²,
// which tends to ρ·(mean σ)² for large N instead of 0. Default ρ = 0.3 (an assumption, set
// `errorCorrelation`); ρ = 0 gives the independent 1/W. The inflation factor reported is
// σ_super / sqrt(1/W).
// Columns: the averaging kernels, pressure weights and priors are combined so that the column
// operator of the super-observation equals the weighted mean of the members' operators:
//   h′ = Σ w h / W,  (h a)′ = Σ w h a / W,  (h a u_a)′ = Σ w h a u_a / W,  x_a′ = Σ w x_a / W,
// and pressures averaged (p′_j = Σ w p_j / W, ps′ = Σ w ps / W), time and position averaged.
// The super-observation's operator then equals the weighted mean of its members' operators
// exactly when the members share σ levels (p_j / ps — true of OCO-2's 20 levels) and either
// their kernels or their model time weights agree (model field constant over the members'
// time spread); otherwise the difference is second order, the weighted covariance of kernel
// and time weight times the model's change over one step (< 1e-3 ppm in the tests).
import { TanhuiError, type LatLonGrid } from '@tanhui/core';
import { emptyTable, goodRows, type ObservationTable } from './record';

export interface SuperObsOptions {
  grid: LatLonGrid;
  windowStartSec: number;
  /** Length of one averaging window [s] (e.g. 3600, or the model step). */
  windowSec: number;
  /** Error correlation ρ between soundings of one super-observation (default 0.3). */
  errorCorrelation?: number;
  /** Rows to average (default: the rows with flags = 0). */
  rows?: ArrayLike<number>;
}

export interface SuperObsResult {
  table: ObservationTable;
  /** CSR over members: memberRows[memberPtr[s] … memberPtr[s+1]) are the source rows of s. */
  memberPtr: Int32Array;
  memberRows: Int32Array;
  /** σ_super / sqrt(1/W) per super-observation. */
  inflation: Float64Array;
}

/** Variance of an inverse-variance weighted mean of errors σ with uniform correlation ρ. */
export function superObsVariance(sigma: ArrayLike<number>, rho: number): number {
  let W = 0;
  let S = 0;
  for (let i = 0; i < sigma.length; i++) {
    W += 1 / (sigma[i]! * sigma[i]!);
    S += 1 / sigma[i]!;
  }
  return (W + rho * (S * S - W)) / (W * W);
}

export function superObservations(table: ObservationTable, options: SuperObsOptions): SuperObsResult {
  const rho = options.errorCorrelation ?? 0.3;
  if (!(rho >= 0 && rho <= 1)) throw new TanhuiError('InvalidArgument', `errorCorrelation must be in [0, 1], got ${rho}`);
  if (!(options.windowSec > 0)) throw new TanhuiError('InvalidArgument', `windowSec must be positive, got ${options.windowSec}`);
  const rows = options.rows ?? goodRows(table);
  const m = rows.length;
  const key = new Float64Array(m);
  const order = new Int32Array(m);
  for (let r = 0; r < m; r++) {
    const k = rows[r]!;
    const s = table.errorPpm[k]!;
    if (!(s > 0)) {
      throw new TanhuiError('BadValue', `observation ${k} has no positive error σ; super-observations need one`, { context: { index: k, variable: 'errorPpm' } });
    }
    const cell = options.grid.locate(table.latDeg[k]!, table.lonDeg[k]!).index;
    const win = Math.floor((table.timeSec[k]! - options.windowStartSec) / options.windowSec);
    key[r] = win * options.grid.size + cell;
    order[r] = r;
  }
  order.sort((a, b) => key[a]! - key[b]! || a - b);
  // Group boundaries.
  const starts: number[] = [];
  for (let q = 0; q < m; q++) if (q === 0 || key[order[q]!] !== key[order[q - 1]!]) starts.push(q);
  const ns = starts.length;
  const L = table.column?.nLevels ?? 0;
  const out = emptyTable(ns, L);
  out.sites.push(...table.sites);
  out.datasets.push(...table.datasets);
  const memberPtr = new Int32Array(ns + 1);
  const memberRows = new Int32Array(m);
  const inflation = new Float64Array(ns);
  const sig: number[] = [];
  const ha = new Float64Array(L);
  const hau = new Float64Array(L);
  for (let g = 0; g < ns; g++) {
    const q0 = starts[g]!;
    const q1 = g + 1 < ns ? starts[g + 1]! : m;
    memberPtr[g + 1] = q1;
    let W = 0;
    let y = 0;
    let t = 0;
    let lat = 0;
    let lon = 0;
    let land = 0;
    let landW = 0;
    sig.length = 0;
    ha.fill(0);
    hau.fill(0);
    const first = rows[order[q0]!]!;
    if (L > 0) {
      const c = out.column!;
      for (let j = 0; j < L; j++) {
        c.pressureHPa[g * L + j] = 0;
        c.pressureWeight[g * L + j] = 0;
      }
    }
    for (let q = q0; q < q1; q++) {
      const k = rows[order[q]!]!;
      memberRows[q] = k;
      const s = table.errorPpm[k]!;
      const w = 1 / (s * s);
      sig.push(s);
      W += w;
      y += w * table.valuePpm[k]!;
      t += w * table.timeSec[k]!;
      lat += w * table.latDeg[k]!;
      lon += w * table.lonDeg[k]!;
      const lf = table.landFraction[k]!;
      if (Number.isFinite(lf)) {
        land += w * lf;
        landW += w;
      }
      if (L > 0) {
        const a = table.column!;
        const c = out.column!;
        for (let j = 0; j < L; j++) {
          const h = a.pressureWeight[k * L + j]!;
          const hk = h * a.averagingKernel[k * L + j]!;
          c.pressureWeight[g * L + j] += w * h;
          c.pressureHPa[g * L + j] += w * a.pressureHPa[k * L + j]!;
          ha[j] += w * hk;
          hau[j] += w * hk * a.aprioriProfilePpm[k * L + j]!;
        }
        c.aprioriXco2Ppm[g] += w * a.aprioriXco2Ppm[k]!;
        c.surfacePressureHPa[g] += w * a.surfacePressureHPa[k]!;
      }
    }
    out.id[g] = table.id[first]!;
    out.valuePpm[g] = y / W;
    out.timeSec[g] = t / W;
    out.latDeg[g] = lat / W;
    out.lonDeg[g] = lon / W;
    out.landFraction[g] = landW > 0 ? land / landW : NaN;
    const v = superObsVariance(sig, rho);
    out.errorPpm[g] = Math.sqrt(v);
    inflation[g] = Math.sqrt(v * W);
    out.kind[g] = table.kind[first]!;
    out.site[g] = table.site[first]!;
    out.dataset[g] = table.dataset[first]!;
    out.mode[g] = table.mode[first]!;
    out.altitudeM[g] = NaN;
    if (L > 0) {
      const c = out.column!;
      c.aprioriXco2Ppm[g] /= W;
      c.surfacePressureHPa[g] /= W;
      for (let j = 0; j < L; j++) {
        const h = (c.pressureWeight[g * L + j]! /= W);
        c.pressureHPa[g * L + j] /= W;
        const haj = ha[j]! / W;
        c.averagingKernel[g * L + j] = h !== 0 ? haj / h : 0;
        c.aprioriProfilePpm[g * L + j] = haj !== 0 ? hau[j]! / W / haj : 0;
      }
    }
  }
  return { table: out, memberPtr, memberRows, inflation };
}
