// GCAS's cell-local EnSRF on tanhui's EnsembleProblem (the `gcas-local` solver of `tanhui run`):
// every state row is a GCAS "cell" at its parameter location; obs are selected per row in GCAS's
// rings and assimilated into that row alone; the posterior mean is clamped as GCAS clamps λ and
// kept within GCAS's continuity band around the prior mean (with lag 1 the previous window's
// posterior, as GCAS's λ of da_step − 1). Obs-space values are not updated (GCAS never does).
import { TanhuiError } from '@tanhui/core';
import { prepareEnsemble } from '../ensrf/validate';
import type { EnsembleProblem, EnsrfOptions, EnsrfResult } from '../ensrf/types';
import { GCAS_CLAMPS, clampLambda, continuityLambda } from './lambda';
import { gcasLocalEnsrf, type GcasLocalOptions } from './local-ensrf';

export interface GcasSolverOptions extends Omit<GcasLocalOptions, 'float32Distances' | 'float32Correlation' | 'localizationKm' | 'sensitivitySign'> {
  /** Clamp the posterior mean like GCAS's λ of bio/ocn ([0.1, 10], mirrored below 0). Default true. */
  clamp?: boolean;
  /** Continuity band around the prior mean (GCAS 1.5 = ±150 %); 0 switches it off. */
  continuityLimit?: number;
}

export function gcasLocalSolve(problem: EnsembleProblem, options: EnsrfOptions & { gcas?: GcasSolverOptions }): EnsrfResult {
  const loc = options.localization;
  if (loc?.kind !== 'gaspari-cohn') {
    throw new TanhuiError('InvalidConfig', "the gcas-local solver needs solver.localization 'gaspari-cohn' (its length is GCAS's 3000 km cut-off)", {
      context: { key: 'solver.localization' },
      hint: 'set solver.localization: gaspari-cohn and solver.localizationLengthKm: 3000',
    });
  }
  const e = prepareEnsemble(problem, options, false);
  const { nparams, nmembers: N, nobs } = e;
  const g = options.gcas ?? {};
  // Obs taken: use flag 0 and within the rejection threshold (flagged 2 otherwise).
  const take: number[] = [];
  for (let o = 0; o < nobs; o++) {
    if (e.flags[o] !== 0) continue;
    if (e.mayReject[o] && Math.abs(e.obs[o] - e.Hx[o]) > e.threshold * Math.sqrt(e.R[o])) {
      e.flags[o] = 2;
      continue;
    }
    take.push(o);
  }
  const no = take.length;
  const hx = new Float64Array(no * N);
  const hxMean = new Float64Array(no);
  for (const [k, o] of take.entries()) {
    hxMean[k] = e.Hx[o];
    for (let n = 0; n < N; n++) hx[k * N + n] = e.Hx[o] + e.HXprime[o * N + n];
  }
  const members = new Float64Array(nparams * N);
  const lat = new Float64Array(nparams);
  const lon = new Float64Array(nparams);
  for (let r = 0; r < nparams; r++) {
    lat[r] = loc.paramLat[r % loc.paramLat.length];
    lon[r] = loc.paramLon[r % loc.paramLon.length];
    for (let n = 0; n < N; n++) members[r * N + n] = e.x[r] + e.Xprime[r * N + n];
  }
  const a = gcasLocalEnsrf(
    { n: nparams, lat, lon, members, mean: e.x },
    {
      n: no,
      kind: new Uint8Array(no).fill(1),
      lat: Float64Array.from(take, (o) => loc.obsLat[o]),
      lon: Float64Array.from(take, (o) => loc.obsLon[o]),
      yPpm: Float64Array.from(take, (o) => e.obs[o]),
      sigmaPpm: Float64Array.from(take, (o) => Math.sqrt(e.R[o])),
      hxPpm: hx,
      hxMeanPpm: hxMean,
    },
    // Scaling-factor states: a sink cell's CO2 falls as its factor grows (see sensitivitySign).
    { ...g, localizationKm: loc.lengthScaleKm, float32Distances: false, sensitivitySign: 'ensemble' },
  );
  const x = new Float64Array(nparams);
  const clamp = g.clamp ?? true;
  const limit = g.continuityLimit ?? 1.5;
  for (let r = 0; r < nparams; r++) {
    let v = a.xmeanPost[r];
    if (clamp) v = clampLambda(v, GCAS_CLAMPS[0]);
    if (limit > 0) v = continuityLambda(v, e.x[r], clamp ? GCAS_CLAMPS[0] : { min: 0, max: Infinity, negative: 'mirror' }, limit);
    x[r] = v;
  }
  // HPHᵀ + R (prior) of obs some row used; NaN for the others.
  const used = new Uint8Array(no);
  for (const k of a.selObs) used[k] = 1;
  const HPHR = new Float64Array(nobs).fill(Number.NaN);
  for (const [k, o] of take.entries()) {
    if (!used[k]) continue;
    let s = 0;
    for (let n = 0; n < N; n++) s += e.HXprime[o * N + n] ** 2;
    HPHR[o] = s / (N - 1) + e.R[o];
  }
  return { x, Xprime: a.xpPost, Hx: e.Hx, HXprime: e.HXprime, flags: e.flags, HPHR };
}
