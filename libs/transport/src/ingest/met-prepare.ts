// Preparation of a met file set for a time span (main thread): describe every file first (grid,
// times, levels, variables: coverage and consistency are checked before any record is read),
// then stream the records of the span through MetPreparer, one record in memory at a time.
import { HybridLevels, type LatLonGrid, TanhuiError } from '@tanhui/core';
import type { GdalDataset } from '@tanhui/io';
import type { ArrayMetData } from '../met/array-met';
import { defaultLevelMap, type LevelMap } from '../met/prep/levels';
import { MetPreparer, type BalanceReport, type SourceRecord } from '../met/prep/prepare';
import { loadIo } from './common';
import { checkModelLevels, describeMetFile, metReaders, readMetRecord, type MetFileDescription, type MetRole } from './met-sources';

export interface MetFileSet {
  source: string;
  /** Files with the winds (and surface pressure / DELP / lnsp where the source has them there). */
  files: readonly string[];
  /** ERA5: files with lnsp or sp when the wind files have neither. */
  surfaceFiles?: readonly string[];
  /** MERRA-2/GEOS-FP tavg3_3d_trb_Ne (KH) and tavg3_3d_mst_Ne (CMFMC). */
  diffusionFiles?: readonly string[];
  convectionFiles?: readonly string[];
}

export interface PrepareMetOptions {
  grid: LatLonGrid;
  /** Model level count (default level map) or an explicit map. */
  nModelLevels?: number;
  levelMap?: LevelMap;
  startSec: number;
  endSec: number;
  /** Called after each record: (done, total). */
  progress?: (done: number, total: number) => void;
  alloc?: (n: number) => Float64Array;
}

export interface PreparedMet {
  data: ArrayMetData;
  report: {
    source: string;
    layout: string;
    files: string[];
    records: number;
    sourceGrid: string;
    sourceLevels: number;
    /** Model interfaces as source interfaces (model-level met); empty for pressure levels. */
    levelMap: number[];
    /** Pressure-level met: the file's levels [hPa], merged into the model's by pressure overlap. */
    pressureLevelsHPa?: number[];
    balance: BalanceReport;
  };
}

const iso = (t: number): string => new Date(t * 1000).toISOString().replace(/:00\.000Z$/, 'Z');

interface Rec {
  file: number;
  t: number;
  timeSec: number;
}

/** Records of a file set in time order; a time repeated across files is an error. */
function recordsOf(descs: MetFileDescription[]): Rec[] {
  const recs: Rec[] = [];
  descs.forEach((d, f) => d.timesSec.forEach((timeSec, t) => recs.push({ file: f, t, timeSec })));
  recs.sort((a, b) => a.timeSec - b.timeSec);
  for (let q = 1; q < recs.length; q++) {
    if (recs[q]!.timeSec === recs[q - 1]!.timeSec) {
      throw new TanhuiError('BadValue', `the time ${iso(recs[q]!.timeSec)} is in two files of the met file set`, { context: { file: descs[recs[q]!.file]!.file } });
    }
  }
  return recs;
}

function sameGrid(a: MetFileDescription, b: MetFileDescription): void {
  const same = (x: Float64Array, y: Float64Array): boolean => x.length === y.length && x.every((v, q) => Math.abs(v - y[q]!) < 1e-6);
  if (!same(a.lonDeg, b.lonDeg) || !same(a.latDeg, b.latDeg)) {
    throw new TanhuiError('GridMismatch', `the grid (${b.lonDeg.length}×${b.latDeg.length}) differs from ${a.file}'s (${a.lonDeg.length}×${a.latDeg.length})`, { context: { file: b.file } });
  }
}

/** Describe a file set (all files) and check what a run over [start, end] needs. */
export async function describeFileSet(set: MetFileSet): Promise<{ main: MetFileDescription[]; surface: MetFileDescription[]; kh: MetFileDescription[]; cmfmc: MetFileDescription[] }> {
  const d = async (fs: readonly string[] | undefined): Promise<MetFileDescription[]> => {
    const out: MetFileDescription[] = [];
    for (const f of fs ?? []) out.push(await describeMetFile(f, set.source));
    return out;
  };
  return { main: await d(set.files), surface: await d(set.surfaceFiles), kh: await d(set.diffusionFiles), cmfmc: await d(set.convectionFiles) };
}

/** Prepare the met of [startSec, endSec] on the model grid (streaming, record by record). */
export async function prepareMet(set: MetFileSet, o: PrepareMetOptions): Promise<PreparedMet> {
  const reader = metReaders.get(set.source, { key: 'met.source' });
  if (set.files.length === 0) throw new TanhuiError('EmptyInput', 'the met file set is empty', { context: { key: 'met.files' } });
  const descs = await describeFileSet(set);
  const first = descs.main[0]!;
  for (const x of [...descs.main.slice(1), ...descs.surface, ...descs.kh, ...descs.cmfmc]) sameGrid(first, x);
  for (const role of ['u', 'v'] as MetRole[]) {
    for (const x of descs.main) if (!x.variables[role]) throw new TanhuiError('MissingVariable', `the file has no ${reader.names[role]!.join(' or ')} (${role === 'u' ? 'eastward' : 'northward'} wind)`, { context: { file: x.file, variable: reader.names[role]![0] } });
  }
  const pressure = first.levelKind === 'pressure';
  if (pressure && (o.levelMap || (o.nModelLevels ?? 25) !== 25)) {
    throw new TanhuiError('InvalidConfig', 'pressure-level met goes to the generic 25 model levels by pressure overlap; a level map applies to model-level met only', { context: { key: 'met.levelMap', file: first.file } });
  }
  if (first.levelKind === 'none') throw new TanhuiError('BadShape', `${first.variables.u!.name} has no level axis (single-level winds cannot drive a 3-D model)`, { context: { file: first.file, variable: first.variables.u!.name } });
  const srcLevels = pressure ? HybridLevels.generic25() : checkModelLevels(first, reader, 'u');
  for (const x of descs.main) {
    if (x.levelValues.length !== first.levelValues.length || x.levelValues.some((v, q) => v !== first.levelValues[q])) {
      throw new TanhuiError('BadShape', `the levels differ from ${first.file}'s`, { context: { file: x.file, variable: x.variables.u!.name } });
    }
  }
  // Surface pressure: in the wind files (DELP, PS, lnsp) or in the surface files.
  const psRole = (x: MetFileDescription): MetRole | undefined => (['delp', 'ps', 'lnsp'] as const).find((r) => x.variables[r]);
  const psFromMain = descs.main.every((x) => psRole(x) !== undefined);
  if (!psFromMain && (descs.surface.length === 0 || !descs.surface.every((x) => psRole(x) !== undefined))) {
    const want = (['delp', 'ps', 'lnsp'] as const).flatMap((r) => reader.names[r] ?? []).join(', ');
    throw new TanhuiError('MissingVariable', `the met file set has no surface pressure (${want})`, { context: { file: descs.main.find((x) => !psRole(x))?.file, key: set.source === 'era5' ? 'met.surfaceFiles' : 'met.files' } });
  }
  for (const x of descs.kh) checkModelLevels(x, reader, 'kh', true);
  for (const x of descs.cmfmc) checkModelLevels(x, reader, 'cmfmc', true);
  const main = recordsOf(descs.main);
  const surf = psFromMain ? [] : recordsOf(descs.surface);
  // The span's records: the last at or before start … the first at or after end.
  const lo = main.findLastIndex((r) => r.timeSec <= o.startSec);
  const hi = main.findIndex((r) => r.timeSec >= o.endSec);
  if (lo < 0 || hi < 0) {
    throw new TanhuiError('EmptyInput', `the met file set covers ${iso(main[0]!.timeSec)} to ${iso(main[main.length - 1]!.timeSec)}, the run needs ${iso(o.startSec)} to ${iso(o.endSec)}`, {
      context: { key: 'met.files', file: first.file },
      hint: 'add the missing days to the file set (or change time.start / time.windows)',
    });
  }
  const span = main.slice(lo, hi + 1);
  for (let q = 1; q < span.length; q++) {
    const gap = span[q]!.timeSec - span[q - 1]!.timeSec;
    if (gap > 86400) throw new TanhuiError('EmptyInput', `the met file set has no records between ${iso(span[q - 1]!.timeSec)} and ${iso(span[q]!.timeSec)}`, { context: { key: 'met.files' } });
  }
  const levelMap = pressure ? Array.from({ length: 26 }, (_, k) => k) : o.levelMap ? Array.from(o.levelMap) : defaultLevelMap(srcLevels, o.nModelLevels ?? 25);
  const lonDeg = first.lonDeg;
  const latDeg = first.latNorthFirst ? first.latDeg.slice().reverse() : first.latDeg;
  const prep = new MetPreparer({ grid: { lonDeg, latDeg }, latNorthFirst: first.latNorthFirst, levTopFirst: first.levTopFirst, levels: srcLevels, levelMap, ...(pressure ? { pressureLevels: { hPa: first.levelValues, model: srcLevels } } : {}) }, o.grid);
  const io = await loadIo();
  const open = new Map<string, GdalDataset>();
  const dsOf = async (file: string): Promise<GdalDataset> => {
    let ds = open.get(file);
    if (!ds) {
      ds = await io.openDataset(file);
      open.set(file, ds);
    }
    return ds;
  };
  const nearest = (recs: Rec[], descsOf: MetFileDescription[], tSec: number, what: string): Rec => {
    let best: Rec | undefined;
    for (const r of recs) if (!best || Math.abs(r.timeSec - tSec) < Math.abs(best.timeSec - tSec)) best = r;
    if (!best || Math.abs(best.timeSec - tSec) > 3 * 3600) {
      throw new TanhuiError('EmptyInput', `no ${what} record within 3 hours of ${iso(tSec)}`, { context: { file: descsOf[0]?.file } });
    }
    return best;
  };
  const khRecs = recordsOf(descs.kh), cmRecs = recordsOf(descs.cmfmc);
  try {
    let done = 0;
    for (const r of span) {
      const d = descs.main[r.file]!;
      const ds = await dsOf(d.file);
      const rec: SourceRecord = { timeSec: r.timeSec, uMS: await readMetRecord(ds, d, 'u', r.t), vMS: await readMetRecord(ds, d, 'v', r.t) };
      const psSource = psFromMain ? { d, t: r.t } : (() => {
        const s = surf.find((x) => x.timeSec === r.timeSec);
        if (!s) throw new TanhuiError('EmptyInput', `no surface pressure at ${iso(r.timeSec)} in the surface files`, { context: { key: 'met.surfaceFiles' } });
        return { d: descs.surface[s.file]!, t: s.t };
      })();
      const pr = psRole(psSource.d)!;
      const pds = await dsOf(psSource.d.file);
      const p = await readMetRecord(pds, psSource.d, pr, psSource.t);
      if (pr === 'delp') rec.delpPa = p;
      else if (pr === 'ps') rec.psPa = p;
      else rec.psPa = Float64Array.from(p, Math.exp);
      if (khRecs.length > 0) {
        const k = nearest(khRecs, descs.kh, r.timeSec, 'KH');
        rec.khM2S = await readMetRecord(await dsOf(descs.kh[k.file]!.file), descs.kh[k.file]!, 'kh', k.t);
      }
      if (cmRecs.length > 0) {
        const k = nearest(cmRecs, descs.cmfmc, r.timeSec, 'CMFMC');
        rec.cmfmcKgM2S = await readMetRecord(await dsOf(descs.cmfmc[k.file]!.file), descs.cmfmc[k.file]!, 'cmfmc', k.t);
      }
      try {
        prep.addRecord(rec);
      } catch (err) {
        if (err instanceof TanhuiError) {
          const variable = err.context.variable === 'u' || err.context.variable === 'v' ? d.variables[err.context.variable as MetRole]?.name : err.context.variable;
          throw new TanhuiError(err.code, `${err.message} at ${iso(r.timeSec)}`, { context: { ...err.context, file: d.file, variable }, hint: err.hint, cause: err });
        }
        throw err;
      }
      o.progress?.(++done, span.length);
    }
  } finally {
    for (const ds of open.values()) ds.close();
  }
  const balance = prep.balance();
  return {
    data: prep.result(o.alloc),
    report: {
      source: set.source,
      layout: first.layout,
      files: [...new Set(span.map((r) => descs.main[r.file]!.file))],
      records: span.length,
      sourceGrid: `${first.lonDeg.length}×${first.latDeg.length}`,
      sourceLevels: pressure ? first.levelValues.length : srcLevels.nlev,
      levelMap: pressure ? [] : levelMap,
      ...(pressure ? { pressureLevelsHPa: Array.from(first.levelValues) } : {}),
      balance,
    },
  };
}
