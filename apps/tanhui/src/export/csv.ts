// CSV for spreadsheets and pandas: regional budgets per window with σ (PgC yr⁻¹), and the
// observation table with its flags decoded (kind and use flag by name, QC bits by name).
import { join } from 'node:path';
import { writeFileAtomic } from '@tanhui/io';
import type { RunStoreData } from '../analysis/run-store-reader';
import { OBS_FLAG_MEANINGS, QC_FLAG_MASKS } from '../store/run-store';
import { periodsOf } from './common';

/** One CSV field: quoted when it holds a comma, quote or newline (RFC 4180). */
export function csvField(v: string | number): string {
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : v;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
const row = (fields: (string | number)[]): string => `${fields.map(csvField).join(',')}\n`;
const iso = (sec: number): string => new Date(sec * 1000).toISOString().replace('.000Z', 'Z');

export function budgetsCsv(run: RunStoreData): string {
  const truth = run.truthBudget !== undefined;
  let out = row(['window', 'start', 'end', 'region_code', 'region', 'kind', 'prior_PgC_yr', 'prior_sigma_PgC_yr', 'posterior_PgC_yr', 'posterior_sigma_PgC_yr', ...(truth ? ['truth_PgC_yr'] : [])]);
  for (const [w, p] of periodsOf(run).entries()) {
    run.regions.forEach((r, k) => {
      out += row([w, iso(p.startSec), iso(p.endSec), r.code, r.name, r.kind, run.budgetPrior[w]![k]!, run.budgetPriorSd[w]![k]!, run.budgetPosterior[w]![k]!, run.budgetPosteriorSd[w]![k]!, ...(truth ? [run.truthBudget![w]![k]!] : [])]);
    });
  }
  return out;
}

export function observationsCsv(run: RunStoreData): string {
  const o = run.obs;
  const use = new Map(OBS_FLAG_MEANINGS);
  let out = row(['time', 'lat', 'lon', 'altitude_m', 'site', 'kind', 'window', 'value_ppm', 'error_ppm', 'prior_sim_ppm', 'posterior_sim_ppm', 'use_flag', 'qc']);
  for (let k = 0; k < o.n; k++) {
    const qc = QC_FLAG_MASKS.filter(([b]) => (o.qcFlags[k]! & b) !== 0).map(([, w]) => w).join('|') || 'passed';
    out += row([iso(o.timeSec[k]!), o.latDeg[k]!, o.lonDeg[k]!, o.altitudeM[k]!, o.site[k]!, o.kind[k]!, o.window[k]!, o.valuePpm[k]!, o.errorPpm[k]!, o.priorPpm[k]!, o.posteriorPpm[k]!, use.get(o.flag[k]!) ?? `flag_${o.flag[k]}`, qc]);
  }
  return out;
}

export async function exportCsv(run: RunStoreData, outDir: string, prefix: string): Promise<string[]> {
  const budgets = join(outDir, `${prefix}.budgets.csv`);
  const obs = join(outDir, `${prefix}.observations.csv`);
  writeFileAtomic(budgets, budgetsCsv(run));
  writeFileAtomic(obs, observationsCsv(run));
  return [budgets, obs];
}
