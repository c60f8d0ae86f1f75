// CF decoding of packed/filled variables, as xarray and netCDF4-python do it:
// 1. values equal to _FillValue or any missing_value (compared in the stored type) → NaN;
// 2. _Unsigned = "true" on a signed integer type → reinterpret as unsigned;
// 3. decoded = stored * scale_factor + add_offset.
// valid_min/valid_max/valid_range are reported but not applied (xarray does not either).

export type AttrValue = string | number | number[];
export type Attrs = Record<string, AttrValue>;

export type NumericArray =
  | Float64Array
  | Float32Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array;

export interface CfPacking {
  fillValues: number[];
  scale: number;
  offset: number;
  unsigned: boolean;
}

function numbersOf(v: AttrValue | undefined): number[] {
  if (v === undefined) return [];
  if (typeof v === 'number') return [v];
  if (Array.isArray(v)) return v.filter((x) => typeof x === 'number');
  const n = Number(v);
  return Number.isFinite(n) ? [n] : [];
}

/** The packing a variable's attributes describe. */
export function cfPacking(attrs: Attrs): CfPacking {
  const fillValues = [...numbersOf(attrs._FillValue), ...numbersOf(attrs.missing_value)];
  const scale = numbersOf(attrs.scale_factor)[0] ?? 1;
  const offset = numbersOf(attrs.add_offset)[0] ?? 0;
  const u = attrs._Unsigned;
  const unsigned = typeof u === 'string' && u.toLowerCase() === 'true';
  return { fillValues, scale, offset, unsigned };
}

/** True if the attributes ask for any decoding at all. */
export function needsCfDecoding(attrs: Attrs): boolean {
  const p = cfPacking(attrs);
  return p.fillValues.length > 0 || p.scale !== 1 || p.offset !== 0 || p.unsigned;
}

function unsignedView(raw: NumericArray): NumericArray {
  if (raw instanceof Int8Array) return new Uint8Array(raw.buffer, raw.byteOffset, raw.length);
  if (raw instanceof Int16Array) return new Uint16Array(raw.buffer, raw.byteOffset, raw.length);
  if (raw instanceof Int32Array) return new Uint32Array(raw.buffer, raw.byteOffset, raw.length);
  return raw;
}

function toStoredType(raw: NumericArray, v: number): number {
  // A fill attribute is written in the variable's type; compare in that type so a float32
  // _FillValue of 1e15 (stored 999999986991104) matches the float32 data exactly.
  if (raw instanceof Float32Array) return Math.fround(v);
  if (raw instanceof Uint8Array) return v & 0xff;
  if (raw instanceof Uint16Array) return v & 0xffff;
  if (raw instanceof Uint32Array) return v >>> 0;
  return v;
}

/** Decode stored values to physical values (Float64Array, NaN where missing). */
export function cfDecode(raw: NumericArray, attrs: Attrs): Float64Array {
  const p = cfPacking(attrs);
  const src = p.unsigned ? unsignedView(raw) : raw;
  // Widen natively first, then work on one monomorphic Float64Array (fast in V8). Integer and
  // float32 values are exact as doubles, so comparing with the fill values after widening is
  // the same as comparing in the stored type.
  const out = new Float64Array(src.length);
  out.set(src);
  const fills = p.fillValues.map((f) => toStoredType(src, f)).filter((f) => !Number.isNaN(f));
  const { scale, offset } = p;
  const n = out.length;
  const f0 = fills.length > 0 ? fills[0] : NaN;
  const f1 = fills.length > 1 ? fills[1] : NaN;
  const more = fills.slice(2);
  const affine = scale !== 1 || offset !== 0;
  for (let i = 0; i < n; i++) {
    const v = out[i];
    // NaN compares unequal to everything, so NaN data stay NaN and NaN fills never match.
    if (v === f0 || v === f1 || (more.length > 0 && more.includes(v))) out[i] = NaN;
    else if (affine) out[i] = v * scale + offset;
  }
  return out;
}
