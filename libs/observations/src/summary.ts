// A summary of an observation table for people: counts by kind and site, time and value
// ranges, QC failures by reason.
import { OBS_KINDS, QC, type ObservationTable, type QcReason } from './record';
import { countFailures } from './qc';

export interface ObservationSummary {
  n: number;
  nGood: number;
  byKind: Record<string, number>;
  bySite: Record<string, number>;
  timeRange?: [string, string];
  /** Finite values only [ppm]. */
  valueRangePpm?: [number, number];
  failures: Partial<Record<QcReason, number>>;
}

export function summarize(table: ObservationTable): ObservationSummary {
  const byKind: Record<string, number> = {};
  const bySiteIdx = new Map<number, number>();
  let t0 = Infinity;
  let t1 = -Infinity;
  let v0 = Infinity;
  let v1 = -Infinity;
  let nGood = 0;
  const kindCounts = new Int32Array(OBS_KINDS.length);
  for (let k = 0; k < table.n; k++) {
    kindCounts[table.kind[k]!]!++;
    bySiteIdx.set(table.site[k]!, (bySiteIdx.get(table.site[k]!) ?? 0) + 1);
    const t = table.timeSec[k]!;
    if (t < t0) t0 = t;
    if (t > t1) t1 = t;
    const v = table.valuePpm[k]!;
    if (Number.isFinite(v)) {
      if (v < v0) v0 = v;
      if (v > v1) v1 = v;
    }
    if (table.flags[k] === 0) nGood++;
  }
  OBS_KINDS.forEach((name, i) => {
    if (kindCounts[i]! > 0) byKind[name] = kindCounts[i]!;
  });
  const bySite: Record<string, number> = {};
  for (const [s, c] of [...bySiteIdx.entries()].sort((a, b) => b[1] - a[1])) bySite[table.sites[s]!] = c;
  const all = countFailures(table.flags);
  const failures: Partial<Record<QcReason, number>> = {};
  for (const key of Object.keys(QC) as QcReason[]) if (all[key] > 0) failures[key] = all[key];
  const iso = (s: number): string => new Date(s * 1000).toISOString().replace('.000Z', 'Z');
  return {
    n: table.n,
    nGood,
    byKind,
    bySite,
    timeRange: table.n > 0 ? [iso(t0), iso(t1)] : undefined,
    valueRangePpm: v0 <= v1 ? [v0, v1] : undefined,
    failures,
  };
}

const REASON_TEXT: Record<QcReason, string> = {
  providerFlag: 'flagged by the provider',
  missing: 'missing value or error',
  outOfRange: 'value outside the plausible range',
  surfaceType: 'surface type filtered',
  doNotUse: 'site category do-not-use',
  outsideWindow: 'outside the time window',
  mode: 'observation mode filtered',
  innovation: 'innovation beyond threshold',
};

export function formatSummary(s: ObservationSummary, maxSites = 20): string {
  const lines: string[] = [];
  lines.push(`observations: ${s.n} (${s.nGood} pass QC, ${s.n - s.nGood} fail)`);
  lines.push(`by kind: ${Object.entries(s.byKind).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  const sites = Object.entries(s.bySite);
  lines.push(`by site (${sites.length}): ${sites.slice(0, maxSites).map(([k, v]) => `${k} ${v}`).join(', ')}${sites.length > maxSites ? ', …' : ''}`);
  if (s.timeRange) lines.push(`time: ${s.timeRange[0]} … ${s.timeRange[1]}`);
  if (s.valueRangePpm) lines.push(`value: ${s.valueRangePpm[0].toFixed(3)} … ${s.valueRangePpm[1].toFixed(3)} ppm`);
  const f = Object.entries(s.failures) as [QcReason, number][];
  lines.push(f.length === 0 ? 'QC failures: none' : `QC failures: ${f.map(([k, v]) => `${v} ${REASON_TEXT[k]}`).join('; ')}`);
  return lines.join('\n');
}
