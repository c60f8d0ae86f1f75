import { describe, expect, it } from 'vitest';
import { cfDecode } from './cf';

describe('CF decoding', () => {
  it('masks _FillValue and missing_value in the stored type, then unpacks', () => {
    const raw = new Int16Array([0, 10, -1, -20, 7]);
    const out = cfDecode(raw, { _FillValue: -1, missing_value: 7, scale_factor: 0.5, add_offset: 100 });
    expect(Array.from(out)).toEqual([100, 105, NaN, 90, NaN]);
  });

  it('compares a float32 fill value after rounding to float32', () => {
    const raw = new Float32Array([1e15, 2]);
    const out = cfDecode(raw, { _FillValue: 1e15 });
    expect(Number.isNaN(out[0])).toBe(true);
    expect(out[1]).toBe(2);
  });

  it('reinterprets _Unsigned bytes', () => {
    const raw = new Int8Array([-1, -128, 5]);
    expect(Array.from(cfDecode(raw, { _Unsigned: 'true' }))).toEqual([255, 128, 5]);
    expect(Array.from(cfDecode(raw, { _Unsigned: 'true', _FillValue: -1 }))).toEqual([NaN, 128, 5]);
  });

  it('keeps NaN and leaves undecorated data alone', () => {
    expect(Array.from(cfDecode(new Float64Array([NaN, 1.25]), {}))).toEqual([NaN, 1.25]);
  });
});
