// Helpers for tests only (not exported from index.ts): a seeded PRNG and dot products.
import { mulberry32 } from '@tanhui/core';

export const rng = mulberry32;

export function randomArray(n: number, seed: number): Float64Array {
  const r = rng(seed);
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) out[k] = 2 * r() - 1;
  return out;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k]! * b[k]!;
  return s;
}
