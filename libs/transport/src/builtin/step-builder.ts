// Per-step preparation of everything that depends on the air only (never on the tracers):
// horizontal mass fluxes from the meteorology, vertical fluxes from continuity with the
// hybrid `b` coefficients, the sequence of air masses through the split sweeps x y z z y x,
// the number of advection sub-steps needed for |α| < 1 in y and z (TM5's time-step
// reduction), per-row sub-steps in x, and the implicit mixing operators. Built once per step
// and shared by all K tracers; rebuilt identically by the adjoint.
import { GRAVITY, M_AIR, TanhuiError, type HybridLevels, type LatLonGrid } from '@tanhui/core';
import type { Meteorology } from '../met/meteorology';
import { allocSweepCoefficients, type SweepCoefficients } from './advection';
import { buildConvection, buildDiffusion, type ConvectionFields, type ConvectionOperator, type DiffusionOperator } from './mixing';
import { allocXSweepPlan, buildXSweep, reducedGridClusters, type XSweepPlan } from './xsweep';

export type Sweep = { kind: 'x'; plan: XSweepPlan } | { kind: 'y' | 'z'; co: SweepCoefficients };

export interface BuiltinOptions {
  /** Model time step [s]. */
  stepSeconds: number;
  /** Reduced grid: merged polar cells at least this fraction of an equatorial cell wide (0 = off). */
  reducedGridMinWidth: number;
  /** Largest allowed Courant number |F|/m per (sub-)sweep (< 1). */
  cflMax: number;
  diffusion: boolean;
  convection: boolean;
  /** Apply TM5's optional slope limiter |rxm| ≤ rm (makes the model non-linear). Off by default. */
  limiter: boolean;
  /**
   * Operator splitting of one advection step: TM5's 'xyzzyx' (default; six half-step sweeps) or
   * 'xyzyx' (the two vertical half steps merged into one full step: one sweep fewer, ~15 % faster).
   */
  splitting: 'xyzzyx' | 'xyzyx';
  /**
   * Run each forward step in cache-sized pieces (x/y sweeps level by level, z sweeps and mixing
   * by blocks of columns): bit-identical to the plain order, fewer passes over memory. On by
   * default; off only to compare. Ignored with the limiter.
   */
  fusedStep: boolean;
}

export interface StepOperators {
  nAdv: number;
  sweeps: Sweep[];
  mStart: Float64Array;
  mEnd: Float64Array;
  psEnd: Float64Array;
  diffusion: DiffusionOperator | null;
  convection: ConvectionOperator | null;
  /** dt·A·M_air per surface cell: Δrm per unit flux [kg air per (mol m⁻² s⁻¹)]. */
  injectFactor: Float64Array;
}

/** Air mass [kg] per cell of every layer from surface pressure, layout [level][lat][lon]. */
export function airMassFromPs(grid: LatLonGrid, levels: HybridLevels, ps: Float64Array, out: Float64Array): Float64Array {
  const ncol = grid.nlat * grid.nlon;
  for (let k = 0; k < levels.nlev; k++) {
    const da = levels.aHalfPa[k]! - levels.aHalfPa[k + 1]!;
    const db = levels.bHalf[k]! - levels.bHalf[k + 1]!;
    for (let col = 0; col < ncol; col++) out[k * ncol + col] = ((da + db * ps[col]!) * grid.cellAreaM2[col]!) / GRAVITY;
  }
  return out;
}

/**
 * Per-layer horizontal convergence [kg] of am, bm, the column total D, and the vertical flux cm
 * [kg, upward through the top of layer k at index k+1] so that every layer's mass changes by
 * (b_k − b_{k+1})·D, i.e. stays a + b·ps consistent. Returns ps at the end of the step.
 */
export function continuity(
  grid: LatLonGrid, levels: HybridLevels, am: Float64Array, bm: Float64Array,
  ps: Float64Array, cm: Float64Array | null, psEnd: Float64Array, div: Float64Array,
): void {
  const { nlat, nlon } = grid;
  const ncol = nlat * nlon;
  const nlev = levels.nlev;
  const D = psEnd; // reuse as the column sum, converted at the end
  D.fill(0);
  for (let k = 0; k < nlev; k++) {
    for (let j = 0; j < nlat; j++) {
      for (let i = 0; i < nlon; i++) {
        const col = j * nlon + i;
        const iw = i === 0 ? nlon - 1 : i - 1;
        const v =
          am[(k * nlat + j) * nlon + iw]! - am[(k * nlat + j) * nlon + i]! +
          bm[(k * (nlat + 1) + j) * nlon + i]! - bm[(k * (nlat + 1) + j + 1) * nlon + i]!;
        div[k * ncol + col] = v;
        D[col] += v;
      }
    }
  }
  if (cm) {
    for (let col = 0; col < ncol; col++) {
      cm[col] = 0;
      let c = 0;
      for (let k = 0; k < nlev; k++) {
        c += div[k * ncol + col]! - (levels.bHalf[k]! - levels.bHalf[k + 1]!) * D[col]!;
        cm[(k + 1) * ncol + col] = k === nlev - 1 ? 0 : c;
      }
    }
  }
  for (let col = 0; col < ncol; col++) psEnd[col] = ps[col]! + (D[col]! * GRAVITY) / grid.cellAreaM2[col]!;
}

export class StepBuilder {
  readonly ncol: number;
  readonly ncell: number;
  readonly cluster: Int32Array;
  private readonly am: Float64Array;
  private readonly bm: Float64Array;
  private readonly cm: Float64Array;
  private readonly div: Float64Array;
  private readonly amS: Float64Array;
  private readonly bmS: Float64Array;
  private readonly cmS: Float64Array;
  private readonly cmFull: Float64Array;
  private readonly m: Float64Array;
  private readonly scratchM: Float64Array;
  private readonly kz: Float64Array;
  private readonly conv: ConvectionFields;
  private readonly xPlans: XSweepPlan[] = [];
  private readonly yCo: SweepCoefficients[] = [];
  private readonly zCo: SweepCoefficients[] = [];
  private diffusionOp: DiffusionOperator | null = null;
  private convectionOp: ConvectionOperator | null = null;
  readonly ops: StepOperators;

  constructor(readonly met: Meteorology, readonly options: BuiltinOptions) {
    const { grid, levels } = met;
    const { nlat, nlon } = grid;
    const nlev = levels.nlev;
    this.ncol = nlat * nlon;
    this.ncell = nlev * this.ncol;
    this.cluster = reducedGridClusters(grid.latCentersDeg, grid.nlon, options.reducedGridMinWidth);
    this.am = new Float64Array(this.ncell);
    this.bm = new Float64Array(nlev * (nlat + 1) * nlon);
    this.cm = new Float64Array((nlev + 1) * this.ncol);
    this.div = new Float64Array(this.ncell);
    this.amS = new Float64Array(this.ncell);
    this.bmS = new Float64Array(this.bm.length);
    this.cmS = new Float64Array(this.cm.length);
    this.cmFull = new Float64Array(this.cm.length);
    this.m = new Float64Array(this.ncell);
    this.scratchM = new Float64Array(6 * nlon + 4);
    this.kz = new Float64Array(Math.max(1, (nlev - 1) * this.ncol));
    this.conv = {
      entrainUp: new Float64Array(this.ncell),
      detrainUp: new Float64Array(this.ncell),
      entrainDown: new Float64Array(this.ncell),
      detrainDown: new Float64Array(this.ncell),
    };
    const injectFactor = new Float64Array(this.ncol);
    for (let col = 0; col < this.ncol; col++) injectFactor[col] = options.stepSeconds * grid.cellAreaM2[col]! * M_AIR;
    this.ops = {
      nAdv: 1,
      sweeps: [],
      mStart: new Float64Array(this.ncell),
      mEnd: new Float64Array(this.ncell),
      psEnd: new Float64Array(this.ncol),
      diffusion: null,
      convection: null,
      injectFactor,
    };
  }

  /** Surface pressure at the end of a step that starts at tSec with psStart (met only). */
  psAfterStep(tSec: number, psStart: Float64Array, psEnd: Float64Array): void {
    const { grid, levels } = this.met;
    if (this.met.constantSurfacePressure) {
      psEnd.set(psStart);
      return;
    }
    this.am.fill(0);
    this.bm.fill(0);
    this.met.massFluxes(tSec, this.options.stepSeconds, psStart, this.am, this.bm);
    continuity(grid, levels, this.am, this.bm, psStart, null, psEnd, this.div);
  }

  build(tSec: number, psStart: Float64Array): StepOperators {
    const { grid, levels } = this.met;
    const dt = this.options.stepSeconds;
    const ops = this.ops;
    this.am.fill(0);
    this.bm.fill(0);
    this.met.massFluxes(tSec, dt, psStart, this.am, this.bm);
    checkPoles(grid, levels.nlev, this.bm);
    continuity(grid, levels, this.am, this.bm, psStart, this.cm, ops.psEnd, this.div);
    airMassFromPs(grid, levels, psStart, ops.mStart);
    let nAdv = 1;
    for (;;) {
      if (this.tryAdvection(nAdv)) break;
      nAdv *= 2;
      if (nAdv > 256) {
        throw new TanhuiError('BadValue', 'CFL cannot be met with 256 advection sub-steps', {
          hint: 'check the mass fluxes or reduce the time step',
        });
      }
    }
    ops.nAdv = nAdv;
    ops.mEnd.set(this.m);
    ops.diffusion = null;
    ops.convection = null;
    if (this.options.diffusion && this.met.verticalDiffusion && levels.nlev > 1) {
      if (this.met.verticalDiffusion(tSec, ops.psEnd, this.kz)) {
        this.diffusionOp = buildDiffusion(this.diffusionOp, levels.nlev, this.ncol, levels.aHalfPa, levels.bHalf, ops.psEnd, grid.cellAreaM2, this.kz, ops.mEnd, dt);
        ops.diffusion = this.diffusionOp;
      }
    }
    if (this.options.convection && this.met.convection && levels.nlev > 1) {
      const c = this.conv;
      c.entrainUp.fill(0);
      c.detrainUp.fill(0);
      c.entrainDown.fill(0);
      c.detrainDown.fill(0);
      if (this.met.convection(tSec, ops.psEnd, c)) {
        this.convectionOp = buildConvection(this.convectionOp, levels.nlev, this.ncol, grid.cellAreaM2, c, ops.mEnd, dt);
        ops.convection = this.convectionOp;
      }
    }
    return ops;
  }

  private tryAdvection(nAdv: number): boolean {
    const { grid, levels } = this.met;
    const { nlat, nlon } = grid;
    const nlev = levels.nlev;
    const s = 1 / (2 * nAdv);
    for (let q = 0; q < this.am.length; q++) this.amS[q] = this.am[q]! * s;
    for (let q = 0; q < this.bm.length; q++) this.bmS[q] = this.bm[q]! * s;
    for (let q = 0; q < this.cm.length; q++) this.cmS[q] = this.cm[q]! * s;
    this.m.set(this.ops.mStart);
    const sweeps: Sweep[] = [];
    let nx = 0, ny = 0, nz = 0;
    const cfl = this.options.cflMax;
    const order = this.options.splitting === 'xyzyx' ? (['x', 'y', 'Z', 'y', 'x'] as const) : (['x', 'y', 'z', 'z', 'y', 'x'] as const);
    if (this.options.splitting === 'xyzyx') for (let q = 0; q < this.cm.length; q++) this.cmFull[q] = this.cm[q]! * 2 * s;
    for (let a = 0; a < nAdv; a++) {
      for (const dir of order) {
        if (dir === 'x') {
          let plan = this.xPlans[nx];
          if (!plan) this.xPlans.push((plan = allocXSweepPlan(nlev, nlat, nlon, this.cluster)));
          nx++;
          if (!buildXSweep(plan, this.m, this.amS, cfl, this.scratchM)) return false;
          sweeps.push({ kind: 'x', plan });
        } else if (dir === 'y') {
          let co = this.yCo[ny];
          if (!co) this.yCo.push((co = allocSweepCoefficients(nlev * (nlat - 1) * nlon, this.ncell)));
          ny++;
          if (!buildLine(co, this.m, nlev, nlat, nlon, this.bmS, cfl)) return false;
          sweeps.push({ kind: 'y', co });
        } else {
          let co = this.zCo[nz];
          if (!co) this.zCo.push((co = allocSweepCoefficients((nlev - 1) * this.ncol || 1, this.ncell)));
          nz++;
          if (!buildLine(co, this.m, 1, nlev, this.ncol, dir === 'Z' ? this.cmFull : this.cmS, cfl)) return false;
          sweeps.push({ kind: 'z', co });
        }
      }
    }
    this.ops.sweeps = sweeps;
    return true;
  }
}

/**
 * Coefficients of a non-periodic sweep over lines [outer][n][B]; the flux through the face
 * before along-index a (a = 0 … n; 0 and n are the closed ends) is flux[(o·(n+1) + a)·B + b].
 * Updates m to the air mass after the sweep. Returns false when some |α| ≥ cflMax.
 */
function buildLine(co: SweepCoefficients, m: Float64Array, outer: number, n: number, B: number, flux: Float64Array, cflMax: number): boolean {
  const { alpha, beta, gamma, flux: fl, a1, a2, cL, cR, invM } = co;
  for (let o = 0; o < outer; o++) {
    for (let a = 0; a + 1 < n; a++) {
      const fb = (o * (n + 1) + a + 1) * B;
      const cb = (o * n + a) * B;
      const ob = (o * (n - 1) + a) * B;
      for (let b = 0; b < B; b++) {
        const F = flux[fb + b]!;
        const mUp = F >= 0 ? m[cb + b]! : m[cb + B + b]!;
        if (!(Math.abs(F) < cflMax * mUp)) return false;
        const al = F / mUp;
        const fi = ob + b;
        alpha[fi] = al;
        beta[fi] = F >= 0 ? al * (1 - al) : -al * (1 + al);
        gamma[fi] = F * al * al;
        fl[fi] = F;
      }
    }
  }
  for (let o = 0; o < outer; o++) {
    for (let a = 0; a < n; a++) {
      const fbL = (o * (n + 1) + a) * B;
      const cb = (o * n + a) * B;
      for (let b = 0; b < B; b++) {
        const FL = a === 0 ? 0 : flux[fbL + b]!;
        const FR = a === n - 1 ? 0 : flux[fbL + B + b]!;
        const c = cb + b;
        const mOld = m[c]!;
        const mNew = mOld + FL - FR;
        if (!(mNew > 0)) return false;
        const inv = 1 / mNew;
        const q2 = 3 * (FL + FR) * inv;
        const q3 = 3 * mOld * inv;
        a1[c] = 1 - (FL - FR) * inv;
        a2[c] = q2;
        cL[c] = q2 - q3;
        cR[c] = q2 + q3;
        invM[c] = inv;
        m[c] = mNew;
      }
    }
  }
  return true;
}

function checkPoles(grid: LatLonGrid, nlev: number, bm: Float64Array): void {
  const { nlat, nlon } = grid;
  for (let k = 0; k < nlev; k++) {
    for (let i = 0; i < nlon; i++) {
      if (bm[(k * (nlat + 1)) * nlon + i] !== 0 || bm[(k * (nlat + 1) + nlat) * nlon + i] !== 0) {
        throw new TanhuiError('BadValue', 'meridional mass flux through a pole must be zero', { context: { index: [k, i] } });
      }
    }
  }
}
