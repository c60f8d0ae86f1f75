// Output helpers of the analysis commands: whole-or-nothing writes (HTML through io's atomic
// rename, Zarr stores built in a hidden sibling directory and renamed into place), and the
// parsing of times and lists given on the command line.
import { existsSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { TanhuiError } from '@tanhui/core';
import { writeFileAtomic, ZarrStore, type ZarrAttrs } from '@tanhui/io';

/** Write a file atomically (a reader never sees half a page). */
export function writeTextAtomic(file: string, text: string): void {
  writeFileAtomic(file, text);
}

/** Build a Zarr v2 store at `path`, or nothing: refuses to replace an existing path. */
export async function writeZarrAtomic(path: string, attrs: ZarrAttrs, fill: (store: ZarrStore) => Promise<void>): Promise<void> {
  if (existsSync(path)) {
    throw new TanhuiError('StoreConflict', 'the output path already exists', { context: { file: path }, hint: 'remove it or choose another --out' });
  }
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
  try {
    const store = await ZarrStore.create(tmp, { attrs });
    await fill(store);
    await store.consolidate();
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** A time given as ISO 8601 (UTC; 'Z' optional) or as seconds since 1970-01-01 UTC. */
export function parseTimeSec(text: string, key = 'time'): number {
  const s = text.trim();
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?Z?$/.test(s)) {
    const iso = s.length === 10 ? `${s}T00:00:00Z` : `${s.replace(' ', 'T')}${s.endsWith('Z') ? '' : 'Z'}`;
    const ms = Date.parse(iso);
    if (Number.isFinite(ms)) return ms / 1000;
  }
  throw new TanhuiError('InvalidArgument', `--${key} must be an ISO 8601 UTC time such as 2020-06-04T06:00:00Z, got '${text}'`, { context: { key } });
}

/** 'A,B, C' → ['A', 'B', 'C'] (empty items dropped). */
export function parseList(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function positiveNumber(text: string | undefined, key: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!(Number.isFinite(n) && n > 0)) throw new TanhuiError('InvalidArgument', `--${key} must be a positive number, got '${text}'`, { context: { key } });
  return n;
}
