// A stand-in external model: what tests and the demo run as a real subprocess in place of
// MOZART-4 or TM5 (docs/external-models.md). It reads the files tanhui wrote into the run
// folder (emissions.ENnnn.surface.nc, initial.nc, obs_input.nc), runs tanhui's built-in
// transport on them and writes what the real model writes:
//   mozart4: <case>.mz4.h0.YYYY-MM-DD-00000.nc, ENnnn_VMR_avrg(time, lev, lat, lon) float32, top
//            level first, one record per model step (instantaneous, where MOZART averages);
//   tm5:     flask_output.nc (flask(obs, member), obs_num) sampled with tanhui's operators, and
//            restart.nc (the final state in initial.nc's layout, double).
// Usage: node --conditions=@tanhui/source --import tsx tools/standin-model/main.ts <mozart4|tm5>
//          --workdir DIR --start ISO --end ISO --ntracers K --mode ensemble|forward
//          --grid 6x4 --levels generic25 [--step S] [--mixing-ratio volume|mass]
//          [--count FILE] [--sleep-ms N] [--sleep-mode forward] [--sleep-once MARKER] [--sleep-from ISO]
//          [--fault F] [--fault-from ISO]
// The test knobs also come from STANDIN_COUNT, STANDIN_SLEEP_MS, STANDIN_SLEEP_MODE,
// STANDIN_SLEEP_ONCE, STANDIN_SLEEP_FROM, STANDIN_FAULT, STANDIN_FAULT_FROM. --count appends one line per run;
// --sleep-ms sleeps after the transport, before writing the outputs (a kill test's window).
// Faults (tests of tanhui's checks; from the run starting at --fault-from on): exit (25 log
// lines, exit 3), missing-file (no h0 file of day 2), missing-record (record 2 of day 1 left out),
// tracers (one tracer too few), grid (latitudes shifted 0.5°), nan (tracer 1 NaN), ids (TM5: a
// wrong obs_num).
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AVOGADRO, concatPlans, LatLonGrid, parseInstant, type GridPreset, type SamplePlan } from '@tanhui/core';
import { openDataset, writeNetcdf3, type GdalDataset, type Nc3Variable } from '@tanhui/io';
import { buildColumnOperator, buildPointOperator, emptyTable } from '@tanhui/observations';
import { camDateToSeconds, createBuiltinModel, fluxPeriodCount, type BuiltinTransportModel, type TransportWindow } from '@tanhui/transport';

interface Args {
  contract: 'mozart4' | 'tm5';
  workdir: string;
  window: TransportWindow;
  K: number;
  mode: string;
  grid: string;
  levels: string;
  step?: number;
  mixingRatio: 'volume' | 'mass';
  count?: string;
  sleepMs: number;
  sleepMode?: string;
  /** Sleep only when this marker file does not exist (it is created): the first run only. */
  sleepOnce?: string;
  /** Sleep only in runs starting at or after this instant [s]. */
  sleepFrom: number;
  fault?: string;
}

function fail(msg: string, code = 2): never {
  process.stderr.write(`standin-model: ${msg}\n`);
  process.exit(code);
}

function parseArgs(argv: string[]): Args {
  const contract = argv[0];
  if (contract !== 'mozart4' && contract !== 'tm5') fail('first argument must be mozart4 or tm5');
  const o: Record<string, string> = {};
  for (let i = 1; i < argv.length; i += 2) {
    if (!argv[i]!.startsWith('--') || argv[i + 1] === undefined) fail(`bad argument ${argv[i]}`);
    o[argv[i]!.slice(2)] = argv[i + 1]!;
  }
  for (const k of ['workdir', 'start', 'end', 'ntracers', 'mode', 'grid']) if (!o[k]) fail(`--${k} is required`);
  const window = { startSec: parseInstant(o.start!), endSec: parseInstant(o.end!) };
  // Test knobs also from the environment, so that a test's config (and store) stays the same.
  const env = process.env;
  const fault = o.fault ?? env.STANDIN_FAULT;
  const faultFrom = o['fault-from'] ?? env.STANDIN_FAULT_FROM;
  return {
    contract, workdir: o.workdir!, window, K: Number(o.ntracers), mode: o.mode!, grid: o.grid!, levels: o.levels ?? 'generic25',
    step: o.step ? Number(o.step) : undefined, mixingRatio: o['mixing-ratio'] === 'mass' ? 'mass' : 'volume',
    count: o.count ?? env.STANDIN_COUNT, sleepMs: Number(o['sleep-ms'] ?? env.STANDIN_SLEEP_MS ?? 0), sleepMode: o['sleep-mode'] ?? env.STANDIN_SLEEP_MODE,
    sleepOnce: o['sleep-once'] ?? env.STANDIN_SLEEP_ONCE,
    sleepFrom: parseInstant(o['sleep-from'] ?? env.STANDIN_SLEEP_FROM ?? '1970-01-01T00:00:00Z'),
    fault: fault && (!faultFrom || window.startSec >= parseInstant(faultFrom)) ? fault : undefined,
  };
}

const EN = (t: number): string => `EN${String(t + 1).padStart(3, '0')}`;

async function readVar(ds: GdalDataset, name: string, file: string): Promise<Float64Array> {
  if (!ds.hasVariable(name)) fail(`${file} lacks ${name}`);
  return (await ds.read(name)).data as Float64Array;
}

/** One after the other: gdal-async warns about reads of one dataset that overlap. */
async function readVars(ds: GdalDataset, names: string[], file: string): Promise<Float64Array[]> {
  const out: Float64Array[] = [];
  for (const n of names) out.push(await readVar(ds, n, file));
  return out;
}

/** Emission fluxes [period][cell][K] mol m⁻² s⁻¹ and their period length. */
async function readEmissions(a: Args, model: BuiltinTransportModel): Promise<{ flux: Float64Array; periodSeconds: number }> {
  const ncol = model.grid.size;
  let periodSeconds = 0;
  let flux = new Float64Array(0);
  let nPeriods = 0;
  for (let t = 0; t < a.K; t++) {
    const file = join(a.workdir, `emissions.${EN(t)}.surface.nc`);
    if (!existsSync(file)) fail(`missing emission file ${file}`);
    const ds = await openDataset(file);
    const [lat, lon, date, datesec] = await readVars(ds, ['lat', 'lon', 'date', 'datesec'], file);
    const { grid } = LatLonGrid.fromCenters(lon!, lat!, { file });
    if (!grid.equals(model.grid, 1e-6)) fail(`${file}: emission grid ${grid.describe()} is not the model grid ${model.grid.describe()}`);
    const times = Array.from(date!, (d, q) => camDateToSeconds(d, datesec![q]!));
    if (t === 0) {
      periodSeconds = times[1]! - times[0]!;
      if (times[0] !== a.window.startSec) fail(`${file}: first record is not at the run start`);
      nPeriods = fluxPeriodCount(a.window, periodSeconds);
      if (times.length < nPeriods) fail(`${file}: ${times.length} records do not cover the run`);
      flux = new Float64Array(nPeriods * ncol * a.K);
    }
    const v = await ds.read('CO2');
    const perMol = /molecules/.test(v.units ?? '') ? AVOGADRO * 1e-4 : 1;
    const d = v.data as Float64Array;
    for (let p = 0; p < nPeriods; p++) for (let c = 0; c < ncol; c++) flux[(p * ncol + c) * a.K + t] = perMol === 1 ? d[p * ncol + c]! : d[p * ncol + c]! / perMol;
    ds.close();
  }
  return { flux, periodSeconds };
}

/** Initial mole fractions [cell][K] (surface first, south → north) from initial.nc. */
async function readInitial(a: Args, model: BuiltinTransportModel): Promise<Float64Array> {
  const file = join(a.workdir, 'initial.nc');
  const ds = await openDataset(file);
  const [lat, lon] = [await readVar(ds, 'lat', file), await readVar(ds, 'lon', file)];
  const { grid, flipLat } = LatLonGrid.fromCenters(lon, lat, { file });
  if (!grid.equals(model.grid, 1e-6)) fail(`${file}: grid ${grid.describe()} is not the model grid`);
  const hyai = await readVar(ds, 'hyai', file);
  const hybi = await readVar(ds, 'hybi', file);
  const nlev = model.levels.nlev;
  const flipLev = hyai[0]! + hybi[0]! * 1e5 < hyai[nlev]! + hybi[nlev]! * 1e5;
  const { nlat, nlon } = grid;
  const out = new Float64Array(nlev * nlat * nlon * a.K);
  for (let t = 0; t < a.K; t++) {
    const d = await readVar(ds, EN(t), file);
    for (let k = 0; k < nlev; k++) {
      const kf = flipLev ? nlev - 1 - k : k;
      for (let j = 0; j < nlat; j++) {
        const jf = flipLat ? nlat - 1 - j : j;
        for (let i = 0; i < nlon; i++) out[((k * nlat + j) * nlon + i) * a.K + t] = d[(kf * nlat + jf) * nlon + i]!;
      }
    }
  }
  ds.close();
  return out;
}

function levelVars(model: BuiltinTransportModel): Nc3Variable[] {
  const L = model.levels;
  const n = L.nlev;
  const hyai = Float64Array.from({ length: n + 1 }, (_, kf) => L.aHalfPa[n - kf]! / 1e5);
  const hybi = Float64Array.from({ length: n + 1 }, (_, kf) => L.bHalf[n - kf]!);
  return [
    { name: 'P0', type: 'double', dims: [], data: [1e5], attrs: { units: 'Pa' } },
    { name: 'hyai', type: 'double', dims: ['ilev'], data: hyai },
    { name: 'hybi', type: 'double', dims: ['ilev'], data: hybi },
    { name: 'hyam', type: 'double', dims: ['lev'], data: Float64Array.from({ length: n }, (_, k) => 0.5 * (hyai[k]! + hyai[k + 1]!)) },
    { name: 'hybm', type: 'double', dims: ['lev'], data: Float64Array.from({ length: n }, (_, k) => 0.5 * (hybi[k]! + hybi[k + 1]!)) },
  ];
}

function timeVars(times: number[]): Nc3Variable[] {
  const date = times.map((t) => Number(new Date(t * 1000).toISOString().slice(0, 10).replaceAll('-', '')));
  return [
    { name: 'time', type: 'double', dims: ['time'], data: times.map((t) => t / 86400), attrs: { units: 'days since 1970-01-01 00:00:00' } },
    { name: 'date', type: 'int', dims: ['time'], data: Int32Array.from(date) },
    { name: 'datesec', type: 'int', dims: ['time'], data: Int32Array.from(times, (t) => t - Math.floor(t / 86400) * 86400) },
  ];
}

function gridVars(grid: LatLonGrid, latShiftDeg = 0): Nc3Variable[] {
  return [
    { name: 'lat', type: 'double', dims: ['lat'], data: Float64Array.from(grid.latCentersDeg, (v) => v + latShiftDeg), attrs: { units: 'degrees_north' } },
    { name: 'lon', type: 'double', dims: ['lon'], data: grid.lonCentersDeg, attrs: { units: 'degrees_east' } },
  ];
}

/** MOZART-4 h0 history: one file per day, one record per model step. */
async function runMozart(a: Args, model: BuiltinTransportModel, flux: Float64Array, periodSeconds: number, initial: Float64Array, afterRun: () => Promise<void>): Promise<void> {
  const { grid, levels } = model;
  const nlev = levels.nlev;
  const ncol = grid.size;
  const ncell = nlev * ncol;
  const K = a.K;
  const ctx = model.samplingContext(a.window);
  const toFile = a.mixingRatio === 'mass' ? 44 / 29 : 1;
  const days = new Map<number, { times: number[]; ps: number[][]; fields: Float32Array[][] }>();
  model.forward({
    window: a.window, nTracers: K, initialMoleFraction: initial, fluxes: { periodSeconds, data: flux }, finalTracers: { start: 0, count: 0 },
    onStep: (n, rm, m) => {
      const t = a.window.startSec + n * model.stepSeconds;
      const day = Math.floor(t / 86400) * 86400;
      let d = days.get(day);
      if (!d) days.set(day, (d = { times: [], ps: [], fields: [] }));
      d.times.push(t);
      d.ps.push(Array.from(ctx.surfacePressurePa(n)));
      const rec: Float32Array[] = [];
      for (let tr = 0; tr < K; tr++) {
        const f = new Float32Array(ncell);
        for (let k = 0; k < nlev; k++) {
          const dst = (nlev - 1 - k) * ncol; // MOZART: top level first
          for (let c = 0; c < ncol; c++) {
            const q = k * ncol + c;
            f[dst + c] = (rm[q * K + tr]! / m[q]!) * toFile;
          }
        }
        rec.push(f);
      }
      d.fields.push(rec);
    },
  });
  await afterRun();
  let h = 0;
  for (const [day, d] of days) {
    h++;
    if (a.fault === 'missing-file' && h === 2) continue;
    let { times, fields, ps } = d;
    if (a.fault === 'missing-record' && h === 1 && times.length > 1) [times, fields, ps] = [times.filter((_, q) => q !== 1), fields.filter((_, q) => q !== 1), ps.filter((_, q) => q !== 1)];
    const nRec = times.length;
    const nTr = a.fault === 'tracers' ? K - 1 : K;
    const vars: Nc3Variable[] = [...timeVars(times), ...gridVars(grid, a.fault === 'grid' ? 0.5 : 0), ...levelVars(model)];
    vars.push({ name: 'PS', type: 'float', dims: ['time', 'lat', 'lon'], data: Float32Array.from(ps.flat()), attrs: { units: 'Pa' } });
    for (let tr = 0; tr < nTr; tr++) {
      const data = new Float32Array(nRec * ncell);
      for (let q = 0; q < nRec; q++) data.set(fields[q]![tr]!, q * ncell);
      if (a.fault === 'nan' && tr === 0) data.fill(NaN);
      vars.push({ name: `${EN(tr)}_VMR_avrg`, type: 'float', dims: ['time', 'lev', 'lat', 'lon'], data, attrs: { units: a.mixingRatio === 'mass' ? 'kg/kg' : 'mol/mol', long_name: `${EN(tr)} concentration` } });
    }
    const tag = new Date(day * 1000).toISOString().slice(0, 10);
    await writeNetcdf3(join(a.workdir, `standin.mz4.h0.${tag}-00000.nc`), {
      dims: [['time', nRec], ['lev', nlev], ['ilev', nlev + 1], ['lat', grid.nlat], ['lon', grid.nlon]],
      attrs: { title: 'stand-in MOZART-4 history', source: 'tools/standin-model' },
      vars,
    });
  }
}

/** The observations of obs_input.nc as a table, and their sample plan on the model (as tanhui builds it). */
async function observationPlan(a: Args, model: BuiltinTransportModel): Promise<{ ids: Int32Array; plan: SamplePlan }> {
  const file = join(a.workdir, 'obs_input.nc');
  const ds = await openDataset(file);
  const [id, time, lat, lon, alt, p, strat, ps, axco2] = await readVars(ds, ['obs_num', 'time', 'latitude', 'longitude', 'altitude', 'pressure', 'sampling_strategy', 'column_surface_pressure', 'column_apriori_xco2'], file);
  const [lev, pw, ak, ap] = await readVars(ds, ['column_pressure_levels', 'column_pressure_weight', 'column_averaging_kernel', 'column_apriori_profile'], file);
  ds.close();
  const n = id!.length;
  const L = n > 0 ? lev!.length / n : 1;
  const table = emptyTable(n, L);
  const col = table.column!;
  for (let k = 0; k < n; k++) {
    table.id[k] = id![k]!;
    table.timeSec[k] = time![k]!;
    table.latDeg[k] = lat![k]!;
    table.lonDeg[k] = lon![k]!;
    table.altitudeM[k] = alt![k]!;
    table.pressureHPa[k] = p![k]!;
    col.aprioriXco2Ppm[k] = axco2![k]!;
    col.surfacePressureHPa[k] = ps![k]!;
  }
  col.pressureHPa.set(lev!);
  col.pressureWeight.set(pw!);
  col.averagingKernel.set(ak!);
  col.aprioriProfilePpm.set(ap!);
  const point = Int32Array.from({ length: n }, (_, k) => k).filter((k) => strat![k] === 1);
  const column = Int32Array.from({ length: n }, (_, k) => k).filter((k) => strat![k] === 2);
  const ctx = model.samplingContext(a.window);
  const parts: SamplePlan[] = [];
  if (point.length) parts.push(buildPointOperator(ctx, table, { rows: point }).plan);
  if (column.length) parts.push(buildColumnOperator(ctx, table, { rows: column }).plan);
  const order = Int32Array.from([...point, ...column]);
  return { ids: Int32Array.from(order, (k) => id![k]!), plan: concatPlans(parts) };
}

async function runTm5(a: Args, model: BuiltinTransportModel, flux: Float64Array, periodSeconds: number, initial: Float64Array, afterRun: () => Promise<void>): Promise<void> {
  const { ids, plan } = await observationPlan(a, model);
  const K = a.K;
  const out = model.forward({ window: a.window, nTracers: K, initialMoleFraction: initial, fluxes: { periodSeconds, data: flux }, plan });
  await afterRun();
  if (a.fault === 'ids' && ids.length > 0) ids[0] = ids[0]! + 1_000_000_000;
  const nTr = a.fault === 'tracers' ? K - 1 : K;
  const flask = new Float64Array(ids.length * nTr);
  for (let s = 0; s < ids.length; s++) for (let t = 0; t < nTr; t++) flask[s * nTr + t] = out.samples[s * K + t]!;
  if (a.fault === 'nan') flask.fill(NaN, 0, nTr);
  await writeNetcdf3(join(a.workdir, 'flask_output.nc'), {
    dims: [['obs', ids.length], ['nmembers', nTr]],
    attrs: { title: 'stand-in TM5 flask output', source: 'tools/standin-model' },
    vars: [
      { name: 'obs_num', type: 'int', dims: ['obs'], data: ids },
      { name: 'flask', type: 'double', dims: ['obs', 'nmembers'], data: flask, attrs: { units: 'mol mol-1' } },
    ],
  });
  // The final state (TM5's save file), in initial.nc's layout.
  const { grid, levels } = model;
  const nlev = levels.nlev;
  const ncol = grid.size;
  const fin = out.finalMoleFraction;
  const vars: Nc3Variable[] = [...timeVars([a.window.endSec]), ...gridVars(grid), ...levelVars(model)];
  for (let t = 0; t < K; t++) {
    const d = new Float64Array(nlev * ncol);
    for (let k = 0; k < nlev; k++) for (let c = 0; c < ncol; c++) d[(nlev - 1 - k) * ncol + c] = fin[(k * ncol + c) * K + t]!;
    vars.push({ name: EN(t), type: 'double', dims: ['time', 'lev', 'lat', 'lon'], data: d, attrs: { units: 'mol/mol' } });
  }
  await writeNetcdf3(join(a.workdir, 'restart.nc'), { dims: [['time', 1], ['lev', nlev], ['ilev', nlev + 1], ['lat', grid.nlat], ['lon', grid.nlon]], vars });
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  if (a.count) appendFileSync(a.count, `${a.contract} ${a.mode} ${new Date(a.window.startSec * 1000).toISOString()}\n`);
  console.log(`standin-model ${a.contract}: ${a.mode} run of ${a.K} tracers, ${new Date(a.window.startSec * 1000).toISOString()} → ${new Date(a.window.endSec * 1000).toISOString()}`);
  if (a.fault === 'exit') {
    for (let i = 1; i <= 25; i++) console.error(`standin-model: diagnostic line ${i}`);
    process.exit(3);
  }
  const model = createBuiltinModel({ met: { kind: 'synthetic', grid: a.grid as GridPreset, levels: a.levels as 'generic25' }, options: a.step ? { stepSeconds: a.step } : {} });
  const { flux, periodSeconds } = await readEmissions(a, model);
  const initial = await readInitial(a, model);
  const afterRun = async (): Promise<void> => {
    if (a.sleepMs > 0 && (!a.sleepMode || a.sleepMode === a.mode) && a.window.startSec >= a.sleepFrom && !(a.sleepOnce && existsSync(a.sleepOnce))) {
      if (a.sleepOnce) writeFileSync(a.sleepOnce, 'slept\n');
      console.log(`standin-model: sleeping ${a.sleepMs} ms`);
      await new Promise((r) => setTimeout(r, a.sleepMs));
    }
  };
  if (a.contract === 'mozart4') await runMozart(a, model, flux, periodSeconds, initial, afterRun);
  else await runTm5(a, model, flux, periodSeconds, initial, afterRun);
  console.log('standin-model: done');
}

main().catch((err: unknown) => fail(err instanceof Error ? (err.stack ?? err.message) : String(err), 1));
