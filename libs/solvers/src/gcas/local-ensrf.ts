// GCASv2's cell-local EnSRF (ALGORITHM.md §5-§6; Calc_correl.f90, ensrf_noGuassian.f90): for
// every state cell, pick ≤ 20 positively correlated super-obs in widening rings, then assimilate
// them one by one with a serial square-root update of that cell alone, Gaspari–Cohn weighted at
// 3000 km, skipping obs with a negative gain. Obs-space means/perturbations are never updated,
// so cells are independent (neither a global serial filter nor LETKF).
import { TanhuiError } from '@tanhui/core';
import { gaspariCohn } from '../ensrf/localization';
import { gemmStrided } from '../kernels/gemm';
import { andoyerLambertKm } from './geodesy';

export interface GcasLocalOptions {
  /** Obs per cell at most (GCAS 20). */
  maxObsPerCell?: number;
  /** Stage 1: obs nearer than this with r > 0 (GCAS 500 km). */
  innerRadiusKm?: number;
  /** Stage 2 rings: inner edge (250 km), first outer edge (750), step (250), last outer edge (3000). */
  ringInnerKm?: number;
  ringStartKm?: number;
  ringStepKm?: number;
  ringMaxKm?: number;
  /** Stage-2 correlation threshold; default GCAS's table by ensemble size (0.2352 for 50 … 0.15). */
  correlationThreshold?: number;
  /** Gaspari–Cohn length [km]: weight GC(d/L), obs beyond L skipped (GCAS 3000). */
  localizationKm?: number;
  /** Weight multiplier of column obs on cells flagged `columnBoost` (GCAS 1.5 on ocean). */
  columnBoostFactor?: number;
  /** Round distances to float32 like GCAS (ring edges are compared in single precision). Default true. */
  float32Distances?: boolean;
  /**
   * Compute the selection's correlations in single precision step by step as GCAS's CORREL does
   * (near-ties then sort as in GCAS; drop-in use). Default false: one float64 matrix product.
   */
  float32Correlation?: boolean;
  /** Prior cell means summed in single precision as GCAS does (drop-in use). Default false. */
  float32Means?: boolean;
  /**
   * GCAS's state is flux, so "positively correlated" means "more flux, more CO2". For a state of
   * scaling factors the sign of that sensitivity is the sign of the cell's prior flux; with
   * 'ensemble' it is taken per cell as the sign of Σ r over the obs within reach, and selection
   * and the negative-gain skip use sign·r and sign·K. Default 'positive' (GCAS).
   */
  sensitivitySign?: 'positive' | 'ensemble';
}

/** GCAS CORREL in float32, operation by operation (perturbations formed in float32 too). */
function correlF32(s: Float32Array, o: Float32Array): number {
  const fr = Math.fround;
  const n = s.length;
  let as = 0;
  let ao = 0;
  for (let i = 0; i < n; i++) {
    as = fr(as + s[i]);
    ao = fr(ao + o[i]);
  }
  as = fr(as / n);
  ao = fr(ao / n);
  let r1 = 0;
  let r2 = 0;
  let r3 = 0;
  for (let i = 0; i < n; i++) {
    const ds = fr(s[i] - as);
    const dd = fr(o[i] - ao);
    r1 = fr(r1 + fr(ds * dd));
    r2 = fr(r2 + fr(ds * ds));
    r3 = fr(r3 + fr(dd * dd));
  }
  const den = fr(fr(Math.sqrt(r2)) * fr(Math.sqrt(r3)));
  return den === 0 ? 0 : fr(r1 / den);
}

/** x − mean(x) in float32 (GCAS's XPER / HXPER). */
function perturbF32(x: ArrayLike<number>, off: number, n: number): Float32Array {
  const fr = Math.fround;
  let s = 0;
  for (let i = 0; i < n; i++) s = fr(s + fr(x[off + i]));
  const m = fr(s / n);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = fr(fr(x[off + i]) - m);
  return out;
}

export interface GcasCells {
  n: number;
  lat: ArrayLike<number>;
  lon: ArrayLike<number>;
  /** [cell][N] state members (any unit; GCAS: gC per cell per window). */
  members: Float64Array;
  /** Cells whose column-obs weight is multiplied by `columnBoostFactor` (GCAS: ocean component). */
  columnBoost?: Uint8Array;
  /**
   * The prior mean per cell, when it is not the members' mean (CTDAS: member 0 is the mean);
   * perturbations are then members − mean. Default: the members' mean (GCAS).
   */
  mean?: ArrayLike<number>;
}

export interface GcasObs {
  n: number;
  /** 1 surface, 2 column. */
  kind: ArrayLike<number>;
  lat: ArrayLike<number>;
  lon: ArrayLike<number>;
  yPpm: ArrayLike<number>;
  sigmaPpm: ArrayLike<number>;
  /** [obs][N]. */
  hxPpm: Float64Array;
  /** The simulated prior mean per obs when it is not the members' mean (see GcasCells.mean). */
  hxMeanPpm?: ArrayLike<number>;
}

export interface GcasLocalResult {
  members: number;
  xmeanPrior: Float64Array;
  xmeanPost: Float64Array;
  /** [cell][N] posterior members; the prior perturbation where a cell was never updated (as GCAS). */
  xnew: Float64Array;
  /** [cell][N] posterior perturbations (prior ones where never updated). */
  xpPost: Float64Array;
  /** Obs selected per cell (GCAS Nobs/snum). */
  nObs: Int32Array;
  /** GCAS's diagnostic Lscale [km] (0: empty list). */
  lscaleKm: Float64Array;
  /** Obs actually used (gain ≥ 0) per cell. */
  nUsed: Int32Array;
  /** Selection lists in assimilation order, CSR: cell c's are selObs[selStart[c] .. selStart[c+1]). */
  selStart: Int32Array;
  selObs: Int32Array;
  selDistanceKm: Float64Array;
}

/** GCAS's stage-2 correlation threshold by ensemble size (Calc_correl.f90 :25-35). */
export function gcasCorrelationThreshold(members: number): number {
  return ({ 50: 0.2352, 80: 0.1852, 100: 0.1654, 150: 0.1348 } as Record<number, number>)[members] ?? 0.15;
}

const CELL_BLOCK = 256;

export function gcasLocalEnsrf(cells: GcasCells, obs: GcasObs, options: GcasLocalOptions = {}): GcasLocalResult {
  const nc = cells.n;
  const no = obs.n;
  const N = nc > 0 ? cells.members.length / nc : obs.hxPpm.length / Math.max(no, 1);
  if (!Number.isInteger(N) || N < 2) throw new TanhuiError('BadShape', `gcasLocalEnsrf: members per cell must be an integer ≥ 2, got ${N}`);
  if (obs.hxPpm.length !== no * N) {
    throw new TanhuiError('BadShape', `gcasLocalEnsrf: hxPpm has ${obs.hxPpm.length} values, expected obs ${no} × members ${N}`);
  }
  const maxObs = options.maxObsPerCell ?? 20;
  const inner = options.innerRadiusKm ?? 500;
  const ringIn = options.ringInnerKm ?? 250;
  const ringStart = options.ringStartKm ?? 750;
  const ringStep = options.ringStepKm ?? 250;
  const ringMax = options.ringMaxKm ?? 3000;
  const rt = options.correlationThreshold ?? gcasCorrelationThreshold(N);
  const locKm = options.localizationKm ?? 3000;
  const boost = options.columnBoostFactor ?? 1.5;
  const f32 = options.float32Distances ?? true;
  const corr32 = options.float32Correlation ?? false;
  const hp32 = corr32 ? Array.from({ length: no }, (_, o) => perturbF32(obs.hxPpm, o * N, N)) : [];
  const reach = Math.max(inner, ringMax);

  // Obs-space mean, perturbations, their norms and HPHᵀ (prior, never updated).
  const hmean = new Float64Array(no);
  const hp = new Float64Array(no * N);
  const hpUnit = new Float64Array(no * N);
  const hph = new Float64Array(no);
  for (let o = 0; o < no; o++) {
    let s = 0;
    for (let n = 0; n < N; n++) s += obs.hxPpm[o * N + n];
    const m = obs.hxMeanPpm ? obs.hxMeanPpm[o] : s / N;
    hmean[o] = m;
    let ss = 0;
    for (let n = 0; n < N; n++) {
      const d = obs.hxPpm[o * N + n] - m;
      hp[o * N + n] = d;
      ss += d * d;
    }
    hph[o] = ss / (N - 1);
    const norm = Math.sqrt(ss);
    if (norm > 0) for (let n = 0; n < N; n++) hpUnit[o * N + n] = hp[o * N + n] / norm;
  }
  // Unit vectors: a spherical prefilter keeps only obs that can be within `reach` (the
  // ellipsoidal distance is within 0.7 % of the spherical one; 2 % margin).
  const cosReach = Math.cos(Math.min(Math.PI, (1.02 * reach) / 6356.752));
  const unit = (lat: number, lon: number): [number, number, number] => {
    const p = (lat * Math.PI) / 180;
    const l = (lon * Math.PI) / 180;
    return [Math.cos(p) * Math.cos(l), Math.cos(p) * Math.sin(l), Math.sin(p)];
  };
  const ou = new Float64Array(no * 3);
  for (let o = 0; o < no; o++) ou.set(unit(obs.lat[o], obs.lon[o]), o * 3);

  const xmeanPrior = new Float64Array(nc);
  const xmeanPost = new Float64Array(nc);
  const xnew = new Float64Array(nc * N);
  const xpPost = new Float64Array(nc * N);
  const nObs = new Int32Array(nc);
  const nUsed = new Int32Array(nc);
  const lscaleKm = new Float64Array(nc);
  const selStart = new Int32Array(nc + 1);
  const selObs: number[] = [];
  const selDist: number[] = [];

  const xp = new Float64Array(N);
  const xUnit = new Float64Array(CELL_BLOCK * N);
  const corr = new Float64Array(CELL_BLOCK * no);
  const candObs: number[] = [];
  const candR: number[] = [];
  const candD: number[] = [];
  for (let c0 = 0; c0 < nc; c0 += CELL_BLOCK) {
    const nb = Math.min(CELL_BLOCK, nc - c0);
    xUnit.fill(0);
    for (let b = 0; b < nb; b++) {
      const c = c0 + b;
      let s = 0;
      const mean32 = options.float32Means ?? false;
      if (mean32) for (let n = 0; n < N; n++) s = Math.fround(s + cells.members[c * N + n]);
      else for (let n = 0; n < N; n++) s += cells.members[c * N + n];
      const m = cells.mean ? cells.mean[c] : mean32 ? Math.fround(s / N) : s / N;
      xmeanPrior[c] = m;
      let ss = 0;
      for (let n = 0; n < N; n++) {
        const d = cells.members[c * N + n] - m;
        xUnit[b * N + n] = d;
        ss += d * d;
      }
      const norm = Math.sqrt(ss);
      for (let n = 0; n < N; n++) xUnit[b * N + n] = norm > 0 ? xUnit[b * N + n] / norm : 0;
    }
    // Pearson correlation of every cell of the block with every obs: one matrix product.
    if (no > 0 && !corr32) gemmStrided(false, true, nb, no, N, 1, xUnit, 0, N, hpUnit, 0, N, 0, corr, 0, no);
    for (let b = 0; b < nb; b++) {
      const c = c0 + b;
      const m = xmeanPrior[c];
      let nonzero = false;
      for (let n = 0; n < N; n++) {
        xp[n] = cells.members[c * N + n] - m;
        if (xp[n] !== 0) nonzero = true;
      }
      selStart[c] = selObs.length;
      xmeanPost[c] = m;
      for (let n = 0; n < N; n++) xnew[c * N + n] = xp[n];
      xpPost.set(xp, c * N);
      if (!nonzero) continue;
      if (corr32) {
        const x32 = perturbF32(cells.members, c * N, N);
        for (let o = 0; o < no; o++) corr[b * no + o] = correlF32(x32, hp32[o]);
      }
      // Candidates within reach, sorted by r descending (ties by obs index).
      candObs.length = 0;
      const [cx, cy, cz] = unit(cells.lat[c], cells.lon[c]);
      for (let o = 0; o < no; o++) {
        if (cx * ou[o * 3] + cy * ou[o * 3 + 1] + cz * ou[o * 3 + 2] < cosReach) continue;
        candObs.push(o);
      }
      let sign = 1;
      if (options.sensitivitySign === 'ensemble') {
        let sum = 0;
        for (const o of candObs) sum += corr[b * no + o];
        sign = sum < 0 ? -1 : 1;
      }
      candObs.sort((a, bb) => sign * (corr[b * no + bb] - corr[b * no + a]) || a - bb);
      candR.length = 0;
      candD.length = 0;
      for (const o of candObs) {
        candR.push(sign * corr[b * no + o]);
        const d = andoyerLambertKm(obs.lat[o], obs.lon[o], cells.lat[c], cells.lon[c]);
        candD.push(f32 ? Math.fround(d) : d);
      }
      // Stage 1: nearer than `inner` and r > 0, up to maxObs.
      const stage1: number[] = [];
      let overflow = false;
      for (let k = 0; k < candObs.length; k++) {
        if (candD[k] < inner && candR[k] > 0) {
          if (stage1.length === maxObs) {
            overflow = true;
            break;
          }
          stage1.push(k);
        }
      }
      let list = stage1;
      let lscale = inner;
      if (!overflow) {
        // Stage 2: widening rings appended to the stage-1 list; stop at the first overflow.
        lscale = ringStart;
        let kold = stage1.length;
        for (let l = ringStart; l <= ringMax; l += ringStep) {
          const cur = stage1.slice();
          let over = false;
          for (let k = 0; k < candObs.length; k++) {
            if (candD[k] >= ringIn && candD[k] <= l && candR[k] >= rt) {
              if (cur.length === maxObs) {
                over = true;
                break;
              }
              cur.push(k);
            }
          }
          const count = over ? maxObs + 1 : cur.length;
          if (count !== kold) {
            lscale = l;
            kold = count;
          }
          list = cur;
          if (over) break;
        }
      }
      nObs[c] = list.length;
      lscaleKm[c] = list.length > 0 ? lscale : 0;
      // Serial square-root update of this cell alone.
      let mean = m;
      let used = 0;
      const boosted = cells.columnBoost?.[c] === 1;
      for (const k of list) {
        const o = candObs[k];
        selObs.push(o);
        selDist.push(candD[k]);
        const z = candD[k] / locKm;
        if (z > 1) continue;
        let rho = gaspariCohn(z);
        if (boosted && obs.kind[o] === 2) rho *= boost;
        const r2 = obs.sigmaPpm[o] * obs.sigmaPpm[o];
        let cov = 0;
        for (let n = 0; n < N; n++) cov += xp[n] * hp[o * N + n];
        const gain = ((cov / (N - 1)) * rho) / (hph[o] + r2);
        if (sign * gain < 0) continue;
        const alpha = 1 / (1 + Math.sqrt(r2 / (hph[o] + r2)));
        mean += gain * (obs.yPpm[o] - hmean[o]);
        for (let n = 0; n < N; n++) xp[n] -= alpha * gain * hp[o * N + n];
        used++;
      }
      nUsed[c] = used;
      xmeanPost[c] = mean;
      xpPost.set(xp, c * N);
      if (used > 0) for (let n = 0; n < N; n++) xnew[c * N + n] = mean + xp[n];
    }
  }
  selStart[nc] = selObs.length;
  return {
    members: N,
    xmeanPrior,
    xmeanPost,
    xnew,
    xpPost,
    nObs,
    lscaleKm,
    nUsed,
    selStart,
    selObs: Int32Array.from(selObs),
    selDistanceKm: Float64Array.from(selDist),
  };
}
