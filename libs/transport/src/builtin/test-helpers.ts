// Shared helpers for the transport tests (deterministic random numbers, inner products).
import { mulberry32 } from '@tanhui/core';
/** Uniforms in [-0.5, 0.5). */
export function rng(seed: number): () => number {
  const u = mulberry32(seed);
  return () => u() - 0.5;
}

export function randomArray(n: number, r: () => number, scale = 1): Float64Array {
  const a = new Float64Array(n);
  for (let q = 0; q < n; q++) a[q] = r() * scale;
  return a;
}

export function dot(...pairs: [Float64Array, Float64Array][]): number {
  let s = 0;
  for (const [a, b] of pairs) for (let q = 0; q < a.length; q++) s += a[q]! * b[q]!;
  return s;
}

/** |a − b| / max(|a|, |b|, tiny). */
export function relDiff(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-300);
}
