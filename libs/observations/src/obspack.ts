// ObsPack: dataset-name parsing and the NetCDF layout (per-site files and merged daily files).
// Variables read: time (CF seconds since 1970), latitude, longitude, altitude, value (units
// attribute → ppm), obs_flag, obspack_num, obspack_id (char); optional qcflag (NOAA
// three-character flag: a non-'.' first column rejects) and value_unc / value_std_dev.
import { TanhuiError } from '@tanhui/core';
import { emptyTable, internString, normalizeLon, QC, type ObsKind, type ObservationTable, kindCode } from './record';
import {
  attrString,
  numericData,
  parseCfTimeUnits,
  ppmFactor,
  metreFactor,
  requireFinite,
  requireRange,
  requireVariable,
  type NcSource,
} from './source';

export interface DatasetName {
  /** e.g. 'co2'. */
  species: string;
  /** Site code, lower case ('lef'). */
  site: string;
  /** ObsPack project ('tower-insitu', 'surface-flask', 'aircraft-pfp', …). */
  project: string;
  /** Platform part of the project ('tower', 'surface', 'aircraft', 'shipboard'). */
  platform: string;
  /** Sampling strategy part ('insitu', 'flask', 'pfp'). */
  strategy: string;
  /** Lab number as in the name ('1' = NOAA GML). */
  lab: string;
  /** Everything after the lab number ('allvalid-396magl', 'representative'). */
  selection: string;
  /** Intake height [m above ground] when the name carries one (…-396magl). */
  intakeHeightM?: number;
  kind: ObsKind;
}

/**
 * Parse an ObsPack dataset name `<species>_<site>_<platform>-<strategy>_<lab>_<selection>`,
 * e.g. co2_lef_tower-insitu_1_allvalid-396magl. Also accepts the name inside an obspack_id
 * (`<obspack>~<dataset>~<num>`). Returns undefined when the string is not such a name.
 */
export function parseDatasetName(name: string): DatasetName | undefined {
  const parts0 = name.split('~');
  const ds = parts0.length >= 2 ? parts0[1]! : parts0[0]!;
  const m = ds.trim().match(/^([a-z0-9]+)_([a-z0-9]+)_([a-z]+)-([a-z0-9]+)_([0-9]+)(?:_(.*))?$/i);
  if (!m) return undefined;
  const selection = m[6] ?? '';
  const h = selection.match(/(\d+(?:\.\d+)?)magl/i);
  const platform = m[3]!.toLowerCase();
  const strategy = m[4]!.toLowerCase();
  return {
    species: m[1]!.toLowerCase(),
    site: m[2]!.toLowerCase(),
    project: `${platform}-${strategy}`,
    platform,
    strategy,
    lab: m[5]!,
    selection,
    intakeHeightM: h ? Number(h[1]) : undefined,
    kind: kindFromProject(platform, strategy),
  };
}

export function kindFromProject(platform: string, strategy: string): ObsKind {
  if (platform === 'aircraft') return 'aircraft';
  if (platform === 'tower') return 'tower';
  if (strategy === 'insitu') return 'insitu';
  return 'flask';
}

/** Parse an ObsPack NetCDF file (per-site or merged) into the canonical table. */
export async function parseObsPack(src: NcSource): Promise<ObservationTable> {
  const file = src.file;
  const timeV = await requireVariable(src, ['time']);
  const n = timeV.shape[0] ?? 0;
  if (n === 0) {
    throw new TanhuiError('EmptyInput', 'the file holds no observations (obs dimension is 0)', { context: { file, variable: 'time' } });
  }
  const { scale, offsetSec } = parseCfTimeUnits(attrString(timeV.attrs, 'units'), file, 'time');
  const time = numericData(src, timeV);
  requireFinite(file, 'time', time);
  const latV = await requireVariable(src, ['latitude']);
  const lat = numericData(src, latV);
  requireFinite(file, 'latitude', lat);
  requireRange(file, 'latitude', lat, -90, 90);
  const lon = numericData(src, await requireVariable(src, ['longitude']));
  requireFinite(file, 'longitude', lon);
  requireRange(file, 'longitude', lon, -180, 360);
  const altV = await requireVariable(src, ['altitude']);
  const alt = numericData(src, altV);
  const altF = metreFactor(attrString(altV.attrs, 'units'), file, 'altitude');
  const valueV = await requireVariable(src, ['value']);
  const value = numericData(src, valueV);
  const f = ppmFactor(attrString(valueV.attrs, 'units'), file, 'value');
  const flagV = src.has('obs_flag') ? numericData(src, await src.variable('obs_flag')) : undefined;
  const num = src.has('obspack_num') ? numericData(src, await src.variable('obspack_num')) : undefined;
  const qc = src.has('qcflag') ? (await src.variable('qcflag')).strings : undefined;
  const uncName = ['value_unc', 'value_std_dev'].find((v) => src.has(v));
  let unc: Float64Array | undefined;
  let uncF = f;
  if (uncName) {
    const uv = await src.variable(uncName);
    unc = numericData(src, uv);
    uncF = ppmFactor(attrString(uv.attrs, 'units') ?? attrString(valueV.attrs, 'units'), file, uncName);
  }

  const fileName = attrString(src.attrs, 'dataset_name');
  // Per-site files name their dataset in an attribute; merged files only in obspack_id.
  const ids = !fileName && src.has('obspack_id') ? (await src.variable('obspack_id')).strings : undefined;
  const fileDs = fileName ? parseDatasetName(fileName) : undefined;
  const base = file.split(/[\\/]/).pop() ?? file;
  const baseDs = parseDatasetName(base.replace(/\.nc$/i, ''));
  const t = emptyTable(n);
  const siteIdx = new Map<string, number>();
  const dsIdx = new Map<string, number>();
  for (let k = 0; k < n; k++) {
    // Merged files: the dataset is in obspack_id; per-site files: in the global attribute.
    let dsName = fileName ?? base.replace(/\.nc$/i, '');
    let ds = fileDs ?? baseDs;
    const id = ids?.[k];
    if (id && id.includes('~')) {
      const p = parseDatasetName(id);
      if (p) {
        ds = p;
        dsName = id.split('~')[1]!.trim();
      }
    }
    if (!ds) {
      throw new TanhuiError('BadValue', `cannot tell the dataset of observation ${k}: no parsable dataset_name attribute or obspack_id`, {
        context: { file, variable: 'obspack_id', index: k },
      });
    }
    t.id[k] = num ? num[k]! : k + 1;
    t.timeSec[k] = time[k]! * scale + offsetSec;
    t.latDeg[k] = lat[k]!;
    t.lonDeg[k] = normalizeLon(lon[k]!);
    t.altitudeM[k] = alt[k]! * altF;
    const v = value[k]! * f;
    t.valuePpm[k] = v;
    t.errorPpm[k] = unc ? unc[k]! * uncF : NaN;
    t.kind[k] = kindCode(ds.kind);
    t.site[k] = internString(t.sites, siteIdx, ds.site);
    t.dataset[k] = internString(t.datasets, dsIdx, dsName);
    let flags = 0;
    if (!Number.isFinite(v)) flags |= QC.missing;
    // obs_flag 1 = large-scale representative, 0 = local influence: CarbonTracker assimilates 1.
    if (flagV && flagV[k] === 0) flags |= QC.providerFlag;
    const q = qc?.[k];
    if (q && q.length > 0 && q[0] !== '.' && q !== 'NA') flags |= QC.providerFlag;
    t.flags[k] = flags;
  }
  return t;
}
