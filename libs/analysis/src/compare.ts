// Observation-network experiments (the seed's Case 1/2/3): two runs that differ only in the
// observations assimilated. Difference maps ("with − without"), budget differences with σ, and
// the uncertainty reduction each network gives.
import { TanhuiError } from '@tanhui/core';

/** What one run contributes to a comparison: a posterior flux map and regional budgets. */
export interface RunSummary {
  label: string;
  /** Posterior mean flux [mol m⁻² s⁻¹], flat j*nlon + i. */
  posteriorFluxMolM2S: ArrayLike<number>;
  /** Prior and posterior σ per cell [mol m⁻² s⁻¹] (optional: uncertainty-reduction maps). */
  priorSigmaMolM2S?: ArrayLike<number>;
  posteriorSigmaMolM2S?: ArrayLike<number>;
  /** Region names, and per region prior/posterior totals and σ [PgC yr⁻¹]. */
  regions: readonly string[];
  priorPgC: ArrayLike<number>;
  priorSigmaPgC: ArrayLike<number>;
  posteriorPgC: ArrayLike<number>;
  posteriorSigmaPgC: ArrayLike<number>;
}

/** 1 − σ_post/σ_prior per element; NaN where σ_prior is 0. */
export function uncertaintyReduction(priorSigma: ArrayLike<number>, posteriorSigma: ArrayLike<number>): Float64Array {
  if (priorSigma.length !== posteriorSigma.length) {
    throw new TanhuiError('BadShape', `prior σ has ${priorSigma.length} values, posterior σ ${posteriorSigma.length}`);
  }
  return Float64Array.from(priorSigma, (sp, k) => (sp > 0 ? 1 - posteriorSigma[k]! / sp : NaN));
}

export interface BudgetDifferenceRow {
  region: string;
  /** Posterior A − posterior B [PgC yr⁻¹]. */
  difference: number;
  /** σ of the difference: sqrt(σA² + σB² − 2 cov(A, B)). */
  sigma: number;
  /** Uncertainty reduction of each run (1 − σ_post/σ_prior). */
  uncertaintyReductionA: number;
  uncertaintyReductionB: number;
  /** Extra reduction of A relative to B: 1 − σ_post,A/σ_post,B (what the added network gives). */
  relativeReduction: number;
}

export interface NetworkComparison {
  labelA: string;
  labelB: string;
  /** Posterior flux A − B per cell [mol m⁻² s⁻¹]. */
  differenceMolM2S: Float64Array;
  /** Uncertainty-reduction maps of each run when both carry σ maps. */
  uncertaintyReductionA?: Float64Array;
  uncertaintyReductionB?: Float64Array;
  budgets: BudgetDifferenceRow[];
}

export interface CompareOptions {
  /**
   * Covariance between A's and B's posterior regional totals per region [(PgC yr⁻¹)²]; 0 (runs
   * independent) when absent. Runs sharing prior ensemble perturbations are positively
   * correlated, which shrinks the σ of their difference.
   */
  crossCovariancePgC2?: ArrayLike<number>;
}

/** A − B: flux map difference, budget differences with σ and uncertainty reductions. */
export function compareRuns(a: RunSummary, b: RunSummary, options: CompareOptions = {}): NetworkComparison {
  if (a.posteriorFluxMolM2S.length !== b.posteriorFluxMolM2S.length) {
    throw new TanhuiError('GridMismatch', `run ${a.label} has ${a.posteriorFluxMolM2S.length} cells, run ${b.label} ${b.posteriorFluxMolM2S.length}`, {
      hint: 'compare runs on the same grid',
    });
  }
  const nr = a.regions.length;
  if (b.regions.length !== nr || a.regions.some((r, k) => b.regions[k] !== r)) {
    throw new TanhuiError('BadValue', `runs ${a.label} and ${b.label} use different regions`, { hint: 'use the same region map for both' });
  }
  for (const run of [a, b]) {
    for (const key of ['priorPgC', 'priorSigmaPgC', 'posteriorPgC', 'posteriorSigmaPgC'] as const) {
      if (run[key].length !== nr) throw new TanhuiError('BadShape', `${run.label}.${key} has ${run[key].length} values for ${nr} regions`, { context: { variable: key } });
    }
  }
  const cross = options.crossCovariancePgC2;
  if (cross && cross.length !== nr) throw new TanhuiError('BadShape', `crossCovariancePgC2 has ${cross.length} values for ${nr} regions`);
  const differenceMolM2S = Float64Array.from(a.posteriorFluxMolM2S, (x, k) => x - b.posteriorFluxMolM2S[k]!);
  const budgets: BudgetDifferenceRow[] = a.regions.map((region, r) => {
    const sa = a.posteriorSigmaPgC[r]!;
    const sb = b.posteriorSigmaPgC[r]!;
    const v = sa * sa + sb * sb - 2 * (cross ? cross[r]! : 0);
    return {
      region,
      difference: a.posteriorPgC[r]! - b.posteriorPgC[r]!,
      sigma: Math.sqrt(Math.max(0, v)),
      uncertaintyReductionA: a.priorSigmaPgC[r]! > 0 ? 1 - sa / a.priorSigmaPgC[r]! : NaN,
      uncertaintyReductionB: b.priorSigmaPgC[r]! > 0 ? 1 - sb / b.priorSigmaPgC[r]! : NaN,
      relativeReduction: sb > 0 ? 1 - sa / sb : NaN,
    };
  });
  const out: NetworkComparison = { labelA: a.label, labelB: b.label, differenceMolM2S, budgets };
  if (a.priorSigmaMolM2S && a.posteriorSigmaMolM2S) out.uncertaintyReductionA = uncertaintyReduction(a.priorSigmaMolM2S, a.posteriorSigmaMolM2S);
  if (b.priorSigmaMolM2S && b.posteriorSigmaMolM2S) out.uncertaintyReductionB = uncertaintyReduction(b.priorSigmaMolM2S, b.posteriorSigmaMolM2S);
  return out;
}
