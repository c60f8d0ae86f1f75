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
): void {
  const BK = B * K;
  const { alpha, beta, gamma, flux, a1, a2, cL, cR, invM } = co;
  for (let o = 0; o < outer; o++) {
    let fL = w.f0, pL = w.p0, yL = w.y0, zL = w.z0;
    let fR = w.f1, pR = w.p1, yR = w.y1, zR = w.z1;
    fL.fill(0, 0, BK);
    pL.fill(0, 0, BK);
    yL.fill(0, 0, BK);
    zL.fill(0, 0, BK);
    for (let a = 0; a < n; a++) {
      const cellBase = (o * n + a) * B;
      const hasR = a < n - 1;
      if (hasR) {
        const faceBase = (o * (n - 1) + a) * B;
        for (let b = 0; b < B; b++) {
          const fi = faceBase + b;
          const al = alpha[fi]!, be = beta[fi]!, ga = gamma[fi]!, F3 = 3 * flux[fi]!;
          const u = (cellBase + b) * K + (al >= 0 ? 0 : BK);
          const bk = b * K;
          for (let t = 0; t < K; t++) {
            const x = sa[u + t]!;
            const f = al * rm[u + t]! + be * x;
            fR[bk + t] = f;
            pR[bk + t] = ga * x - F3 * f;
            yR[bk + t] = al * s1[u + t]!;
            zR[bk + t] = al * s2[u + t]!;
          }
        }
      } else {
        fR.fill(0, 0, BK);
        pR.fill(0, 0, BK);
        yR.fill(0, 0, BK);
        zR.fill(0, 0, BK);
      }
      for (let b = 0; b < B; b++) {
        const ci = cellBase + b;
        const c1 = a1[ci]!, c2 = a2[ci]!, cl = cL[ci]!, cr = cR[ci]!, inv = invM[ci]!;
        const e = ci * K;
        const bk = b * K;
        for (let t = 0; t < K; t++) {
          const r0 = rm[e + t]!;
          const fl = fL[bk + t]!, fr = fR[bk + t]!;
          rm[e + t] = r0 + fl - fr;
          sa[e + t] = c1 * sa[e + t]! + c2 * r0 + (pL[bk + t]! - pR[bk + t]!) * inv + cl * fl - cr * fr;
          s1[e + t] = s1[e + t]! + yL[bk + t]! - yR[bk + t]!;
          s2[e + t] = s2[e + t]! + zL[bk + t]! - zR[bk + t]!;
        }
      }
      let tmp = fL; fL = fR; fR = tmp;
      tmp = pL; pL = pR; pR = tmp;
      tmp = yL; yL = yR; yR = tmp;
      tmp = zL; zL = zR; zR = tmp;
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
  for (let o = 0; o < outer; o++) {
    let fL = w.f0, pL = w.p0, yL = w.y0, zL = w.z0;
    let fR = w.f1, pR = w.p1, yR = w.y1, zR = w.z1;
    for (let a = 0; a < n; a++) {
      const cellBase = (o * n + a) * B;
      const hasL = a > 0;
      const hasR = a < n - 1;
      const faceBase = (o * (n - 1) + a) * B;
      const faceBaseL = faceBase - B;
      if (hasR) {
        for (let b = 0; b < B; b++) {
          const ci = cellBase + b;
          const cn = ci + B;
          const inv0 = invM[ci]!, inv1 = invM[cn]!, cr0 = cR[ci]!, cl1 = cL[cn]!;
          const F3 = 3 * flux[faceBase + b]!;
          const e = ci * K, e2 = cn * K, bk = b * K;
          for (let t = 0; t < K; t++) {
            const x0 = sa[e + t]!, x1 = sa[e2 + t]!;
            const P = x1 * inv1 - x0 * inv0;
            pR[bk + t] = P;
            fR[bk + t] = rm[e2 + t]! + cl1 * x1 - rm[e + t]! - cr0 * x0 - F3 * P;
            yR[bk + t] = s1[e2 + t]! - s1[e + t]!;
            zR[bk + t] = s2[e2 + t]! - s2[e + t]!;
          }
        }
      }
      for (let b = 0; b < B; b++) {
        const ci = cellBase + b;
        let alL = 0, beL = 0, gaL = 0, alR = 0, beR = 0, gaR = 0;
        if (hasL) {
          const fi = faceBaseL + b;
          if (alpha[fi]! < 0) {
            alL = alpha[fi]!;
            beL = beta[fi]!;
            gaL = gamma[fi]!;
          }
        }
        if (hasR) {
          const fi = faceBase + b;
          if (alpha[fi]! >= 0) {
            alR = alpha[fi]!;
            beR = beta[fi]!;
            gaR = gamma[fi]!;
          }
        }
        const c1 = a1[ci]!, c2 = a2[ci]!;
        const e = ci * K, bk = b * K;
        if (hasL && hasR) {
          for (let t = 0; t < K; t++) {
            const x = sa[e + t]!;
            const FL = fL[bk + t]!, FR = fR[bk + t]!;
            rm[e + t] = rm[e + t]! + c2 * x + alL * FL + alR * FR;
            sa[e + t] = c1 * x + beL * FL + gaL * pL[bk + t]! + beR * FR + gaR * pR[bk + t]!;
            s1[e + t] = s1[e + t]! + alL * yL[bk + t]! + alR * yR[bk + t]!;
            s2[e + t] = s2[e + t]! + alL * zL[bk + t]! + alR * zR[bk + t]!;
          }
        } else if (hasR) {
          for (let t = 0; t < K; t++) {
            const x = sa[e + t]!;
            const FR = fR[bk + t]!;
            rm[e + t] = rm[e + t]! + c2 * x + alR * FR;
            sa[e + t] = c1 * x + beR * FR + gaR * pR[bk + t]!;
            s1[e + t] = s1[e + t]! + alR * yR[bk + t]!;
            s2[e + t] = s2[e + t]! + alR * zR[bk + t]!;
          }
        } else if (hasL) {
          for (let t = 0; t < K; t++) {
            const x = sa[e + t]!;
            const FL = fL[bk + t]!;
            rm[e + t] = rm[e + t]! + c2 * x + alL * FL;
            sa[e + t] = c1 * x + beL * FL + gaL * pL[bk + t]!;
            s1[e + t] = s1[e + t]! + alL * yL[bk + t]!;
            s2[e + t] = s2[e + t]! + alL * zL[bk + t]!;
          }
        } else {
          for (let t = 0; t < K; t++) {
            const x = sa[e + t]!;
            rm[e + t] = rm[e + t]! + c2 * x;
            sa[e + t] = c1 * x;
          }
        }
      }
      let tmp = fL; fL = fR; fR = tmp;
      tmp = pL; pL = pR; pR = tmp;
      tmp = yL; yL = yR; yR = tmp;
      tmp = zL; zL = zR; zR = tmp;
    }
  }
}

/**
 * One periodic row of n cells (contiguous, cell a at element base + a·K), faces indexed by
 * their western cell (face a between cells a and a+1, face n−1 wraps to cell 0); coefficient
 * arrays start at faceOff (faces) and cellOff (cells).
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
  // The wrapping face first, from the old values of cells n−1 and 0.
  faceForward(alpha[off + n - 1]!, beta[off + n - 1]!, gamma[off + n - 1]!, flux[off + n - 1]!,
    base + (alpha[off + n - 1]! >= 0 ? (n - 1) * K : 0), K, rm, sa, s1, s2, w.fw, w.pw, w.yw, w.zw);
  let fL = w.fw, pL = w.pw, yL = w.yw, zL = w.zw;
  for (let a = 0; a < n; a++) {
    let fR: Float64Array, pR: Float64Array, yR: Float64Array, zR: Float64Array;
    if (a < n - 1) {
      if (fL === w.f0) {
        fR = w.f1; pR = w.p1; yR = w.y1; zR = w.z1;
      } else {
        fR = w.f0; pR = w.p0; yR = w.y0; zR = w.z0;
      }
      const fi = off + a;
      const al = alpha[fi]!;
      faceForward(al, beta[fi]!, gamma[fi]!, flux[fi]!, base + (al >= 0 ? a : a + 1) * K, K, rm, sa, s1, s2, fR, pR, yR, zR);
    } else {
      fR = w.fw; pR = w.pw; yR = w.yw; zR = w.zw;
    }
    const ci = off + a;
    const c1 = a1[ci]!, c2 = a2[ci]!, cl = cL[ci]!, cr = cR[ci]!, inv = invM[ci]!;
    const e = base + a * K;
    for (let t = 0; t < K; t++) {
      const r0 = rm[e + t]!;
      const fl = fL[t]!, fr = fR[t]!;
      rm[e + t] = r0 + fl - fr;
      sa[e + t] = c1 * sa[e + t]! + c2 * r0 + (pL[t]! - pR[t]!) * inv + cl * fl - cr * fr;
      s1[e + t] = s1[e + t]! + yL[t]! - yR[t]!;
      s2[e + t] = s2[e + t]! + zL[t]! - zR[t]!;
    }
    fL = fR; pL = pR; yL = yR; zL = zR;
  }
}

function faceForward(
  al: number, be: number, ga: number, F: number, u: number, K: number,
  rm: Float64Array, sa: Float64Array, s1: Float64Array, s2: Float64Array,
  f: Float64Array, p: Float64Array, y: Float64Array, z: Float64Array,
): void {
  const F3 = 3 * F;
  for (let t = 0; t < K; t++) {
    const x = sa[u + t]!;
    const ff = al * rm[u + t]! + be * x;
    f[t] = ff;
    p[t] = ga * x - F3 * ff;
    y[t] = al * s1[u + t]!;
    z[t] = al * s2[u + t]!;
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
  const { alpha, beta, gamma, a1, a2 } = co;
  faceAdjoint(co, off, n - 1, n - 1, 0, K, base, rm, sa, s1, s2, w.fw, w.pw, w.yw, w.zw);
  let fL = w.fw, pL = w.pw, yL = w.yw, zL = w.zw;
  for (let a = 0; a < n; a++) {
    let fR: Float64Array, pR: Float64Array, yR: Float64Array, zR: Float64Array;
    if (a < n - 1) {
      if (fL === w.f0) {
        fR = w.f1; pR = w.p1; yR = w.y1; zR = w.z1;
      } else {
        fR = w.f0; pR = w.p0; yR = w.y0; zR = w.z0;
      }
      faceAdjoint(co, off, a, a, a + 1, K, base, rm, sa, s1, s2, fR, pR, yR, zR);
    } else {
      fR = w.fw; pR = w.pw; yR = w.yw; zR = w.zw;
    }
    const fiL = off + (a === 0 ? n - 1 : a - 1);
    const fiR = off + a;
    let alL = 0, beL = 0, gaL = 0, alR = 0, beR = 0, gaR = 0;
    if (alpha[fiL]! < 0) {
      alL = alpha[fiL]!;
      beL = beta[fiL]!;
      gaL = gamma[fiL]!;
    }
    if (alpha[fiR]! >= 0) {
      alR = alpha[fiR]!;
      beR = beta[fiR]!;
      gaR = gamma[fiR]!;
    }
    const ci = off + a;
    const c1 = a1[ci]!, c2 = a2[ci]!;
    const e = base + a * K;
    for (let t = 0; t < K; t++) {
      const x = sa[e + t]!;
      const FL = fL[t]!, FR = fR[t]!;
      rm[e + t] = rm[e + t]! + c2 * x + alL * FL + alR * FR;
      sa[e + t] = c1 * x + beL * FL + gaL * pL[t]! + beR * FR + gaR * pR[t]!;
      s1[e + t] = s1[e + t]! + alL * yL[t]! + alR * yR[t]!;
      s2[e + t] = s2[e + t]! + alL * zL[t]! + alR * zR[t]!;
    }
    fL = fR; pL = pR; yL = yR; zL = zR;
  }
}

/** Adjoint face quantities of face `a` between cells i0 (west) and i1 (east) of a row. */
function faceAdjoint(
  co: SweepCoefficients, off: number, a: number, i0: number, i1: number, K: number, base: number,
  rm: Float64Array, sa: Float64Array, s1: Float64Array, s2: Float64Array,
  f: Float64Array, p: Float64Array, y: Float64Array, z: Float64Array,
): void {
  const inv0 = co.invM[off + i0]!, inv1 = co.invM[off + i1]!, cr0 = co.cR[off + i0]!, cl1 = co.cL[off + i1]!;
  const F3 = 3 * co.flux[off + a]!;
  const e = base + i0 * K, e2 = base + i1 * K;
  for (let t = 0; t < K; t++) {
    const x0 = sa[e + t]!, x1 = sa[e2 + t]!;
    const P = x1 * inv1 - x0 * inv0;
    p[t] = P;
    f[t] = rm[e2 + t]! + cl1 * x1 - rm[e + t]! - cr0 * x0 - F3 * P;
    y[t] = s1[e2 + t]! - s1[e + t]!;
    z[t] = s2[e2 + t]! - s2[e + t]!;
  }
}
