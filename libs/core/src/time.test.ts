import { describe, expect, it } from 'vitest';
import { isTanhuiError } from './errors';
import {
  assimilationWindows,
  cfTimeToInstants,
  civilFromInstant,
  daysInYear,
  decimalYear,
  formatIso,
  instantFromDecimalYear,
  instantsToCfTime,
  isLeapYear,
  parseCfTimeUnits,
  parseDurationS,
  parseInstant,
  utcInstant,
  windowIndexOf,
} from './time';

// Independent answers come from JavaScript's Date.UTC (milliseconds since 1970).
const U = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number => Date.UTC(y, mo - 1, d, h, mi, s) / 1000;

describe('civil time ↔ instants', () => {
  it('agrees with Date.UTC over 1600..2400 including leap days and century years', () => {
    for (let y = 1600; y <= 2400; y += 7) {
      for (const [mo, d] of [[1, 1], [2, 28], [3, 1], [12, 31]] as const) {
        expect(utcInstant(y, mo, d, 13, 5, 7)).toBe(U(y, mo, d, 13, 5, 7));
      }
      if (isLeapYear(y)) expect(utcInstant(y, 2, 29)).toBe(U(y, 2, 29));
    }
  });

  it('inverts utcInstant with civilFromInstant, also before 1970', () => {
    for (const t of [U(1969, 12, 31, 23, 59, 59), U(1900, 3, 1), U(2000, 2, 29, 12), U(2100, 3, 1), -1, 0, 1.5]) {
      const c = civilFromInstant(t);
      const d = new Date(Math.floor(t) * 1000);
      expect([c.year, c.month, c.day, c.hour, c.minute, Math.floor(c.second)]).toEqual([
        d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(),
      ]);
    }
  });

  it('knows leap years (divisible by 4, centuries only by 400)', () => {
    expect([1900, 2000, 2004, 2014, 2100].map(isLeapYear)).toEqual([false, true, true, false, false]);
    expect([2016, 2015].map(daysInYear)).toEqual([366, 365]);
  });

  it('rejects impossible dates', () => {
    expect(() => utcInstant(2015, 2, 29)).toThrow(/day 29/);
    expect(() => utcInstant(2015, 13, 1)).toThrow(/month 13/);
  });

  it('formats ISO 8601 UTC as Date#toISOString does (without redundant milliseconds)', () => {
    for (const t of [0, U(2014, 9, 6), U(1999, 12, 31, 23, 59, 59), U(1950, 1, 1, 6)]) {
      expect(formatIso(t)).toBe(new Date(t * 1000).toISOString().replace('.000Z', 'Z'));
    }
    expect(formatIso(U(2014, 9, 6) + 0.25)).toBe('2014-09-06T00:00:00.250Z');
    expect(formatIso(U(2014, 9, 6, 18), { dateOnly: true })).toBe('2014-09-06');
  });

  it('parses ISO and CF-style date-times with zones', () => {
    expect(parseInstant('2014-09-06')).toBe(U(2014, 9, 6));
    expect(parseInstant('2014-09-06T12:30:15Z')).toBe(U(2014, 9, 6, 12, 30, 15));
    expect(parseInstant('2000-1-1 0:0:0')).toBe(U(2000, 1, 1));
    expect(parseInstant('2010-01-01 08:00 +08:00')).toBe(U(2010, 1, 1));
    expect(parseInstant('2010-01-01 00:00:00 -6')).toBe(U(2010, 1, 1, 6));
    expect(parseInstant('2010-01-01 00:00:01.5')).toBe(U(2010, 1, 1, 0, 0, 1) + 0.5);
    expect(() => parseInstant('yesterday')).toThrow();
  });
});

describe('CF time units', () => {
  it.each([
    ['seconds since 1970-01-01 00:00:00', [0, 86400.5], [0, 86400.5]],
    ['days since 2000-1-1', [0, 1.5, -1], [U(2000, 1, 1), U(2000, 1, 2, 12), U(1999, 12, 31)]],
    ['hours since 1900-01-01 00:00:00 UTC', [1008072], [U(2015, 1, 1)]],
    ['hours since 2014-09-06T00:00:00Z', [3, 27], [U(2014, 9, 6, 3), U(2014, 9, 7, 3)]],
    ['minutes since 2014-09-06 12:00', [90], [U(2014, 9, 6, 13, 30)]],
    ['Days Since 2014-09-06', [7], [U(2014, 9, 13)]],
    ['days since 1850-01-01', [60265], [U(2015, 1, 1)]],
  ] as const)('%s', (units, values, expected) => {
    const got = cfTimeToInstants(values, units);
    expect(Array.from(got)).toEqual(expected);
    expect(Array.from(instantsToCfTime(got, units))).toEqual(values);
  });

  it('reads the unit and epoch', () => {
    const u = parseCfTimeUnits('days since 2014-09-06 00:00:00');
    expect(u.unit).toBe('days');
    expect(u.secondsPerUnit).toBe(86400);
    expect(u.epoch).toBe(U(2014, 9, 6));
  });

  it.each(['months since 2000-01-01', 'years since 2000-01-01', 'days after 2000-01-01', 'fortnights since 2000-01-01', 'days since 2000-13-01', 'days since', ''])(
    'rejects %j with BadUnits',
    (units) => {
      let err: unknown;
      try {
        parseCfTimeUnits(units, 'standard', { file: 'f.nc', variable: 'time' });
      } catch (e) {
        err = e;
      }
      expect(isTanhuiError(err, 'BadUnits')).toBe(true);
      expect((err as { toLine(): string }).toLine()).toMatch(/file f\.nc, variable time/);
    },
  );

  it('refuses calendars it does not implement instead of mis-dating', () => {
    expect(() => parseCfTimeUnits('days since 2000-01-01', 'noleap')).toThrow(/calendar/);
    expect(() => parseCfTimeUnits('days since 0001-01-01', 'standard')).toThrow(/1582/);
    expect(parseCfTimeUnits('days since 0001-01-01', 'proleptic_gregorian').epoch).toBe(Date.UTC(2001, 0, 1) / 1000 - 2000 * 365.2425 * 86400);
  });
});

describe('decimal years', () => {
  it('uses each year’s own length', () => {
    expect(decimalYear(U(2016, 1, 1))).toBe(2016);
    // 2016 is a leap year: 1 July is day 182 (0-based) of 366.
    expect(decimalYear(U(2016, 7, 1))).toBeCloseTo(2016 + 182 / 366, 14);
    expect(decimalYear(U(2015, 7, 1))).toBeCloseTo(2015 + 181 / 365, 14);
    expect(decimalYear(U(2015, 12, 31, 12))).toBeCloseTo(2015 + 364.5 / 365, 14);
  });
  it('inverts', () => {
    for (const t of [U(2014, 9, 6, 3), U(1999, 2, 28, 23, 59, 59), U(2000, 12, 31, 18)]) {
      expect(Math.abs(instantFromDecimalYear(decimalYear(t)) - t)).toBeLessThan(1e-5);
    }
  });
});

describe('assimilation windows', () => {
  it('cuts a period into 7-day windows and truncates the last', () => {
    const w = assimilationWindows(U(2014, 9, 6), U(2014, 10, 1), '7d');
    expect(w.map((x) => [formatIso(x.start, { dateOnly: true }), formatIso(x.end, { dateOnly: true })])).toEqual([
      ['2014-09-06', '2014-09-13'],
      ['2014-09-13', '2014-09-20'],
      ['2014-09-20', '2014-09-27'],
      ['2014-09-27', '2014-10-01'],
    ]);
    expect(w.map((x) => x.index)).toEqual([0, 1, 2, 3]);
  });
  it('can drop or keep a partial last window', () => {
    expect(assimilationWindows(U(2014, 9, 6), U(2014, 10, 1), 7 * 86400, { last: 'drop' })).toHaveLength(3);
    expect(assimilationWindows(U(2014, 9, 6), U(2014, 10, 1), 'P7D', { last: 'keep' }).at(-1)!.end).toBe(U(2014, 10, 4));
  });
  it('finds the window holding an instant', () => {
    expect(windowIndexOf(U(2014, 9, 13), U(2014, 9, 6), '1w')).toBe(1);
    expect(windowIndexOf(U(2014, 9, 12, 23, 59, 59), U(2014, 9, 6), '7 days')).toBe(0);
  });
  it('parses durations', () => {
    expect(['7d', '6h', '30 min', '3600s', 'PT6H', 'P1DT1H', 'P2W'].map(parseDurationS)).toEqual([604800, 21600, 1800, 3600, 21600, 90000, 1209600]);
    expect(() => parseDurationS('7 fortnights')).toThrow();
    expect(() => parseDurationS(-1)).toThrow();
  });
});
