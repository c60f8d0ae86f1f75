// What gdal-async cannot do for NetCDF files, done with `ncdump` (Debian package netcdf-bin,
// installed by `make`) run as a child process:
// - character and string variables (ObsPack's qcflag, obspack_id, site codes): gdal-async 3.12
//   cannot read GDAL's String arrays ("Reading of extended data types is not supported yet");
//   char(n, len) → n strings; string(n) → n strings;
// - the names of scalar (0-D) variables, which GDAL's netCDF driver leaves out of its list of
//   arrays (they can still be opened by name).
import { execFile } from 'node:child_process';
import { TanhuiError, isTanhuiError } from '@tanhui/core';
import type { VariableInfo } from './gdal-reader';

function runNcdump(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ncdump', args, { encoding: 'utf8', maxBuffer: 1 << 30, timeout: 300_000 }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(err, { stderr }));
      else resolve(stdout);
    });
  });
}

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', a: '\x07', '\\': '\\', '"': '"', "'": "'", '?': '?' };

/** Parse the values of `name = … ;` in ncdump's data section into strings. */
export function parseNcdumpStrings(text: string, name: string): string[] {
  const dataAt = text.indexOf('\ndata:');
  if (dataAt < 0) throw new Error('ncdump output has no data section');
  const base = name.slice(name.lastIndexOf('/') + 1);
  const re = new RegExp(`\\n\\s*${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*=`, 'g');
  re.lastIndex = dataAt;
  const m = re.exec(text);
  if (!m) throw new Error(`ncdump output has no data for ${name}`);
  const out: string[] = [];
  let cur: string | null = null;
  let i = m.index + m[0].length;
  for (; i < text.length; i++) {
    const c = text[i];
    if (c === ';') break;
    if (c === ',') {
      if (cur !== null) out.push(cur);
      cur = null;
      continue;
    }
    if (c === '_' || c === 'N') {
      // "_" (fill) or NIL (null string): an empty string.
      if (c === 'N') i += 2;
      cur = cur ?? '';
      continue;
    }
    if (c !== '"') continue;
    // A quoted literal; adjacent literals without a comma concatenate.
    let s = '';
    for (i++; i < text.length && text[i] !== '"'; i++) {
      if (text[i] !== '\\') {
        s += text[i];
        continue;
      }
      const e = text[++i];
      if (e in SIMPLE_ESCAPES) s += SIMPLE_ESCAPES[e];
      else if (/[0-7]/.test(e)) {
        let oct = e;
        while (oct.length < 3 && /[0-7]/.test(text[i + 1])) oct += text[++i];
        s += String.fromCharCode(parseInt(oct, 8));
      } else if (e === 'x') {
        let hex = '';
        while (hex.length < 2 && /[0-9a-fA-F]/.test(text[i + 1])) hex += text[++i];
        s += String.fromCharCode(parseInt(hex, 16));
      } else s += e;
    }
    cur = (cur ?? '') + s;
  }
  if (cur !== null) out.push(cur);
  // ncdump prints a char array's trailing NULs as "\000"s when they are not at the end.
  return out.map((s) => s.replace(/\0+$/, ''));
}

/**
 * The strings of a char/string variable described by `info` (from GdalDataset.variable), via
 * ncdump. Char arrays lose their last (string-length) dimension.
 */
export async function ncdumpStrings(file: string, info: VariableInfo): Promise<string[]> {
  const variable = info.name;
  let text: string;
  try {
    text = await runNcdump(['-v', info.fullName.replace(/^\//, ''), '-l', '1000000000', file]);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    const missing = e.code === 'ENOENT';
    throw new TanhuiError(missing ? 'NotImplemented' : 'CorruptFile', missing ? 'ncdump is needed to read char/string variables' : 'ncdump cannot read the variable', {
      context: { file, variable },
      hint: missing ? 'install the Debian package netcdf-bin (make test does)' : String(e.stderr ?? e.message).trim(),
      cause: err,
    });
  }
  let data: string[];
  try {
    data = parseNcdumpStrings(text, info.fullName);
  } catch (err) {
    if (isTanhuiError(err)) throw err;
    throw new TanhuiError('CorruptFile', 'cannot parse the strings of the variable', { context: { file, variable }, cause: err });
  }
  const n = info.shape.reduce((a, b) => a * b, 1);
  if (data.length !== n) {
    throw new TanhuiError('CorruptFile', `expected ${n} strings, found ${data.length}`, { context: { file, variable } });
  }
  return data;
}

const CDL_TYPES = 'byte|char|short|int|long|float|real|double|ubyte|ushort|uint|int64|uint64|string';

/**
 * Names of scalar variables per group ("" = root, "g/h" = nested), from `ncdump -h`.
 * Empty when ncdump is not installed or fails (then scalars stay invisible, as in GDAL).
 */
export function ncdumpScalarNames(file: string): Promise<Map<string, string[]>> {
  return runNcdump(['-h', file]).then(
    (text) => {
      const out = new Map<string, string[]>();
      const groups: string[] = [];
      const re = new RegExp(`^\\s*(?:${CDL_TYPES})\\s+((?:[^\\s(;\\\\]|\\\\.)+)\\s*;\\s*$`);
      for (const line of text.split('\n')) {
        const g = /^\s*group: (\S+) \{/.exec(line);
        if (g) {
          groups.push(g[1]);
          continue;
        }
        if (/^\s*\} \/\/ group /.test(line)) {
          groups.pop();
          continue;
        }
        const m = re.exec(line);
        if (!m) continue;
        const key = groups.join('/');
        if (!out.has(key)) out.set(key, []);
        out.get(key)!.push(m[1].replace(/\\(.)/g, '$1'));
      }
      return out;
    },
    () => new Map<string, string[]>(),
  );
}
