// File readers (main thread): open a file through @tanhui/io (gdal-async), detect its format
// from the content, and hand an NcSource to the pure parsers. Text tables are read as text.
import { readFile, stat } from 'node:fs/promises';
import * as io from '@tanhui/io';
import { Registry, TanhuiError, isTanhuiError, type RegistryEntry } from '@tanhui/core';
import type { ObservationTable } from './record';
import type { NcSource, NcVariable } from './source';
import { missingVariable } from './source';
import { parseObsPack } from './obspack';
import { parseGcasOco2, parseOco2Lite, parseTccon } from './satellite';
import { looksLikeNoaaGml, parseGcasText, parseNoaaGml } from './text';

/** A reader of one observation file format: text tables, or NetCDF/HDF5 through an NcSource. */
export type ObservationReader = RegistryEntry &
  (
    | { readonly text: true; parse(text: string, file: string): ObservationTable }
    | { readonly text: false; /** Whether a NetCDF file is of this format (auto-detection, in registration order). */ detect(src: NcSource): boolean; parse(src: NcSource): Promise<ObservationTable> }
  );

/** Observation readers by format name; `register` adds one (a user's format). */
export const observationReaders = new Registry<ObservationReader>('observation format');
observationReaders.register({ name: 'text', description: 'NOAA GML event files, GLOBALVIEW and GCAS srf_YYYYMMDD text tables', text: true, parse: (text, file) => (looksLikeNoaaGml(text) ? parseNoaaGml(text, file) : parseGcasText(text, file)) });
observationReaders.register({ name: 'obspack', description: 'ObsPack NetCDF (value, obspack_id): flasks, towers, aircraft', text: false, detect: (src) => src.has('value') && (src.has('obspack_id') || src.has('obspack_num') || src.attrs.dataset_name !== undefined), parse: parseObsPack });
observationReaders.register({ name: 'oco2-lite', description: 'OCO-2 / ACOS Lite XCO2 files (xco2_averaging_kernel)', text: false, detect: (src) => src.has('xco2_averaging_kernel'), parse: parseOco2Lite });
observationReaders.register({ name: 'gcas', description: 'GCAS daily OCO-2/GOSAT files (averagingKernel, weightingfunction)', text: false, detect: (src) => src.has('averagingKernel') && src.has('weightingfunction'), parse: parseGcasOco2 });
observationReaders.register({ name: 'tccon', description: 'TCCON column files (ak_xco2, prior_co2)', text: false, detect: (src) => src.has('ak_xco2') && src.has('prior_co2'), parse: parseTccon });

/** Built-in format names; readers registered later are accepted wherever a format is asked for. */
export type ObsFormat = 'auto' | 'obspack' | 'text' | 'oco2-lite' | 'tccon' | 'gcas' | (string & {});
/** 'auto' and every registered format. */
export function obsFormats(): string[] {
  return ['auto', ...observationReaders.names()];
}

/** An NcSource over a file opened with @tanhui/io. Call close() when done. */
export async function openNcSource(file: string): Promise<NcSource & { close(): void }> {
  const ds = await io.openDataset(file);
  const names = new Set(ds.variableNames());
  const attrs = ds.attributes();
  return {
    file,
    attrs,
    has: (name) => names.has(name),
    variable: async (name): Promise<NcVariable> => {
      if (!names.has(name)) throw missingVariable(file, name);
      const info = ds.variable(name);
      if (info.dtype === 'string') {
        const strings = (await ds.readStrings(name)).map((x) => x.trim());
        return { name, shape: info.shape, attrs: info.attrs, strings };
      }
      // Stored values: the parsers apply _FillValue / scale_factor themselves (numericData),
      // in one pass with their own conversion (cheaper than decoding first for 10⁶ soundings).
      const v = await ds.read(name, { decode: false, decodeTimes: false });
      if (v.attrs._Unsigned !== undefined) {
        throw new TanhuiError('UnsupportedFormat', `variable '${name}' uses _Unsigned packing, not supported for observations`, { context: { file, variable: name } });
      }
      return { name, shape: v.shape, attrs: info.attrs, data: v.data as NcVariable['data'] };
    },
    close: () => ds.close(),
  };
}

/** Which parser a NetCDF file needs, from its variables. */
export function detectNetcdfFormat(src: NcSource): string {
  // Most specific first (an ObsPack-like 'value' variable may sit in a satellite file too).
  const order = [...observationReaders.entries()].filter((r) => !r.text).sort((a, b) => Number(a.name === 'obspack') - Number(b.name === 'obspack'));
  for (const r of order) if (!r.text && r.detect(src)) return r.name;
  throw new TanhuiError('UnsupportedFormat', 'cannot tell the observation format from the variables', {
    context: { file: src.file },
    hint: 'expected ObsPack (value, obspack_id), OCO-2/ACOS Lite (xco2_averaging_kernel), GCAS OCO-2 (averagingKernel, weightingfunction) or TCCON (ak_xco2, prior_co2); or pass --format',
  });
}

async function isBinary(file: string): Promise<boolean> {
  const buf = await readFile(file).then((b) => b.subarray(0, 8));
  const s = buf.toString('latin1');
  return s.startsWith('CDF') || s.startsWith('\x89HDF');
}

export interface ReadResult {
  file: string;
  format: string;
  table: ObservationTable;
}

/** Read one observation file (format detected from content when 'auto'). */
export async function readObservationFile(file: string, format: ObsFormat = 'auto'): Promise<ReadResult> {
  let st;
  try {
    st = await stat(file);
  } catch (err) {
    throw new TanhuiError('MissingFile', 'no such file', { context: { file }, cause: err });
  }
  if (st.isDirectory()) throw new TanhuiError('UnsupportedFormat', 'the observation path is a directory, expected a file', { context: { file }, hint: 'give the path of the file itself' });
  if (st.size === 0) throw new TanhuiError('EmptyInput', 'the file is empty (0 bytes)', { context: { file } });
  const binary = await isBinary(file);
  const chosen = format === 'auto' ? undefined : observationReaders.get(format, { file, key: 'format' });
  if ((chosen && chosen.text) || (!chosen && !binary)) {
    if (binary) throw new TanhuiError('UnsupportedFormat', 'a NetCDF/HDF5 file cannot be read as text', { context: { file }, hint: 'use --format auto' });
    const reader = chosen ?? observationReaders.get('text');
    if (!reader.text) throw new TanhuiError('UnsupportedFormat', `format '${reader.name}' reads NetCDF/HDF5, the file is text`, { context: { file } });
    return { file, format: reader.name, table: reader.parse(await readFile(file, 'utf8'), file) };
  }
  const src = await openNcSource(file);
  try {
    const reader = chosen ?? observationReaders.get(detectNetcdfFormat(src));
    if (reader.text) throw new TanhuiError('UnsupportedFormat', `format '${reader.name}' reads text, the file is NetCDF/HDF5`, { context: { file } });
    return { file, format: reader.name, table: await reader.parse(src) };
  } catch (err) {
    if (isTanhuiError(err) && err.context.file === undefined) err.context.file = file;
    throw err;
  } finally {
    src.close();
  }
}
