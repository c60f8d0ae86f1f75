// Argument checks shared by the solvers: one TanhuiError naming the variable at fault.
import { TanhuiError } from '@tanhui/core';

export function expectLength(name: string, a: ArrayLike<number> | undefined, expected: number, what: string): void {
  if (a === undefined) {
    throw new TanhuiError('MissingVariable', `${name} is missing`, { context: { variable: name } });
  }
  if (a.length !== expected) {
    throw new TanhuiError('BadShape', `${name} has ${a.length} values, expected ${expected} (${what})`, {
      context: { variable: name },
    });
  }
}

export function expectPositiveInteger(name: string, v: number, min = 1): void {
  if (!Number.isInteger(v) || v < min) {
    throw new TanhuiError('InvalidArgument', `${name} must be an integer ≥ ${min}, got ${v}`, { context: { variable: name } });
  }
}

/** Throw BadValue naming the array and the first index that is NaN or infinite. */
export function expectFinite(name: string, a: ArrayLike<number>): void {
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i])) {
      throw new TanhuiError('BadValue', `${name} has a non-finite value (${a[i]}) at flat index ${i}`, {
        context: { variable: name, index: i },
      });
    }
  }
}

export function expectPositive(name: string, a: ArrayLike<number>): void {
  for (let i = 0; i < a.length; i++) {
    if (!(a[i] > 0)) {
      throw new TanhuiError('BadValue', `${name} must be positive, got ${a[i]} at index ${i}`, {
        hint: 'variances must be > 0',
        context: { variable: name, index: i },
      });
    }
  }
}
