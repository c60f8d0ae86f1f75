// CF time units ("days since 2014-09-06 00:00:00") → seconds since 1970-01-01T00:00:00Z, the
// project's time convention. Standard, gregorian and proleptic_gregorian calendars go through
// @tanhui/core's parser (one behaviour for the whole system); io adds the fixed-length model
// calendars noleap/365_day, all_leap/366_day and 360_day that core refuses. "months since" /
// "years since" are rejected (CF warns they are not calendar months or years).
import { TanhuiError, parseCfTimeUnits as coreParseCfTimeUnits } from '@tanhui/core';

export interface CfTimeUnits {
  /** Seconds per unit of the stored values. */
  unitSeconds: number;
  /** Reference instant, seconds since 1970-01-01T00:00:00Z (in the given calendar). */
  epochSeconds: number;
  calendar: string;
  /** Reference date as written, normalised, for messages. */
  reference: string;
  /** Reference date components (used by the non-standard calendars). */
  ref: { year: number; month: number; day: number; seconds: number };
}

const UNIT_SECONDS: Record<string, number> = {
  second: 1, seconds: 1, sec: 1, secs: 1, s: 1,
  minute: 60, minutes: 60, min: 60, mins: 60,
  hour: 3600, hours: 3600, hr: 3600, hrs: 3600, h: 3600,
  day: 86400, days: 86400, d: 86400,
  week: 7 * 86400, weeks: 7 * 86400,
  millisecond: 1e-3, milliseconds: 1e-3, msec: 1e-3, msecs: 1e-3, ms: 1e-3,
  microsecond: 1e-6, microseconds: 1e-6,
};

const STANDARD = new Set(['standard', 'gregorian', 'proleptic_gregorian', '']);
const FIXED_YEAR: Record<string, number> = { noleap: 365, '365_day': 365, all_leap: 366, '366_day': 366, '360_day': 360 };

/** True when `units` looks like CF time units ("<unit> since <date>"). */
export function isCfTimeUnits(units: unknown): units is string {
  return typeof units === 'string' && /^\s*[a-zA-Z]+\s+since\s+\S/.test(units);
}

/** Parse CF time units; throws TanhuiError('BadUnits') on anything it cannot honour. */
export function parseCfTimeUnits(units: string, calendar = 'standard'): CfTimeUnits {
  const cal = calendar.trim().toLowerCase();
  const m = /^\s*([a-zA-Z]+)\s+since\s+(.+?)\s*$/.exec(units);
  if (!m) {
    throw new TanhuiError('BadUnits', `not CF time units: "${units}"`, {
      hint: 'expected "<seconds|minutes|hours|days> since YYYY-MM-DD[ hh:mm:ss][Z]"',
    });
  }
  const unitName = m[1].toLowerCase();
  const unitSeconds = UNIT_SECONDS[unitName];
  if (unitSeconds === undefined) {
    throw new TanhuiError('BadUnits', `unsupported CF time unit "${m[1]}" in "${units}"`, {
      hint: 'months and years are ambiguous in CF; use days, hours, minutes or seconds',
    });
  }
  const ref = parseReferenceDate(m[2], units);
  let epochSeconds: number;
  if (STANDARD.has(cal)) {
    epochSeconds = coreParseCfTimeUnits(units, cal === '' ? 'standard' : cal).epoch;
  } else if (cal in FIXED_YEAR) {
    epochSeconds = fixedCalendarSeconds(cal, ref.year, ref.month, ref.day) + ref.seconds;
  } else {
    throw new TanhuiError('BadUnits', `unsupported CF calendar "${calendar}"`, {
      hint: 'supported: standard, gregorian, proleptic_gregorian, noleap, 365_day, all_leap, 366_day, 360_day',
    });
  }
  const reference = `${pad(ref.year, 4)}-${pad(ref.month, 2)}-${pad(ref.day, 2)}+${ref.seconds}s`;
  return { unitSeconds, epochSeconds, calendar: cal === '' ? 'standard' : cal, reference, ref };
}

/**
 * Convert stored time values to seconds since 1970-01-01T00:00:00Z. For the fixed-length
 * calendars the result counts model seconds since 1970-01-01 of that calendar (so
 * 1970-01-01 is 0 and every day is 86400 s), the only consistent "instant" they have.
 */
export function cfTimesToEpochSeconds(values: ArrayLike<number>, units: string, calendar = 'standard'): Float64Array {
  const u = parseCfTimeUnits(units, calendar);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    // Multiply-then-add in double; integer second counts stay exact below 2^53.
    out[i] = Number.isFinite(v) ? u.epochSeconds + v * u.unitSeconds : NaN;
  }
  return out;
}

/** Inverse of cfTimesToEpochSeconds, for writers. */
export function epochSecondsToCfTimes(seconds: ArrayLike<number>, units: string, calendar = 'standard'): Float64Array {
  const u = parseCfTimeUnits(units, calendar);
  const out = new Float64Array(seconds.length);
  for (let i = 0; i < seconds.length; i++) out[i] = (seconds[i] - u.epochSeconds) / u.unitSeconds;
  return out;
}

function parseReferenceDate(text: string, units: string): CfTimeUnits['ref'] {
  // YYYY-M-D, then optional [T ]h:m[:s[.fff]], then optional Z / UTC / ±hh[:mm].
  const re = /^(-?\d{1,4})-(\d{1,2})-(\d{1,2})(?:[T\s]+(\d{1,2}):(\d{1,2})(?::(\d{1,2}(?:\.\d*)?))?)?\s*(Z|UTC|GMT|[+-]\d{1,2}(?::?\d{2})?)?\s*$/i;
  const m = re.exec(text.trim());
  if (!m) {
    throw new TanhuiError('BadUnits', `cannot parse the reference date of CF time units "${units}"`, {
      hint: 'expected YYYY-MM-DD[ hh:mm:ss][Z]',
    });
  }
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hh = m[4] ? Number(m[4]) : 0;
  const mi = m[5] ? Number(m[5]) : 0;
  const ss = m[6] ? Number(m[6]) : 0;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hh > 24 || mi > 59 || ss >= 61) {
    throw new TanhuiError('BadUnits', `invalid reference date in CF time units "${units}"`);
  }
  let offsetSeconds = 0;
  const tz = m[7];
  if (tz && /^[+-]/.test(tz)) {
    const tm = /^([+-])(\d{1,2}):?(\d{2})?$/.exec(tz);
    if (tm) offsetSeconds = (tm[1] === '-' ? -1 : 1) * (Number(tm[2]) * 3600 + Number(tm[3] ?? 0) * 60);
  }
  // A local time at UTC+h is h hours ahead of UTC: subtract the offset to get UTC.
  return { year, month, day, seconds: hh * 3600 + mi * 60 + ss - offsetSeconds };
}

function fixedCalendarSeconds(cal: string, year: number, month: number, day: number): number {
  const ylen = FIXED_YEAR[cal];
  let doy: number;
  if (ylen === 360) {
    doy = (month - 1) * 30 + (day - 1);
  } else {
    const mlen = [31, ylen === 366 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    doy = day - 1;
    for (let k = 0; k < month - 1; k++) doy += mlen[k];
  }
  return ((year - 1970) * ylen + doy) * 86400;
}

function pad(n: number, w: number): string {
  return String(n).padStart(w, '0');
}
