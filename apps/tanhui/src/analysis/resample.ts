// Sample a finished run at observations it never saw: per complete window, the prior-mean and
// posterior-mean states stored in the run (scaling_factor_prior, scaling_factor_mean) are
// mapped to fluxes with the run's own state mapping (the world re-composed from the effective
// config kept in the store), and transported from the window's initial field (the previous
// window's restart field, or the run's initialField for the first window) as two tracers of one run of
// the built-in model — exactly as the run computed its own prior and posterior simulations.
// Point observations (flask, insitu, tower, aircraft) only; columns are skipped and counted.
import { dirname, isAbsolute, resolve, sep } from 'node:path';
import { TanhuiError } from '@tanhui/core';
import { ZarrStore } from '@tanhui/io';
import { buildPointOperator, OBS_KINDS, type ObservationTable } from '@tanhui/observations';
import { ensembleFlux } from '@tanhui/priors';
import { composeWorld, FLUX_PERIOD_SECONDS, type World } from '../compose';
import { validateConfig, type LoadedConfig } from '../config/load';
import { builtinModelOf } from '../plugins/index';

export interface Resampled {
  /** Prior and posterior simulated values [ppm] per row of the table (NaN where not sampled). */
  priorPpm: Float64Array;
  posteriorPpm: Float64Array;
  /** Window of each row (−1: outside the complete windows, a column, or failed QC). */
  window: Int32Array;
  /** Rows skipped because they are column observations (not supported here). */
  columnsSkipped: number;
}

/** Re-compose the run's world from the effective config stored in its root attributes. */
export async function worldOfStore(storePath: string): Promise<{ world: World; store: ZarrStore; complete: number }> {
  const store = await ZarrStore.open(storePath);
  const attrs = store.getAttrs('');
  if (attrs.config === undefined) throw new TanhuiError('MissingVariable', 'the run store keeps no effective config (root attribute config)', { context: { file: storePath, variable: 'config' } });
  const config = validateConfig(attrs.config, storePath);
  // Relative paths of the config were relative to its file; output.store tells where that was.
  const abs = resolve(storePath);
  const out = config.output.store;
  let baseDir = dirname(abs);
  if (!isAbsolute(out)) {
    const rel = resolve('/', out).slice(1).split('/').join(sep);
    if (abs.endsWith(sep + rel)) baseDir = abs.slice(0, abs.length - rel.length - 1);
  }
  const loaded: LoadedConfig = { config, file: '', baseDir };
  const world = await composeWorld(loaded);
  if (typeof attrs.config_sha256 === 'string' && attrs.config_sha256 !== world.configSha256) {
    throw new TanhuiError('StoreConflict', 'the configuration re-read from the store does not reproduce the run (config_sha256 differs)', { context: { file: storePath } });
  }
  return { world, store, complete: Number(attrs.windows_complete ?? 0) };
}

export async function sampleRunAt(storePath: string, table: ObservationTable, opened?: Awaited<ReturnType<typeof worldOfStore>>): Promise<Resampled> {
  const { world, store, complete } = opened ?? (await worldOfStore(storePath));
  const n = table.n;
  const priorPpm = new Float64Array(n).fill(NaN);
  const posteriorPpm = new Float64Array(n).fill(NaN);
  const window = new Int32Array(n).fill(-1);
  let columnsSkipped = 0;
  const xcol = OBS_KINDS.indexOf('xco2');
  const tcol = OBS_KINDS.indexOf('tccon');
  const ns = world.nState;
  const model = builtinModelOf(world.transport, 'resampling a run at other observations');
  const nField = world.levels.nlev * world.grid.size;
  const whole = new Map<string, Float64Array>();
  const read = async (name: string, w: number, size: number): Promise<Float64Array> => {
    let a = whole.get(name);
    if (!a) {
      if (!store.hasArray(name)) throw new TanhuiError('MissingVariable', `the run store has no array '${name}'`, { context: { file: storePath, variable: name } });
      a = (await store.readArray(name)).data as Float64Array;
      whole.set(name, a);
    }
    return a.subarray(w * size, (w + 1) * size);
  };
  for (let w = 0; w < complete; w++) {
    const win = world.windows[w]!;
    const rows: number[] = [];
    for (let k = 0; k < n; k++) {
      const t = table.timeSec[k]!;
      if (window[k] !== -1 || !(t >= win.startSec && t <= win.endSec) || table.flags[k] !== 0) continue;
      if (table.kind[k] === xcol || table.kind[k] === tcol) {
        columnsSkipped++;
        continue;
      }
      rows.push(k);
    }
    if (rows.length === 0) continue;
    const { plan, offsetPpm } = buildPointOperator(model.samplingContext(win), table, { rows: Int32Array.from(rows) });
    const prior = await world.priorFor(w);
    const xb = await read('scaling_factor_prior', w, ns);
    const xa = await read('scaling_factor_mean', w, ns);
    const states = new Float64Array(ns * 2);
    for (let i = 0; i < ns; i++) {
      states[i * 2] = xb[i]!;
      states[i * 2 + 1] = xa[i]!;
    }
    const flux = ensembleFlux(prior.mapping, prior.fixed, states, 2);
    const start = w === 0 ? world.initialMoleFraction : await read('restart/mole_fraction', w - 1, nField);
    if (start.length !== nField) throw new TanhuiError('BadShape', `restart/mole_fraction of window ${w} has ${start.length} values, expected ${nField}`, { context: { file: storePath, variable: 'restart/mole_fraction' } });
    const initial = new Float64Array(nField * 2);
    for (let c = 0; c < nField; c++) initial[2 * c] = initial[2 * c + 1] = start[c]!;
    const outp = model.forward({ window: win, nTracers: 2, initialMoleFraction: initial, fluxes: { periodSeconds: FLUX_PERIOD_SECONDS, data: flux }, plan });
    rows.forEach((k, s) => {
      priorPpm[k] = offsetPpm[s]! + 1e6 * outp.samples[2 * s]!;
      posteriorPpm[k] = offsetPpm[s]! + 1e6 * outp.samples[2 * s + 1]!;
      window[k] = w;
    });
  }
  return { priorPpm, posteriorPpm, window, columnsSkipped };
}
