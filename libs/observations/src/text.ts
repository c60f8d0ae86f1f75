// Text observation tables:
// - GLOBALVIEW-style / GCAS surface-evaluation tables, one observation per line:
//   `<obspack dataset> <yyyymmdd> <seconds of day> <lat> <lon 0–360> <altitude m> <CO2 ppm> <flag>`
//   (GCASv2 input/obs/EvaluObs/srf_YYYYMMDD). The flag column is kept as the provider flag only
//   when `rejectFlags` lists it: GCAS writes already-selected observations there.
// - NOAA GML text files with a header of `#` lines: event and MonthlyData files (a line of
//   field names follows the header: site_code year month … value value_unc latitude …
//   qcflag), `_month` files (`# data_fields: site year month value`), and the Mauna Loa
//   co2_mm_mlo monthly table. Files without coordinates take them from the site catalogue.
import { TanhuiError } from '@tanhui/core';
import { ObservationTableBuilder, normalizeLon, QC, type ObsKind, type ObservationTable } from './record';
import { parseDatasetName } from './obspack';
import { ppmFactor } from './source';
import { findSite } from './sites';

function baseName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}

function bad(file: string, line: number, msg: string, variable?: string): TanhuiError {
  return new TanhuiError('CorruptFile', `line ${line}: ${msg}`, { context: { file, variable, index: line } });
}

export interface GcasTextOptions {
  /** Flag values that mark an observation as bad (default none). */
  rejectFlags?: readonly number[];
}

/** GLOBALVIEW-style / GCAS evaluation table. */
export function parseGcasText(text: string, file: string, options: GcasTextOptions = {}): ObservationTable {
  const b = new ObservationTableBuilder();
  const lines = text.split(/\r?\n/);
  const reject = new Set(options.rejectFlags ?? []);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const f = line.split(/\s+/);
    if (f.length < 7) throw bad(file, i + 1, `expected ≥ 7 columns (dataset date seconds lat lon alt value [flag]), got ${f.length}`);
    const ds = parseDatasetName(f[0]!);
    const date = f[1]!;
    if (!/^\d{8}$/.test(date)) throw bad(file, i + 1, `date '${date}' is not yyyymmdd`, 'date');
    const sec = Number(f[2]);
    const lat = Number(f[3]);
    const lon = Number(f[4]);
    const alt = Number(f[5]);
    const value = Number(f[6]);
    const flag = f.length > 7 ? Number(f[7]) : 0;
    const check = (x: number, name: string, lo: number, hi: number): void => {
      if (!Number.isFinite(x)) throw bad(file, i + 1, `${name} '${x}' is not a number`, name);
      if (x < lo || x > hi) throw bad(file, i + 1, `${name} ${x} outside [${lo}, ${hi}]`, name);
    };
    check(sec, 'seconds', 0, 86400);
    check(lat, 'latitude', -90, 90);
    check(lon, 'longitude', -180, 360);
    check(alt, 'altitude', -500, 1e5);
    if (Number.isNaN(value)) throw bad(file, i + 1, `value '${f[6]}' is not a number`, 'value');
    const timeSec = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(4, 6)) - 1, Number(date.slice(6, 8))) / 1000 + sec;
    let flags = 0;
    if (!(value > 0) || value > 1000) flags |= QC.outOfRange;
    if (reject.has(flag)) flags |= QC.providerFlag;
    b.push({
      id: i + 1,
      timeSec,
      latDeg: lat,
      lonDeg: normalizeLon(lon),
      altitudeM: alt,
      pressureHPa: NaN,
      valuePpm: value,
      errorPpm: NaN,
      kind: ds?.kind ?? 'flask',
      site: ds?.site ?? f[0]!.toLowerCase(),
      dataset: f[0]!,
      flags,
    });
  });
  if (b.length === 0) throw new TanhuiError('EmptyInput', 'the file holds no observations', { context: { file } });
  return b.build();
}

interface Header {
  attrs: Map<string, string>;
  fields?: string[];
  dataStart: number;
}

function readHeader(lines: string[]): Header {
  const attrs = new Map<string, string>();
  let fields: string[] | undefined;
  let i = 0;
  for (; i < lines.length; i++) {
    const l = lines[i]!;
    if (!l.startsWith('#')) break;
    const m = l.match(/^#\s*([A-Za-z0-9_:.]+)\s*:\s?(.*)$/);
    if (m) {
      const key = m[1]!.trim();
      if (key === 'data_fields') fields = m[2]!.trim().split(/\s+/);
      else if (!attrs.has(key)) attrs.set(key, m[2]!.trim());
    }
  }
  // Event / MonthlyData files: the first uncommented line names the fields.
  const first = lines[i]?.trim();
  if (first && /^[a-z_]+(\s+[a-z_]+)+$/i.test(first) && /site_code|year/.test(first)) {
    fields = first.split(/\s+/);
    i++;
  }
  return { attrs, fields: fields?.map(normalizeField), dataStart: i };
}

// Older NOAA/ObsPack event files name their fields sample_* / analysis_*.
const FIELD_ALIASES: Record<string, string> = {
  sample_site_code: 'site_code',
  sample_year: 'year',
  sample_month: 'month',
  sample_day: 'day',
  sample_hour: 'hour',
  sample_minute: 'minute',
  sample_seconds: 'second',
  analysis_value: 'value',
  analysis_uncertainty: 'value_unc',
  analysis_flag: 'qcflag',
  sample_latitude: 'latitude',
  sample_longitude: 'longitude',
  sample_altitude: 'altitude',
  parameter_formula: 'parameter',
};

function normalizeField(f: string): string {
  return FIELD_ALIASES[f] ?? f;
}

/** Mole-fraction unit NOAA reports each gas in, as a factor to ppm. */
const SPECIES_TO_PPM: Record<string, number> = { co2: 1, ch4: 1e-3, co: 1e-3, n2o: 1e-3, h2: 1e-3, sf6: 1e-6 };

/** True when the text looks like a NOAA GML file (event, month, MonthlyData, co2_mm_*). */
export function looksLikeNoaaGml(text: string): boolean {
  return /^#\s*(header_lines|number_of_header_lines)\s*:/m.test(text.slice(0, 2000)) || /USE OF NOAA (ESRL|GML) DATA/.test(text.slice(0, 3000));
}

/** NOAA GML event, MonthlyData, month and co2_mm files. */
export function parseNoaaGml(text: string, file: string): ObservationTable {
  const lines = text.split(/\r?\n/);
  const h = readHeader(lines);
  const base = baseName(file);
  const dsName = h.attrs.get('dataset_name') ?? base.replace(/\.txt$/i, '');
  const ds = parseDatasetName(dsName);
  const b = new ObservationTableBuilder();
  const unitsAttr = h.attrs.get('value:units');
  const factor = unitsAttr ? ppmFactor(unitsAttr, file, 'value') : 1; // month files: ppm per their header comment

  if (h.fields && h.fields.includes('value')) {
    const col = (name: string): number => h.fields!.indexOf(name);
    const iv = col('value');
    const iu = col('value_unc') >= 0 ? col('value_unc') : col('value_std_dev');
    const ilat = col('latitude');
    const ilon = col('longitude');
    const ialt = col('altitude');
    const iqc = col('qcflag');
    const ipar = col('parameter');
    const idt = col('datetime');
    const isite = h.fields.indexOf('site_code') >= 0 ? col('site_code') : col('site');
    const iy = col('year');
    const im = col('month');
    const siteCat = ilat < 0 ? findSite(ds?.site ?? (isite >= 0 ? '' : base.slice(0, 3))) : undefined;
    for (let i = h.dataStart; i < lines.length; i++) {
      const line = lines[i]!.trim();
      if (line === '' || line.startsWith('#')) continue;
      const f = line.split(/\s+/);
      if (f.length < h.fields.length) throw bad(file, i + 1, `expected ${h.fields.length} fields, got ${f.length}`);
      const site = (isite >= 0 ? f[isite]! : ds?.site ?? '').toLowerCase();
      let timeSec: number;
      if (idt >= 0) {
        timeSec = Date.parse(f[idt]!) / 1000;
      } else {
        const num = (name: string, d: number): number => (col(name) >= 0 ? Number(f[col(name)]) : d);
        timeSec = Date.UTC(Number(f[iy]), Number(f[im]) - 1, num('day', 1), num('hour', 0), num('minute', 0), num('second', 0)) / 1000;
      }
      if (!Number.isFinite(timeSec)) throw bad(file, i + 1, 'cannot parse the date', 'datetime');
      const cat = siteCat ?? (ilat < 0 ? findSite(site) : undefined);
      if (ilat < 0 && !cat) {
        throw new TanhuiError('MissingVariable', `no latitude/longitude columns and site '${site}' is not in the site catalogue`, {
          context: { file, variable: 'latitude' },
        });
      }
      const lat = ilat >= 0 ? Number(f[ilat]) : cat!.latDeg;
      const lon = ilon >= 0 ? Number(f[ilon]) : cat!.lonDeg;
      const alt = ialt >= 0 ? Number(f[ialt]) : cat!.altitudeM;
      if (!(lat >= -90 && lat <= 90)) throw bad(file, i + 1, `latitude ${lat} outside [−90, 90]`, 'latitude');
      if (!(lon >= -180 && lon <= 360)) throw bad(file, i + 1, `longitude ${lon} outside [−180, 360]`, 'longitude');
      // Without a units line the gas column decides (NOAA: CO2 in ppm, CH4/CO/N2O in ppb).
      const gas = ipar >= 0 ? f[ipar]!.toLowerCase() : undefined;
      const fac = unitsAttr ? factor : gas !== undefined ? SPECIES_TO_PPM[gas] : factor;
      if (fac === undefined) throw bad(file, i + 1, `unknown gas '${gas}' and no value:units header`, 'value');
      let value = Number(f[iv]) * fac;
      let err = iu >= 0 ? Number(f[iu]) * fac : NaN;
      let flags = 0;
      // NOAA missing values: −999.99 (value), −99.99 / −9.99 (uncertainty).
      if (!(value > 0)) {
        value = NaN;
        flags |= QC.missing;
      }
      if (!(err > 0)) err = NaN;
      const q = iqc >= 0 ? f[iqc]! : '...';
      if (q[0] !== '.') flags |= QC.providerFlag;
      b.push({
        id: b.length + 1,
        timeSec,
        latDeg: lat,
        lonDeg: normalizeLon(lon),
        altitudeM: alt,
        pressureHPa: NaN,
        valuePpm: value,
        errorPpm: err,
        kind: ds?.kind ?? 'flask',
        site,
        dataset: dsName,
        flags,
      });
    }
  } else {
    // co2_mm_<site>.txt: year month decimal average …  (Mauna Loa; 'gl' is a global mean)
    const m = base.match(/co2_mm_([a-z]{2,3})/i);
    const site = (m?.[1] ?? '').toLowerCase();
    const cat = findSite(site);
    if (!cat) {
      throw new TanhuiError('UnsupportedFormat', `'${base}' has no coordinates and site '${site}' is not a catalogued station (a global or zonal mean is not an observation)`, {
        context: { file, variable: 'latitude' },
      });
    }
    const kind: ObsKind = 'insitu';
    for (let i = h.dataStart; i < lines.length; i++) {
      const line = lines[i]!.trim();
      if (line === '' || line.startsWith('#')) continue;
      const f = line.split(/\s+/).map(Number);
      if (f.length < 4 || !Number.isFinite(f[0]!) || !Number.isFinite(f[1]!)) throw bad(file, i + 1, 'expected year month decimal average …');
      let value = f[3]!;
      let flags = 0;
      if (!(value > 0)) {
        value = NaN;
        flags |= QC.missing;
      }
      const unc = f.length >= 8 && f[7]! > 0 ? f[7]! : NaN;
      b.push({
        id: b.length + 1,
        timeSec: Date.UTC(f[0]!, f[1]! - 1, 1) / 1000,
        latDeg: cat.latDeg,
        lonDeg: cat.lonDeg,
        altitudeM: cat.altitudeM,
        pressureHPa: NaN,
        valuePpm: value,
        errorPpm: unc,
        kind,
        site,
        dataset: base.replace(/\.txt$/i, ''),
        flags,
      });
    }
  }
  if (b.length === 0) throw new TanhuiError('EmptyInput', 'the file holds no observations', { context: { file } });
  return b.build();
}
