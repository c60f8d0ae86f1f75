// State-row half of the serial EnSRF: given the obs-space sequence, each row r of (x, X′) is
// updated on its own, so row ranges can run on several workers over SharedArrayBuffers.
// Pure function of (sequence, localisation, rows); no allocation per row.
import { TanhuiError } from '@tanhui/core';
import { activeWasmKernels } from '../kernels/backend';
import { gaspariCohn, EARTH_RADIUS_KM, unitVectors } from './localization';
import { updateRowsWasm } from './rows-wasm';
import { ct2007TValue } from './student-t';
import type { ObsSequence } from './sequence';
import type { Localization } from './types';

/** Localisation in a worker-friendly form (plain numbers and typed arrays). */
export type RowLocalization =
  | { kind: 'none' }
  | { kind: 'CT2007'; tValue: number }
  | { kind: 'gaspari-cohn'; lengthScaleKm: number; obsUnit: Float64Array; paramUnit: Float64Array };

/** Precompute what the row kernel needs from a Localization. */
export function prepareRowLocalization(loc: Localization | undefined, nmembers: number, nobs: number): RowLocalization {
  if (!loc || loc.kind === 'none') return { kind: 'none' };
  if (loc.kind === 'CT2007') {
    if (nmembers < 3) {
      throw new TanhuiError('InvalidArgument', `CT2007 localisation needs at least 3 members, got ${nmembers}`, {
        context: { variable: 'localization' },
      });
    }
    return { kind: 'CT2007', tValue: loc.tValue ?? ct2007TValue(nmembers) };
  }
  if (!(loc.lengthScaleKm > 0)) {
    throw new TanhuiError('InvalidArgument', `Gaspari–Cohn lengthScaleKm must be > 0, got ${loc.lengthScaleKm}`, {
      context: { variable: 'lengthScaleKm' },
    });
  }
  if (loc.obsLat.length !== nobs || loc.obsLon.length !== nobs) {
    throw new TanhuiError('BadShape', `obsLat/obsLon need ${nobs} values, got ${loc.obsLat.length}/${loc.obsLon.length}`, {
      context: { variable: 'obsLat' },
    });
  }
  if (loc.paramLat.length !== loc.paramLon.length || loc.paramLat.length === 0) {
    throw new TanhuiError('BadShape', `paramLat/paramLon must have the same non-zero length`, { context: { variable: 'paramLat' } });
  }
  return {
    kind: 'gaspari-cohn',
    lengthScaleKm: loc.lengthScaleKm,
    obsUnit: unitVectors(loc.obsLat, loc.obsLon),
    paramUnit: unitVectors(loc.paramLat, loc.paramLon),
  };
}

/**
 * Apply the serial EnSRF updates of `seq` to rows [rowStart, rowEnd) of x and X′: in place, or,
 * with `out`, into those rows of out.x and out.Xprime (x and X′ are then only read).
 * For each assimilated obs k: gain K_r = X′[r]·h_k/((N−1)HPHR_k), localised if the obs allows;
 * x_r += K_r·innovation_k; X′[r] −= α_k·K_r·h_k. Every row's arithmetic is the same whatever the
 * row range (sums run in member order), so any split over workers gives identical bits.
 * No localisation and CT2007 run the WebAssembly SIMD kernel when available (ensrf_rows: row
 * blocks take every observation while they sit in cache), otherwise JavaScript loops; the same
 * bits either way (setGemmBackend('js') forces the loops).
 */
export function ensrfUpdateRows(
  seq: ObsSequence,
  x: Float64Array,
  Xprime: Float64Array,
  rowStart: number,
  rowEnd: number,
  loc: RowLocalization = { kind: 'none' },
  out?: { x: Float64Array; Xprime: Float64Array },
): void {
  const xOut = out ? out.x : x;
  const XOut = out ? out.Xprime : Xprime;
  if (loc.kind !== 'gaspari-cohn') {
    // WebAssembly SIMD: row blocks in the module's memory take every observation in turn (same bits).
    const w = activeWasmKernels();
    const tValue = loc.kind === 'CT2007' ? loc.tValue : -1;
    if (w && updateRowsWasm(w, seq, x, Xprime, rowStart, rowEnd, tValue, xOut, XOut)) return;
  }
  if (out) {
    // JavaScript: copy the rows, then update the copy in place.
    const N = seq.nmembers;
    XOut.set(Xprime.subarray(rowStart * N, rowEnd * N), rowStart * N);
    xOut.set(x.subarray(rowStart, rowEnd), rowStart);
  }
  updateRowsJs(seq, xOut, XOut, rowStart, rowEnd, loc);
}

/** The JavaScript loops (in place). */
function updateRowsJs(seq: ObsSequence, x: Float64Array, Xprime: Float64Array, rowStart: number, rowEnd: number, loc: RowLocalization): void {
  let r = rowStart;
  if (loc.kind !== 'gaspari-cohn') {
    const tValue = loc.kind === 'CT2007' ? loc.tValue : -1;
    // Four rows at a time share the loads of h (about twice as fast in V8).
    for (; r + 3 < rowEnd; r += 4) updateFourRows(seq, x, Xprime, r, tValue);
  }
  for (; r < rowEnd; r++) updateRow(seq, x, Xprime, r, loc);
}

/** CT2007 test on one row: false when the correlation is not significant (gain → 0). */
function significant(d: number, sx: number, sxx: number, hSum: number, hCss: number, N: number, tValue: number): boolean {
  const varx = sxx - (sx * sx) / N;
  if (!(varx > 0 && hCss > 0)) return true;
  // Pearson correlation of the two member vectors (as numpy.corrcoef), then the t statistic.
  const corr = (d - (sx * hSum) / N) / Math.sqrt(varx * hCss);
  const t = corr / Math.sqrt((1 - corr * corr) / (N - 2));
  return !(Math.abs(t) < tValue);
}

function updateFourRows(seq: ObsSequence, x: Float64Array, X: Float64Array, r: number, tValue: number): void {
  const N = seq.nmembers;
  const { count, h, innovation, invDen, alpha, localize, hSum, hCss } = seq;
  const o0 = r * N, o1 = o0 + N, o2 = o1 + N, o3 = o2 + N;
  let x0 = x[r], x1 = x[r + 1], x2 = x[r + 2], x3 = x[r + 3];
  for (let k = 0; k < count; k++) {
    const hk = k * N;
    let d0 = 0, d1 = 0, d2 = 0, d3 = 0;
    const test = tValue >= 0 && localize[k] !== 0;
    if (!test) {
      for (let j = 0; j < N; j++) {
        const hv = h[hk + j];
        d0 += X[o0 + j] * hv;
        d1 += X[o1 + j] * hv;
        d2 += X[o2 + j] * hv;
        d3 += X[o3 + j] * hv;
      }
    } else {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, q0 = 0, q1 = 0, q2 = 0, q3 = 0;
      for (let j = 0; j < N; j++) {
        const hv = h[hk + j];
        const v0 = X[o0 + j], v1 = X[o1 + j], v2 = X[o2 + j], v3 = X[o3 + j];
        d0 += v0 * hv;
        d1 += v1 * hv;
        d2 += v2 * hv;
        d3 += v3 * hv;
        s0 += v0;
        s1 += v1;
        s2 += v2;
        s3 += v3;
        q0 += v0 * v0;
        q1 += v1 * v1;
        q2 += v2 * v2;
        q3 += v3 * v3;
      }
      const hs = hSum[k], hc = hCss[k];
      if (!significant(d0, s0, q0, hs, hc, N, tValue)) d0 = 0;
      if (!significant(d1, s1, q1, hs, hc, N, tValue)) d1 = 0;
      if (!significant(d2, s2, q2, hs, hc, N, tValue)) d2 = 0;
      if (!significant(d3, s3, q3, hs, hc, N, tValue)) d3 = 0;
    }
    const inv = invDen[k], e = innovation[k], a = alpha[k];
    const g0 = d0 * inv, g1 = d1 * inv, g2 = d2 * inv, g3 = d3 * inv;
    x0 += g0 * e;
    x1 += g1 * e;
    x2 += g2 * e;
    x3 += g3 * e;
    const a0 = a * g0, a1 = a * g1, a2 = a * g2, a3 = a * g3;
    for (let j = 0; j < N; j++) {
      const hv = h[hk + j];
      X[o0 + j] -= a0 * hv;
      X[o1 + j] -= a1 * hv;
      X[o2 + j] -= a2 * hv;
      X[o3 + j] -= a3 * hv;
    }
  }
  x[r] = x0;
  x[r + 1] = x1;
  x[r + 2] = x2;
  x[r + 3] = x3;
}

/** One row; the same arithmetic as updateFourRows for 'none' and 'CT2007'. */
function updateRow(seq: ObsSequence, x: Float64Array, X: Float64Array, r: number, loc: RowLocalization): void {
  const N = seq.nmembers;
  const { count, h, innovation, invDen, alpha, localize } = seq;
  const o = r * N;
  let xr = x[r];
  let px = 0, py = 0, pz = 0;
  let chordSupport = 3;
  if (loc.kind === 'gaspari-cohn') {
    const q = 3 * (r % (loc.paramUnit.length / 3));
    px = loc.paramUnit[q];
    py = loc.paramUnit[q + 1];
    pz = loc.paramUnit[q + 2];
    // Chord of the support radius 2c (arc angle 2c/R_E): farther pairs have weight 0.
    const half = loc.lengthScaleKm / EARTH_RADIUS_KM;
    if (half < Math.PI / 2) chordSupport = 2 * Math.sin(half);
  }
  for (let k = 0; k < count; k++) {
    const hk = k * N;
    let d = 0;
    let weight = 1;
    if (loc.kind === 'gaspari-cohn' && localize[k] !== 0) {
      const q = 3 * seq.obsIndex[k];
      const dx = loc.obsUnit[q] - px, dy = loc.obsUnit[q + 1] - py, dz = loc.obsUnit[q + 2] - pz;
      const chord = Math.sqrt(dx * dx + dy * dy + dz * dz);
      if (chord >= chordSupport) continue;
      weight = gaspariCohn((2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, chord / 2))) / loc.lengthScaleKm);
      if (weight === 0) continue;
    }
    if (loc.kind === 'CT2007' && localize[k] !== 0) {
      let s = 0, q = 0;
      for (let j = 0; j < N; j++) {
        const v = X[o + j];
        d += v * h[hk + j];
        s += v;
        q += v * v;
      }
      if (!significant(d, s, q, seq.hSum[k], seq.hCss[k], N, loc.tValue)) d = 0;
    } else {
      for (let j = 0; j < N; j++) d += X[o + j] * h[hk + j];
    }
    const gain = loc.kind === 'gaspari-cohn' ? d * invDen[k] * weight : d * invDen[k];
    xr += gain * innovation[k];
    const ag = alpha[k] * gain;
    for (let j = 0; j < N; j++) X[o + j] -= ag * h[hk + j];
  }
  x[r] = xr;
}
