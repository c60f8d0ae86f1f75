// Russell–Lerner slopes advection (TM5 `advectx/advecty/advectz`): per cell the tracer mass rm
// and its first moments along x, y and z (rxm, rym, rzm), moved with air-mass fluxes. All
// coefficients that depend only on the air (α = F/m, the moment-update factors) are computed
// once per sweep by the step builder and shared by every tracer; the kernels below loop over
// the tracer index innermost on flat Float64Arrays and never allocate.
//
// One face with air-mass flux F [kg] and upwind cell u (air mass m_u), α = F/m_u:
//   f  = α·rm_u + β·sa_u          β = α(1−α) if F ≥ 0, −α(1+α) if F < 0
//   pf = γ·sa_u − 3F·f            γ = F·α²
//   fc = α·sc_u                   (cross moments are carried upwind)
// One cell with left/right faces L, R, old air mass m and new air mass m' = m + F_L − F_R:
//   rm' = rm + f_L − f_R
//   sa' = a1·sa + a2·rm + (pf_L − pf_R)/m' + cL·f_L − cR·f_R
//   with a1 = 1 − (F_L − F_R)/m', a2 = 3(F_L + F_R)/m', cL = a2 − 3m/m', cR = a2 + 3m/m'.
// This is TM5's update (rm first, then rxm from the new rm and the old m) written as a linear
// map; the adjoint kernels are its exact transpose.

/** Per-sweep coefficients; faces and cells each indexed as documented by the sweep type. */
export interface SweepCoefficients {
  /** Face arrays. */
  alpha: Float64Array;
  beta: Float64Array;
  gamma: Float64Array;
  flux: Float64Array;
  /** Cell arrays. */
  a1: Float64Array;
  a2: Float64Array;
  cL: Float64Array;
  cR: Float64Array;
  invM: Float64Array;
}

export function allocSweepCoefficients(nFaces: number, nCells: number): SweepCoefficients {
  return {
    alpha: new Float64Array(nFaces),
    beta: new Float64Array(nFaces),
    gamma: new Float64Array(nFaces),
    flux: new Float64Array(nFaces),
    a1: new Float64Array(nCells),
    a2: new Float64Array(nCells),
    cL: new Float64Array(nCells),
    cR: new Float64Array(nCells),
    invM: new Float64Array(nCells),
  };
}

/** Fill face coefficients for flux F with upwind air mass mUp. */
export function setFace(c: SweepCoefficients, fi: number, F: number, mUp: number): void {
  const al = F / mUp;
  c.alpha[fi] = al;
  c.beta[fi] = F >= 0 ? al * (1 - al) : -al * (1 + al);
  c.gamma[fi] = F * al * al;
  c.flux[fi] = F;
}

/** Fill cell coefficients from the fluxes of the left and right faces and the old air mass. */
export function setCell(c: SweepCoefficients, ci: number, FL: number, FR: number, m: number): number {
  const mNew = m + FL - FR;
  const inv = 1 / mNew;
  const a2 = 3 * (FL + FR) * inv;
  const a3 = 3 * m * inv;
  c.a1[ci] = 1 - (FL - FR) * inv;
  c.a2[ci] = a2;
  c.cL[ci] = a2 - a3;
  c.cR[ci] = a2 + a3;
  c.invM[ci] = inv;
  return mNew;
}

const LINE_BLOCK = 64;

/** Scratch buffers for the face quantities of a sweep (sized for the largest block × K). */
export class SweepScratch {
  f0: Float64Array;
  p0: Float64Array;
  y0: Float64Array;
  z0: Float64Array;
  f1: Float64Array;
  p1: Float64Array;
  y1: Float64Array;
  z1: Float64Array;
  /** Face quantities (f, p, y, z) interleaved per tracer, for the forward line sweep. */
  face: Float64Array;
  fw: Float64Array;
  pw: Float64Array;
  yw: Float64Array;
  zw: Float64Array;
  constructor(blockK: number, rowK: number) {
    const n = Math.max(blockK, rowK);
    this.f0 = new Float64Array(n);
    this.p0 = new Float64Array(n);
    this.y0 = new Float64Array(n);
    this.z0 = new Float64Array(n);
    this.f1 = new Float64Array(n);
    this.p1 = new Float64Array(n);
    this.y1 = new Float64Array(n);
    this.z1 = new Float64Array(n);
    this.face = new Float64Array(4 * n);
    this.fw = new Float64Array(rowK);
    this.pw = new Float64Array(rowK);
    this.yw = new Float64Array(rowK);
    this.zw = new Float64Array(rowK);
  }
}

/**
 * A non-periodic sweep over lines laid out as [outer][along n][inner B] cells, K tracers per
 * cell; faces between along-neighbours: [outer][n−1][B]; no flux through the line ends.
 * y sweep: outer = levels, n = nlat, B = nlon. z sweep: outer = 1, n = nlev, B = nlat·nlon.
 * Face and cell work are fused: the flux through a cell's upper face is computed from the old
 * upwind values, used for the cell, and kept in a buffer as the next cell's lower face.
 * Lines are independent, so any range of them gives the same values as the whole sweep.
 */
export function lineSweepForward(
  co: SweepCoefficients,
  outer: number,
  n: number,
  B: number,
  K: number,
  rm: Float64Array,
  sa: Float64Array,
  s1: Float64Array,
  s2: Float64Array,
  w: SweepScratch,
  oStart = 0,
  oEnd = outer,
  bStart = 0,
  bEnd = B,
): void {
  const BK = B * K;
  const { alpha, beta, gamma, flux, a1, a2, cL, cR, invM } = co;
  const fb = w.face;
  // Lines are processed in blocks of LINE_BLOCK so that the face buffers stay in cache; the
  // optional ranges (outer oStart…oEnd−1, inner bStart…bEnd−1) let a fused step run one level
  // or one block of columns through several operators while it is in cache.
  for (let o = oStart; o < oEnd; o++) for (let b0 = bStart; b0 < bEnd; b0 += LINE_BLOCK) {
    const b1 = Math.min(bEnd, b0 + LINE_BLOCK);
    const nbK = (b1 - b0) * K;
    fb.fill(0, 0, 4 * nbK);
    for (let a = 0; a < n; a++) {
      const cellBase = (o * n + a) * B;
      const faceBase = (o * (n - 1) + a) * B;
      const hasR = a < n - 1;
      for (let b = b0; b < b1; b++) {
        const ci = cellBase + b;
        const c1 = a1[ci]!, c2 = a2[ci]!, cl = cL[ci]!, cr = cR[ci]!, inv = invM[ci]!;
        const e = ci * K;
        const end = e + K;
        const bk = 4 * (b - b0) * K;
        if (hasR) {
          const fi = faceBase + b;
          const al = alpha[fi]!, be = beta[fi]!, ga = gamma[fi]!, F3 = 3 * flux[fi]!;
          // One induction variable for the state (q) and one for the interleaved face buffer
          // (v: f, p, y, z of one tracer), the along-sweep moment first: fewer live values.
          if (al >= 0) {
            for (let q = e, v = bk; q < end; q++, v += 4) {
              const r0 = rm[q]!, x0 = sa[q]!;
              const fr = al * r0 + be * x0;
              const pr = ga * x0 - F3 * fr;
              const fl = fb[v]!;
              rm[q] = r0 + fl - fr;
              sa[q] = c1 * x0 + c2 * r0 + (fb[v + 1]! - pr) * inv + cl * fl - cr * fr;
              fb[v] = fr;
              fb[v + 1] = pr;
              const y0 = s1[q]!, yr = al * y0;
              s1[q] = y0 + fb[v + 2]! - yr;
              fb[v + 2] = yr;
              const z0 = s2[q]!, zr = al * z0;
              s2[q] = z0 + fb[v + 3]! - zr;
              fb[v + 3] = zr;
            }
          } else {
            for (let q = e, u = e + BK, v = bk; q < end; q++, u++, v += 4) {
              const xu = sa[u]!;
              const fr = al * rm[u]! + be * xu;
              const pr = ga * xu - F3 * fr;
              const r0 = rm[q]!;
              const fl = fb[v]!;
              rm[q] = r0 + fl - fr;
              sa[q] = c1 * sa[q]! + c2 * r0 + (fb[v + 1]! - pr) * inv + cl * fl - cr * fr;
              fb[v] = fr;
              fb[v + 1] = pr;
              const yr = al * s1[u]!;
              s1[q] = s1[q]! + fb[v + 2]! - yr;
              fb[v + 2] = yr;
              const zr = al * s2[u]!;
              s2[q] = s2[q]! + fb[v + 3]! - zr;
              fb[v + 3] = zr;
            }
          }
        } else {
          for (let q = e, v = bk; q < end; q++, v += 4) {
            const r0 = rm[q]!;
            const fl = fb[v]!;
            rm[q] = r0 + fl;
            sa[q] = c1 * sa[q]! + c2 * r0 + fb[v + 1]! * inv + cl * fl;
            s1[q] = s1[q]! + fb[v + 2]!;
            s2[q] = s2[q]! + fb[v + 3]!;
          }
        }
      }
    }
  }
}

/** Exact transpose of lineSweepForward, in place on the adjoint variables. */
export function lineSweepAdjoint(
  co: SweepCoefficients,
  outer: number,
  n: number,
  B: number,
  K: number,
  rm: Float64Array,
  sa: Float64Array,
  s1: Float64Array,
  s2: Float64Array,
  w: SweepScratch,
): void {
  const { alpha, beta, gamma, flux, a1, a2, cL, cR, invM } = co;
  const fb = w.face;
  // Lines are processed in blocks of LINE_BLOCK so that the face buffers stay in cache.
  for (let o = 0; o < outer; o++) for (let b0 = 0; b0 < B; b0 += LINE_BLOCK) {
    const b1 = Math.min(B, b0 + LINE_BLOCK);
    const nbK = (b1 - b0) * K;
    fb.fill(0, 0, 4 * nbK);
    for (let a = 0; a < n; a++) {
      const cellBase = (o * n + a) * B;
      const faceBase = (o * (n - 1) + a) * B;
      const hasL = a > 0;
      const hasR = a < n - 1;
      for (let b = b0; b < b1; b++) {
        const ci = cellBase + b;
        let alL = 0, beL = 0, gaL = 0, alR = 0, beR = 0, gaR = 0;
        if (hasL) {
          const fi = faceBase - B + b;
          if (alpha[fi]! < 0) {
            alL = alpha[fi]!;
            beL = beta[fi]!;
            gaL = gamma[fi]!;
          }
        }
        const c1 = a1[ci]!, c2 = a2[ci]!;
        const e = ci * K, bk = 4 * (b - b0) * K;
        if (hasR) {
          const fi = faceBase + b;
          if (alpha[fi]! >= 0) {
            alR = alpha[fi]!;
            beR = beta[fi]!;
            gaR = gamma[fi]!;
          }
          const cn = ci + B;
          const inv0 = invM[ci]!, inv1 = invM[cn]!, cr0 = cR[ci]!, cl1 = cL[cn]!;
          const F3 = 3 * flux[fi]!;
          const end = e + K;
          // One induction variable per array family: q (this cell), u (the next), v (buffers).
          for (let q = e, u = cn * K, v = bk; q < end; q++, u++, v += 4) {
            const x0 = sa[q]!, x1 = sa[u]!;
            const r0 = rm[q]!;
            const P = x1 * inv1 - x0 * inv0;
            const FR = rm[u]! + cl1 * x1 - r0 - cr0 * x0 - F3 * P;
            const FL = fb[v]!;
            rm[q] = r0 + c2 * x0 + alL * FL + alR * FR;
            sa[q] = c1 * x0 + beL * FL + gaL * fb[v + 1]! + beR * FR + gaR * P;
            fb[v] = FR;
            fb[v + 1] = P;
            const y0 = s1[q]!, YR = s1[u]! - y0;
            s1[q] = y0 + alL * fb[v + 2]! + alR * YR;
            fb[v + 2] = YR;
            const z0 = s2[q]!, ZR = s2[u]! - z0;
            s2[q] = z0 + alL * fb[v + 3]! + alR * ZR;
            fb[v + 3] = ZR;
          }
        } else {
          for (let q = e, end = e + K, v = bk; q < end; q++, v += 4) {
            const x0 = sa[q]!;
            const FL = fb[v]!;
            rm[q] = rm[q]! + c2 * x0 + alL * FL;
            sa[q] = c1 * x0 + beL * FL + gaL * fb[v + 1]!;
            s1[q] = s1[q]! + alL * fb[v + 2]!;
            s2[q] = s2[q]! + alL * fb[v + 3]!;
          }
        }
      }
    }
  }
}

/**
 * One periodic row of n cells (contiguous, cell a at element base + a·K), faces indexed by
 * their western cell (face a between cells a and a+1, face n−1 wraps to cell 0); coefficient
 * arrays start at `off` (faces and cells alike). Fused like lineSweepForward; the wrapping face
 * is computed first from the old values.
 */
export function periodicRowForward(
  co: SweepCoefficients,
  off: number,
  n: number,
  K: number,
  base: number,
  rm: Float64Array,
  sa: Float64Array,
  s1: Float64Array,
  s2: Float64Array,
  w: SweepScratch,
): void {
  const { alpha, beta, gamma, flux, a1, a2, cL, cR, invM } = co;
  const fb = w.face;
  const fw = w.fw, pw = w.pw, yw = w.yw, zw = w.zw;
  {
    const fi = off + n - 1;
    const al = alpha[fi]!, be = beta[fi]!, ga = gamma[fi]!, F3 = 3 * flux[fi]!;
    const u = base + (al >= 0 ? (n - 1) * K : 0);
    for (let t = 0; t < K; t++) {
      const x = sa[u + t]!;
      const ff = al * rm[u + t]! + be * x;
      fw[t] = ff;
      pw[t] = ga * x - F3 * ff;
      yw[t] = al * s1[u + t]!;
      zw[t] = al * s2[u + t]!;
      fb[4 * t] = ff;
      fb[4 * t + 1] = pw[t]!;
      fb[4 * t + 2] = yw[t]!;
      fb[4 * t + 3] = zw[t]!;
    }
  }
  for (let a = 0; a < n - 1; a++) {
    const ci = off + a;
    const c1 = a1[ci]!, c2 = a2[ci]!, cl = cL[ci]!, cr = cR[ci]!, inv = invM[ci]!;
    const al = alpha[ci]!, be = beta[ci]!, ga = gamma[ci]!, F3 = 3 * flux[ci]!;
    const e = base + a * K;
    const end = e + K;
    if (al >= 0) {
      // Outflow through the east face comes from this cell: load its values once. One
      // induction variable for the state (q) and one for the interleaved face buffer (v).
      for (let q = e, v = 0; q < end; q++, v += 4) {
        const r0 = rm[q]!, x0 = sa[q]!;
        const fr = al * r0 + be * x0;
        const pr = ga * x0 - F3 * fr;
        const fl = fb[v]!;
        rm[q] = r0 + fl - fr;
        sa[q] = c1 * x0 + c2 * r0 + (fb[v + 1]! - pr) * inv + cl * fl - cr * fr;
        fb[v] = fr;
        fb[v + 1] = pr;
        const y0 = s1[q]!, yr = al * y0;
        s1[q] = y0 + fb[v + 2]! - yr;
        fb[v + 2] = yr;
        const z0 = s2[q]!, zr = al * z0;
        s2[q] = z0 + fb[v + 3]! - zr;
        fb[v + 3] = zr;
      }
    } else {
      for (let q = e, u = e + K, v = 0; q < end; q++, u++, v += 4) {
        const xu = sa[u]!;
        const fr = al * rm[u]! + be * xu;
        const pr = ga * xu - F3 * fr;
        const r0 = rm[q]!;
        const fl = fb[v]!;
        rm[q] = r0 + fl - fr;
        sa[q] = c1 * sa[q]! + c2 * r0 + (fb[v + 1]! - pr) * inv + cl * fl - cr * fr;
        fb[v] = fr;
        fb[v + 1] = pr;
        const yr = al * s1[u]!;
        s1[q] = s1[q]! + fb[v + 2]! - yr;
        fb[v + 2] = yr;
        const zr = al * s2[u]!;
        s2[q] = s2[q]! + fb[v + 3]! - zr;
        fb[v + 3] = zr;
      }
    }
  }
  {
    const a = n - 1;
    const ci = off + a;
    const c1 = a1[ci]!, c2 = a2[ci]!, cl = cL[ci]!, cr = cR[ci]!, inv = invM[ci]!;
    const e = base + a * K;
    for (let t = 0; t < K; t++) {
      const r0 = rm[e + t]!;
      const v = 4 * t;
      const fl = fb[v]!, fr = fw[t]!;
      rm[e + t] = r0 + fl - fr;
      sa[e + t] = c1 * sa[e + t]! + c2 * r0 + (fb[v + 1]! - pw[t]!) * inv + cl * fl - cr * fr;
      s1[e + t] = s1[e + t]! + fb[v + 2]! - yw[t]!;
      s2[e + t] = s2[e + t]! + fb[v + 3]! - zw[t]!;
    }
  }
}

/** Exact transpose of periodicRowForward. */
export function periodicRowAdjoint(
  co: SweepCoefficients,
  off: number,
  n: number,
  K: number,
  base: number,
  rm: Float64Array,
  sa: Float64Array,
  s1: Float64Array,
  s2: Float64Array,
  w: SweepScratch,
): void {
  const { alpha, beta, gamma, flux, a1, a2, cL, cR, invM } = co;
  const fb = w.face;
  const fw = w.fw, pw = w.pw, yw = w.yw, zw = w.zw;
  // Wrapping face (between cells n−1 and 0) from the old adjoint values.
  {
    const i0 = off + n - 1, i1 = off;
    const inv0 = invM[i0]!, inv1 = invM[i1]!, cr0 = cR[i0]!, cl1 = cL[i1]!;
    const F3 = 3 * flux[i0]!;
    const e = base + (n - 1) * K, e2 = base;
    for (let t = 0; t < K; t++) {
      const x0 = sa[e + t]!, x1 = sa[e2 + t]!;
      const P = x1 * inv1 - x0 * inv0;
      pw[t] = P;
      fw[t] = rm[e2 + t]! + cl1 * x1 - rm[e + t]! - cr0 * x0 - F3 * P;
      yw[t] = s1[e2 + t]! - s1[e + t]!;
      zw[t] = s2[e2 + t]! - s2[e + t]!;
      fb[4 * t] = fw[t]!;
      fb[4 * t + 1] = P;
      fb[4 * t + 2] = yw[t]!;
      fb[4 * t + 3] = zw[t]!;
    }
  }
  for (let a = 0; a < n; a++) {
    const ci = off + a;
    const fiL = off + (a === 0 ? n - 1 : a - 1);
    let alL = 0, beL = 0, gaL = 0, alR = 0, beR = 0, gaR = 0;
    if (alpha[fiL]! < 0) {
      alL = alpha[fiL]!;
      beL = beta[fiL]!;
      gaL = gamma[fiL]!;
    }
    if (alpha[ci]! >= 0) {
      alR = alpha[ci]!;
      beR = beta[ci]!;
      gaR = gamma[ci]!;
    }
    const c1 = a1[ci]!, c2 = a2[ci]!;
    const e = base + a * K;
    if (a < n - 1) {
      const cn = ci + 1;
      const inv0 = invM[ci]!, inv1 = invM[cn]!, cr0 = cR[ci]!, cl1 = cL[cn]!;
      const F3 = 3 * flux[ci]!;
      const end = e + K;
      for (let q = e, u = e + K, v = 0; q < end; q++, u++, v += 4) {
        const x0 = sa[q]!, x1 = sa[u]!;
        const r0 = rm[q]!;
        const P = x1 * inv1 - x0 * inv0;
        const FR = rm[u]! + cl1 * x1 - r0 - cr0 * x0 - F3 * P;
        const FL = fb[v]!;
        rm[q] = r0 + c2 * x0 + alL * FL + alR * FR;
        sa[q] = c1 * x0 + beL * FL + gaL * fb[v + 1]! + beR * FR + gaR * P;
        fb[v] = FR;
        fb[v + 1] = P;
        const y0 = s1[q]!, YR = s1[u]! - y0;
        s1[q] = y0 + alL * fb[v + 2]! + alR * YR;
        fb[v + 2] = YR;
        const z0 = s2[q]!, ZR = s2[u]! - z0;
        s2[q] = z0 + alL * fb[v + 3]! + alR * ZR;
        fb[v + 3] = ZR;
      }
    } else {
      for (let t = 0; t < K; t++) {
        const x0 = sa[e + t]!;
        const v = 4 * t;
        const FL = fb[v]!, FR = fw[t]!;
        rm[e + t] = rm[e + t]! + c2 * x0 + alL * FL + alR * FR;
        sa[e + t] = c1 * x0 + beL * FL + gaL * fb[v + 1]! + beR * FR + gaR * pw[t]!;
        s1[e + t] = s1[e + t]! + alL * fb[v + 2]! + alR * yw[t]!;
        s2[e + t] = s2[e + t]! + alL * fb[v + 3]! + alR * zw[t]!;
      }
    }
  }
}
