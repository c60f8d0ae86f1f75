// File readers (main thread): open a file through @tanhui/io (gdal-async), detect its format
// from the content, and hand an NcSource to the pure parsers. Text tables are read as text.
import { readFile, stat } from 'node:fs/promises';
import * as io from '@tanhui/io';
import { TanhuiError, isTanhuiError } from '@tanhui/core';
import type { ObservationTable } from './record';
import type { NcSource, NcVariable } from './source';
import { missingVariable } from './source';
import { parseObsPack } from './obspack';
import { parseGcasOco2, parseOco2Lite, parseTccon } from './satellite';
import { looksLikeNoaaGml, parseGcasText, parseNoaaGml } from './text';

export type ObsFormat = 'auto' | 'obspack' | 'text' | 'oco2-lite' | 'tccon' | 'gcas';
export const OBS_FORMATS: readonly ObsFormat[] = ['auto', 'obspack', 'text', 'oco2-lite', 'tccon', 'gcas'];

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
export function detectNetcdfFormat(src: NcSource): Exclude<ObsFormat, 'auto' | 'text'> {
  if (src.has('xco2_averaging_kernel')) return 'oco2-lite';
  if (src.has('averagingKernel') && src.has('weightingfunction')) return 'gcas';
  if (src.has('ak_xco2') && src.has('prior_co2')) return 'tccon';
  if (src.has('value') && (src.has('obspack_id') || src.has('obspack_num') || src.attrs.dataset_name !== undefined)) return 'obspack';
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
  format: Exclude<ObsFormat, 'auto'>;
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
  if (st.size === 0) throw new TanhuiError('EmptyInput', 'the file is empty (0 bytes)', { context: { file } });
  const binary = await isBinary(file);
  if (format === 'text' || (format === 'auto' && !binary)) {
    if (binary) throw new TanhuiError('UnsupportedFormat', 'a NetCDF/HDF5 file cannot be read as text', { context: { file }, hint: 'use --format auto' });
    const text = await readFile(file, 'utf8');
    const table = looksLikeNoaaGml(text) ? parseNoaaGml(text, file) : parseGcasText(text, file);
    return { file, format: 'text', table };
  }
  const src = await openNcSource(file);
  try {
    const fmt = format === 'auto' ? detectNetcdfFormat(src) : format;
    let table: ObservationTable;
    switch (fmt) {
      case 'obspack':
        table = await parseObsPack(src);
        break;
      case 'oco2-lite':
        table = await parseOco2Lite(src);
        break;
      case 'gcas':
        table = await parseGcasOco2(src);
        break;
      case 'tccon':
        table = await parseTccon(src);
        break;
      default:
        throw new TanhuiError('InvalidArgument', `unknown format '${String(fmt)}'`, { hint: `use one of ${OBS_FORMATS.join(', ')}` });
    }
    return { file, format: fmt, table };
  } catch (err) {
    if (isTanhuiError(err) && err.context.file === undefined) err.context.file = file;
    throw err;
  } finally {
    src.close();
  }
}
