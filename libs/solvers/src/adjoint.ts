// Checks every linear operator and gradient can be put through (CIF's adjtl_test):
// the dot-product test ⟨A u, v⟩ = ⟨u, Aᵀ v⟩ and the Taylor (finite-difference) gradient test.
import type { Rng } from '@tanhui/core';
import { dot } from './kernels/vector';

export interface AdjointTestResult {
  /** ⟨op(u), v⟩ */
  lhs: number;
  /** ⟨u, adj(v)⟩ */
  rhs: number;
  /** |lhs − rhs| / max(|lhs|, |rhs|); ~1e-15 for a correct adjoint in double precision. */
  relError: number;
}

/** Dot-product test of `adj` as the adjoint of the linear `op` (R^nIn → R^nOut) with random vectors. */
export function adjointTest(
  op: (u: Float64Array) => Float64Array,
  adj: (v: Float64Array) => Float64Array,
  nIn: number,
  nOut: number,
  rng: Rng,
): AdjointTestResult {
  const u = rng.fillNormal(new Float64Array(nIn));
  const v = rng.fillNormal(new Float64Array(nOut));
  const au = op(u);
  const atv = adj(v);
  if (au.length !== nOut || atv.length !== nIn) {
    throw new RangeError(`adjointTest: op gave ${au.length} values (expected ${nOut}), adj gave ${atv.length} (expected ${nIn})`);
  }
  const lhs = dot(nOut, au, v);
  const rhs = dot(nIn, u, atv);
  const scale = Math.max(Math.abs(lhs), Math.abs(rhs), Number.MIN_VALUE);
  return { lhs, rhs, relError: Math.abs(lhs - rhs) / scale };
}

export interface GradientTestRow {
  step: number;
  /** (f(x + h·d) − f(x)) / (h·∇f·d): → 1 as h → 0 until rounding takes over. */
  ratio: number;
}

/** Taylor test of `grad` against `f` at x along d, for steps 10⁻¹ … 10⁻ⁿ. */
export function gradientTest(
  f: (x: Float64Array) => number,
  grad: (x: Float64Array) => Float64Array,
  x: Float64Array,
  direction: Float64Array,
  steps = 10,
): GradientTestRow[] {
  const f0 = f(x);
  const slope = dot(x.length, grad(x), direction);
  const rows: GradientTestRow[] = [];
  const xh = new Float64Array(x.length);
  for (let k = 1; k <= steps; k++) {
    const h = 10 ** -k;
    for (let i = 0; i < x.length; i++) xh[i] = x[i] + h * direction[i];
    rows.push({ step: h, ratio: (f(xh) - f0) / (h * slope) });
  }
  return rows;
}
