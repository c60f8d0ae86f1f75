// Bulk EnSRF (CTDAS bulk_minimum_least_squares): all accepted observations at once,
//   K = P Hᵀ D⁻¹, D = HPHᵀ + R,  x ← x + K (obs − Hx),
//   K̃ = P Hᵀ S⁻ᵀ (S + √R)⁻¹ with S Sᵀ = D (Cholesky),  X′ ← X′ − K̃ HX′
// (Andrews 1968; any square roots S, √R give (I − K̃H)P(I − K̃H)ᵀ = (I − KH)P). With P = X′X′ᵀ/(N−1)
// both gains are X′·Z for N×p matrices Z, so the update is x₀ + X′w and X′T with an N×N T.
// Observations are screened for rejection against the prior innovation (the serial filter
// uses the innovation at each obs's turn, so rejections can differ between the two).
// Localisation multiplies entries of K and K̃ — by 0/1 from CT2007 (correlations of the prior
// X′ and HX′, as CTDAS does) or by the Gaspari–Cohn weight; then rows are updated one by one.
import { gemm } from '../kernels/gemm';
import { syrk } from '../kernels/syrk';
import { choleskyInPlace, inverseFromCholesky, solveLower, solveLowerTrans } from '../kernels/cholesky';
import { dot } from '../kernels/vector';
import { prepareRowLocalization } from './rows';
import { gcWeightFromUnit } from './localization';
import { prepareEnsemble } from './validate';
import type { EnsembleProblem, EnsrfOptions, EnsrfResult } from './types';

export function ensrfBulk(problem: EnsembleProblem, options: EnsrfOptions = {}): EnsrfResult {
  const e = prepareEnsemble(problem, options);
  const { nparams, nmembers: N, nobs, Hx, HXprime, obs, R, flags } = e;
  const loc = prepareRowLocalization(options.localization, N, nobs);
  const HPHR = new Float64Array(nobs).fill(NaN);
  const active: number[] = [];
  for (let n = 0; n < nobs; n++) {
    if (flags[n] !== 0) continue;
    if (e.mayReject[n] && Math.abs(obs[n] - Hx[n]) > e.threshold * Math.sqrt(R[n])) {
      flags[n] = 2;
      continue;
    }
    active.push(n);
  }
  const p = active.length;
  if (p === 0) return { x: e.x, Xprime: e.Xprime, Hx, HXprime, flags, HPHR };
  // Y = HX′ of active obs (p×N), d = innovations.
  const Y = new Float64Array(p * N);
  const d = new Float64Array(p);
  const sqrtR = new Float64Array(p);
  for (let a = 0; a < p; a++) {
    const n = active[a];
    Y.set(HXprime.subarray(n * N, n * N + N), a * N);
    d[a] = obs[n] - Hx[n];
    sqrtR[a] = Math.sqrt(R[n]);
  }
  const D = syrk(p, N, Y, { trans: false, alpha: 1 / (N - 1) });
  for (let a = 0; a < p; a++) {
    D[a * p + a] += R[active[a]];
    HPHR[active[a]] = D[a * p + a];
  }
  const S = choleskyInPlace(D, p, { name: 'HPHᵀ + R' });
  // Mean: K d = X′ Yᵀ D⁻¹ d /(N−1) → wMean = Yᵀ D⁻¹ d /(N−1).
  const u = solveLowerTrans(S, p, solveLower(S, p, Float64Array.from(d)));
  const wMean = gemm(N, 1, p, Y, u, { transA: true, alpha: 1 / (N - 1) });
  // Perturbations: K̃ = X′ Z̃, Z̃ = Yᵀ S⁻ᵀ (S + √R)⁻¹ /(N−1); solve on the transpose:
  // Z̃ᵀ = (S + √R)⁻ᵀ S⁻¹ Y /(N−1)  (p×N).
  const W = solveLower(S, p, Float64Array.from(Y), N);
  const SG = Float64Array.from(S);
  for (let a = 0; a < p; a++) SG[a * p + a] += sqrtR[a];
  const ZtT = solveLowerTrans(SG, p, W, N); // (S+√R)ᵀ X = S⁻¹Y  →  X = Z̃ᵀ·(N−1)
  for (let i = 0; i < ZtT.length; i++) ZtT[i] /= N - 1;
  // T = I − Z̃·Y (N×N): X′ ← X′T; HX′ ← HX′T for every obs (unlocalised, consistent with serial).
  const T = gemm(N, N, p, ZtT, Y, { transA: true, alpha: -1 });
  for (let j = 0; j < N; j++) T[j * N + j] += 1;
  for (let m = 0; m < nobs; m++) Hx[m] += dot(N, HXprime, wMean, m * N, 0);
  HXprime.set(gemm(nobs, N, N, HXprime, T));
  if (loc.kind === 'none') {
    for (let r = 0; r < nparams; r++) e.x[r] += dot(N, e.Xprime, wMean, r * N, 0);
    e.Xprime.set(gemm(nparams, N, N, e.Xprime, T));
  } else {
    updateRowsLocalised(e.x, e.Xprime, nparams, N, Y, active, d, inverseFromCholesky(S, p), ZtT, loc, e.mayLocalize);
  }
  return { x: e.x, Xprime: e.Xprime, Hx, HXprime, flags, HPHR };
}

/** Row by row with masked gains: K_rn = (X′[r]·Yᵀ D⁻¹)_n/(N−1), K̃_rn = X′[r]·Z̃[:, n]. */
function updateRowsLocalised(
  x: Float64Array,
  Xp: Float64Array,
  nparams: number,
  N: number,
  Y: Float64Array,
  active: number[],
  d: Float64Array,
  Dinv: Float64Array,
  ZtT: Float64Array,
  loc: ReturnType<typeof prepareRowLocalization>,
  mayLocalize: Uint8Array,
): void {
  const p = active.length;
  // Per row: c_n = X′[r]·Y[n] (= (N−1)·PHᵀ entry), the masked K row = (PHᵀ row·D⁻¹)∘mask
  // (CTDAS masks K itself, so D⁻¹ is needed explicitly) and K̃ row = (X′[r]·Z̃)∘mask.
  const ySum = new Float64Array(p);
  const yCss = new Float64Array(p);
  for (let a = 0; a < p; a++) {
    let s = 0;
    for (let j = 0; j < N; j++) s += Y[a * N + j];
    let c = 0;
    for (let j = 0; j < N; j++) c += (Y[a * N + j] - s / N) ** 2;
    ySum[a] = s;
    yCss[a] = c;
  }
  const row = new Float64Array(N);
  const phr = new Float64Array(p);
  const krow = new Float64Array(p);
  const mask = new Float64Array(p);
  for (let r = 0; r < nparams; r++) {
    const o = r * N;
    row.set(Xp.subarray(o, o + N));
    let sx = 0, sxx = 0;
    for (let j = 0; j < N; j++) {
      sx += row[j];
      sxx += row[j] * row[j];
    }
    const varx = sxx - (sx * sx) / N;
    for (let a = 0; a < p; a++) {
      const c = dot(N, row, Y, 0, a * N);
      phr[a] = c / (N - 1);
      mask[a] = 1;
      if (loc.kind === 'CT2007' && mayLocalize[active[a]] && varx > 0 && yCss[a] > 0) {
        const corr = (c - (sx * ySum[a]) / N) / Math.sqrt(varx * yCss[a]);
        const t = corr / Math.sqrt((1 - corr * corr) / (N - 2));
        if (Math.abs(t) < loc.tValue) mask[a] = 0;
      } else if (loc.kind === 'gaspari-cohn' && mayLocalize[active[a]]) {
        mask[a] = gcWeightFromUnit(loc.obsUnit, active[a], loc.paramUnit, r % (loc.paramUnit.length / 3), loc.lengthScaleKm);
      }
    }
    // K row = PHᵀ row · D⁻¹, then masked.
    for (let b = 0; b < p; b++) krow[b] = 0;
    for (let a = 0; a < p; a++) {
      const v = phr[a];
      if (v === 0) continue;
      for (let b = 0; b < p; b++) krow[b] += v * Dinv[a * p + b];
    }
    let dx = 0;
    for (let b = 0; b < p; b++) dx += mask[b] * krow[b] * d[b];
    x[r] += dx;
    // K̃ row = X′[r]·Z̃ (masked), X′[r] −= Σ_n K̃_rn Y[n].
    for (let b = 0; b < p; b++) {
      if (mask[b] === 0) continue;
      const kt = mask[b] * dot(N, row, ZtT, 0, b * N);
      if (kt === 0) continue;
      for (let j = 0; j < N; j++) Xp[o + j] -= kt * Y[b * N + j];
    }
  }
}

