// Real meteorology for a run (`met.source: era5 | merra2 | geosfp`): the file set of the run's span
// from the configured pattern (every file checked to exist first, a missing one named by date and
// pattern), prepared to the model grid by @tanhui/transport (streaming, balanced), and cached as a
// Zarr store keyed by the input files' fingerprints, the grid, the level map and the span, so a
// rerun or a second run on the same met skips preparation.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isTanhuiError, parseInstant, type HybridLevels, type LatLonGrid, TanhuiError } from '@tanhui/core';
import { ZarrStore } from '@tanhui/io';
import { prepareMet, type ArrayMetData, type MetFileSet, type PreparedMet } from '@tanhui/transport';
import type { LoadedConfig } from '../config/load';
import { resolvePath } from '../config/load';
import type { RunConfig } from '../config/schema';

export const REAL_MET_SOURCES = ['era5', 'merra2', 'geosfp'] as const;
export const isRealMetSource = (s: string): boolean => (REAL_MET_SOURCES as readonly string[]).includes(s);

const iso = (t: number): string => new Date(t * 1000).toISOString().replace(/:00\.000Z$/, 'Z');

/** The run's time span from the config: time.start … + windows × windowDays. */
export function runSpanOf(config: RunConfig): { startSec: number; endSec: number } {
  const startSec = parseInstant(config.time.start);
  return { startSec, endSec: startSec + config.time.windows * config.time.windowDays * 86400 };
}

/**
 * The files of a pattern over [start, end]: one per day ({dd}/{doy}), per fileHours hours ({hh})
 * or per month ({mm} alone); the day of `end` is included (its 00 UTC record closes the span).
 * A list is taken as given. Every file must exist (MissingFile naming the date and the pattern).
 */
export function expandFileSet(spec: string | string[], startSec: number, endSec: number, o: { baseDir: string; key: string; fileHours?: number }): string[] {
  if (Array.isArray(spec)) {
    const files = spec.map((f) => resolvePath({ baseDir: o.baseDir }, f));
    for (const f of files) if (!existsSync(f)) throw new TanhuiError('MissingFile', 'met file not found', { context: { file: f, key: o.key } });
    return files;
  }
  const pattern = spec as string;
  const fields: string[] = pattern.match(/\{[a-z]+\}/g) ?? [];
  for (const f of fields) {
    if (!['{yyyy}', '{mm}', '{dd}', '{hh}', '{doy}'].includes(f)) throw new TanhuiError('InvalidConfig', `unknown date field ${f} in the met file pattern (known: {yyyy} {mm} {dd} {hh} {doy})`, { context: { key: o.key } });
  }
  const stepSec = fields.includes('{hh}') ? (o.fileHours ?? 1) * 3600 : fields.includes('{dd}') || fields.includes('{doy}') ? 86400 : 0;
  const times: number[] = [];
  if (stepSec > 0) {
    for (let t = Math.floor(startSec / stepSec) * stepSec; t <= endSec; t += stepSec) times.push(t);
  } else if (fields.includes('{mm}')) {
    const d = new Date(startSec * 1000);
    for (let y = d.getUTCFullYear(), m = d.getUTCMonth(); Date.UTC(y, m, 1) / 1000 <= endSec; m === 11 ? ((m = 0), y++) : m++) times.push(Date.UTC(y, m, 1) / 1000);
  } else times.push(startSec);
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  const out: string[] = [];
  for (const t of times) {
    const d = new Date(t * 1000);
    const doy = Math.floor((t - Date.UTC(d.getUTCFullYear(), 0, 1) / 1000) / 86400) + 1;
    const name = pattern
      .replaceAll('{yyyy}', String(d.getUTCFullYear()))
      .replaceAll('{mm}', pad(d.getUTCMonth() + 1))
      .replaceAll('{dd}', pad(d.getUTCDate()))
      .replaceAll('{hh}', pad(d.getUTCHours()))
      .replaceAll('{doy}', pad(doy, 3));
    const file = resolvePath({ baseDir: o.baseDir }, name);
    if (!existsSync(file)) {
      const when = stepSec === 86400 ? iso(t).slice(0, 10) : iso(t);
      throw new TanhuiError('MissingFile', `no met file for ${when} (pattern ${pattern})`, { context: { file, key: o.key }, hint: 'download the missing day, or shorten the run (time.windows)' });
    }
    if (!out.includes(file)) out.push(file);
  }
  return out;
}

/** The file set of a config over a span (each pattern expanded and checked). */
export function fileSetOf(loaded: LoadedConfig, span: { startSec: number; endSec: number }): MetFileSet {
  const met = loaded.config.met;
  const ex = (spec: string | string[] | undefined, key: string): string[] | undefined =>
    spec === undefined ? undefined : expandFileSet(spec, span.startSec, span.endSec, { baseDir: loaded.baseDir, key, fileHours: met.fileHours });
  return {
    source: met.source,
    files: ex(met.files, 'met.files')!,
    surfaceFiles: ex(met.surfaceFiles, 'met.surfaceFiles'),
    diffusionFiles: ex(met.diffusionFiles, 'met.diffusionFiles'),
    convectionFiles: ex(met.convectionFiles, 'met.convectionFiles'),
  };
}

/**
 * A file's fingerprint: sha256 of its size, modification time and first and last MiB (hashing
 * whole GB-sized met files would cost more than the cached preparation saves).
 */
export function fileFingerprint(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const st = fstatSync(fd);
    const h = createHash('sha256').update(`${st.size}:${st.mtimeMs}`);
    const n = Math.min(st.size, 1 << 20);
    const buf = Buffer.alloc(n);
    readSync(fd, buf, 0, n, 0);
    h.update(buf);
    readSync(fd, buf, 0, n, Math.max(0, st.size - n));
    h.update(buf);
    return h.digest('hex');
  } finally {
    closeSync(fd);
  }
}

export interface PreparedForRun {
  data: ArrayMetData;
  /** Cache key (sha256): also the model's cache key in workers. */
  key: string;
  /** Input files → fingerprint, for the store's provenance. */
  fingerprints: Record<string, string>;
  report: PreparedMet['report'];
  cached: boolean;
  storePath: string;
  seconds: number;
}

const ARRAYS = ['lonEdgesDeg', 'latEdgesDeg', 'aHalfPa', 'bHalf', 'timesSec', 'psPa', 'amKgS', 'bmKgS', 'kzM2S', 'entrainUp', 'detrainUp'] as const;

/** Prepare (or read from the cache) the met of a span on the model grid. */
export async function prepareMetForRun(
  loaded: LoadedConfig,
  grid: LatLonGrid,
  span: { startSec: number; endSec: number },
  o: { shared?: boolean; progress?: (done: number, total: number) => void; nModelLevels?: number } = {},
): Promise<PreparedForRun> {
  const t0 = performance.now();
  const met = loaded.config.met;
  const set = fileSetOf(loaded, span);
  const all = [...set.files, ...(set.surfaceFiles ?? []), ...(set.diffusionFiles ?? []), ...(set.convectionFiles ?? [])];
  const fingerprints = Object.fromEntries(all.map((f) => [f, fileFingerprint(f)]));
  const h = createHash('sha256').update('tanhui met-prep v1');
  h.update(JSON.stringify({ source: set.source, lon: Array.from(grid.lonEdgesDeg), lat: Array.from(grid.latEdgesDeg), levelMap: met.levelMap ?? 'default', n: o.nModelLevels ?? 25, span, roles: [set.files.length, set.surfaceFiles?.length, set.diffusionFiles?.length, set.convectionFiles?.length] }));
  for (const f of all) h.update(fingerprints[f]!);
  const key = h.digest('hex');
  const dir = resolvePath(loaded, met.cache);
  const storePath = join(dir, `${set.source}-${key.slice(0, 24)}.zarr`);
  const alloc = (n: number): Float64Array => (o.shared ? new Float64Array(new SharedArrayBuffer(n * 8)) : new Float64Array(n));
  if (ZarrStore.exists(storePath)) {
    try {
      const store = await ZarrStore.open(storePath);
      const attrs = store.getAttrs();
      if (attrs.key === key) {
        const data = { pressureFixer: met.pressureFixer } as ArrayMetData;
        for (const name of ARRAYS) {
          if (!store.hasArray(name)) continue;
          const a = (await store.readArray(name)).data as Float64Array;
          const out = alloc(a.length);
          out.set(a);
          (data as unknown as Record<string, Float64Array>)[name] = out;
        }
        return { data, key, fingerprints, report: JSON.parse(String(attrs.report)) as PreparedMet['report'], cached: true, storePath, seconds: (performance.now() - t0) / 1000 };
      }
    } catch (err) {
      // A damaged cache entry is rebuilt, never trusted.
      if (!isTanhuiError(err)) throw err;
    }
  }
  const prepared = await prepareMet(set, { grid, startSec: span.startSec, endSec: span.endSec, levelMap: met.levelMap, nModelLevels: o.nModelLevels ?? 25, progress: o.progress, alloc });
  prepared.data.pressureFixer = met.pressureFixer;
  await writeCache(storePath, key, prepared);
  return { data: prepared.data, key, fingerprints, report: prepared.report, cached: false, storePath, seconds: (performance.now() - t0) / 1000 };
}

/** The prepared fields as a Zarr v2 store, written under a temporary name and renamed into place. */
async function writeCache(storePath: string, key: string, p: PreparedMet): Promise<void> {
  mkdirSync(dirname(storePath), { recursive: true });
  const tmp = `${storePath}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    const store = await ZarrStore.create(tmp, { attrs: { key, report: JSON.stringify(p.report), title: 'tanhui prepared meteorology (face mass fluxes on the model grid)' } });
    const d = p.data;
    const nt = d.timesSec.length, nlev = d.aHalfPa.length - 1, nlat = d.latEdgesDeg.length - 1, nlon = d.lonEdgesDeg.length - 1;
    const dims: Record<string, { dims: string[]; shape: number[]; units: string }> = {
      lonEdgesDeg: { dims: ['lon_edge'], shape: [nlon + 1], units: 'degrees_east' },
      latEdgesDeg: { dims: ['lat_edge'], shape: [nlat + 1], units: 'degrees_north' },
      aHalfPa: { dims: ['interface'], shape: [nlev + 1], units: 'Pa' },
      bHalf: { dims: ['interface'], shape: [nlev + 1], units: '1' },
      timesSec: { dims: ['time'], shape: [nt], units: 'seconds since 1970-01-01T00:00:00Z' },
      psPa: { dims: ['time', 'lat', 'lon'], shape: [nt, nlat, nlon], units: 'Pa' },
      amKgS: { dims: ['time', 'lev', 'lat', 'lon'], shape: [nt, nlev, nlat, nlon], units: 'kg s-1' },
      bmKgS: { dims: ['time', 'lev', 'lat_edge', 'lon'], shape: [nt, nlev, nlat + 1, nlon], units: 'kg s-1' },
      kzM2S: { dims: ['time', 'interior_interface', 'lat', 'lon'], shape: [nt, nlev - 1, nlat, nlon], units: 'm2 s-1' },
      entrainUp: { dims: ['time', 'lev', 'lat', 'lon'], shape: [nt, nlev, nlat, nlon], units: 'kg m-2 s-1' },
      detrainUp: { dims: ['time', 'lev', 'lat', 'lon'], shape: [nt, nlev, nlat, nlon], units: 'kg m-2 s-1' },
    };
    for (const name of ARRAYS) {
      const a = (d as unknown as Record<string, Float64Array | undefined>)[name];
      if (!a) continue;
      const m = dims[name]!;
      await store.writeArray(name, Float64Array.from(a), { dims: m.dims, shape: m.shape, attrs: { units: m.units }, compressor: 'none' });
    }
    if (existsSync(storePath)) rmSync(storePath, { recursive: true, force: true });
    renameSync(tmp, storePath);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

/**
 * The prepared met of a run, window by window (each window prepared, balanced and cached on its
 * own, so `tanhui met prepare --window` does a run's work ahead and a longer run reuses the
 * windows it shares), joined in time (a window's first record is the previous window's last: the
 * later window's is kept) on SharedArrayBuffers for the workers, on the run's levels.
 */
export async function preparedMetForRun(loaded: LoadedConfig, grid: LatLonGrid, levels: HybridLevels): Promise<PreparedForRun> {
  const span = runSpanOf(loaded.config);
  // Every file of the whole run exists before any window is prepared (nothing cached for a run that cannot start).
  fileSetOf(loaded, span);
  const { startSec } = span;
  const len = loaded.config.time.windowDays * 86400;
  const parts: PreparedForRun[] = [];
  for (let w = 0; w < loaded.config.time.windows; w++) {
    const p = await prepareMetForRun(loaded, grid, { startSec: startSec + w * len, endSec: startSec + (w + 1) * len }, { nModelLevels: levels.nlev });
    const nlev = p.data.aHalfPa.length - 1;
    if (nlev !== levels.nlev) {
      throw new TanhuiError('GridMismatch', `met.levelMap gives ${nlev} model levels, grid.levels ${loaded.config.grid.levels} has ${levels.nlev}`, { context: { key: 'met.levelMap' } });
    }
    parts.push(p);
  }
  const first = parts[0]!;
  // A window starts at the record at or before its start, which is at or before where the previous
  // window ends: each part keeps the records before the next part's first (the later copy wins).
  const keep = parts.map((p, q) => {
    const t = p.data.timesSec;
    const next = q + 1 < parts.length ? parts[q + 1]!.data.timesSec[0]! : Infinity;
    let to = t.length;
    while (to > 0 && t[to - 1]! >= next) to--;
    return { from: 0, to };
  });
  const nt = keep.reduce((n, k) => n + (k.to - k.from), 0);
  const join = (name: 'timesSec' | 'psPa' | 'amKgS' | 'bmKgS' | 'kzM2S' | 'entrainUp' | 'detrainUp'): Float64Array | undefined => {
    if (parts.some((p) => !p.data[name])) return undefined;
    const per = first.data[name]!.length / first.data.timesSec.length;
    const out = new Float64Array(new SharedArrayBuffer(nt * per * 8));
    let o = 0;
    parts.forEach((p, q) => {
      const { from, to } = keep[q]!;
      out.set(p.data[name]!.subarray(from * per, to * per), o);
      o += (to - from) * per;
    });
    return out;
  };
  const data: ArrayMetData = {
    lonEdgesDeg: first.data.lonEdgesDeg, latEdgesDeg: first.data.latEdgesDeg, aHalfPa: first.data.aHalfPa, bHalf: first.data.bHalf,
    timesSec: join('timesSec')!, psPa: join('psPa')!, amKgS: join('amKgS'), bmKgS: join('bmKgS'), pressureFixer: loaded.config.met.pressureFixer,
  };
  for (const name of ['kzM2S', 'entrainUp', 'detrainUp'] as const) {
    const a = join(name);
    if (a) data[name] = a;
  }
  const key = createHash('sha256').update(parts.map((p) => p.key).join(':')).digest('hex');
  const fingerprints = Object.assign({}, ...parts.map((p) => p.fingerprints)) as Record<string, string>;
  return { data, key, fingerprints, report: first.report, cached: parts.every((p) => p.cached), storePath: first.storePath, seconds: parts.reduce((s, p) => s + p.seconds, 0) };
}
