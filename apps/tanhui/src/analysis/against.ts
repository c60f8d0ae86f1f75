// Validation against observation files the run never sampled: read them with
// @tanhui/observations, apply the run's QC and model-data mismatch classes (from its stored
// config), sample the run's prior and posterior at them (resample.ts) and return the records.
import type { ValidationRecord } from '@tanhui/analysis';
import { TanhuiError } from '@tanhui/core';
import { applyQc, concatTables, CT_CLASSES, OBS_KINDS, readObservationFile, selectRows } from '@tanhui/observations';
import { sampleRunAt, worldOfStore } from './resample';

export interface AgainstRecords {
  records: ValidationRecord[];
  description: string;
}

export async function againstRecords(storePath: string, files: readonly string[], holdoutSites: readonly string[] = []): Promise<AgainstRecords> {
  const tables = [];
  for (const f of files) tables.push((await readObservationFile(f)).table);
  const all = concatTables(tables);
  const want = holdoutSites.length > 0 ? new Set(holdoutSites.map((s) => s.trim().toLowerCase())) : undefined;
  const table = want ? selectRows(all, Int32Array.from({ length: all.n }, (_, k) => k).filter((k) => want.has((all.sites[all.site[k]!] ?? '').toLowerCase()))) : all;
  const opened = await worldOfStore(storePath);
  const { world, complete } = opened;
  if (complete < 1) throw new TanhuiError('EmptyInput', 'the run store has no complete window yet', { context: { file: storePath } });
  const e = world.config.observations.errorClasses;
  const classes = {
    mbl: { ...CT_CLASSES.mbl!, mdmPpm: e.mbl },
    land: { ...CT_CLASSES.land!, mdmPpm: e.land },
    mixed: { ...CT_CLASSES.mixed!, mdmPpm: e.mixed },
    aircraft: { ...CT_CLASSES.aircraft!, mdmPpm: e.aircraft },
    tower: { ...CT_CLASSES.tower!, mdmPpm: e.tower },
    satellite: { ...CT_CLASSES.satellite!, mdmPpm: e.xco2 },
  };
  const qc = applyQc(table, {
    siteTable: { rejectionThreshold: world.config.solver.rejectionThreshold, globalRScaling: 1, classes, sites: new Map(), moves: new Map() },
    window: [world.windows[0]!.startSec, world.windows[complete - 1]!.endSec],
  });
  const sim = await sampleRunAt(storePath, table, opened);
  const records: ValidationRecord[] = [];
  for (let k = 0; k < table.n; k++) {
    if (!(Number.isFinite(sim.priorPpm[k]!) && Number.isFinite(sim.posteriorPpm[k]!) && Number.isFinite(table.valuePpm[k]!))) continue;
    records.push({
      site: table.sites[table.site[k]!] ?? '?',
      category: OBS_KINDS[table.kind[k]!] ?? 'unknown',
      latDeg: table.latDeg[k]!,
      timeSec: table.timeSec[k]!,
      observedPpm: table.valuePpm[k]!,
      priorPpm: sim.priorPpm[k]!,
      posteriorPpm: sim.posteriorPpm[k]!,
      sigmaPpm: qc.totalErrorPpm[k]!,
    });
  }
  if (records.length === 0) {
    throw new TanhuiError('EmptyInput', `none of the ${table.n} observations in the files passed QC inside the run's complete windows${sim.columnsSkipped > 0 ? ` (${sim.columnsSkipped} column observations skipped: not supported)` : ''}`, {
      context: { file: files[0] },
      hint: 'check the time range and sites of the files against the run',
    });
  }
  const description = `${records.length} of ${table.n} observations in ${files.length} file(s), sampled from the run's prior and posterior (not assimilated by it)${sim.columnsSkipped > 0 ? `; ${sim.columnsSkipped} column observations skipped (not supported)` : ''}`;
  return { records, description };
}
