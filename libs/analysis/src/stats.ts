// Small descriptive statistics shared by validation, budgets and closure.
import { TanhuiError } from '@tanhui/core';

export function mean(x: ArrayLike<number>): number {
  if (x.length === 0) throw new TanhuiError('EmptyInput', 'mean of an empty series');
  let s = 0;
  for (let k = 0; k < x.length; k++) s += x[k]!;
  return s / x.length;
}

/** Sample standard deviation (n−1 in the denominator). */
export function sampleStd(x: ArrayLike<number>): number {
  if (x.length < 2) throw new TanhuiError('EmptyInput', 'a sample standard deviation needs at least 2 values');
  const m = mean(x);
  let s = 0;
  for (let k = 0; k < x.length; k++) s += (x[k]! - m) ** 2;
  return Math.sqrt(s / (x.length - 1));
}

/** Pearson correlation; NaN when either series is constant or shorter than 2. */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) {
    throw new TanhuiError('BadShape', `correlation of series of different lengths (${a.length} and ${b.length})`);
  }
  const n = a.length;
  if (n < 2) return NaN;
  const ma = mean(a);
  const mb = mean(b);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let k = 0; k < n; k++) {
    const da = a[k]! - ma;
    const db = b[k]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  if (saa === 0 || sbb === 0) return NaN;
  return sab / Math.sqrt(saa * sbb);
}
