// GCASv2's post-processing outputs (post_gcasflux.f90, post_gcasuncert.f90; /work/shared/gcas
// ALGORITHM.md §8 and reference/*flux.txt): `posterior.fluxes.CASE.nc` (1°×1°, prior "org" and
// optimised "opt" per component, gC m⁻² per period) and per region `<Region>_monthlyflux.txt`
// (TgC per month), `<Region>_annualflux.txt` (PgC per year: the sum of the months), and their
// `*uncertainties.txt` (variances summed over windows, as GCAS treats windows as independent).
// The column layout and headers are GCAS's, byte for byte. Fire and fossil are imposed here (not
// optimised): their opt = org and σ = 0; the σ of bio and ocean are the store's budget σ of the
// region (land regions: bio, ocean regions: ocean; Globe: global land and global ocean).
import { join } from 'node:path';
import { writeFileAtomic, writeNetcdf3 } from '@tanhui/io';
import { molM2SToGCM2Yr, SECONDS_PER_YEAR } from '@tanhui/core';
import type { RunStoreData, StoreComponent } from '../analysis/run-store-reader';
import { cfFlagWord } from '../store/run-store';
import { axisOf } from './ct-flux1x1';
import { grid1x1, periodsOf, regionalTotals, Regridder, type Period } from './common';

/** GCAS's column order: [column, component, posterior?]. */
const COLUMNS: readonly [string, StoreComponent, boolean][] = [
  ['Bio_org', 'bio', false], ['Bio_opt', 'bio', true], ['Ocn_org', 'ocean', false], ['Ocn_opt', 'ocean', true],
  ['Fir_org', 'fire', false], ['Fir_opt', 'fire', true], ['Fossil', 'fossil', true],
];
export const GCAS_HEADERS = {
  monthlyFlux: '   ID Year  Mon Bio_org Bio_opt Ocn_org Ocn_opt Fir_org Fir_opt  Fossil Net_org Net_opt (TgC/m)',
  annualFlux: ' Year  Bio_org Bio_opt Ocn_org Ocn_opt Fir_org Fir_opt  Fossil Net_org Net_opt (PgC/a)',
  monthlyUnc: '   ID Year  Mon Bio_org Bio_opt Ocn_org Ocn_opt Fir_org Fir_opt  Fossil Net_org Net_opt (TgC/m)',
  annualUnc: ' Year  Bio_org Bio_opt Ocn_org Ocn_opt Fir_org Fir_opt   Fossil Net_org Net_opt (PgC/a)',
};

/** Fortran's F8.2 (a small negative prints as -0.00, as in GCAS's tables); a wider value keeps one
 * leading blank where Fortran would run it into its neighbour, so columns still split on blanks. */
const f8 = (v: number): string => {
  const s = v.toFixed(2);
  return s.length >= 8 ? ` ${s}` : s.padStart(8);
};

/** Seconds of each period inside each calendar month it touches: [key 'YYYY-MM', w, seconds]. */
function monthPieces(periods: Period[]): { year: number; month: number; pieces: [number, number][] }[] {
  const months = new Map<string, { year: number; month: number; pieces: [number, number][] }>();
  periods.forEach((p, w) => {
    let t = p.startSec;
    while (t < p.endSec) {
      const d = new Date(t * 1000);
      const y = d.getUTCFullYear();
      const m = d.getUTCMonth();
      const next = Math.min(p.endSec, Date.UTC(y, m + 1, 1) / 1000);
      const key = `${y}-${m}`;
      if (!months.has(key)) months.set(key, { year: y, month: m + 1, pieces: [] });
      months.get(key)!.pieces.push([w, next - t]);
      t = next;
    }
  });
  return [...months.values()];
}

export async function exportGcas(run: RunStoreData, outDir: string, prefix: string): Promise<string[]> {
  const periods = periodsOf(run);
  const files: string[] = [];
  // posterior.fluxes: gC m⁻² per period on 1°×1°.
  const g = grid1x1();
  const rg = new Regridder(run.grid, g);
  const perPeriod = (map: Float64Array, p: Period): Float64Array => rg.flux(map).map((v) => molM2SToGCM2Yr(v) * ((p.endSec - p.startSec) / SECONDS_PER_YEAR));
  const stack = (c: StoreComponent, post: boolean): Float64Array => {
    const out = new Float64Array(periods.length * g.size);
    periods.forEach((p, w) => out.set(perPeriod((post ? run.fluxPosterior : run.fluxPrior)[c][w]!, p), w * g.size));
    return out;
  };
  const varName = (col: string): string => col.toLowerCase();
  const lat = axisOf(g.latEdgesDeg);
  const lon = axisOf(g.lonEdgesDeg);
  const nc = join(outDir, `posterior.fluxes.${prefix}.nc`);
  await writeNetcdf3(nc, {
    dims: [['time', periods.length], ['lat', g.nlat], ['lon', g.nlon]],
    attrs: { Conventions: 'CF-1.8', title: 'tanhui posterior fluxes in the GCASv2 post-processing layout', source: run.path, history: 'tanhui export --format gcas' },
    vars: [
      { name: 'date', type: 'int', dims: ['time'], data: Int32Array.from(periods, (p) => Number(p.stamp)), attrs: { long_name: 'period start, YYYYMMDD (UTC)' } },
      { name: 'datesec', type: 'int', dims: ['time'], data: Int32Array.from(periods, (p) => p.startSec % 86400), attrs: { units: 's', long_name: 'seconds of the day of the period start' } },
      { name: 'ndays', type: 'double', dims: ['time'], data: periods.map((p) => (p.endSec - p.startSec) / 86400), attrs: { units: 'days', long_name: 'period length' } },
      { name: 'lat', type: 'double', dims: ['lat'], data: lat.centres, attrs: { units: 'degrees_north', standard_name: 'latitude' } },
      { name: 'lon', type: 'double', dims: ['lon'], data: lon.centres, attrs: { units: 'degrees_east', standard_name: 'longitude' } },
      ...COLUMNS.map(([col, c, post]) => ({ name: varName(col), type: 'double' as const, dims: ['time', 'lat', 'lon'], data: stack(c, post), attrs: { units: 'gC m-2', long_name: `${c} flux ${post ? 'optimised' : 'prior'}, total over the period (positive to the atmosphere)` } })),
    ],
  });
  files.push(nc);

  // Regional tables.
  const totals = regionalTotals(run);
  const months = monthPieces(periods);
  // The budget row whose σ stands for a table row's bio ('land'), ocean or net σ (−1: none).
  const rowOf = (code: number): number => run.regions.findIndex((x) => x.code === code);
  const sdRow = (code: number, kind: 'land' | 'ocean' | 'net'): number => {
    const agg = { land: 101, ocean: 102, net: 103 }[kind];
    if (code === -1 || code === 103) return rowOf(agg);
    if (code === 101 || code === 102) return kind === 'net' || agg === code ? rowOf(code) : -1;
    const k = rowOf(code);
    return kind === 'net' || run.regions[k]?.kind === kind ? k : -1;
  };
  const yearsOf = [...new Set(months.map((m) => m.year))];
  totals.rows.forEach((reg, r) => {
    // Rates [PgC yr⁻¹] per window of each column, and σ per window.
    const rate = (c: StoreComponent, post: boolean, w: number): number => (post ? totals.posterior : totals.prior)[c][w]![r]!;
    const sd = (kind: 'land' | 'ocean' | 'net', post: boolean, w: number): number => {
      const k = sdRow(reg.code, kind);
      return k < 0 ? 0 : (post ? run.budgetPosteriorSd : run.budgetPriorSd)[w]![k]!;
    };
    const colsOf = (amount: (f: (w: number) => number) => number, sigma: (f: (w: number) => number) => number): { flux: number[]; unc: number[] } => {
      const flux = COLUMNS.map(([, c, post]) => amount((w) => rate(c, post, w)));
      const netOrg = amount((w) => rate('bio', false, w) + rate('ocean', false, w) + rate('fire', false, w) + rate('fossil', true, w));
      const netOpt = amount((w) => rate('bio', true, w) + rate('ocean', true, w) + rate('fire', true, w) + rate('fossil', true, w));
      const unc = [sigma((w) => sd('land', false, w)), sigma((w) => sd('land', true, w)), sigma((w) => sd('ocean', false, w)), sigma((w) => sd('ocean', true, w)), 0, 0, 0, sigma((w) => sd('net', false, w)), sigma((w) => sd('net', true, w))];
      return { flux: [...flux, netOrg, netOpt], unc };
    };
    let mFlux = `${GCAS_HEADERS.monthlyFlux}\n`;
    let mUnc = `${GCAS_HEADERS.monthlyUnc}\n`;
    months.forEach((m, i) => {
      // TgC in the month: PgC yr⁻¹ × (seconds in the month / year) × 1000; variances add over windows.
      const amount = (f: (w: number) => number): number => m.pieces.reduce((s, [w, sec]) => s + f(w) * (sec / SECONDS_PER_YEAR) * 1000, 0);
      const sigma = (f: (w: number) => number): number => Math.sqrt(m.pieces.reduce((s, [w, sec]) => s + (f(w) * (sec / SECONDS_PER_YEAR) * 1000) ** 2, 0));
      const { flux, unc } = colsOf(amount, sigma);
      const lead = `${String(i + 1).padStart(5)}${String(m.year).padStart(5)}${String(m.month).padStart(5)}`;
      mFlux += `${lead}${flux.map(f8).join('')}\n`;
      mUnc += `${lead}${unc.map(f8).join('')}\n`;
    });
    let aFlux = `${GCAS_HEADERS.annualFlux}\n`;
    let aUnc = `${GCAS_HEADERS.annualUnc}\n`;
    for (const y of yearsOf) {
      const pieces = months.filter((m) => m.year === y).flatMap((m) => m.pieces);
      const amount = (f: (w: number) => number): number => pieces.reduce((s, [w, sec]) => s + f(w) * (sec / SECONDS_PER_YEAR), 0);
      const sigma = (f: (w: number) => number): number => Math.sqrt(pieces.reduce((s, [w, sec]) => s + (f(w) * (sec / SECONDS_PER_YEAR)) ** 2, 0));
      const { flux, unc } = colsOf(amount, sigma);
      aFlux += `${String(y).padStart(5)}${flux.map(f8).join('')}\n`;
      aUnc += `${String(y).padStart(5)}${unc.map(f8).join('')}\n`;
    }
    const name = cfFlagWord(reg.name);
    for (const [suffix, text] of [['monthlyflux', mFlux], ['annualflux', aFlux], ['monthlyuncertainties', mUnc], ['annualuncertainties', aUnc]] as const) {
      const file = join(outDir, `${name}_${suffix}.txt`);
      writeFileAtomic(file, text);
      files.push(file);
    }
  });
  return files;
}
