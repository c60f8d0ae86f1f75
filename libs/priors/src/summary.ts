// Budget tables of prior flux components: time-mean totals [PgC yr⁻¹] globally and per region
// (region area fractions on the flux grid, so coarse cells split between regions are shared).
import { molSToPgCYr, TanhuiError, type RegionMap } from '@tanhui/core';
import type { FluxField } from './flux';

export interface PriorBudget {
  categories: string[];
  /** Time-mean global total per category [PgC yr⁻¹]. */
  global: number[];
  regions: Array<{ code: number; name: string; kind: string; totals: number[] }>;
}

/** Time-mean area integral [mol s⁻¹] with optional fractional weights per cell. */
function meanTotal(f: FluxField, weight?: ArrayLike<number>): number {
  const n = f.grid.size;
  const nt = f.timesSec.length;
  const a = f.grid.cellAreaM2;
  let s = 0;
  for (let t = 0; t < nt; t++) {
    const b = t * n;
    for (let c = 0; c < n; c++) {
      const w = weight ? weight[c]! : 1;
      if (w !== 0) s += f.fluxMolM2S[b + c]! * a[c]! * w;
    }
  }
  return s / nt;
}

/** Budget of components (all on one grid) with an optional region map (any grid). */
export function priorBudget(components: readonly FluxField[], regions?: RegionMap): PriorBudget {
  if (components.length === 0) throw new TanhuiError('EmptyInput', 'no flux components');
  const grid = components[0]!.grid;
  for (const c of components) if (!c.grid.equals(grid)) throw new TanhuiError('GridMismatch', 'components are on different grids; regrid them first');
  const fractions = regions ? (regions.grid.equals(grid) ? regions.regions.map((r) => Float64Array.from(regions.mask(r.code))) : regions.fractionsOn(grid)) : [];
  return {
    categories: components.map((c) => c.category),
    global: components.map((c) => molSToPgCYr(meanTotal(c))),
    regions: regions
      ? regions.regions.map((r, k) => ({ code: r.code, name: r.name, kind: r.kind, totals: components.map((c) => molSToPgCYr(meanTotal(c, fractions[k]!))) }))
      : [],
  };
}

/** A fixed-width text table of a budget (PgC yr⁻¹), with a total column. */
export function formatPriorBudget(b: PriorBudget): string {
  const head = ['region', ...b.categories, 'total'];
  const fmt = (v: number): string => v.toFixed(3).padStart(9);
  const line = (name: string, vals: number[]): string => `${name.padEnd(28).slice(0, 28)}${vals.map(fmt).join('')}${fmt(vals.reduce((s, v) => s + v, 0))}`;
  const rows = [`${head[0]!.padEnd(28)}${head.slice(1).map((h) => h.padStart(9)).join('')}`];
  for (const r of b.regions) rows.push(line(`${String(r.code).padStart(2)} ${r.name}`, r.totals));
  rows.push(line('global', b.global));
  return `${rows.join('\n')}\n(time-mean totals in PgC yr⁻¹, positive to the atmosphere)`;
}
