// Plain-text tables for the command line: regional budgets (prior → posterior with σ) and
// network-experiment differences.
import type { NetworkComparison } from './compare';
import type { BudgetRow } from './budgets';

function num(x: number, digits: number): string {
  if (!Number.isFinite(x)) return '—';
  const s = Math.abs(x).toFixed(digits);
  return x < 0 && Number(s) !== 0 ? `\u2212${s}` : s;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]): string => cells.map((s, c) => (c === 0 ? s.padEnd(widths[c]!) : s.padStart(widths[c]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

/** "region  prior ± σ  posterior ± σ  UR" with UR = 1 − σ_post/σ_prior. */
export function formatBudgetTable(rows: readonly BudgetRow[], units = 'PgC yr-1', digits = 3): string {
  return table(
    ['region', `prior [${units}]`, `posterior [${units}]`, 'UR'],
    rows.map((r) => [
      r.region,
      `${num(r.prior, digits)} ± ${num(r.priorSigma, digits)}`,
      `${num(r.posterior, digits)} ± ${num(r.posteriorSigma, digits)}`,
      r.priorSigma > 0 ? num(1 - r.posteriorSigma / r.priorSigma, 2) : '—',
    ]),
  );
}

/** "region  A − B ± σ  UR A  UR B  UR A vs B". */
export function formatComparisonTable(c: NetworkComparison, units = 'PgC yr-1', digits = 3): string {
  return table(
    ['region', `${c.labelA} − ${c.labelB} [${units}]`, `UR ${c.labelA}`, `UR ${c.labelB}`, `UR ${c.labelA} vs ${c.labelB}`],
    c.budgets.map((b) => [b.region, `${num(b.difference, digits)} ± ${num(b.sigma, digits)}`, num(b.uncertaintyReductionA, 2), num(b.uncertaintyReductionB, 2), num(b.relativeReduction, 2)]),
  );
}
