// GCASv2's ensrf.nml (ALGORITHM.md §2): five Fortran namelist groups. Keys are case-insensitive
// as in Fortran; a key GCAS does not know, or a required key that is absent, is an error naming
// the file, group and key (Fortran would silently keep an uninitialised value). Paths of any
// length are fine here (GCAS truncates them at 100 characters).
import * as fs from 'node:fs';
import { TanhuiError } from '@tanhui/core';

export type NmlValue = number | string | boolean;

export interface GcasNamelist {
  file: string;
  year: number;
  month: number;
  day: number;
  rundays: number;
  daStep: number;
  casename: string;
  ensemble: number;
  nrt: number;
  optScheme: number;
  netflux: number;
  optDir: string;
  debug: boolean;
  resm: number;
  mozartdir: string;
  resb: number;
  priordir: string;
  bunc: number[];
  issrf: number;
  obsdirSrf: string;
  issat: number;
  isgosat: number;
  obsdirGosat: string;
  isoco2: number;
  obsdirOco2: string;
  istansat: number;
  obsdirTansat: string;
}

type Kind = 'int' | 'str' | 'bool' | 'reals';
interface KeySpec {
  kind: Kind;
  required: boolean;
}
const R = (kind: Kind): KeySpec => ({ kind, required: true });
const O = (kind: Kind): KeySpec => ({ kind, required: false });

const GROUPS: Record<string, Record<string, KeySpec>> = {
  time_control: { year: R('int'), month: R('int'), day: R('int'), rundays: R('int'), da_step: R('int') },
  assimilation: {
    casename: R('str'), ensemble: R('int'), nrt: R('int'), opt_scheme: R('int'), netflux: R('int'), opt_dir: R('str'),
    // read but never used by GCAS
    l_scale: O('reals'), l_ratio: O('reals'), debug: O('bool'),
  },
  transport_model: { resm: R('int'), mozartdir: R('str') },
  background_flux: { resb: R('int'), priordir: R('str'), bunc: R('reals') },
  observations: {
    issrf: R('int'), obsdir_srf: R('str'), issat: R('int'), isgosat: R('int'), obsdir_gosat: R('str'),
    isoco2: R('int'), obsdir_oco2: R('str'), istansat: R('int'), obsdir_tansat: R('str'),
  },
};

function fail(file: string, message: string, key?: string): never {
  throw new TanhuiError('InvalidConfig', message, { context: { file, ...(key ? { key } : {}) } });
}

/** Split a namelist value list on commas/blanks outside quotes. */
function tokens(text: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|([^\s,]+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

function stripComment(line: string): string {
  let q: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (q) {
      if (ch === q) q = null;
    } else if (ch === '"' || ch === "'") q = ch;
    else if (ch === '!') return line.slice(0, i);
  }
  return line;
}

/** Parse the raw groups: group → key → list of value tokens. */
export function parseNamelistText(text: string, file: string): Map<string, Map<string, string[]>> {
  const groups = new Map<string, Map<string, string[]>>();
  const body = text.split(/\r?\n/).map(stripComment).join('\n');
  const re = /&(\w+)([\s\S]*?)(?:^|\s)\/(?=\s|$)/gm;
  let m: RegExpExecArray | null;
  while ((m = re.exec(body)) !== null) {
    const name = m[1].toLowerCase();
    const entries = new Map<string, string[]>();
    // key = values, up to the next key = (quotes kept intact)
    const parts = m[2].split(/(?:^|[\s,])([A-Za-z_]\w*)\s*=(?=(?:[^"']|"[^"]*"|'[^']*')*$)/);
    for (let i = 1; i + 1 < parts.length; i += 2) entries.set(parts[i].toLowerCase(), tokens(parts[i + 1]));
    if (groups.has(name)) fail(file, `namelist group &${name} appears twice`, name);
    groups.set(name, entries);
  }
  return groups;
}

function convert(file: string, group: string, key: string, spec: KeySpec, vals: string[]): NmlValue | number[] {
  const where = `&${group} ${key}`;
  if (vals.length === 0) fail(file, `${where} has no value`, key);
  if (spec.kind === 'str') return vals[0];
  if (spec.kind === 'bool') {
    const v = vals[0].toLowerCase().replace(/^\./, '');
    if (v.startsWith('t')) return true;
    if (v.startsWith('f')) return false;
    fail(file, `${where} must be .true. or .false., got '${vals[0]}'`, key);
  }
  const nums = vals.map((v) => Number(v.replace(/[dD]/, 'e')));
  if (nums.some((x) => !Number.isFinite(x))) fail(file, `${where} must be numeric, got '${vals.join(', ')}'`, key);
  if (spec.kind === 'int') {
    if (!Number.isInteger(nums[0])) fail(file, `${where} must be an integer, got '${vals[0]}'`, key);
    return nums[0];
  }
  return nums;
}

export function readGcasNamelist(file: string): GcasNamelist {
  if (!fs.existsSync(file)) throw new TanhuiError('MissingFile', 'namelist not found', { context: { file } });
  const raw = parseNamelistText(fs.readFileSync(file, 'utf8'), file);
  const v: Record<string, NmlValue | number[]> = {};
  for (const [group, keys] of Object.entries(GROUPS)) {
    const entries = raw.get(group);
    if (!entries) fail(file, `namelist group &${group} is missing`, group);
    for (const key of entries.keys()) {
      if (!(key in keys)) {
        fail(file, `unknown key '${key}' in &${group} (known: ${Object.keys(keys).join(', ')})`, key);
      }
    }
    for (const [key, spec] of Object.entries(keys)) {
      const vals = entries.get(key);
      if (vals === undefined) {
        if (spec.required) fail(file, `required key '${key}' is missing from &${group}`, key);
        continue;
      }
      v[key] = convert(file, group, key, spec, vals);
    }
  }
  const nml: GcasNamelist = {
    file,
    year: v.year as number,
    month: v.month as number,
    day: v.day as number,
    rundays: v.rundays as number,
    daStep: v.da_step as number,
    casename: v.casename as string,
    ensemble: v.ensemble as number,
    nrt: v.nrt as number,
    optScheme: v.opt_scheme as number,
    netflux: v.netflux as number,
    optDir: v.opt_dir as string,
    debug: (v.debug as boolean | undefined) ?? false,
    resm: v.resm as number,
    mozartdir: v.mozartdir as string,
    resb: v.resb as number,
    priordir: v.priordir as string,
    bunc: v.bunc as number[],
    issrf: v.issrf as number,
    obsdirSrf: v.obsdir_srf as string,
    issat: v.issat as number,
    isgosat: v.isgosat as number,
    obsdirGosat: v.obsdir_gosat as string,
    isoco2: v.isoco2 as number,
    obsdirOco2: v.obsdir_oco2 as string,
    istansat: v.istansat as number,
    obsdirTansat: v.obsdir_tansat as string,
  };
  const check = (ok: boolean, key: string, what: string): void => {
    if (!ok) fail(file, `${key} ${what}`, key);
  };
  check(nml.ensemble >= 2, 'ensemble', `must be ≥ 2, got ${nml.ensemble}`);
  check(nml.rundays >= 1, 'rundays', `must be ≥ 1, got ${nml.rundays}`);
  check(nml.daStep >= 1, 'da_step', `must be ≥ 1, got ${nml.daStep}`);
  check([1, 2, 3].includes(nml.optScheme), 'opt_scheme', `must be 1, 2 or 3, got ${nml.optScheme}`);
  check(nml.nrt === 0, 'nrt', `= ${nml.nrt} (net-flux state) is not supported; use nrt = 0`);
  check(nml.resb >= 1 && nml.resb <= 6 && 180 % nml.resb === 0, 'resb', `must divide 180 and be ≤ 6, got ${nml.resb}`);
  check(nml.bunc.length >= nml.optScheme, 'bunc', `needs ${nml.optScheme} values, got ${nml.bunc.length}`);
  check(nml.month >= 1 && nml.month <= 12 && nml.day >= 1 && nml.day <= 31, 'day', `date ${nml.year}-${nml.month}-${nml.day} is invalid`);
  return nml;
}

/** YYYYMMDD of the window's k-th day (k = 0 first). */
export function gcasDay(nml: Pick<GcasNamelist, 'year' | 'month' | 'day'>, k: number): string {
  const t = new Date(Date.UTC(nml.year, nml.month - 1, nml.day + k));
  return `${t.getUTCFullYear()}${String(t.getUTCMonth() + 1).padStart(2, '0')}${String(t.getUTCDate()).padStart(2, '0')}`;
}
