// Which rows of a run store's observation table validate the run. Independent rows are those
// the run sampled (prior and posterior simulated values present) but did not assimilate: any
// use flag other than 0 (assimilated) and 2 (rejected by the innovation test, an outlier by the
// run's own judgement). `--holdout SITES` restricts to those sites; assimilated rows count only
// when explicitly asked for (they measure the fit, not an independent validation).
import type { ValidationRecord } from '@tanhui/analysis';
import { TanhuiError } from '@tanhui/core';
import type { RunStoreData } from './run-store-reader';

export interface ValidationSelection {
  /** Site codes (case-insensitive) to validate against; default: every independent row. */
  holdoutSites?: readonly string[];
  /** Also use assimilated rows (flag 0): then the numbers are a fit, not a validation. */
  includeAssimilated?: boolean;
}

export interface SelectedRecords {
  records: ValidationRecord[];
  /** How many of the records were assimilated by the run (0 unless includeAssimilated). */
  assimilated: number;
  /** One line saying what was selected. */
  description: string;
}

const FLAG_ASSIMILATED = 0;
const FLAG_REJECTED = 2;

export function validationRecords(run: RunStoreData, sel: ValidationSelection = {}): SelectedRecords {
  const o = run.obs;
  const want = sel.holdoutSites && sel.holdoutSites.length > 0 ? new Set(sel.holdoutSites.map((s) => s.trim().toLowerCase())) : undefined;
  if (want) {
    const known = new Set(o.site.map((s) => s.toLowerCase()));
    const missing = [...want].filter((s) => !known.has(s));
    if (missing.length > 0) {
      throw new TanhuiError('BadValue', `the run store has no observations of ${missing.join(', ')}`, {
        context: { file: run.path, variable: 'obs_site' },
        hint: `sites in the store: ${[...known].sort().join(', ')}`,
      });
    }
  }
  const records: ValidationRecord[] = [];
  let assimilated = 0;
  let assimilatedSkipped = 0;
  for (let k = 0; k < o.n; k++) {
    if (want && !want.has(o.site[k]!.toLowerCase())) continue;
    const f = o.flag[k]!;
    if (f === FLAG_REJECTED) continue;
    if (!(Number.isFinite(o.valuePpm[k]!) && Number.isFinite(o.priorPpm[k]!) && Number.isFinite(o.posteriorPpm[k]!) && o.errorPpm[k]! > 0)) continue;
    if (f === FLAG_ASSIMILATED) {
      if (!sel.includeAssimilated) {
        assimilatedSkipped++;
        continue;
      }
      assimilated++;
    }
    records.push({
      site: o.site[k]!,
      category: o.kind[k]!,
      latDeg: o.latDeg[k]!,
      timeSec: o.timeSec[k]!,
      observedPpm: o.valuePpm[k]!,
      priorPpm: o.priorPpm[k]!,
      posteriorPpm: o.posteriorPpm[k]!,
      sigmaPpm: o.errorPpm[k]!,
    });
  }
  if (records.length === 0) {
    const why =
      assimilatedSkipped > 0
        ? `all ${assimilatedSkipped} sampled observations${want ? ' of these sites' : ''} were assimilated by the run, so none is independent`
        : `no sampled observation${want ? ' of these sites' : ''} in the run store`;
    throw new TanhuiError('EmptyInput', `nothing to validate against: ${why}`, {
      context: { file: run.path },
      hint: 'pass --include-assimilated for the fit to assimilated observations (not a validation), or run with held-out sites',
    });
  }
  const description = `${records.length} observations${want ? ` of ${[...want].join(', ')}` : ''}: ${records.length - assimilated} not assimilated${assimilated > 0 ? `, ${assimilated} ASSIMILATED (a fit, not an independent validation)` : ''}`;
  return { records, assimilated, description };
}
