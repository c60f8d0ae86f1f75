// Time operations on flux fields: conservative aggregation to longer periods, linear
// interpolation between period centres, and diurnal downscaling of daily fluxes to sub-daily
// periods that conserves each day's mean exactly.
import { TanhuiError } from '@tanhui/core';
import type { FluxField } from './flux';
import { meanCosZenith } from './solar';

/**
 * Average every `factor` consecutive periods into one (e.g. 8 × 3-hourly → daily). Period
 * means are conserved exactly: the time integral over the covered span is unchanged.
 */
export function aggregateTime(f: FluxField, factor: number): FluxField {
  const nt = f.timesSec.length;
  if (!(Number.isInteger(factor) && factor >= 1) || nt % factor !== 0) {
    throw new TanhuiError('InvalidArgument', `cannot aggregate ${nt} periods by ${factor}`, { hint: 'the number of periods must be a multiple of the factor' });
  }
  const n = f.grid.size;
  const ntOut = nt / factor;
  const out = new Float64Array(ntOut * n);
  const times = new Float64Array(ntOut);
  for (let T = 0; T < ntOut; T++) {
    times[T] = f.timesSec[T * factor]!;
    for (let q = 0; q < factor; q++) {
      const t = T * factor + q;
      if (q > 0 && Math.abs(f.timesSec[t]! - f.timesSec[t - 1]! - f.periodSeconds) > 1e-6) {
        throw new TanhuiError('BadValue', 'periods to aggregate are not contiguous', { context: { index: t } });
      }
      for (let c = 0; c < n; c++) out[T * n + c] += f.fluxMolM2S[t * n + c]!;
    }
    for (let c = 0; c < n; c++) out[T * n + c] /= factor;
  }
  return { ...f, timesSec: times, periodSeconds: f.periodSeconds * factor, fluxMolM2S: out };
}

/**
 * Linear interpolation in time between period centres onto new periods (start times and
 * length); constant beyond the first and last centres. Not mean-conserving: use
 * aggregateTime or downscaleDiurnal when the budget must be exact.
 */
export function interpolateTime(f: FluxField, timesSec: ArrayLike<number>, periodSeconds: number): FluxField {
  const n = f.grid.size;
  const nt = f.timesSec.length;
  const out = new Float64Array(timesSec.length * n);
  const centre = (t: number): number => f.timesSec[t]! + f.periodSeconds / 2;
  let t0 = 0;
  for (let p = 0; p < timesSec.length; p++) {
    const tc = timesSec[p]! + periodSeconds / 2;
    let a = 0;
    let b = 0;
    let w = 0;
    if (tc <= centre(0)) {
      a = b = 0;
    } else if (tc >= centre(nt - 1)) {
      a = b = nt - 1;
    } else {
      while (t0 < nt - 2 && centre(t0 + 1) <= tc) t0++;
      a = t0;
      b = t0 + 1;
      w = (tc - centre(a)) / (centre(b) - centre(a));
    }
    for (let c = 0; c < n; c++) out[p * n + c] = (1 - w) * f.fluxMolM2S[a * n + c]! + w * f.fluxMolM2S[b * n + c]!;
  }
  return { ...f, timesSec: Float64Array.from(timesSec), periodSeconds, fluxMolM2S: out };
}

/**
 * Daily → sub-daily (default 3-hourly, 8 periods per day) with a diurnal cycle driven by the
 * sun: with G the daily-mean GPP [mol m⁻² s⁻¹, ≥ 0, uptake magnitude] of the same day and
 * s(h) the mean of max(0, cos Z) over sub-period h,
 *   F_h = F_day + G · (1 − s(h)/s̄),   s̄ = mean_h s(h),
 * i.e. respiration is flat and photosynthesis follows the sun. The mean over the day of
 * F_h is F_day exactly (Σ_h s(h)/s̄ = n). Without GPP (or where the sun does not rise) the
 * daily value is repeated. The input must have daily periods starting at 00:00 UTC.
 */
export function downscaleDiurnal(daily: FluxField, opts: { gpp?: FluxField; periodsPerDay?: number } = {}): FluxField {
  const nPer = opts.periodsPerDay ?? 8;
  if (daily.periodSeconds !== 86400) throw new TanhuiError('InvalidArgument', `downscaleDiurnal needs daily periods, got ${daily.periodSeconds} s`);
  if (!(Number.isInteger(nPer) && nPer >= 1 && 86400 % nPer === 0)) throw new TanhuiError('InvalidArgument', `periodsPerDay must divide 86400 s, got ${nPer}`);
  const g = daily.grid;
  const n = g.size;
  const nd = daily.timesSec.length;
  const gpp = opts.gpp;
  if (gpp) {
    if (!gpp.grid.equals(g) || gpp.timesSec.length !== nd || gpp.periodSeconds !== 86400) {
      throw new TanhuiError('GridMismatch', 'GPP must be on the same grid and daily time axis as the flux');
    }
  }
  const dt = 86400 / nPer;
  const out = new Float64Array(nd * nPer * n);
  const times = new Float64Array(nd * nPer);
  const s = new Float64Array(nPer);
  for (let d = 0; d < nd; d++) {
    const day0 = daily.timesSec[d]!;
    if (day0 % 86400 !== 0) throw new TanhuiError('BadValue', 'daily periods must start at 00:00 UTC', { context: { index: d } });
    for (let h = 0; h < nPer; h++) times[d * nPer + h] = day0 + h * dt;
    for (let j = 0; j < g.nlat; j++) {
      for (let i = 0; i < g.nlon; i++) {
        const c = j * g.nlon + i;
        const fd = daily.fluxMolM2S[d * n + c]!;
        const G = gpp ? gpp.fluxMolM2S[d * n + c]! : 0;
        let mean = 0;
        if (G !== 0) {
          for (let h = 0; h < nPer; h++) {
            s[h] = meanCosZenith(g.latCentersDeg[j]!, g.lonCentersDeg[i]!, day0 + h * dt, day0 + (h + 1) * dt);
            mean += s[h]!;
          }
          mean /= nPer;
        }
        for (let h = 0; h < nPer; h++) {
          out[(d * nPer + h) * n + c] = mean > 0 ? fd + G * (1 - s[h]! / mean) : fd;
        }
      }
    }
  }
  return { ...daily, timesSec: times, periodSeconds: dt, fluxMolM2S: out };
}
