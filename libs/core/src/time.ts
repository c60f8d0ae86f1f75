// Time in tanhui: UTC instants as seconds since 1970-01-01T00:00:00Z (plain numbers), on the
// proleptic Gregorian calendar with no leap seconds (as POSIX time, CF "standard" after 1582
// and every CTM's clock). Civil dates are converted with exact integer day arithmetic
// (H. Hinnant's days-from-civil) so years before 1970 or after 2100 need no Date object.
import { SECONDS_PER_DAY } from './constants';
import { TanhuiError } from './errors';

/** Seconds since 1970-01-01T00:00:00Z. */
export type Instant = number;

export interface CivilTime {
  year: number;
  /** 1..12 */
  month: number;
  /** 1..31 */
  day: number;
  hour: number;
  minute: number;
  /** May carry a fraction. */
  second: number;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInYear(year: number): number {
  return isLeapYear(year) ? 366 : 365;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function daysInMonth(year: number, month: number): number {
  if (!(Number.isInteger(month) && month >= 1 && month <= 12)) {
    throw new TanhuiError('BadValue', `month ${month} is outside 1..12`);
  }
  return month === 2 && isLeapYear(year) ? 29 : MONTH_DAYS[month - 1]!;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (integer arithmetic, any year). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Inverse of daysFromCivil. */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = Math.floor(days) + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** The instant of a UTC civil time (validated: month 1..12, day within the month, …). */
export function utcInstant(year: number, month = 1, day = 1, hour = 0, minute = 0, second = 0): Instant {
  if (!Number.isInteger(year)) throw new TanhuiError('BadValue', `year ${year} is not an integer`);
  const dim = daysInMonth(year, month);
  if (!(Number.isInteger(day) && day >= 1 && day <= dim)) {
    throw new TanhuiError('BadValue', `day ${day} is outside 1..${dim} for ${year}-${month}`);
  }
  if (!(Number.isInteger(hour) && hour >= 0 && hour <= 24)) throw new TanhuiError('BadValue', `hour ${hour} is outside 0..24`);
  if (!(Number.isInteger(minute) && minute >= 0 && minute <= 59)) throw new TanhuiError('BadValue', `minute ${minute} is outside 0..59`);
  if (!(second >= 0 && second < 61)) throw new TanhuiError('BadValue', `second ${second} is outside [0, 61)`);
  return daysFromCivil(year, month, day) * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second;
}

/** UTC civil time of an instant. */
export function civilFromInstant(t: Instant): CivilTime {
  if (!Number.isFinite(t)) throw new TanhuiError('BadValue', `instant ${t} is not finite`);
  const days = Math.floor(t / SECONDS_PER_DAY);
  const sod = t - days * SECONDS_PER_DAY;
  const { year, month, day } = civilFromDays(days);
  const hour = Math.floor(sod / 3600);
  const minute = Math.floor((sod - hour * 3600) / 60);
  return { year, month, day, hour, minute, second: sod - hour * 3600 - minute * 60 };
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/**
 * ISO 8601 UTC text: `2014-09-06T00:00:00Z`; milliseconds are shown only when the instant has
 * a fractional second (`…T00:00:00.250Z`). Rounded to the millisecond.
 */
export function formatIso(t: Instant, options: { dateOnly?: boolean } = {}): string {
  const ms = Math.round(t * 1000);
  const c = civilFromInstant(Math.floor(ms / 1000));
  const frac = ms - Math.floor(ms / 1000) * 1000;
  const y = c.year < 0 ? `-${pad(-c.year, 4)}` : c.year > 9999 ? `+${c.year}` : pad(c.year, 4);
  const date = `${y}-${pad(c.month)}-${pad(c.day)}`;
  if (options.dateOnly) return date;
  const sec = pad(Math.floor(c.second)) + (frac !== 0 ? `.${pad(frac, 3)}` : '');
  return `${date}T${pad(c.hour)}:${pad(c.minute)}:${sec}Z`;
}

// date [T or spaces time] [zone]; UDUNITS/CF allow 1-digit fields, no time, fractional seconds,
// and a zone as Z, UTC/GMT or a ±hh[:mm] offset.
const DATETIME_RE =
  /^([+-]?\d{1,6})-(\d{1,2})-(\d{1,2})(?:(?:T|\s+)(\d{1,2})(?::(\d{1,2})(?::(\d{1,2}(?:\.\d*)?))?)?)?\s*(Z|UTC|GMT|[+-]\d{1,2}(?::?\d{2})?)?$/i;

/**
 * Parse a date-time as written in ISO 8601 or CF/UDUNITS references:
 * `2014-09-06`, `2014-09-06T12:00:00Z`, `2000-1-1 0:0:0`, `1970-01-01 00:00:00 UTC`,
 * `2010-01-01 00:00 +08:00` (the offset is subtracted to give UTC).
 */
export function parseInstant(text: string): Instant {
  const m = DATETIME_RE.exec(text.trim());
  if (!m) {
    throw new TanhuiError('BadValue', `cannot read a date-time from '${text}'`, {
      hint: 'write it as YYYY-MM-DD, YYYY-MM-DDThh:mm:ssZ or YYYY-MM-DD hh:mm:ss',
    });
  }
  const [, ys, mos, ds, hs, mis, ss, zone] = m;
  let t = utcInstant(Number(ys), Number(mos), Number(ds), Number(hs ?? 0), Number(mis ?? 0), Number(ss ?? 0));
  if (zone && /^[+-]/.test(zone)) {
    const zm = /^([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(zone)!;
    const offsetS = (Number(zm[2]) * 3600 + Number(zm[3] ?? 0) * 60) * (zm[1] === '-' ? -1 : 1);
    t -= offsetS;
  }
  return t;
}

export type CfTimeUnit = 'seconds' | 'minutes' | 'hours' | 'days' | 'weeks';

export interface CfTimeUnits {
  unit: CfTimeUnit;
  secondsPerUnit: number;
  /** The reference instant ("since …"). */
  epoch: Instant;
  text: string;
}

const UNIT_NAMES: Record<string, CfTimeUnit> = {
  s: 'seconds', sec: 'seconds', secs: 'seconds', second: 'seconds', seconds: 'seconds',
  min: 'minutes', mins: 'minutes', minute: 'minutes', minutes: 'minutes',
  h: 'hours', hr: 'hours', hrs: 'hours', hour: 'hours', hours: 'hours',
  d: 'days', day: 'days', days: 'days',
  week: 'weeks', weeks: 'weeks',
};
const SECONDS_PER: Record<CfTimeUnit, number> = { seconds: 1, minutes: 60, hours: 3600, days: 86400, weeks: 7 * 86400 };
const GREGORIAN = new Set(['standard', 'gregorian', 'proleptic_gregorian']);
const GREGORIAN_START = daysFromCivil(1582, 10, 15) * SECONDS_PER_DAY;

/**
 * Parse CF time units such as `seconds since 1970-01-01 00:00:00`, `days since 2000-1-1`,
 * `hours since 2014-09-06T00:00:00Z`, `hours since 1900-01-01 00:00:00 UTC`.
 * Months and years are refused (their length varies; CF advises against them), as are
 * calendars other than standard/gregorian/proleptic_gregorian, and "standard" references
 * before 1582-10-15 (where CF's mixed Julian/Gregorian calendar differs from ours).
 */
export function parseCfTimeUnits(units: string, calendar = 'standard', where: { file?: string; variable?: string } = {}): CfTimeUnits {
  const fail = (why: string, hint?: string): never => {
    throw new TanhuiError('BadUnits', `cannot read time units '${units}': ${why}`, {
      hint: hint ?? "expected '<seconds|minutes|hours|days> since YYYY-MM-DD[ hh:mm:ss]'",
      context: { ...where },
    });
  };
  if (typeof units !== 'string') fail('not a string');
  const m = /^\s*([A-Za-z]+)\s+since\s+(.+?)\s*$/i.exec(units);
  if (!m) fail("no '<unit> since <date>'");
  const word = m![1]!.toLowerCase();
  if (/^(month|months|year|years|yr|yrs|common_year|common_years)$/.test(word)) {
    fail(`'${word}' has no fixed length`, 'convert the variable to days or seconds since a date');
  }
  const unit = UNIT_NAMES[word];
  if (unit === undefined) fail(`unknown time unit '${m![1]}'`);
  const cal = calendar.trim().toLowerCase();
  if (!GREGORIAN.has(cal)) {
    fail(`calendar '${calendar}' is not supported`, 'tanhui reads standard, gregorian and proleptic_gregorian calendars');
  }
  let epoch: Instant;
  try {
    epoch = parseInstant(m![2]!);
  } catch (err) {
    return fail(`unreadable reference date '${m![2]}'`, err instanceof TanhuiError ? err.hint : undefined);
  }
  if (cal !== 'proleptic_gregorian' && epoch < GREGORIAN_START) {
    fail('reference date before 1582-10-15 in the mixed Julian/Gregorian calendar', "set calendar = 'proleptic_gregorian' if that is what the file means");
  }
  return { unit: unit!, secondsPerUnit: SECONDS_PER[unit!], epoch, text: units };
}

/** Convert CF time values to instants: epoch + value·secondsPerUnit (NaN stays NaN). */
export function cfTimeToInstants(values: ArrayLike<number>, units: string | CfTimeUnits, calendar = 'standard', out?: Float64Array): Float64Array {
  const u = typeof units === 'string' ? parseCfTimeUnits(units, calendar) : units;
  const res = out ?? new Float64Array(values.length);
  for (let k = 0; k < values.length; k++) res[k] = u.epoch + values[k]! * u.secondsPerUnit;
  return res;
}

/** Inverse of cfTimeToInstants, to write a CF `time` variable. */
export function instantsToCfTime(instants: ArrayLike<number>, units: string | CfTimeUnits, calendar = 'standard', out?: Float64Array): Float64Array {
  const u = typeof units === 'string' ? parseCfTimeUnits(units, calendar) : units;
  const res = out ?? new Float64Array(instants.length);
  for (let k = 0; k < instants.length; k++) res[k] = (instants[k]! - u.epoch) / u.secondsPerUnit;
  return res;
}

/** Instant of 00:00 UTC on 1 January of a year. */
export function startOfYear(year: number): Instant {
  return daysFromCivil(year, 1, 1) * SECONDS_PER_DAY;
}

/** Decimal year: year + fraction of that year's own length elapsed (leap years have 366 days). */
export function decimalYear(t: Instant): number {
  const { year } = civilFromDays(Math.floor(t / SECONDS_PER_DAY));
  const t0 = startOfYear(year);
  return year + (t - t0) / (startOfYear(year + 1) - t0);
}

/** Inverse of decimalYear. */
export function instantFromDecimalYear(y: number): Instant {
  if (!Number.isFinite(y)) throw new TanhuiError('BadValue', `decimal year ${y} is not finite`);
  const year = Math.floor(y);
  const t0 = startOfYear(year);
  return t0 + (y - year) * (startOfYear(year + 1) - t0);
}

/**
 * A duration in seconds from a number (seconds) or text: `7d`, `7 days`, `12h`, `30 min`,
 * `3600s`, `1w`, ISO `P7D`/`PT6H`.
 */
export function parseDurationS(d: number | string): number {
  if (typeof d === 'number') {
    if (!(Number.isFinite(d) && d > 0)) throw new TanhuiError('BadValue', `duration ${d} s is not positive`);
    return d;
  }
  const txt = d.trim();
  const iso = /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(txt);
  if (iso && txt.length > 1 && !/T$/i.test(txt)) {
    const [, w, dd, h, mi, s] = iso;
    const total = Number(w ?? 0) * 604800 + Number(dd ?? 0) * 86400 + Number(h ?? 0) * 3600 + Number(mi ?? 0) * 60 + Number(s ?? 0);
    if (total > 0) return total;
  }
  const m = /^(\d+(?:\.\d+)?)\s*([A-Za-z]+)$/.exec(txt);
  const unit = m ? UNIT_NAMES[m[2]!.toLowerCase()] ?? (m[2]!.toLowerCase() === 'w' ? 'weeks' : undefined) : undefined;
  if (!m || unit === undefined || !(Number(m[1]) > 0)) {
    throw new TanhuiError('BadValue', `cannot read a duration from '${d}'`, { hint: "write e.g. '7d', '6h', '3600s' or 'P7D'" });
  }
  return Number(m[1]) * SECONDS_PER[unit];
}

/** An assimilation window [start, end) in instants. */
export interface AssimilationWindow {
  index: number;
  start: Instant;
  end: Instant;
}

/**
 * Consecutive windows of `length` (seconds or text such as '7d') from periodStart until
 * periodEnd. `last` says what to do with a final window that would pass periodEnd:
 * 'truncate' (default) ends it at periodEnd, 'keep' keeps its full length, 'drop' omits it.
 */
export function assimilationWindows(
  periodStart: Instant,
  periodEnd: Instant,
  length: number | string,
  options: { last?: 'truncate' | 'keep' | 'drop' } = {},
): AssimilationWindow[] {
  const lengthS = parseDurationS(length);
  if (!(Number.isFinite(periodStart) && Number.isFinite(periodEnd) && periodEnd > periodStart)) {
    throw new TanhuiError('BadValue', `the period must end after it starts (${periodStart} → ${periodEnd})`);
  }
  const last = options.last ?? 'truncate';
  const out: AssimilationWindow[] = [];
  for (let k = 0; ; k++) {
    const start = periodStart + k * lengthS;
    if (start >= periodEnd) break;
    let end = periodStart + (k + 1) * lengthS;
    if (end > periodEnd) {
      if (last === 'drop') break;
      if (last === 'truncate') end = periodEnd;
    }
    out.push({ index: out.length, start, end });
  }
  return out;
}

/** Index of the window of `length` seconds (counted from periodStart) that contains t. */
export function windowIndexOf(t: Instant, periodStart: Instant, length: number | string): number {
  return Math.floor((t - periodStart) / parseDurationS(length));
}
