// Quality control and model-data mismatch (MDM), as CarbonTracker assigns them: every record
// belongs to a site category with an MDM σ [ppm] and two switches — may_localize (the ensemble
// filter may localise its increments) and may_reject (an innovation beyond the threshold
// rejects it). The total error is σ_total = sqrt(σ_meas² + (global.R.scaling · σ_MDM)²).
// The category of a record comes from, in order: a per-site override, the CarbonTracker site
// table (sites_and_weights_co2.rc), the default for its kind.
import { TanhuiError } from '@tanhui/core';
import { OBS_KINDS, QC, normalizeLon, type ObsKind, type ObservationTable, type QcReason } from './record';
import { parseDatasetName } from './obspack';

export interface MismatchClass {
  name: string;
  /** Model-data mismatch σ [ppm]. */
  mdmPpm: number;
  mayLocalize: boolean;
  mayReject: boolean;
}

/** CarbonTracker CT2010 categories (sites_and_weights_co2.rc), plus satellite and TCCON. */
export const CT_CLASSES: Readonly<Record<string, MismatchClass>> = {
  mbl: { name: 'mbl', mdmPpm: 0.75, mayLocalize: false, mayReject: false },
  land: { name: 'land', mdmPpm: 2.5, mayLocalize: true, mayReject: true },
  mixed: { name: 'mixed', mdmPpm: 1.5, mayLocalize: true, mayReject: true },
  aircraft: { name: 'aircraft', mdmPpm: 2.0, mayLocalize: true, mayReject: true },
  tower: { name: 'tower', mdmPpm: 3.0, mayLocalize: true, mayReject: true },
  problem: { name: 'problem', mdmPpm: 7.5, mayLocalize: true, mayReject: true },
  deepSH: { name: 'deepSH', mdmPpm: 0.75, mayLocalize: false, mayReject: false },
  'do-not-use': { name: 'do-not-use', mdmPpm: 1000, mayLocalize: true, mayReject: true },
  // Not CarbonTracker's: satellite soundings carry their own retrieval error; MDM adds
  // transport/representation error of a column (small); TCCON is used for validation.
  satellite: { name: 'satellite', mdmPpm: 0.5, mayLocalize: true, mayReject: true },
  tccon: { name: 'tccon', mdmPpm: 0.5, mayLocalize: false, mayReject: false },
};

/** Default class per kind when a site is not in any table. */
export const DEFAULT_CLASS_BY_KIND: Readonly<Record<ObsKind, string>> = {
  flask: 'land',
  insitu: 'land',
  tower: 'tower',
  aircraft: 'aircraft',
  xco2: 'satellite',
  tccon: 'tccon',
};

export interface CtSiteTable {
  rejectionThreshold: number;
  globalRScaling: number;
  classes: Record<string, MismatchClass>;
  /** CT site key (`lef_01_surface-insitu`) → class name. */
  sites: Map<string, string>;
  /** CT site key → latitude/longitude shift [°] CarbonTracker applies for representativeness. */
  moves: Map<string, { dLatDeg: number; dLonDeg: number }>;
}

const truthy = (s: string): boolean => /^(true|t|\.true\.|1|yes)$/i.test(s.trim());

/** Parse CarbonTracker's sites_and_weights_co2.rc. */
export function parseCtSiteTable(text: string, file = 'sites_and_weights_co2.rc'): CtSiteTable {
  const table: CtSiteTable = { rejectionThreshold: 3, globalRScaling: 1, classes: {}, sites: new Map(), moves: new Map() };
  let nCat: number | undefined;
  let nSites: number | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    if (raw.startsWith('!') || raw.trim() === '') return;
    const m = raw.match(/^\s*([A-Za-z0-9_.]+)\s*:\s*(.*)$/);
    if (!m) return;
    const key = m[1]!;
    const val = m[2]!.trim();
    const fields = val.split(';').map((s) => s.trim());
    const fail = (msg: string): TanhuiError => new TanhuiError('InvalidConfig', `line ${i + 1}: ${msg}`, { context: { file, key, index: i + 1 } });
    if (key === 'obs.rejection.threshold') table.rejectionThreshold = Number(val);
    else if (key === 'global.R.scaling') table.globalRScaling = Number(val);
    else if (key === 'n.site.categories') nCat = Number(val);
    else if (key === 'n.sites.active') nSites = Number(val);
    else if (key.startsWith('site.category.')) {
      if (fields.length !== 4 || !Number.isFinite(Number(fields[1]))) throw fail(`expected 'name; mdm; may_localize; may_reject', got '${val}'`);
      const c: MismatchClass = { name: fields[0]!, mdmPpm: Number(fields[1]), mayLocalize: truthy(fields[2]!), mayReject: truthy(fields[3]!) };
      table.classes[c.name] = c;
    } else if (key.startsWith('site.active.')) {
      if (fields.length !== 2) throw fail(`expected 'site; category', got '${val}'`);
      table.sites.set(fields[0]!.toLowerCase(), fields[1]!);
    } else if (key.startsWith('site.move.')) {
      if (fields.length !== 3) throw fail(`expected 'site; dlat; dlon', got '${val}'`);
      table.moves.set(fields[0]!.toLowerCase(), { dLatDeg: Number(fields[1]), dLonDeg: Number(fields[2]) });
    }
  });
  if (nCat !== undefined && Object.keys(table.classes).length !== nCat) {
    throw new TanhuiError('InvalidConfig', `n.site.categories is ${nCat} but ${Object.keys(table.classes).length} categories are listed`, { context: { file } });
  }
  if (nSites !== undefined && table.sites.size !== nSites) {
    throw new TanhuiError('InvalidConfig', `n.sites.active is ${nSites} but ${table.sites.size} sites are listed`, { context: { file } });
  }
  for (const [site, cls] of table.sites) {
    if (!table.classes[cls]) throw new TanhuiError('InvalidConfig', `site ${site} has unknown category '${cls}'`, { context: { file, key: site } });
  }
  return table;
}

/**
 * CT site key candidates for an ObsPack dataset name, most specific first:
 * co2_lef_tower-insitu_1_allvalid-396magl → lef_01_tower-insitu, lef_01_surface-insitu, lef_*_insitu…
 */
export function ctKeysFor(dataset: string): string[] {
  const d = parseDatasetName(dataset);
  if (!d) return [];
  const lab = d.lab.padStart(2, '0');
  return [`${d.site}_${lab}_${d.project}`, `${d.site}_${lab}_surface-${d.strategy}`, `${d.site}_${lab}_${d.platform === 'surface' ? 'tower' : d.platform}-${d.strategy}`];
}

export interface QcConfig {
  /** CarbonTracker site table (classes, site categories, rejection threshold). */
  siteTable?: CtSiteTable;
  /** Per-site or per-dataset override: class name or a full class (site code or dataset name). */
  perSite?: Record<string, string | MismatchClass>;
  /** Plausible value range [ppm] (default 250–600, CO2). */
  valueRangePpm?: [number, number];
  /** Keep only soundings over land (landFraction ≥ 0.5 … ) or ocean; unknown land fraction passes. */
  surface?: 'any' | 'land' | 'ocean';
  /** Accepted satellite modes (0 nadir, 1 glint, 2 target); default all. */
  modes?: readonly number[];
  /** Time window [s since 1970): observations outside are flagged. */
  window?: [number, number];
  /** Apply the site table's site.move shifts to latitude/longitude (CarbonTracker does). */
  applySiteMoves?: boolean;
}

export interface QcResult {
  /** Class index per observation into `classes`. */
  classIndex: Int32Array;
  classes: MismatchClass[];
  /** Model-data mismatch σ [ppm] per observation (global.R.scaling applied). */
  mdmPpm: Float64Array;
  /** Total error σ [ppm] = sqrt(σ_meas² + σ_MDM²) (σ_meas NaN → MDM alone). */
  totalErrorPpm: Float64Array;
  mayLocalize: Uint8Array;
  mayReject: Uint8Array;
  /** Failures per reason (an observation can fail several). */
  failures: Record<QcReason, number>;
  nGood: number;
}

/** Apply QC filters and assign mismatch classes. Updates `table.flags` in place. */
export function applyQc(table: ObservationTable, config: QcConfig = {}): QcResult {
  const classes: MismatchClass[] = [];
  const classIdx = new Map<string, number>();
  const known: Record<string, MismatchClass> = { ...CT_CLASSES, ...(config.siteTable?.classes ?? {}) };
  const scale = config.siteTable?.globalRScaling ?? 1;
  const classOf = (c: MismatchClass): number => {
    const key = `${c.name}|${c.mdmPpm}|${c.mayLocalize}|${c.mayReject}`;
    let k = classIdx.get(key);
    if (k === undefined) {
      k = classes.length;
      classes.push(c);
      classIdx.set(key, k);
    }
    return k;
  };
  const resolveName = (v: string | MismatchClass, where: string): MismatchClass => {
    if (typeof v !== 'string') return v;
    const c = known[v];
    if (!c) throw new TanhuiError('InvalidConfig', `unknown model-data mismatch class '${v}' for ${where}`, { hint: `known: ${Object.keys(known).join(', ')}` });
    return c;
  };
  // Class per (dataset, kind) pair, resolved once.
  const memo = new Map<string, number>();
  const n = table.n;
  const classIndex = new Int32Array(n);
  const mdmPpm = new Float64Array(n);
  const totalErrorPpm = new Float64Array(n);
  const mayLocalize = new Uint8Array(n);
  const mayReject = new Uint8Array(n);
  const [lo, hi] = config.valueRangePpm ?? [250, 600];
  const modes = config.modes ? new Set(config.modes) : undefined;
  const moveMemo = new Map<number, { dLatDeg: number; dLonDeg: number } | null>();
  for (let k = 0; k < n; k++) {
    const site = table.sites[table.site[k]!]!;
    const ds = table.datasets[table.dataset[k]!]!;
    if (config.applySiteMoves && config.siteTable) {
      const di = table.dataset[k]!;
      let mv = moveMemo.get(di);
      if (mv === undefined) {
        mv = ctKeysFor(ds).map((key) => config.siteTable!.moves.get(key)).find((x) => x !== undefined) ?? null;
        moveMemo.set(di, mv);
      }
      if (mv) {
        table.latDeg[k] = Math.max(-90, Math.min(90, table.latDeg[k]! + mv.dLatDeg));
        table.lonDeg[k] = normalizeLon(table.lonDeg[k]! + mv.dLonDeg);
      }
    }
    const kind = OBS_KINDS[table.kind[k]!]!;
    const memoKey = `${ds}|${site}|${kind}`;
    let ci = memo.get(memoKey);
    if (ci === undefined) {
      let cls: MismatchClass | undefined;
      const o = config.perSite?.[ds] ?? config.perSite?.[site];
      if (o !== undefined) cls = resolveName(o, ds);
      if (!cls && config.siteTable) {
        for (const key of ctKeysFor(ds)) {
          const name = config.siteTable.sites.get(key);
          if (name) {
            cls = resolveName(name, key);
            break;
          }
        }
      }
      cls ??= resolveName(DEFAULT_CLASS_BY_KIND[kind], kind);
      ci = classOf(cls);
      memo.set(memoKey, ci);
    }
    const c = classes[ci]!;
    classIndex[k] = ci;
    const mdm = c.mdmPpm * scale;
    mdmPpm[k] = mdm;
    const meas = table.errorPpm[k]!;
    totalErrorPpm[k] = Math.sqrt((Number.isFinite(meas) ? meas * meas : 0) + mdm * mdm);
    mayLocalize[k] = c.mayLocalize ? 1 : 0;
    mayReject[k] = c.mayReject ? 1 : 0;
    let f = table.flags[k]!;
    const v = table.valuePpm[k]!;
    if (!Number.isFinite(v)) f |= QC.missing;
    else if (v < lo || v > hi) f |= QC.outOfRange;
    if (c.name === 'do-not-use') f |= QC.doNotUse;
    const land = table.landFraction[k]!;
    if (config.surface === 'land' && Number.isFinite(land) && land < 0.5) f |= QC.surfaceType;
    if (config.surface === 'ocean' && Number.isFinite(land) && land >= 0.5) f |= QC.surfaceType;
    if (modes && table.mode[k]! >= 0 && !modes.has(table.mode[k]!)) f |= QC.mode;
    if (config.window) {
      const t = table.timeSec[k]!;
      if (!(t >= config.window[0] && t < config.window[1])) f |= QC.outsideWindow;
    }
    table.flags[k] = f;
  }
  const failures = countFailures(table.flags);
  let nGood = 0;
  for (let k = 0; k < n; k++) if (table.flags[k] === 0) nGood++;
  return { classIndex, classes, mdmPpm, totalErrorPpm, mayLocalize, mayReject, failures, nGood };
}

export function countFailures(flags: Uint32Array): Record<QcReason, number> {
  const out = Object.fromEntries(Object.keys(QC).map((k) => [k, 0])) as Record<QcReason, number>;
  const entries = Object.entries(QC) as [QcReason, number][];
  for (let k = 0; k < flags.length; k++) {
    const f = flags[k]!;
    if (f === 0) continue;
    for (const [name, bit] of entries) if (f & bit) out[name]++;
  }
  return out;
}

/**
 * CarbonTracker's innovation test: reject (flag QC.innovation) an observation whose class
 * may_reject when |y − Hx| > threshold · sqrt(HPHᵀ + R), with R = σ_total². Returns the count.
 */
export function rejectByInnovation(
  table: ObservationTable,
  qc: QcResult,
  innovationPpm: Float64Array,
  hphtPpm2: Float64Array,
  threshold = 3,
  rows?: ArrayLike<number>,
): number {
  const idx = rows ?? Int32Array.from({ length: table.n }, (_, k) => k);
  if (innovationPpm.length !== idx.length || hphtPpm2.length !== idx.length) {
    throw new TanhuiError('BadShape', `expected ${idx.length} innovations and HPHᵀ values`);
  }
  let n = 0;
  for (let s = 0; s < idx.length; s++) {
    const k = idx[s]!;
    if (!qc.mayReject[k]) continue;
    const r = qc.totalErrorPpm[k]!;
    if (Math.abs(innovationPpm[s]!) > threshold * Math.sqrt(hphtPpm2[s]! + r * r)) {
      table.flags[k] = table.flags[k]! | QC.innovation;
      n++;
    }
  }
  return n;
}
