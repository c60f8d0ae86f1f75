// Physical plausibility of a prior component, checked before a run touches its store: a flux in
// gC m⁻² d⁻¹ or µmol m⁻² s⁻¹ labelled mol m⁻² s⁻¹ (×1e6 too large) reads without error and
// would run to completion. The bounds are on the time-mean global total and are generous: the
// observed carbon cycle is ~10 PgC yr⁻¹ (fossil), ~2.5 (ocean sink), ~2 (fire), and the land's
// net flux far below its ~120 PgC yr⁻¹ gross uptake; only unit mistakes exceed them.
import { molSToPgCYr, TanhuiError } from '@tanhui/core';
import { meanTotalMolPerSecond, type FluxCategory, type FluxField } from './flux';

/** Largest plausible |time-mean global total| per component [PgC yr⁻¹] (issue 21). */
export const PLAUSIBLE_TOTAL_PGC_YR: Readonly<Record<FluxCategory, number>> = { bio: 500, ocean: 50, fossil: 50, fire: 50, other: 500 };

/** Unit slips seen in practice: how many times too large a value is when read as mol m⁻² s⁻¹. */
const UNIT_SLIPS: readonly { unit: string; factor: number }[] = [
  { unit: 'µmol m-2 s-1', factor: 1e6 },
  { unit: 'gC m-2 d-1', factor: 12.0107 * 86400 },
  { unit: 'gCO2 m-2 d-1', factor: 44.0095 * 86400 },
  { unit: 'kgC m-2 yr-1', factor: 12.0107e-3 * 365.25 * 86400 },
  { unit: 'gC m-2 yr-1', factor: 12.0107 * 365.25 * 86400 },
  { unit: 'nmol m-2 s-1', factor: 1e9 },
];

/** Time-mean global total of a component [PgC yr⁻¹]. */
export function meanGlobalTotalPgCYr(f: FluxField): number {
  return molSToPgCYr(meanTotalMolPerSecond(f));
}

/** Units whose slip factor is within half a decade of `factor` (how far the total is off). */
function likelySlips(factor: number): string[] {
  return UNIT_SLIPS.filter((s) => Math.abs(Math.log10(factor / s.factor)) <= 0.75).map((s) => s.unit);
}

/**
 * Refuse a component whose time-mean global total is outside the plausible range for its kind.
 * The error names the component, the total, the expected unit and the likely mistake.
 */
export function assertPlausiblePrior(f: FluxField, opts: { file?: string; variable?: string; key?: string } = {}): void {
  const bound = PLAUSIBLE_TOTAL_PGC_YR[f.category];
  const total = meanGlobalTotalPgCYr(f);
  if (Number.isFinite(total) && Math.abs(total) <= bound) return;
  // Against a typical magnitude of the kind (a few PgC yr⁻¹), the order of the slip.
  const factor = Math.abs(total) / 3;
  const slips = Number.isFinite(total) ? likelySlips(factor) : [];
  const likely = slips.length > 0 ? `: ~${factor.toExponential(0)} times too large, likely ${slips.join(' or ')} read as mol m-2 s-1` : '';
  throw new TanhuiError('BadUnits', `prior ${f.category} flux totals ${total.toPrecision(3)} PgC yr-1 globally (plausible |total| ≤ ${bound}; expected unit mol m-2 s-1)${likely}`, {
    context: { file: opts.file, variable: opts.variable, key: opts.key },
    hint: 'convert the file to mol m-2 s-1 (or fix its units attribute); for an idealised experiment set prior.allowImplausible: true or pass --allow-implausible',
  });
}
