// From GCAS's analysis to scaling factors and fluxes (ALGORITHM.md §7, ensrf2emission.f90):
// λ = (x_org + x̄_post − x̄_prior)/x_org, clamped per component; from the second window on a
// continuity rule limits the change relative to the previous window's λ; fluxadjust rescales a
// day's 3-hourly prior so that its sum becomes λ·T.

export interface LambdaClamp {
  /** |λ| limits for positive λ: [min, max]. */
  min: number;
  max: number;
  /** What a negative λ becomes: 'mirror' → clamped to [−max, −min] (bio, ocn); 'min' → min (fire). */
  negative: 'mirror' | 'min';
}

/** GCAS's clamps: bio, ocn [0.1, 10] mirrored for λ < 0; fire [0.2, 5], λ < 0 → 0.2. */
export const GCAS_CLAMPS: readonly LambdaClamp[] = [
  { min: 0.1, max: 10, negative: 'mirror' },
  { min: 0.1, max: 10, negative: 'mirror' },
  { min: 0.2, max: 5, negative: 'min' },
];

export function clampLambda(lambda: number, clamp: LambdaClamp): number {
  if (lambda > 0) return Math.min(clamp.max, Math.max(clamp.min, lambda));
  if (lambda < 0) return clamp.negative === 'min' ? clamp.min : Math.max(-clamp.max, Math.min(-clamp.min, lambda));
  return 0;
}

/**
 * Continuity between windows: with f = (λ − λ_old)/λ_old, f > limit → λ = (1 + limit)·λ_old,
 * f < −limit → λ = (1 − limit)·λ_old (GCAS limit 1.5: 2.5·λ_old, −0.5·λ_old), then the clamp.
 * λ_old = 0 leaves λ as it is.
 */
export function continuityLambda(lambda: number, lambdaOld: number, clamp: LambdaClamp, limit = 1.5): number {
  if (lambdaOld === 0) return lambda;
  const f = (lambda - lambdaOld) / lambdaOld;
  let l = lambda;
  if (f > limit) l = (1 + limit) * lambdaOld;
  else if (f < -limit) l = (1 - limit) * lambdaOld;
  return clampLambda(l, clamp);
}

export interface GcasLambdaInput {
  /** Unperturbed prior per cell (GCAS bgmean_org). */
  xorg: ArrayLike<number>;
  xmeanPrior: ArrayLike<number>;
  xmeanPost: ArrayLike<number>;
  /** Component index per cell into `clamps`. */
  component: ArrayLike<number>;
  clamps?: readonly LambdaClamp[];
  /** Previous window's λ (da_step > 1). */
  lambdaOld?: ArrayLike<number>;
  continuityLimit?: number;
}

export interface GcasLambdaResult {
  lambda: Float64Array;
  /** λ·x_org. */
  xopt: Float64Array;
  /** xopt − xorg. */
  dflux: Float64Array;
}

export function gcasLambda(input: GcasLambdaInput): GcasLambdaResult {
  const clamps = input.clamps ?? GCAS_CLAMPS;
  const n = input.xorg.length;
  const lambda = new Float64Array(n);
  const xopt = new Float64Array(n);
  const dflux = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    const org = input.xorg[c];
    const clamp = clamps[input.component[c]];
    let l = org === 0 ? 1 : (org + input.xmeanPost[c] - input.xmeanPrior[c]) / org;
    l = clampLambda(l, clamp);
    if (input.lambdaOld) l = continuityLambda(l, input.lambdaOld[c], clamp, input.continuityLimit);
    lambda[c] = l;
    xopt[c] = l * org;
    dflux[c] = xopt[c] - org;
  }
  return { lambda, xopt, dflux };
}

/**
 * GCAS fluxadjust, in place: per cell, the `steps` values f_t (layout [step][cell]) move by
 * −|f_t|·(1−λ)T/A with T = Σ f_t, A = Σ |f_t|, so Σ f_t becomes λT and each step moves in
 * proportion to its magnitude (signs can flip where λ is far from 1).
 */
export function fluxAdjust(flux: Float32Array | Float64Array, lambda: ArrayLike<number>, steps: number): void {
  const cells = lambda.length;
  for (let c = 0; c < cells; c++) {
    let t = 0;
    let a = 0;
    for (let s = 0; s < steps; s++) {
      const f = flux[s * cells + c];
      t += f;
      a += Math.abs(f);
    }
    const delta = t - lambda[c] * t;
    if (delta === 0 || a === 0) continue;
    const x = a / delta;
    for (let s = 0; s < steps; s++) flux[s * cells + c] -= Math.abs(flux[s * cells + c]) / x;
  }
}
