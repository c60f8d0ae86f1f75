// CF decoding, CF time units, and the public API of @tanhui/io (listed by hand: changing it
// is a visible decision). Pure and quick: one file, one worker.
import { describe, expect, it } from 'vitest';
import { isTanhuiError } from '@tanhui/core';
import { cfDecode } from './cf';
import { cfTimesToEpochSeconds, epochSecondsToCfTimes, isCfTimeUnits, parseCfTimeUnits } from './cf-time';
import * as io from './index';
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

// Independent answers: JavaScript's own Date.UTC, and calendar arithmetic done by hand.
describe('CF time units', () => {
  it('converts the usual unit spellings against Date.UTC', () => {
    expect(Array.from(cfTimesToEpochSeconds([0, 1.5], 'days since 2000-01-01 00:00:00'))).toEqual([
      Date.UTC(2000, 0, 1) / 1000,
      Date.UTC(2000, 0, 2, 12) / 1000,
    ]);
    expect(cfTimesToEpochSeconds([90], 'minutes since 2018-01-01')[0]).toBe(Date.UTC(2018, 0, 1, 1, 30) / 1000);
    expect(cfTimesToEpochSeconds([3], 'hours since 2014-09-06T21:00:00Z')[0]).toBe(Date.UTC(2014, 8, 7) / 1000);
    expect(cfTimesToEpochSeconds([10], 'seconds since 1970-01-01T00:00:00Z')[0]).toBe(10);
    // 0001-01-01 in the proleptic Gregorian calendar is 719162 days before 1970-01-01.
    expect(cfTimesToEpochSeconds([1], 'days since 0001-01-01', 'proleptic_gregorian')[0]).toBe((1 - 719162) * 86400);
  });

  it('honours time-zone offsets in the reference date', () => {
    // 08:00 at UTC+8 is midnight UTC.
    expect(cfTimesToEpochSeconds([0], 'hours since 2020-03-01 08:00:00 +08:00')[0]).toBe(Date.UTC(2020, 2, 1) / 1000);
  });

  it('handles fixed-length model calendars', () => {
    // noleap: 1972 has no 29 February, so 1973-01-01 is 3*365 days after 1970-01-01.
    expect(cfTimesToEpochSeconds([0], 'days since 1973-01-01', 'noleap')[0]).toBe(3 * 365 * 86400);
    expect(cfTimesToEpochSeconds([0], 'days since 1970-03-01', '360_day')[0]).toBe(60 * 86400);
  });

  it('round-trips through epochSecondsToCfTimes', () => {
    const v = [0, 0.25, 1e5];
    const s = cfTimesToEpochSeconds(v, 'hours since 1999-12-31 18:00');
    expect(Array.from(epochSecondsToCfTimes(s, 'hours since 1999-12-31 18:00'))).toEqual(v);
  });

  it('rejects months, years, unknown calendars and junk with BadUnits', () => {
    for (const [u, c] of [
      ['months since 2000-01-01', 'standard'],
      ['days since yesterday', 'standard'],
      ['days since 2000-01-01', 'julian'],
      ['kelvin', 'standard'],
    ]) {
      let caught: unknown;
      try {
        parseCfTimeUnits(u, c);
      } catch (e) {
        caught = e;
      }
      expect(isTanhuiError(caught, 'BadUnits')).toBe(true);
    }
    expect(isCfTimeUnits('days since 2000-01-01')).toBe(true);
    expect(isCfTimeUnits('mol m-2 s-1')).toBe(false);
  });
});

describe('@tanhui/io exports', () => {
  it('are exactly these', () => {
    expect(Object.keys(io).sort()).toEqual(
      [
        'CLASSIC_TYPE_SIZE',
        'DEFAULT_LEVEL',
        'NC_CLASSIC_TYPE',
        'GdalDataset',
        'KEY_ATTRIBUTES',
        'WRITABLE_COMPRESSORS',
        'ZarrStore',
        'assertReadableFile',
        'bytesCodec',
        'cfDecode',
        'cfPacking',
        'cfTimesToEpochSeconds',
        'describeDataset',
        'epochSecondsToCfTimes',
        'formatStructure',
        'isCfTimeUnits',
        'isZarrPath',
        'listVariables',
        'lz4Decode',
        'lz4Encode',
        'ncdumpNumericLists',
        'ncdumpScalarNames',
        'ncdumpStrings',
        'needsCfDecoding',
        'openDataset',
        'parseNcdumpStrings',
        'readClassicHeader',
        'readRegionMap',
        'readStringVariable',
        'readVariable',
        'registerNodeZlibCodecs',
        'writeFileAtomic',
        'writeNetcdf3',
      ].sort(),
    );
  });
});
