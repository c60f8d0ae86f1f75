// State-row half of the serial EnSRF: given the obs-space sequence, each row r of (x, X′) is
// updated on its own, so row ranges can run on several workers over SharedArrayBuffers.
// Pure function of (sequence, localisation, rows); no allocation per row.
import { TanhuiError } from '@tanhui/core';
import { gaspariCohn, EARTH_RADIUS_KM, unitVectors } from './localization';
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
 * Apply the serial EnSRF updates of `seq` to rows [rowStart, rowEnd) of x and X′ (in place).
 * For each assimilated obs k: gain K_r = X′[r]·h_k/((N−1)HPHR_k), localised if the obs allows;
 * x_r += K_r·innovation_k; X′[r] −= α_k·K_r·h_k.
 */
export function ensrfUpdateRows(
  seq: ObsSequence,
  x: Float64Array,
  Xprime: Float64Array,
  rowStart: number,
  rowEnd: number,
  loc: RowLocalization = { kind: 'none' },
): void {
  const N = seq.nmembers;
  const { count, h, innovation, invDen, alpha, localize } = seq;
  const kind = loc.kind;
  const tValue = loc.kind === 'CT2007' ? loc.tValue : 0;
  // Chord of the support radius 2c (arc angle 2c/R_E): farther pairs have weight 0.
  const chordSupport =
    loc.kind === 'gaspari-cohn' && loc.lengthScaleKm / EARTH_RADIUS_KM < Math.PI / 2 ? 2 * Math.sin(loc.lengthScaleKm / EARTH_RADIUS_KM) : 3;
  const nParamLoc = loc.kind === 'gaspari-cohn' ? loc.paramUnit.length / 3 : 1;
  for (let r = rowStart; r < rowEnd; r++) {
    const o = r * N;
    let xr = x[r];
    let px = 0, py = 0, pz = 0;
    if (loc.kind === 'gaspari-cohn') {
      const q = 3 * (r % nParamLoc);
      px = loc.paramUnit[q];
      py = loc.paramUnit[q + 1];
      pz = loc.paramUnit[q + 2];
    }
    for (let k = 0; k < count; k++) {
      const hk = k * N;
      let gain: number;
      if (kind === 'none' || localize[k] === 0) {
        let d0 = 0, d1 = 0;
        let j = 0;
        for (; j + 1 < N; j += 2) {
          d0 += Xprime[o + j] * h[hk + j];
          d1 += Xprime[o + j + 1] * h[hk + j + 1];
        }
        if (j < N) d0 += Xprime[o + j] * h[hk + j];
        gain = (d0 + d1) * invDen[k];
      } else if (kind === 'CT2007') {
        let d = 0, sx = 0, sxx = 0;
        for (let j = 0; j < N; j++) {
          const v = Xprime[o + j];
          d += v * h[hk + j];
          sx += v;
          sxx += v * v;
        }
        gain = d * invDen[k];
        const varx = sxx - (sx * sx) / N;
        const hCss = seq.hCss[k];
        if (varx > 0 && hCss > 0) {
          // Pearson correlation of the two member vectors (as numpy.corrcoef), then t-test.
          const corr = (d - (sx * seq.hSum[k]) / N) / Math.sqrt(varx * hCss);
          const t = corr / Math.sqrt((1 - corr * corr) / (N - 2));
          if (Math.abs(t) < tValue) gain = 0;
        }
      } else {
        const g = loc as Extract<RowLocalization, { kind: 'gaspari-cohn' }>;
        const q = 3 * seq.obsIndex[k];
        const dx = g.obsUnit[q] - px, dy = g.obsUnit[q + 1] - py, dz = g.obsUnit[q + 2] - pz;
        const chord = Math.sqrt(dx * dx + dy * dy + dz * dz);
        if (chord >= chordSupport) continue;
        const weight = gaspariCohn((2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, chord / 2))) / g.lengthScaleKm);
        if (weight === 0) continue;
        let d = 0;
        for (let j = 0; j < N; j++) d += Xprime[o + j] * h[hk + j];
        gain = d * invDen[k] * weight;
      }
      if (gain === 0) continue;
      xr += gain * innovation[k];
      const ag = alpha[k] * gain;
      for (let j = 0; j < N; j++) Xprime[o + j] -= ag * h[hk + j];
    }
    x[r] = xr;
  }
}
