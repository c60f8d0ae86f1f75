// What a window's posterior is reported as: flux maps per component, regional budgets (mean,
// σ, covariance from the ensemble), spreads, and the OSSE truth. Pure functions of the world.
import { stackedBudgetsPgCYr } from '@tanhui/analysis';
import { molM2SToGCM2Yr } from '@tanhui/core';
import { applyMapping, buildMapping, ensembleFlux, gridScalingTerm, type StateMapping } from '@tanhui/priors';
import { COMPONENTS, type ComponentName, type World, type WindowPrior } from '../compose';
import type { WindowOutput } from '../store/run-store';

/** Standard deviation (N−1) of each of `rows` rows of deviations [row][N]. */
export function spreadOf(dev: Float64Array, rows: number, N: number): Float64Array {
  const sd = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let k = 0; k < N; k++) s += dev[r * N + k]! ** 2;
    sd[r] = Math.sqrt(s / (N - 1));
  }
  return sd;
}

function meanOf(f: Float64Array, nPeriods: number, n: number): Float64Array {
  const m = new Float64Array(n);
  for (let p = 0; p < nPeriods; p++) for (let c = 0; c < n; c++) m[c] += f[p * n + c]!;
  for (let c = 0; c < n; c++) m[c] /= nPeriods;
  return m;
}

/** A mapping restricted to one component (for per-component flux maps). */
function termOnly(m: StateMapping, name: string): StateMapping | undefined {
  const t = m.terms.find((x) => x.name === name);
  return t ? { ...m, terms: [t] } : undefined;
}

/** Budget deviations [region][N] of ensemble deviations [state][N] of one window. */
export function budgetDeviations(world: World, prior: WindowPrior, Xprime: Float64Array): Float64Array {
  const N = world.config.solver.members;
  return stackedBudgetsPgCYr(world.regions, applyMapping(prior.meanMapping, Xprime, N), N);
}

export type WindowProducts = Pick<WindowOutput, 'fluxPrior' | 'fluxPosterior' | 'budgetPrior' | 'budgetPosterior' | 'budgetPosteriorSd' | 'budgetPosteriorCov' | 'truth'>;

/** Flux maps, budgets (mean, σ, covariance) and OSSE truth of a window's final posterior. */
export function windowProducts(world: World, prior: WindowPrior, xPost: Float64Array, XpostPrime: Float64Array): WindowProducts {
  const n = world.grid.size;
  const N = world.config.solver.members;
  const fluxPrior = {} as Record<ComponentName, Float64Array>;
  const fluxPosterior = {} as Record<ComponentName, Float64Array>;
  // Cells a term does not cover (e.g. bio flux in a coastal cell of an ocean region) keep the
  // prior flux: posterior = prior + M (x − x_prior).
  const increment = Float64Array.from(xPost, (v, i) => v - world.xPrior[i]!);
  const naturalPrior = new Float64Array(n);
  for (const c of COMPONENTS) {
    fluxPrior[c] = meanOf(prior.components[c].fluxMolM2S, prior.nPeriods, n);
    const term = termOnly(prior.meanMapping, c);
    fluxPosterior[c] = term ? applyMapping(term, increment, 1).map((v, i) => v + fluxPrior[c][i]!) : fluxPrior[c];
    if (term) for (let i = 0; i < n; i++) naturalPrior[i] += fluxPrior[c][i]!;
  }
  const nr = world.regions.size + 3;
  const budgetPrior = stackedBudgetsPgCYr(world.regions, naturalPrior, 1);
  const budgetIncrement = stackedBudgetsPgCYr(world.regions, applyMapping(prior.meanMapping, increment, 1), 1);
  const budgetPosterior = Float64Array.from(budgetPrior, (v, r) => v + budgetIncrement[r]!);
  const devPost = budgetDeviations(world, prior, XpostPrime);
  const cov = new Float64Array(nr * nr);
  for (let a = 0; a < nr; a++) for (let b = 0; b < nr; b++) {
    let s = 0;
    for (let k = 0; k < N; k++) s += devPost[a * N + k]! * devPost[b * N + k]!;
    cov[a * nr + b] = s / (N - 1);
  }
  return { fluxPrior, fluxPosterior, budgetPrior, budgetPosterior, budgetPosteriorSd: spreadOf(devPost, nr, N), budgetPosteriorCov: cov, truth: truthOf(world, fluxPrior) };
}

function truthOf(world: World, fluxPrior: Record<ComponentName, Float64Array>): WindowOutput['truth'] {
  if (!world.truthScaling) return undefined;
  const n = world.grid.size;
  const flux = {} as Record<ComponentName, Float64Array>;
  const nat = new Float64Array(n);
  for (const c of COMPONENTS) {
    const s = world.truthScaling[c];
    flux[c] = s ? Float64Array.from(fluxPrior[c], (v, i) => v * s[i]!) : fluxPrior[c];
    if (s) for (let i = 0; i < n; i++) nat[i] += flux[c][i]!;
  }
  return { flux, budget: stackedBudgetsPgCYr(world.regions, nat, 1) };
}

/** Truth flux of a window [period][cell]: the prior with each optimised component scaled per cell. */
export function truthFlux(world: World, prior: WindowPrior): Float64Array {
  const n = world.grid.size;
  const all = new Uint8Array(n).fill(1);
  const terms = world.optimised.map((name) => gridScalingTerm(name, prior.components[name].fluxMolM2S, prior.nPeriods, all));
  const m = buildMapping(prior.nPeriods, n, terms);
  const xTruth = new Float64Array(m.nState);
  world.optimised.forEach((name, t) => xTruth.set(world.truthScaling![name]!, t * n));
  return ensembleFlux(m, prior.fixed, xTruth, 1);
}

/**
 * Per-cell σ of each optimised component's window-mean flux [gC m⁻² yr⁻¹], prior and posterior,
 * and the uncertainty reduction 1 − σ_post/σ_prior (NaN where the prior σ is 0). Each term maps a
 * cell to one state element (grid or region scaling), so the prior σ is |pattern|·σ_state of the
 * state's prior ensemble spread (what the window entered with, kept in the lag restart), and the
 * posterior σ is the spread of the mapped posterior deviations.
 */
export function uncertaintyMaps(world: World, prior: WindowPrior, priorSpread: Float64Array, XpostPrime: Float64Array): NonNullable<WindowOutput['uncertainty']> {
  const n = world.grid.size;
  const N = world.config.solver.members;
  const toG = molM2SToGCM2Yr(1);
  const out: NonNullable<WindowOutput['uncertainty']> = {};
  for (const c of world.optimised) {
    const term = termOnly(prior.meanMapping, c)!;
    const absTerm = { ...term, terms: term.terms.map((t) => ({ ...t, pattern: t.pattern.map(Math.abs) })) };
    const sdPrior = applyMapping(absTerm, priorSpread, 1).map((v) => v * toG);
    const sdPost = spreadOf(applyMapping(term, XpostPrime, N), n, N).map((v) => v * toG);
    const reduction = Float64Array.from(sdPost, (v, i) => (sdPrior[i]! > 0 ? 1 - v / sdPrior[i]! : NaN));
    out[c] = { sdPrior, sdPosterior: sdPost, reduction };
  }
  return out;
}
