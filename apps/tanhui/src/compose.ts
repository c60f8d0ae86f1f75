// The one place that wires the libraries from a validated config: grid and levels, the
// transport model description (rebuilt identically in every worker), windows, region map,
// observation table with errors, prior components per window, the state-vector mapping and its
// prior covariance, and the synthetic truth of an OSSE. Everything that can fail on bad input
// fails here, before any store is touched.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  builtinRegions,
  concatPlans,
  HybridLevels,
  LatLonGrid,
  parseInstant,
  RegionMap,
  TanhuiError,
  TRANSCOM_REGIONS,
} from '@tanhui/core';
import { readRegionMap } from '@tanhui/io';
import {
  applyQc,
  buildColumnOperator,
  buildPointOperator,
  CT_CLASSES,
  concatTables,
  findSite,
  ObservationTableBuilder,
  readObservationFile,
  selectWindow,
  SITES,
  syntheticOco2,
  type ObservationTable,
  type QcResult,
} from '@tanhui/observations';
import {
  buildMapping,
  assertPlausiblePrior,
  buildPriorCovariance,
  gridScalingTerm,
  readPriorFile,
  regionEcosystemTerm,
  syntheticPrior,
  type FluxField,
  type PriorCovariance,
  type StateMapping,
  type TermSpec,
} from '@tanhui/priors';
import type { SamplePlan, TransportWindow } from '@tanhui/transport';
import type { LoadedConfig } from './config/load';
import { resolvePath } from './config/load';
import type { RunConfig } from './config/schema';
import { initialMoleFraction } from './initial-field';
import { solverName, solvers, transportKinds, type TransportPlugin } from './plugins/index';

export const COMPONENTS = ['bio', 'ocean', 'fossil', 'fire'] as const;
export type ComponentName = (typeof COMPONENTS)[number];

/** Flux period [s] of the prior and of the transport's surface fluxes (3-hourly, diurnal cycle). */
export const FLUX_PERIOD_SECONDS = 10800;


export interface WindowPrior {
  /** Window-period components [period][cell] (mol m⁻² s⁻¹). */
  components: Record<ComponentName, FluxField>;
  /** Sum of the components not in the state [period][cell]. */
  fixed: Float64Array;
  mapping: StateMapping;
  /** The same mapping on window-mean patterns (one period), for maps and budgets. */
  meanMapping: StateMapping;
  fixedMean: Float64Array;
  nPeriods: number;
}

export interface ObsSetup {
  table: ObservationTable;
  qc: QcResult;
  /** Rows (into table) of each window, QC-passed only. */
  windowRows: Int32Array[];
  /** Which rows come from synthetic sources (their values are drawn from the truth run). */
  synthetic: Uint8Array;
  /** Row ranges of point and column observations. */
  isColumn: Uint8Array;
  /** Rows of held-out sites (observations.holdout): sampled, written with use flag 1, never assimilated. */
  heldOut: Uint8Array;
}

export interface World {
  loaded: LoadedConfig;
  config: RunConfig;
  grid: LatLonGrid;
  levels: HybridLevels;
  /** The transport plug-in of `transport.kind` (its time step, sampling context, sessions). */
  transport: TransportPlugin;
  windows: TransportWindow[];
  regions: RegionMap;
  landMask: Uint8Array;
  obs: ObsSetup;
  /** State-space description (same for every window: the patterns change, the layout not). */
  stateLabels: readonly string[];
  nState: number;
  xPrior: Float64Array;
  /** Prior σ of each state element. */
  sigmaState: Float64Array;
  /** Structured prior covariance (spatially correlated B); undefined when B is diagonal. */
  covariance?: PriorCovariance;
  /** Optimised components, in term order. */
  optimised: ComponentName[];
  /** Per-cell truth scaling (1 + anomaly) of each optimised component, when the config has a truth. */
  truthScaling?: Record<string, Float64Array>;
  /** CO2 of every cell at the start of the first window [mol mol⁻¹], [level][lat][lon]
   * (initialField): the run's ensemble, posterior-mean and OSSE truth runs and invert's background. */
  initialMoleFraction: Float64Array;
  storePath: string;
  /** sha256 of every input file (provenance). */
  inputChecksums: Record<string, string>;
  configSha256: string;
  /** The effective config as the store records it (see storedConfig). */
  storedConfig: Record<string, unknown>;
  priorFor(w: number): Promise<WindowPrior>;
  planFor(w: number): { plan: SamplePlan; offsetPpm: Float64Array; rows: Int32Array };
}

/**
 * sha256 of an input file; for a directory (a Zarr prior store written by `tanhui prior --to`)
 * of every file under it, each as its relative path, a NUL and its bytes, in sorted order.
 */
export function sha256File(file: string): string {
  const h = createHash('sha256');
  if (!statSync(file).isDirectory()) return h.update(readFileSync(file)).digest('hex');
  const walk = (d: string): void => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else h.update(`${relative(file, p)}\0`).update(readFileSync(p));
    }
  };
  walk(file);
  return h.digest('hex');
}

export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * The effective config as a store records it (root attribute `config`, and `config_sha256` over
 * it): keys added after stores existed are left out at their defaults (`initialField` uniform
 * 400 ppm, the start field of every run before the key existed; `solver.lagEnteringMean`), so
 * such stores are byte-identical to those written before and stores started before still resume.
 */
export function storedConfig(config: RunConfig): Record<string, unknown> {
  const plain = JSON.parse(JSON.stringify(config)) as Record<string, unknown>;
  const f = config.initialField;
  if (f.source === 'uniform' && f.ppm === 400) delete plain.initialField;
  // Likewise solver.lagEnteringMean at its default (added after lagged runs existed).
  if (config.solver.lagEnteringMean === 'ctdas') delete (plain.solver as Record<string, unknown>).lagEnteringMean;
  // And the executor's shared-run keys at their defaults (added later; they never change values).
  const ex = plain.executor as Record<string, unknown>;
  if (config.executor.sharedRun) delete ex.sharedRun;
  if (config.executor.blocksPerWorker === 2) delete ex.blocksPerWorker;
  // And the transport section at its default (the built-in model; added with the plug-ins).
  if (config.transport.kind === 'builtin' && Object.keys(config.transport).length === 1) delete plain.transport;
  return plain;
}

function windowsOf(config: RunConfig, stepSeconds: number): TransportWindow[] {
  const t0 = parseInstant(config.time.start);
  const len = config.time.windowDays * 86400;
  if (Math.abs(len / stepSeconds - Math.round(len / stepSeconds)) > 1e-9) {
    throw new TanhuiError('InvalidConfig', `the window length (${config.time.windowDays} d) is not a multiple of the transport time step (${stepSeconds} s)`, {
      context: { key: 'time.windowDays' },
    });
  }
  return Array.from({ length: config.time.windows }, (_, w) => ({ startSec: t0 + w * len, endSec: t0 + (w + 1) * len }));
}

// Sample plans concatenated row-wise: libs/core sampling.ts (the stand-in model uses it too).
export { concatPlans } from '@tanhui/core';

async function buildObservations(loaded: LoadedConfig, grid: LatLonGrid, landMask: Uint8Array, windows: TransportWindow[], checksums: Record<string, string>): Promise<ObsSetup> {
  const cfg = loaded.config.observations;
  const t0 = windows[0]!.startSec;
  const t1 = windows[windows.length - 1]!.endSec;
  const tables: ObservationTable[] = [];
  const synthetic: boolean[] = [];
  if (cfg.stations.enabled) {
    const codes = cfg.stations.sites === 'default' ? SITES.map((s) => s.code) : cfg.stations.sites;
    const b = new ObservationTableBuilder();
    const dt = cfg.stations.intervalHours * 3600;
    let id = 1;
    codes.forEach((code, idx) => {
      const site = findSite(code);
      if (!site) {
        throw new TanhuiError('InvalidConfig', `unknown site code '${code}'`, {
          context: { file: loaded.file, key: `observations.stations.sites.${idx}` },
          hint: 'use codes of the site catalogue of @tanhui/observations (e.g. mlo, brw, spo, wlg)',
        });
      }
      for (let t = t0 + dt / 2; t < t1; t += dt) {
        b.push({ id: id++, timeSec: t, latDeg: site.latDeg, lonDeg: site.lonDeg, altitudeM: site.altitudeM, pressureHPa: NaN, valuePpm: 400, errorPpm: NaN, kind: site.kind, site: site.code, dataset: `synthetic-${site.code}`, flags: 0 });
      }
    });
    if (b.length > 0) {
      tables.push(b.build());
      synthetic.push(true);
    }
  }
  if (cfg.satellite.enabled) {
    // Spacing along track so that about soundingsPerDay land soundings remain (sunlit half
    // orbits, ~30 % land): ~37 600 s of sunlit track per day.
    const spacingSec = Math.max(1, Math.round((37600 * 0.3) / cfg.satellite.soundingsPerDay));
    const t = syntheticOco2({
      startSec: t0,
      durationSec: t1 - t0,
      seed: cfg.noiseSeed + 1,
      spacingSec,
      isLand: (lat, lon) => landMask[grid.locate(lat, lon).index] === 1,
    });
    if (t.n > 0) {
      tables.push(t);
      synthetic.push(true);
    }
  }
  for (const [k, f] of cfg.files.entries()) {
    const path = resolvePath(loaded, f.path);
    if (!existsSync(path)) {
      throw new TanhuiError('MissingFile', 'observation file not found', { context: { file: f.path, key: `observations.files.${k}.path` } });
    }
    checksums[f.path] = sha256File(path);
    const r = await readObservationFile(path, f.format);
    tables.push(r.table);
    synthetic.push(false);
  }
  if (tables.length === 0) {
    throw new TanhuiError('EmptyInput', 'no observations: stations, satellite and files are all off', { context: { file: loaded.file, key: 'observations' } });
  }
  const table = concatTables(tables);
  const syn = new Uint8Array(table.n);
  const isColumn = new Uint8Array(table.n);
  let off = 0;
  tables.forEach((t, i) => {
    syn.fill(synthetic[i] ? 1 : 0, off, off + t.n);
    isColumn.fill(t.column ? 1 : 0, off, off + t.n);
    off += t.n;
  });
  const e = cfg.errorClasses;
  const classes = {
    mbl: { ...CT_CLASSES.mbl!, mdmPpm: e.mbl },
    land: { ...CT_CLASSES.land!, mdmPpm: e.land },
    mixed: { ...CT_CLASSES.mixed!, mdmPpm: e.mixed },
    aircraft: { ...CT_CLASSES.aircraft!, mdmPpm: e.aircraft },
    tower: { ...CT_CLASSES.tower!, mdmPpm: e.tower },
    satellite: { ...CT_CLASSES.satellite!, mdmPpm: e.xco2 },
  };
  const qc = applyQc(table, {
    siteTable: { rejectionThreshold: loaded.config.solver.rejectionThreshold, globalRScaling: 1, classes, sites: new Map(), moves: new Map() },
    window: [t0, t1],
  });
  // Held-out sites: every code must name a site of the observation table.
  const heldOut = new Uint8Array(table.n);
  if (cfg.holdout.length > 0) {
    const siteIndex = new Map(table.sites.map((s, i) => [s.toLowerCase(), i]));
    const held = new Set<number>();
    cfg.holdout.forEach((code, idx) => {
      const i = siteIndex.get(code.trim().toLowerCase());
      if (i === undefined) {
        throw new TanhuiError('InvalidConfig', `held-out site '${code}' has no observations in this run`, {
          context: { file: loaded.file, key: `observations.holdout.${idx}` },
          hint: `sites observed: ${[...siteIndex.keys()].sort().join(', ')}`,
        });
      }
      held.add(i);
    });
    for (let k = 0; k < table.n; k++) if (held.has(table.site[k]!)) heldOut[k] = 1;
  }
  const windowRows = windows.map((w) => {
    const rows: number[] = [];
    for (let k = 0; k < table.n; k++) if (table.flags[k] === 0 && table.timeSec[k]! >= w.startSec && table.timeSec[k]! < w.endSec) rows.push(k);
    return Int32Array.from(rows);
  });
  windowRows.forEach((rows, w) => {
    if (rows.length === 0 || rows.every((k) => heldOut[k] === 1)) {
      throw new TanhuiError('EmptyInput', `no usable observation${rows.length > 0 ? ' outside the held-out sites' : ''} in window ${w + 1} (${new Date(windows[w]!.startSec * 1000).toISOString().slice(0, 10)})`, {
        context: { file: loaded.file, key: 'observations' },
        hint: 'enable stations or satellite, add files covering the period, or shorten time.windows',
      });
    }
  });
  return { table, qc, windowRows, synthetic: syn, isColumn, heldOut };
}

/** Read a prior component from a file onto the model grid, or fail naming the file. */
async function fileComponent(loaded: LoadedConfig, idx: number, grid: LatLonGrid, checksums: Record<string, string>, allowImplausible: boolean): Promise<FluxField> {
  const c = loaded.config.prior.components[idx]!;
  const path = resolvePath(loaded, c.path!);
  if (!existsSync(path)) {
    throw new TanhuiError('MissingFile', `prior file for component ${c.name} not found`, { context: { file: c.path, key: `prior.components.${idx}.path` } });
  }
  checksums[c.path!] = sha256File(path);
  const pf = await readPriorFile(path, { format: c.format, category: c.name });
  const f = pf.components.find((x) => x.category === c.name) ?? pf.components[0];
  if (!f) throw new TanhuiError('EmptyInput', `no ${c.name} flux in the prior file`, { context: { file: c.path } });
  if (!allowImplausible) assertPlausiblePrior({ ...f, category: c.name }, { file: c.path, key: `prior.components.${idx}` });
  if (!f.grid.equals(grid)) {
    throw new TanhuiError('GridMismatch', `prior ${c.name} is on a ${f.grid.describe()}, the transport model on a ${grid.describe()}`, {
      context: { file: c.path, key: `prior.components.${idx}` },
      hint: `regrid it first (tanhui prior ${c.path} --grid ${loaded.config.grid.preset} --to FILE.zarr) or set grid.preset`,
    });
  }
  return f;
}

/** Values of a component for the periods of a window (period starts aligned to the file's). */
function sliceComponent(f: FluxField, window: TransportWindow, nPeriods: number, file: string): Float64Array {
  const n = f.grid.size;
  const out = new Float64Array(nPeriods * n);
  for (let p = 0; p < nPeriods; p++) {
    const t = window.startSec + (p + 0.5) * FLUX_PERIOD_SECONDS;
    let k = -1;
    for (let q = 0; q < f.timesSec.length; q++) if (t >= f.timesSec[q]! && t < f.timesSec[q]! + f.periodSeconds) k = q;
    if (k < 0) {
      throw new TanhuiError('EmptyInput', `the prior file has no flux at ${new Date(t * 1000).toISOString()}`, { context: { file }, hint: 'the file must cover every window of the run' });
    }
    out.set(f.fluxMolM2S.subarray(k * n, (k + 1) * n), p * n);
  }
  return out;
}

function timeMeanOf(data: Float64Array, nPeriods: number, n: number): Float64Array {
  const m = new Float64Array(n);
  for (let p = 0; p < nPeriods; p++) for (let c = 0; c < n; c++) m[c] += data[p * n + c]!;
  for (let c = 0; c < n; c++) m[c] /= nPeriods;
  return m;
}

/** Compose the world of a run. Rejects with a TanhuiError on any bad input. */
export interface ComposeOptions {
  /** Skip the prior plausibility check (idealised experiments; `--allow-implausible`). */
  allowImplausible?: boolean;
}

/** A directory where a file is expected: a named error (not EISDIR from a reader). */
function assertNotDirectory(path: string, what: string, ctx: { file: string; key: string }, allowZarr = false): void {
  if (!statSync(path).isDirectory()) return;
  if (allowZarr && (existsSync(join(path, '.zgroup')) || existsSync(join(path, 'zarr.json')))) return;
  throw new TanhuiError('UnsupportedFormat', `${what} is a directory, expected a file${allowZarr ? ' (or a Zarr prior store)' : ''}`, { context: ctx, hint: 'give the path of the file itself' });
}

export async function composeWorld(loaded: LoadedConfig, opts: ComposeOptions = {}): Promise<World> {
  const config = loaded.config;
  const allowImplausible = opts.allowImplausible === true || config.prior.allowImplausible === true;
  const solver = solvers.get(solverName(config.solver), { file: loaded.file, key: 'solver.method' });
  if (solver.family === 'ensemble' && !solver.localizes && config.solver.localization !== 'none') {
    throw new TanhuiError('InvalidConfig', `the ${solver.name} solver cannot localise (localization: ${config.solver.localization})`, {
      context: { file: loaded.file, key: 'solver.localization' },
      hint: "use algorithm 'serial' or 'bulk' with localisation, or localization 'none'",
    });
  }
  // Missing input files first: before any model, prior or observation is built.
  for (const [idx, c] of config.prior.components.entries()) {
    if (c.source === 'file' && !existsSync(resolvePath(loaded, c.path!))) {
      throw new TanhuiError('MissingFile', `prior file for component ${c.name} not found`, { context: { file: c.path, key: `prior.components.${idx}.path` } });
    }
    if (c.source === 'file') assertNotDirectory(resolvePath(loaded, c.path!), `prior path of component ${c.name}`, { file: c.path!, key: `prior.components.${idx}.path` }, c.format === 'auto' || c.format === 'zarr');
  }
  for (const [k, f] of config.observations.files.entries()) {
    if (!existsSync(resolvePath(loaded, f.path))) {
      throw new TanhuiError('MissingFile', 'observation file not found', { context: { file: f.path, key: `observations.files.${k}.path` } });
    }
    assertNotDirectory(resolvePath(loaded, f.path), 'observation path', { file: f.path, key: `observations.files.${k}.path` });
  }
  if (config.met.source === 'files' && !existsSync(resolvePath(loaded, config.met.path!))) {
    throw new TanhuiError('MissingFile', 'meteorology file not found', { context: { file: config.met.path, key: 'met.path' } });
  }
  if (config.initialField.source === 'file' && !existsSync(resolvePath(loaded, config.initialField.file))) {
    throw new TanhuiError('MissingFile', 'initial-field file not found', { context: { file: config.initialField.file, variable: config.initialField.variable, key: 'initialField.file' } });
  }
  const grid = LatLonGrid.preset(config.grid.preset);
  const levels = HybridLevels.generic25();
  const checksums: Record<string, string> = {};
  const transportKind = transportKinds.get(config.transport.kind, { file: loaded.file, key: 'transport.kind' });
  const transport = await transportKind.create(config.transport, { loaded, config, grid, levels, checksums });
  const stepSeconds = transport.stepSeconds;
  if (FLUX_PERIOD_SECONDS % stepSeconds !== 0 && stepSeconds % FLUX_PERIOD_SECONDS !== 0) {
    throw new TanhuiError('InvalidConfig', `time.stepSeconds ${stepSeconds} must divide or be a multiple of the 3-hour flux period`, { context: { key: 'time.stepSeconds' } });
  }
  const windows = windowsOf(config, stepSeconds);
  transport.checkCoverage?.(windows);
  // The initial field: read and checked (grid, levels, units, record, range) before anything else.
  const initialField = await initialMoleFraction(loaded, grid, levels, windows[0]!.startSec);
  if (config.initialField.source === 'file') checksums[config.initialField.file] = sha256File(resolvePath(loaded, config.initialField.file));

  const br = builtinRegions(grid);
  let regions: RegionMap = br.transcom;
  if (config.stateVector.regions !== 'transcom') {
    const r = config.stateVector.regions;
    const p = resolvePath(loaded, r.path);
    if (!existsSync(p)) throw new TanhuiError('MissingFile', 'region map file not found', { context: { file: r.path, key: 'stateVector.regions.path' } });
    checksums[r.path] = sha256File(p);
    // TransCOM-3 codes 1–22; 23 (ice sheets in the GCASv2 and CarbonTracker maps) is no region.
    const m = await readRegionMap(p, { variable: r.variable, regions: TRANSCOM_REGIONS, none: [23] });
    regions = m.grid.equals(grid) ? m : m.onGrid(grid);
  }
  const landCodes = regions.regions.filter((r) => r.kind === 'land').map((r) => r.code);
  const oceanCodes = regions.regions.filter((r) => r.kind === 'ocean').map((r) => r.code);
  const landMask = br.landMask;

  // Prior components from files are read once (and checked against the grid) up front.
  const fileComps = new Map<ComponentName, { field: FluxField; path: string }>();
  for (const [idx, c] of config.prior.components.entries()) {
    if (c.source === 'file') fileComps.set(c.name, { field: await fileComponent(loaded, idx, grid, checksums, allowImplausible), path: c.path! });
  }
  const listed = new Map(config.prior.components.map((c) => [c.name as ComponentName, c]));
  const optimised = config.prior.components.filter((c) => c.optimise).map((c) => c.name as ComponentName);
  for (const name of optimised) {
    if (name !== 'bio' && name !== 'ocean') {
      throw new TanhuiError('InvalidConfig', `only bio and ocean can be optimised, not ${name}`, { context: { file: loaded.file, key: 'prior.components' } });
    }
  }

  const obs = await buildObservations(loaded, grid, landMask, windows, checksums);
  if (!config.truth && obs.synthetic.some((v) => v === 1)) {
    throw new TanhuiError('InvalidConfig', 'synthetic stations and satellite tracks take their values from a truth run, and the config has no truth section', {
      context: { file: loaded.file, key: 'truth' },
      hint: 'add `truth: {anomalies: []}` (truth = prior) or switch observations.stations/satellite off and give observation files',
    });
  }

  // State units per optimised component: grid cells (GCAS) or regions (CarbonTracker-like).
  const unitOf = (name: ComponentName): { region: Int32Array; eco: Int32Array } => {
    const codes = name === 'bio' ? landCodes : oceanCodes;
    const set = new Set(codes);
    const region = Int32Array.from(regions.codes, (c) => (set.has(c) ? c : 0));
    return { region, eco: Int32Array.from(region, (c) => (c > 0 ? 1 : 0)) };
  };
  const termsFor = (patterns: Record<string, Float64Array>, nPeriods: number): TermSpec[] =>
    optimised.map((name) => {
      const { region, eco } = unitOf(name);
      if (config.stateVector.mapping === 'grid-scaling') return gridScalingTerm(name, patterns[name]!, nPeriods, eco);
      if (config.stateVector.mapping === 'region-scaling') return regionEcosystemTerm(name, patterns[name]!, region, eco);
      throw new TanhuiError('InvalidConfig', "stateVector.mapping 'region-month' is for 'tanhui invert'; 'tanhui run' uses grid-scaling or region-scaling", {
        context: { file: loaded.file, key: 'stateVector.mapping' },
      });
    });

  const priorCache = new Map<number, WindowPrior>();
  const priorFor = async (w: number): Promise<WindowPrior> => {
    const hit = priorCache.get(w);
    if (hit) return hit;
    const win = windows[w]!;
    const nPeriods = Math.round((win.endSec - win.startSec) / FLUX_PERIOD_SECONDS);
    const times = Float64Array.from({ length: nPeriods }, (_, p) => win.startSec + p * FLUX_PERIOD_SECONDS);
    const syn = syntheticPrior(grid, times, FLUX_PERIOD_SECONDS);
    const n = grid.size;
    const components = {} as Record<ComponentName, FluxField>;
    for (const name of COMPONENTS) {
      const fc = fileComps.get(name);
      const data = fc ? sliceComponent(fc.field, win, nPeriods, fc.path) : listed.has(name) ? syn[name].fluxMolM2S : new Float64Array(nPeriods * n);
      components[name] = { category: name, grid, timesSec: times, periodSeconds: FLUX_PERIOD_SECONDS, fluxMolM2S: data, source: fc ? fc.path : 'synthetic' };
    }
    const fixed = new Float64Array(nPeriods * n);
    for (const name of COMPONENTS) if (!optimised.includes(name)) for (let k = 0; k < fixed.length; k++) fixed[k] += components[name].fluxMolM2S[k]!;
    const patterns: Record<string, Float64Array> = {};
    const meanPatterns: Record<string, Float64Array> = {};
    for (const name of optimised) {
      patterns[name] = components[name].fluxMolM2S;
      meanPatterns[name] = timeMeanOf(components[name].fluxMolM2S, nPeriods, n);
    }
    const mapping = buildMapping(nPeriods, n, termsFor(patterns, nPeriods));
    const meanMapping = buildMapping(1, n, termsFor(meanPatterns, 1));
    const wp: WindowPrior = { components, fixed, mapping, meanMapping, fixedMean: timeMeanOf(fixed, nPeriods, n), nPeriods };
    priorCache.clear(); // keep one window (memory at fine grids)
    priorCache.set(w, wp);
    return wp;
  };

  // State layout and covariance from a mapping on unit patterns (the layout does not depend on
  // the pattern values).
  const unitPatterns = Object.fromEntries(optimised.map((n) => [n, new Float64Array(grid.size).fill(1)]));
  const layout = buildMapping(1, grid.size, termsFor(unitPatterns, 1));
  const sv = config.stateVector;
  const sigmaState = new Float64Array(layout.nState);
  for (const t of layout.terms) sigmaState.fill(t.name === 'bio' ? sv.sigmaLand : sv.sigmaOcean, t.offset, t.offset + t.nUnits * t.nBlocks);
  // Correlated B only when asked for: its builder factors the nUnits² spatial correlation
  // (O(nUnits³)), which is minutes for grid-cell states at 3°×2°; uncorrelated B is diagonal.
  const covariance =
    sv.correlationLengthKm > 0
      ? buildPriorCovariance(
          layout,
          grid,
          optimised.map((name) => ({ sigma: name === 'bio' ? sv.sigmaLand : sv.sigmaOcean, correlationLengthM: sv.correlationLengthKm * 1000, temporalCorrelation: 0 })),
        )
      : undefined;

  let truthScaling: Record<string, Float64Array> | undefined;
  if (config.truth) {
    truthScaling = {};
    for (const name of optimised) {
      const s = new Float64Array(grid.size).fill(1);
      for (const a of config.truth.anomalies) {
        if (a.component !== name) continue;
        for (let j = 0; j < grid.nlat; j++) {
          const lat = grid.latCentersDeg[j]!;
          if (lat < a.latMin || lat > a.latMax) continue;
          for (let i = 0; i < grid.nlon; i++) {
            const lon = grid.lonCentersDeg[i]!;
            if (lon >= a.lonMin && lon <= a.lonMax) s[j * grid.nlon + i] += a.delta;
          }
        }
      }
      truthScaling[name] = s;
    }
  }

  const planCache = new Map<number, { plan: SamplePlan; offsetPpm: Float64Array; rows: Int32Array }>();
  const planFor = (w: number): { plan: SamplePlan; offsetPpm: Float64Array; rows: Int32Array } => {
    const hit = planCache.get(w);
    if (hit) return hit;
    const ctx = transport.samplingContext(windows[w]!);
    const all = obs.windowRows[w]!;
    const inWin = selectWindow(ctx, obs.table, all);
    const point = Int32Array.from(Array.from(inWin).filter((k) => !obs.isColumn[k]));
    const column = Int32Array.from(Array.from(inWin).filter((k) => obs.isColumn[k]));
    const parts: Array<{ plan: SamplePlan; offsetPpm: Float64Array }> = [];
    if (point.length) parts.push(buildPointOperator(ctx, obs.table, { rows: point }));
    if (column.length) parts.push(buildColumnOperator(ctx, obs.table, { rows: column }));
    const rows = Int32Array.from([...point, ...column]);
    const offsetPpm = new Float64Array(rows.length);
    let o = 0;
    for (const p of parts) {
      offsetPpm.set(p.offsetPpm, o);
      o += p.offsetPpm.length;
    }
    const r = { plan: concatPlans(parts.map((p) => p.plan)), offsetPpm, rows };
    planCache.clear();
    planCache.set(w, r);
    return r;
  };

  const stored = storedConfig(config);
  const configSha256 = createHash('sha256').update(canonicalJson(stored)).digest('hex');
  return {
    loaded,
    config,
    grid,
    levels,
    transport,
    windows,
    regions,
    landMask,
    obs,
    stateLabels: layout.labels,
    nState: layout.nState,
    xPrior: layout.xPrior,
    sigmaState,
    covariance,
    optimised,
    truthScaling,
    initialMoleFraction: initialField,
    storePath: resolvePath(loaded, config.output.store),
    inputChecksums: checksums,
    configSha256,
    storedConfig: stored,
    priorFor,
    planFor,
  };
}

