// GCAS super-observations (ALGORITHM.md §4, Get_obs.f90 :174-229, :358-443): raw obs sharing a
// key (model column ix, jx and level kx; kx = −1 for every column product) merge, over the
// whole window, into one inverse-variance-weighted obs; its σ is then inflated ×1.9 and floored
// at 1 ppm. Order = order of first appearance; position = the first member's.
import { TanhuiError } from '@tanhui/core';

export interface SuperObsOptions {
  /** σ multiplier after merging (GCAS 1.9). */
  sigmaFactor?: number;
  /** σ floor [ppm] after the multiplier (GCAS 1.0). */
  sigmaFloorPpm?: number;
  /** Accumulate in single precision, operation by operation, as GCAS does (drop-in use). */
  float32?: boolean;
}

export interface RawObs {
  /** Merge key, e.g. `${ix},${jx},${kx}`. */
  key: string;
  /** 1 surface, 2 column (GCAS ytype). */
  kind: 1 | 2;
  lat: number;
  lon: number;
  altM: number;
  yPpm: number;
  sigmaPpm: number;
  /** The N members' simulated values [ppm]. */
  hxPpm: ArrayLike<number>;
  /** Carried to the super-ob of the first raw obs of its key (GCAS's kx for Obs_sim). */
  level?: number;
}

export interface SuperObs {
  n: number;
  members: number;
  kind: Uint8Array;
  lat: Float64Array;
  lon: Float64Array;
  altM: Float64Array;
  level: Int32Array;
  /** Raw obs merged into each. */
  count: Int32Array;
  yPpm: Float64Array;
  /** σ after the ×factor and the floor [ppm]. */
  sigmaPpm: Float64Array;
  /** [obs][N] ppm. */
  hxPpm: Float64Array;
}

/** Merge raw obs into super-obs by key (weights 1/σ²; σ_so = √(1/Σw), then max(floor, factor·σ_so)). */
export function buildSuperObs(raw: readonly RawObs[], members: number, options: SuperObsOptions = {}): SuperObs {
  const factor = options.sigmaFactor ?? 1.9;
  const floor = options.sigmaFloorPpm ?? 1.0;
  const fr = options.float32 ? Math.fround : (x: number): number => x;
  const slot = new Map<string, number>();
  const first: RawObs[] = [];
  const sumW: number[] = [];
  const sumWy: number[] = [];
  const sumAlt: number[] = [];
  const count: number[] = [];
  const sumWh: Float64Array[] = [];
  for (const [k, o] of raw.entries()) {
    if (o.hxPpm.length !== members) {
      throw new TanhuiError('BadShape', `raw obs ${k} has ${o.hxPpm.length} simulated values, expected ${members}`, { context: { index: k } });
    }
    if (!(o.sigmaPpm > 0)) throw new TanhuiError('BadValue', `raw obs ${k} has σ ${o.sigmaPpm} ppm, expected > 0`, { context: { index: k } });
    const w = fr(fr(1 / o.sigmaPpm) / o.sigmaPpm);
    let s = slot.get(o.key);
    if (s === undefined) {
      s = first.length;
      slot.set(o.key, s);
      first.push(o);
      sumW.push(0);
      sumWy.push(0);
      sumAlt.push(0);
      count.push(0);
      sumWh.push(new Float64Array(members));
    }
    sumW[s] = fr(sumW[s] + w);
    sumWy[s] = fr(sumWy[s] + fr(o.yPpm * w));
    sumAlt[s] = fr(sumAlt[s] + o.altM);
    count[s] += 1;
    const h = sumWh[s];
    for (let n = 0; n < members; n++) h[n] = fr(h[n] + fr(o.hxPpm[n] * w));
  }
  const n = first.length;
  const out: SuperObs = {
    n,
    members,
    kind: new Uint8Array(n),
    lat: new Float64Array(n),
    lon: new Float64Array(n),
    altM: new Float64Array(n),
    level: new Int32Array(n),
    count: Int32Array.from(count),
    yPpm: new Float64Array(n),
    sigmaPpm: new Float64Array(n),
    hxPpm: new Float64Array(n * members),
  };
  for (let s = 0; s < n; s++) {
    out.kind[s] = first[s].kind;
    out.lat[s] = first[s].lat;
    out.lon[s] = first[s].lon;
    out.level[s] = first[s].level ?? 0;
    out.altM[s] = fr(sumAlt[s] / count[s]);
    out.yPpm[s] = fr(sumWy[s] / sumW[s]);
    out.sigmaPpm[s] = Math.max(floor, fr(fr(Math.sqrt(fr(1 / sumW[s]))) * fr(factor)));
    for (let m = 0; m < members; m++) out.hxPpm[s * members + m] = fr(sumWh[s][m] / sumW[s]);
  }
  return out;
}
