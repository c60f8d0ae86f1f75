// What every export format shares: the store read once through the one run-store reader, the
// windows as periods (start, middle, end; calendar pieces), the conservative regrid to 1°×1°
// (libs/core ConservativeRegrid: area-weighted, the global integral conserved), and per-component
// regional totals through @tanhui/analysis' budgets.
import { stackedBudgetsPgCYr } from '@tanhui/analysis';
import { conservativeRegrid, LatLonGrid, RegionMap, totalPgCYr, type ConservativeRegrid, type RegionInfo, type RegionKind } from '@tanhui/core';
import { STORE_COMPONENTS, type RunStoreData, type StoreComponent } from '../analysis/run-store-reader';

export const DAY_S = 86400;
/** CarbonTracker's and CF's epoch for `date`: days since 2000-01-01 00:00:00 UTC. */
export const EPOCH_2000_S = Date.UTC(2000, 0, 1) / 1000;

export interface Period {
  startSec: number;
  endSec: number;
  midSec: number;
  /** YYYYMMDD of the start (file names). */
  stamp: string;
}

export function periodsOf(run: RunStoreData): Period[] {
  return run.windows.map((w) => ({ ...w, midSec: (w.startSec + w.endSec) / 2, stamp: new Date(w.startSec * 1000).toISOString().slice(0, 10).replace(/-/g, '') }));
}

/** Year + fraction of the year elapsed (CarbonTracker's decimal_date). */
export function decimalDate(sec: number): number {
  const y = new Date(sec * 1000).getUTCFullYear();
  const a = Date.UTC(y, 0, 1) / 1000;
  const b = Date.UTC(y + 1, 0, 1) / 1000;
  return y + (sec - a) / (b - a);
}

/** [year, month, day, hour, minute, second] in UTC. */
export function dateComponents(sec: number): number[] {
  const d = new Date(Math.round(sec) * 1000);
  return [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()];
}

/** The 1°×1° grid of CarbonTracker's flux1x1 and GCAS's outputs (centres −179.5…179.5, −89.5…89.5). */
export const grid1x1 = (): LatLonGrid => LatLonGrid.preset('1x1');

/** Regrids every map of a store to one target grid, reusing one operator. */
export class Regridder {
  readonly target: LatLonGrid;
  private readonly op?: ConservativeRegrid;
  constructor(source: LatLonGrid, target: LatLonGrid) {
    this.target = target;
    this.op = source.equals(target) ? undefined : conservativeRegrid(source, target);
  }
  /** An intensive field (flux per area) on the target grid. */
  flux(map: Float64Array): Float64Array {
    return this.op ? this.op.apply(map) : map;
  }
}

/** Sum of some components' maps of one window. */
export function sumMaps(maps: Record<StoreComponent, Float64Array[]>, components: readonly StoreComponent[], w: number): Float64Array {
  const out = new Float64Array(maps[components[0]!]![w]!.length);
  for (const c of components) {
    const m = maps[c][w]!;
    for (let k = 0; k < out.length; k++) out[k] += m[k]!;
  }
  return out;
}

/** The store's region map as a RegionMap (its regions without the aggregates 101–103). */
export function storeRegionMap(run: RunStoreData): RegionMap {
  const present = new Set(run.regionMap);
  const regions: RegionInfo[] = run.regions.filter((r) => present.has(r.code) && r.code !== 0).map((r) => ({ code: r.code, name: r.name, kind: r.kind as RegionKind }));
  return new RegionMap(run.grid, run.regionMap, regions);
}

export interface RegionalTotals {
  /** Rows: Globe (every cell), then the budget rows (regions, land, ocean, total of regions). */
  rows: { code: number; name: string; kind: string }[];
  /** [component][window][row] PgC yr⁻¹, prior ('org') and posterior ('opt'). */
  prior: Record<StoreComponent, Float64Array[]>;
  posterior: Record<StoreComponent, Float64Array[]>;
}

/** Per-component regional totals of every window [PgC yr⁻¹] (Globe = all cells, then the store's budget rows). */
export function regionalTotals(run: RunStoreData): RegionalTotals {
  const map = storeRegionMap(run);
  const budgetRows = [...map.regions.map((r) => ({ code: r.code, name: r.name, kind: r.kind as string })), ...run.regions.filter((r) => r.code >= 101)];
  const rows = [{ code: -1, name: 'Globe', kind: 'all' }, ...budgetRows];
  const of = (maps: Record<StoreComponent, Float64Array[]>): Record<StoreComponent, Float64Array[]> => {
    const out = {} as Record<StoreComponent, Float64Array[]>;
    for (const c of STORE_COMPONENTS) {
      out[c] = maps[c].map((m) => {
        const b = stackedBudgetsPgCYr(map, m, 1);
        const r = new Float64Array(rows.length);
        r[0] = totalPgCYr(m, run.grid.cellAreaM2);
        r.set(b.subarray(0, rows.length - 1), 1);
        return r;
      });
    }
    return out;
  };
  return { rows, prior: of(run.fluxPrior), posterior: of(run.fluxPosterior) };
}
