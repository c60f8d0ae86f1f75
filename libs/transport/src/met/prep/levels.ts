// Vertical part of the meteo preparation: model levels as groups of contiguous source levels
// (TM5's level merging). A level map lists, surface first, the source interface that each model
// interface is (0 = surface … nsrc = top); a model layer's air mass, and its mass fluxes, are the
// sums over its source layers, so merging conserves mass exactly.
import { HybridLevels, TanhuiError } from '@tanhui/core';
import { L137_A_PA, L137_B, L72_A_PA, L72_B } from './level-tables';

/** Source interface index (surface first) of each model interface: [0, …, nsrc]. */
export type LevelMap = readonly number[];

export const ECMWF_L137 = (): HybridLevels => new HybridLevels(L137_A_PA, L137_B);
export const GEOS_L72 = (): HybridLevels => new HybridLevels(L72_A_PA, L72_B);

/** Check a level map against the number of source levels; returns it as Int32Array. */
export function checkLevelMap(map: LevelMap, nsrc: number): Int32Array {
  const m = Int32Array.from(map);
  if (m.length < 2 || m[0] !== 0 || m[m.length - 1] !== nsrc) {
    throw new TanhuiError('InvalidConfig', `a level map must run from source interface 0 (surface) to ${nsrc} (top), got [${map.slice(0, 3).join(', ')}, …, ${map[map.length - 1]}]`, { context: { key: 'met.levelMap' } });
  }
  for (let q = 1; q < m.length; q++) {
    if (!(m[q]! > m[q - 1]!)) throw new TanhuiError('InvalidConfig', `a level map must increase (interface ${q}: ${m[q]} after ${m[q - 1]})`, { context: { key: 'met.levelMap', index: q } });
  }
  return m;
}

/** The model's hybrid levels: the source interfaces the map keeps. */
export function mergedLevels(src: HybridLevels, map: LevelMap): HybridLevels {
  const m = checkLevelMap(map, src.nlev);
  return new HybridLevels(Array.from(m, (k) => src.aHalfPa[k]!), Array.from(m, (k) => src.bHalf[k]!));
}

/**
 * Map whose interfaces are the source interfaces nearest in pressure (at 1000 hPa surface
 * pressure) to the target's: 137 → 25 and 72 → 25 onto the model's generic 25 levels.
 */
export function nearestLevelMap(src: HybridLevels, target: HybridLevels): number[] {
  const p = (l: HybridLevels, k: number): number => l.aHalfPa[k]! + l.bHalf[k]! * 1e5;
  const out = [0];
  for (let m = 1; m < target.nlev; m++) {
    const want = p(target, m);
    let best = out[out.length - 1]! + 1;
    for (let k = best; k < src.nlev - (target.nlev - m); k++) if (Math.abs(p(src, k) - want) < Math.abs(p(src, best) - want)) best = k;
    out.push(best);
  }
  out.push(src.nlev);
  return out;
}

/** GEOS-Chem's reduced 47 levels from the 72: 36 kept from the surface, then 4 pairs, then 7 quads. */
export function geosChem47Map(): number[] {
  const out = [];
  for (let k = 0; k <= 36; k++) out.push(k);
  for (let q = 1; q <= 4; q++) out.push(36 + 2 * q);
  for (let q = 1; q <= 7; q++) out.push(44 + 4 * q);
  return out;
}

/** The default map of a source level count onto a model level count (137→25, 72→25, 72→47, n→n). */
export function defaultLevelMap(src: HybridLevels, nModel: number): number[] {
  if (nModel === src.nlev) return Array.from({ length: nModel + 1 }, (_, k) => k);
  if (src.nlev === 72 && nModel === 47) return geosChem47Map();
  if (nModel === 25 && (src.nlev === 137 || src.nlev === 72)) return nearestLevelMap(src, HybridLevels.generic25());
  throw new TanhuiError('InvalidConfig', `no default level map from ${src.nlev} to ${nModel} levels (defaults: 137→25, 72→25, 72→47)`, {
    context: { key: 'met.levelMap' },
    hint: 'give met.levelMap: the source interface (0 = surface) of each model interface',
  });
}
