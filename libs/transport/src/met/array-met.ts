// Meteorology from gridded arrays (read from ERA-Interim/ERA5/GEOS-like NetCDF by the main
// thread and transferred to workers): surface pressure, u and v at cell centres on the model
// grid for a sequence of times, optionally Kz and convective entrainment/detrainment. Mass
// fluxes come from the winds interpolated to the faces; a pressure fixer then adds the
// smallest (least-squares, potential) correction so that the model's surface pressure follows
// the file's: the column mass change of every cell equals the observed tendency, with the
// global mean tendency removed so that total air mass is conserved.
import { GRAVITY, HybridLevels, LatLonGrid, TanhuiError } from '@tanhui/core';
import type { ConvectionFields } from '../builtin/mixing';
import { layerDp, type Meteorology } from './meteorology';

export interface ArrayMetData {
  lonEdgesDeg: Float64Array;
  latEdgesDeg: Float64Array;
  aHalfPa: Float64Array;
  bHalf: Float64Array;
  /** Record times [s since 1970 UTC], increasing. */
  timesSec: Float64Array;
  /** [time][lat][lon] Pa. */
  psPa: Float64Array;
  /** [time][level][lat][lon] m s⁻¹, level 0 at the surface (or the prepared fluxes below). */
  uMS?: Float64Array;
  vMS?: Float64Array;
  /**
   * Prepared mass fluxes [kg s⁻¹] (met/prep): [time][level][lat][lon] through east faces and
   * [time][level][lat+1][lon] through south faces; used instead of the winds when present.
   */
  amKgS?: Float64Array;
  bmKgS?: Float64Array;
  /** Optional [time][interface 1…nlev−1][lat][lon] m² s⁻¹. */
  kzM2S?: Float64Array;
  /** Optional convective fields [time][level][lat][lon] kg m⁻² s⁻¹. */
  entrainUp?: Float64Array;
  detrainUp?: Float64Array;
  entrainDown?: Float64Array;
  detrainDown?: Float64Array;
  /** Apply the pressure fixer (default true). */
  pressureFixer?: boolean;
}

/** Met given as winds (files on the model grid, `met.source: files`). */
export type WindMetData = ArrayMetData & Required<Pick<ArrayMetData, 'uMS' | 'vMS'>>;

const DEG = Math.PI / 180;

export class ArrayMeteorology implements Meteorology {
  readonly grid: LatLonGrid;
  readonly levels: HybridLevels;
  private readonly nt: number;
  private readonly ncol: number;
  private readonly ncell: number;

  constructor(readonly data: ArrayMetData) {
    this.grid = new LatLonGrid(data.lonEdgesDeg, data.latEdgesDeg);
    this.levels = new HybridLevels(data.aHalfPa, data.bHalf);
    if (this.levels.aHalfPa[0] !== data.aHalfPa[0] && data.aHalfPa.length > 1) {
      throw new TanhuiError('BadValue', 'meteorology arrays must be ordered surface first');
    }
    this.nt = data.timesSec.length;
    this.ncol = this.grid.size;
    this.ncell = this.ncol * this.levels.nlev;
    const expect = (name: string, a: Float64Array | undefined, n: number) => {
      if (a !== undefined && a.length !== n) {
        throw new TanhuiError('BadShape', `meteorology ${name} has ${a.length} values, expected ${n}`, { context: { variable: name } });
      }
    };
    if (this.nt < 1) throw new TanhuiError('EmptyInput', 'meteorology has no time records');
    for (let q = 1; q < this.nt; q++) {
      if (!(data.timesSec[q]! > data.timesSec[q - 1]!)) throw new TanhuiError('BadValue', 'meteorology times must increase', { context: { index: q } });
    }
    expect('ps', data.psPa, this.nt * this.ncol);
    expect('u', data.uMS, this.nt * this.ncell);
    expect('v', data.vMS, this.nt * this.ncell);
    expect('am', data.amKgS, this.nt * this.ncell);
    expect('bm', data.bmKgS, this.nt * this.levels.nlev * (this.grid.nlat + 1) * this.grid.nlon);
    if (!(data.amKgS && data.bmKgS) && !(data.uMS && data.vMS)) throw new TanhuiError('MissingVariable', 'meteorology needs winds (u, v) or prepared mass fluxes (am, bm)');
    expect('kz', data.kzM2S, this.nt * (this.levels.nlev - 1) * this.ncol);
    for (const name of ['entrainUp', 'detrainUp', 'entrainDown', 'detrainDown'] as const) expect(name, data[name], this.nt * this.ncell);
  }

  /** Record bracket and weight for time t (clamped at the ends). */
  private bracket(t: number): { i0: number; i1: number; w: number } {
    const T = this.data.timesSec;
    if (t <= T[0]!) return { i0: 0, i1: 0, w: 0 };
    if (t >= T[this.nt - 1]!) return { i0: this.nt - 1, i1: this.nt - 1, w: 0 };
    let lo = 0, hi = this.nt - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (T[mid]! <= t) lo = mid;
      else hi = mid;
    }
    return { i0: lo, i1: hi, w: (t - T[lo]!) / (T[hi]! - T[lo]!) };
  }

  private interp(a: Float64Array, size: number, t: number, out: Float64Array): Float64Array {
    const { i0, i1, w } = this.bracket(t);
    for (let q = 0; q < size; q++) out[q] = (1 - w) * a[i0 * size + q]! + w * a[i1 * size + q]!;
    return out;
  }

  surfacePressurePa(tSec: number): Float64Array {
    return this.interp(this.data.psPa, this.ncol, tSec, new Float64Array(this.ncol));
  }

  massFluxes(tSec: number, dt: number, ps: Float64Array, am: Float64Array, bm: Float64Array): void {
    const { grid, levels } = this;
    const { nlat, nlon } = grid;
    const nlev = levels.nlev;
    const tm = tSec + dt / 2;
    if (this.data.amKgS && this.data.bmKgS) {
      // Prepared fluxes, linear in time at the step's middle.
      const { i0, i1, w } = this.bracket(tm);
      const na = this.ncell, nb = nlev * (nlat + 1) * nlon;
      const A = this.data.amKgS, B = this.data.bmKgS;
      for (let q = 0; q < na; q++) am[q] += ((1 - w) * A[i0 * na + q]! + w * A[i1 * na + q]!) * dt;
      for (let q = 0; q < nb; q++) bm[q] += ((1 - w) * B[i0 * nb + q]! + w * B[i1 * nb + q]!) * dt;
    } else this.windFluxes(tm, dt, ps, am, bm);
    if (this.data.pressureFixer ?? true) {
      const target = this.surfacePressurePa(tSec + dt);
      pressureFixer(grid, levels, ps, target, am, bm);
    }
  }

  private windFluxes(tm: number, dt: number, ps: Float64Array, am: Float64Array, bm: Float64Array): void {
    const { grid, levels } = this;
    const { nlat, nlon } = grid;
    const nlev = levels.nlev;
    const R = grid.radiusM;
    const u = this.interp(this.data.uMS!, this.ncell, tm, new Float64Array(this.ncell));
    const v = this.interp(this.data.vMS!, this.ncell, tm, new Float64Array(this.ncell));
    for (let k = 0; k < nlev; k++) {
      for (let j = 0; j < nlat; j++) {
        const dphi = (grid.latEdgesDeg[j + 1]! - grid.latEdgesDeg[j]!) * DEG;
        for (let i = 0; i < nlon; i++) {
          const i2 = (i + 1) % nlon;
          const c = (k * nlat + j) * nlon;
          const uf = 0.5 * (u[c + i]! + u[c + i2]!);
          const dp = layerDp(levels, k, 0.5 * (ps[j * nlon + i]! + ps[j * nlon + i2]!));
          am[c + i] += ((uf * R * dphi * dp) / GRAVITY) * dt;
        }
      }
      for (let je = 1; je < nlat; je++) {
        const cl = Math.cos(grid.latEdgesDeg[je]! * DEG);
        for (let i = 0; i < nlon; i++) {
          const dl = (grid.lonEdgesDeg[i + 1]! - grid.lonEdgesDeg[i]!) * DEG;
          const vf = 0.5 * (v[(k * nlat + je - 1) * nlon + i]! + v[(k * nlat + je) * nlon + i]!);
          const dp = layerDp(levels, k, 0.5 * (ps[(je - 1) * nlon + i]! + ps[je * nlon + i]!));
          bm[(k * (nlat + 1) + je) * nlon + i] += ((vf * R * cl * dl * dp) / GRAVITY) * dt;
        }
      }
    }
  }

  verticalDiffusion(tSec: number, _ps: Float64Array, kz: Float64Array): boolean {
    if (!this.data.kzM2S) return false;
    this.interp(this.data.kzM2S, (this.levels.nlev - 1) * this.ncol, tSec, kz);
    return true;
  }

  convection(tSec: number, _ps: Float64Array, out: ConvectionFields): boolean {
    const d = this.data;
    if (!d.entrainUp || !d.detrainUp) return false;
    this.interp(d.entrainUp, this.ncell, tSec, out.entrainUp);
    this.interp(d.detrainUp, this.ncell, tSec, out.detrainUp);
    if (d.entrainDown) this.interp(d.entrainDown, this.ncell, tSec, out.entrainDown);
    if (d.detrainDown) this.interp(d.detrainDown, this.ncell, tSec, out.detrainDown);
    return true;
  }
}

/**
 * Correct am, bm so that every column's mass change equals the target tendency
 * (psTarget − ps)·A/g minus its global mean. The correction is the gradient of a potential χ
 * (graph Laplacian on the lat-lon cells, solved by conjugate gradients), spread over the
 * layers in proportion to their air mass.
 */
export function pressureFixer(grid: LatLonGrid, levels: HybridLevels, ps: Float64Array, psTarget: Float64Array, am: Float64Array, bm: Float64Array): void {
  const ncol = grid.nlat * grid.nlon;
  const want = new Float64Array(ncol);
  for (let c = 0; c < ncol; c++) want[c] = ((psTarget[c]! - ps[c]!) * grid.cellAreaM2[c]!) / GRAVITY;
  balanceColumns(grid, levels, ps, want, am, bm);
}

/**
 * The fixer with the wanted column mass changes given directly [kg, or kg s⁻¹ with fluxes in
 * kg s⁻¹]: am, bm corrected so that every column's convergence equals want minus its global
 * mean (spread by area). ps [Pa] splits the correction over the layers.
 */
export function balanceColumns(grid: LatLonGrid, levels: HybridLevels, ps: Float64Array, wantIn: Float64Array, am: Float64Array, bm: Float64Array): void {
  const { nlat, nlon } = grid;
  const ncol = nlat * nlon;
  const nlev = levels.nlev;
  const conv = columnConvergence(grid, nlev, am, bm);
  const want = Float64Array.from(wantIn);
  let mean = 0, area = 0;
  for (let c = 0; c < ncol; c++) {
    mean += want[c]!;
    area += grid.cellAreaM2[c]!;
  }
  // Remove the global mean tendency (distributed by area): total air mass is conserved.
  for (let c = 0; c < ncol; c++) want[c] = want[c]! - (mean * grid.cellAreaM2[c]!) / area;
  const rhs = new Float64Array(ncol);
  let rmean = 0;
  for (let c = 0; c < ncol; c++) {
    rhs[c] = want[c]! - conv[c]!;
    rmean += rhs[c]!;
  }
  for (let c = 0; c < ncol; c++) rhs[c] = rhs[c]! - rmean / ncol;
  // The correction flux from c to a neighbour n is χ_n − χ_c, so its convergence in c is −(Lχ)_c
  // with (Lχ)_c = Σ_n (χ_n − χ_c): solve −L χ = rhs.
  const chi = cgLaplacian(nlat, nlon, rhs);
  // Correction flux through each face, split over layers ∝ layer thickness at the face.
  for (let j = 0; j < nlat; j++) {
    for (let i = 0; i < nlon; i++) {
      const c = j * nlon + i;
      const e = j * nlon + ((i + 1) % nlon);
      const Fx = -(chi[c]! - chi[e]!);
      const pf = 0.5 * (ps[c]! + ps[e]!);
      const tot = levels.aHalfPa[0]! - levels.aHalfPa[nlev]! + (levels.bHalf[0]! - levels.bHalf[nlev]!) * pf;
      for (let k = 0; k < nlev; k++) am[(k * nlat + j) * nlon + i] += (Fx * layerDp(levels, k, pf)) / tot;
    }
  }
  for (let je = 1; je < nlat; je++) {
    for (let i = 0; i < nlon; i++) {
      const s = (je - 1) * nlon + i;
      const n = je * nlon + i;
      const Fy = -(chi[s]! - chi[n]!);
      const pf = 0.5 * (ps[s]! + ps[n]!);
      const tot = levels.aHalfPa[0]! - levels.aHalfPa[nlev]! + (levels.bHalf[0]! - levels.bHalf[nlev]!) * pf;
      for (let k = 0; k < nlev; k++) bm[(k * (nlat + 1) + je) * nlon + i] += (Fy * layerDp(levels, k, pf)) / tot;
    }
  }
}

function applyLaplacian(nlat: number, nlon: number, x: Float64Array, out: Float64Array): void {
  for (let j = 0; j < nlat; j++) {
    for (let i = 0; i < nlon; i++) {
      const c = j * nlon + i;
      const xc = x[c]!;
      let s = x[j * nlon + ((i + 1) % nlon)]! - xc + x[j * nlon + ((i + nlon - 1) % nlon)]! - xc;
      if (j > 0) s += x[c - nlon]! - xc;
      if (j < nlat - 1) s += x[c + nlon]! - xc;
      out[c] = s;
    }
  }
}

/** Solve −L x = rhs by conjugate gradients (−L is symmetric positive semi-definite; rhs has zero mean). */
function cgLaplacian(nlat: number, nlon: number, rhs: Float64Array): Float64Array {
  const n = nlat * nlon;
  const x = new Float64Array(n);
  const r = new Float64Array(n);
  const p = new Float64Array(n);
  const Ap = new Float64Array(n);
  let rr = 0;
  for (let c = 0; c < n; c++) {
    r[c] = rhs[c]!;
    p[c] = r[c]!;
    rr += r[c]! * r[c]!;
  }
  const tol = 1e-24 * Math.max(rr, 1e-300);
  for (let it = 0; it < 4 * n && rr > tol; it++) {
    applyLaplacian(nlat, nlon, p, Ap);
    let pAp = 0;
    for (let c = 0; c < n; c++) {
      Ap[c] = -Ap[c]!;
      pAp += p[c]! * Ap[c]!;
    }
    if (!(pAp > 0)) break;
    const alpha = rr / pAp;
    let rrNew = 0;
    for (let c = 0; c < n; c++) {
      x[c] += alpha * p[c]!;
      r[c] -= alpha * Ap[c]!;
      rrNew += r[c]! * r[c]!;
    }
    const beta = rrNew / rr;
    rr = rrNew;
    for (let c = 0; c < n; c++) p[c] = r[c]! + beta * p[c]!;
  }
  return x;
}

/** Column mass convergence [flux units] of face fluxes am [lev][lat][lon], bm [lev][lat+1][lon]. */
export function columnConvergence(grid: LatLonGrid, nlev: number, am: Float64Array, bm: Float64Array): Float64Array {
  const { nlat, nlon } = grid;
  const conv = new Float64Array(nlat * nlon);
  for (let k = 0; k < nlev; k++) {
    for (let j = 0; j < nlat; j++) {
      for (let i = 0; i < nlon; i++) {
        const iw = i === 0 ? nlon - 1 : i - 1;
        conv[j * nlon + i] += am[(k * nlat + j) * nlon + iw]! - am[(k * nlat + j) * nlon + i]! + bm[(k * (nlat + 1) + j) * nlon + i]! - bm[(k * (nlat + 1) + j + 1) * nlon + i]!;
      }
    }
  }
  return conv;
}
