// A minimal view of a NetCDF file for the format parsers: variables as flat typed arrays with
// shape and attributes. The parsers are pure and work on any NcSource: the one built by
// readers.ts from @tanhui/io (gdal-async, main thread), or an in-memory one in tests.
import { TanhuiError } from '@tanhui/core';

export type NumericArray = Float64Array | Float32Array | Int32Array | Int16Array | Int8Array | Uint8Array | Uint16Array | Uint32Array | number[];

export interface NcVariable {
  readonly name: string;
  /** Dimension lengths, slowest first. */
  readonly shape: readonly number[];
  readonly attrs: Readonly<Record<string, unknown>>;
  /** Numeric data, row-major (absent for char/string variables). */
  readonly data?: NumericArray;
  /** String values (one per element of the leading dimensions) for char/string variables. */
  readonly strings?: readonly string[];
}

export interface NcSource {
  readonly file: string;
  readonly attrs: Readonly<Record<string, unknown>>;
  has(name: string): boolean;
  /** Rejects with MissingVariable when absent. */
  variable(name: string): Promise<NcVariable>;
}

/** An in-memory NcSource (tests, synthetic data, adapters). */
export function memorySource(file: string, attrs: Record<string, unknown>, variables: NcVariable[]): NcSource {
  const byName = new Map(variables.map((v) => [v.name, v]));
  return {
    file,
    attrs,
    has: (name) => byName.has(name),
    variable: (name) => {
      const v = byName.get(name);
      return v ? Promise.resolve(v) : Promise.reject(missingVariable(file, name));
    },
  };
}

export function missingVariable(file: string, variable: string): TanhuiError {
  return new TanhuiError('MissingVariable', `variable '${variable}' not found`, {
    context: { file, variable },
    hint: 'check that the file is in the expected layout (see --format)',
  });
}

/** First of several alternative names present in the file, or undefined. */
export function firstPresent(src: NcSource, names: readonly string[]): string | undefined {
  return names.find((n) => src.has(n));
}

/** Read a variable by any of its alternative names; MissingVariable names the first. */
export async function requireVariable(src: NcSource, names: readonly string[]): Promise<NcVariable> {
  const name = firstPresent(src, names);
  if (name === undefined) throw missingVariable(src.file, names.join(' | '));
  return src.variable(name);
}

function attrNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v) && v.length > 0 && typeof v[0] === 'number') return v[0];
  if (ArrayBuffer.isView(v) && (v as unknown as ArrayLike<number>).length > 0) return Number((v as unknown as ArrayLike<number>)[0]);
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

export function attrString(attrs: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const v = attrs[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(String).join(' ');
  return String(v);
}

interface Decoding {
  f1: number;
  f1r: number;
  f2: number;
  f2r: number;
  scale: number;
  offset: number;
  plain: boolean;
}

function decoding(v: NcVariable): Decoding {
  const fills = [attrNumber(v.attrs._FillValue), attrNumber(v.attrs.missing_value)].filter((x): x is number => x !== undefined && !Number.isNaN(x));
  const scale = attrNumber(v.attrs.scale_factor) ?? 1;
  const offset = attrNumber(v.attrs.add_offset) ?? 0;
  // Stored float32 values equal the float32-rounded fill exactly.
  const f1 = fills[0] ?? NaN;
  const f2 = fills[1] ?? NaN;
  return { f1, f1r: Math.fround(f1), f2, f2r: Math.fround(f2), scale, offset, plain: fills.length === 0 && scale === 1 && offset === 0 };
}

function numericOf(src: NcSource, v: NcVariable): ArrayLike<number> {
  if (!v.data) {
    throw new TanhuiError('BadValue', `variable '${v.name}' is not numeric`, { context: { file: src.file, variable: v.name } });
  }
  return v.data as ArrayLike<number>;
}

/**
 * Numeric data as a new Float64Array with _FillValue / missing_value turned into NaN and
 * scale_factor / add_offset applied (CF packing). Readers pass the stored (undecoded) values.
 */
export function numericData(src: NcSource, v: NcVariable): Float64Array {
  const data = numericOf(src, v);
  const out = new Float64Array(data.length);
  const d = decoding(v);
  if (d.plain) {
    out.set(data);
    return out;
  }
  const { f1, f1r, f2, f2r, scale, offset } = d;
  for (let k = 0; k < data.length; k++) {
    const x = data[k]!;
    out[k] = x === f1 || x === f1r || x === f2 || x === f2r ? NaN : x * scale + offset;
  }
  return out;
}

/**
 * Decode an [n, L] variable straight into `dst` (no temporary: at 10⁶ soundings the
 * allocations cost more than the arithmetic), multiplying by `factor` and reversing the level
 * order of sounding k when flip[k] is 1.
 */
export function decodeLevelsInto(src: NcSource, v: NcVariable, dst: Float64Array, n: number, L: number, flip: Uint8Array, factor = 1): void {
  const data = numericOf(src, v);
  const { f1, f1r, f2, f2r, scale, offset } = decoding(v);
  const a = scale * factor;
  const b = offset * factor;
  for (let k = 0; k < n; k++) {
    const base = k * L;
    const rev = flip[k] === 1;
    for (let j = 0; j < L; j++) {
      const x = data[base + (rev ? L - 1 - j : j)]!;
      dst[base + j] = x === f1 || x === f1r || x === f2 || x === f2r ? NaN : x * a + b;
    }
  }
}

export function expectShape(src: NcSource, v: NcVariable, shape: readonly number[]): void {
  const ok = v.shape.length === shape.length && v.shape.every((d, i) => d === shape[i]);
  if (!ok) {
    throw new TanhuiError('BadShape', `variable '${v.name}' has shape [${v.shape.join(', ')}], expected [${shape.join(', ')}]`, {
      context: { file: src.file, variable: v.name },
    });
  }
}

/** Throw BadValue naming file, variable and index at the first NaN. */
export function requireFinite(file: string, variable: string, a: ArrayLike<number>): void {
  for (let k = 0; k < a.length; k++) {
    if (!Number.isFinite(a[k]!)) {
      throw new TanhuiError('BadValue', `variable '${variable}' has a missing or non-finite value at index ${k}`, {
        context: { file, variable, index: k },
        hint: 'fill values and NaN are not allowed in coordinates, times or retrieval profiles',
      });
    }
  }
}

export function requireRange(file: string, variable: string, a: ArrayLike<number>, lo: number, hi: number): void {
  for (let k = 0; k < a.length; k++) {
    const x = a[k]!;
    if (!(x >= lo && x <= hi)) {
      throw new TanhuiError('BadValue', `variable '${variable}' value ${x} at index ${k} is outside [${lo}, ${hi}]`, {
        context: { file, variable, index: k },
      });
    }
  }
}

/** Mole-fraction unit string → factor to ppm (µmol mol⁻¹). Unknown units are an error. */
export function ppmFactor(units: string | undefined, file: string, variable: string): number {
  if (units === undefined) {
    throw new TanhuiError('BadUnits', `variable '${variable}' has no units attribute`, { context: { file, variable }, hint: 'expected mol mol-1, ppm or ppb' });
  }
  const u = units.trim().toLowerCase().replace(/\s+/g, ' ').replace('µ', 'u').replace('μ', 'u');
  const table: Record<string, number> = {
    'mol mol-1': 1e6,
    'mol/mol': 1e6,
    'mol mol^-1': 1e6,
    'micromol mol-1': 1,
    'umol mol-1': 1,
    'umol/mol': 1,
    'ppm': 1,
    'ppmv': 1,
    'nanomol mol-1': 1e-3,
    'nmol mol-1': 1e-3,
    'nmol/mol': 1e-3,
    'ppb': 1e-3,
    'ppbv': 1e-3,
    'picomol mol-1': 1e-6,
    'pmol mol-1': 1e-6,
    'ppt': 1e-6,
  };
  const f = table[u];
  if (f === undefined) {
    throw new TanhuiError('BadUnits', `variable '${variable}' has unsupported units '${units}'`, {
      context: { file, variable },
      hint: 'expected a mole fraction: mol mol-1, micromol mol-1 (ppm), nanomol mol-1 (ppb)',
    });
  }
  return f;
}

/** Pressure unit → factor to hPa. */
export function hPaFactor(units: string | undefined, file: string, variable: string, fallback?: number): number {
  if (units === undefined) {
    if (fallback !== undefined) return fallback;
    throw new TanhuiError('BadUnits', `variable '${variable}' has no units attribute`, { context: { file, variable } });
  }
  const u = units.trim().toLowerCase();
  const table: Record<string, number> = { hpa: 1, mbar: 1, mb: 1, millibar: 1, pa: 0.01, atm: 1013.25, kpa: 10, bar: 1000 };
  const f = table[u];
  if (f === undefined) {
    throw new TanhuiError('BadUnits', `variable '${variable}' has unsupported pressure units '${units}'`, { context: { file, variable }, hint: 'expected hPa, Pa or atm' });
  }
  return f;
}

/** Length unit → factor to m. */
export function metreFactor(units: string | undefined, file: string, variable: string): number {
  const u = (units ?? 'm').trim().toLowerCase();
  const table: Record<string, number> = { m: 1, meters: 1, metres: 1, meter: 1, km: 1000, masl: 1 };
  const f = table[u];
  if (f === undefined) {
    throw new TanhuiError('BadUnits', `variable '${variable}' has unsupported length units '${units}'`, { context: { file, variable }, hint: 'expected m or km' });
  }
  return f;
}

const UNIT_SECONDS: Record<string, number> = {
  second: 1, seconds: 1, sec: 1, secs: 1, s: 1,
  minute: 60, minutes: 60, min: 60, mins: 60,
  hour: 3600, hours: 3600, hr: 3600, hrs: 3600, h: 3600,
  day: 86400, days: 86400, d: 86400,
};

/** CF time units `<unit> since <date>` → (scale to seconds, epoch offset in s since 1970). */
export function parseCfTimeUnits(units: string | undefined, file: string, variable: string): { scale: number; offsetSec: number } {
  const m = units?.trim().match(/^(\w+)\s+since\s+(\d{1,4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2}(?:\.\d*)?))?)?\s*(Z|UTC|[+-]00:?00)?\s*$/i);
  const scale = m ? UNIT_SECONDS[m[1]!.toLowerCase()] : undefined;
  if (!m || scale === undefined) {
    throw new TanhuiError('BadUnits', `variable '${variable}' has time units '${units ?? '(none)'}', expected '<seconds|hours|days> since <date>'`, {
      context: { file, variable },
    });
  }
  const offsetMs = Date.UTC(Number(m[2]), Number(m[3]) - 1, Number(m[4]), Number(m[5] ?? 0), Number(m[6] ?? 0), 0) + Number(m[7] ?? 0) * 1000;
  return { scale, offsetSec: offsetMs / 1000 };
}
