// The external-model transport kinds through the stand-in model (tools/standin-model, a real
// subprocess running the built-in transport on the files tanhui writes):
// - on the demo config (2 of its windows) tm5 gives the built-in kind's store exactly (every file
//   carries float64), mozart4 within 1e-5 (its h0 history is float32, as MOZART writes it);
// - a run SIGKILLed while the model runs resumes and reuses the complete model outputs of unchanged
//   inputs (the model is not run again for them), ending with the uninterrupted run's bytes;
// - a model on a grid of its own (transport.gridFile) gets conservatively remapped emissions
//   (area × flux per record equal to the 6°×4° run's) and is sampled on its grid;
// - bad model output: one clear line naming the file, exit ≠ 0, the store keeps its last window.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { LatLonGrid } from '@tanhui/core';
import { listVariables, openDataset, writeNetcdf3, ZarrStore } from '@tanhui/io';
import { DEMO_YAML } from '../demo/demo-config';
import { EXIT } from '../main';
import { composeWorld } from '../compose';
import { loadConfig } from '../config/load';
import { runInversion } from '../pipeline/invert';
import { SilentProgress } from '../progress';
import { expectRunRejected, runCli, snapshotTree, tempDir, TRUTH_YAML, writeConfig } from './helpers';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const STANDIN = join(repo, 'tools/standin-model/standin-model.mjs');
const bin = join(repo, 'apps/tanhui/bin/tanhui.mjs');

function transportYaml(kind: 'mozart4' | 'tm5', more = '', modelGrid = '6x4'): string {
  const cmd = `${process.execPath} ${STANDIN} ${kind} --workdir {workdir} --start {start} --end {end} --ntracers {ntracers} --mode {mode} --grid ${modelGrid} --levels generic25`;
  return `transport:\n  kind: ${kind}\n  command: "${cmd}"\n${more}`;
}

/** The demo config, 2 windows, with a transport section. */
function demoWith(store: string, transport = ''): string {
  return DEMO_YAML.replace('windows: 4', 'windows: 2').replace('store: demo.zarr', `store: ${store}`).replace('met:\n  source: synthetic\n', `met:\n  source: synthetic\n${transport}`);
}

async function arrays(store: string): Promise<Map<string, ArrayLike<unknown>>> {
  const z = await ZarrStore.open(store);
  const out = new Map<string, ArrayLike<unknown>>();
  for (const name of z.listArrays().sort()) out.set(name, (await z.readArray(name)).data as ArrayLike<unknown>);
  return out;
}

const isFloat = (a: ArrayLike<unknown>): boolean => a instanceof Float64Array || a instanceof Float32Array;
const same = (x: unknown, y: unknown): boolean => x === y || (Number.isNaN(x) && Number.isNaN(y));

const envKeys = ['STANDIN_COUNT', 'STANDIN_FAULT', 'STANDIN_FAULT_FROM', 'STANDIN_SLEEP_MS', 'STANDIN_SLEEP_MODE', 'STANDIN_SLEEP_ONCE'];
afterEach(() => {
  for (const k of envKeys) delete process.env[k];
});

describe('external models through the stand-in on the demo config', () => {
  it('tm5 gives the built-in posterior exactly, mozart4 within 1e-5 (float32 h0)', async () => {
    const dir = tempDir('ext-demo');
    process.env.STANDIN_COUNT = join(dir, 'count.log');
    for (const [name, t] of [['builtin', ''], ['tm5', transportYaml('tm5')], ['mozart4', transportYaml('mozart4')]] as const) {
      const r = await runCli(['run', writeConfig(dir, demoWith(`${name}.zarr`, t), `${name}.yaml`)]);
      expect(r.code, r.stderr).toBe(0);
    }
    // Each external kind ran the model once per window (twoStep combine: no forward runs).
    expect(readFileSync(join(dir, 'count.log'), 'utf8').trim().split('\n')).toEqual([
      'tm5 ensemble 2020-06-01T00:00:00.000Z', 'tm5 ensemble 2020-06-08T00:00:00.000Z',
      'mozart4 ensemble 2020-06-01T00:00:00.000Z', 'mozart4 ensemble 2020-06-08T00:00:00.000Z',
    ]);
    // The history really is float32 (as MOZART writes it), one tracer per member + the OSSE truth.
    const h0Dir = join(dir, 'mozart4.zarr.model/window-20200601/ensemble');
    const h0 = readdirSync(h0Dir).filter((f) => /\.h0\.2020-06-0\d-00000\.nc$/.test(f));
    expect(h0).toHaveLength(8);
    const vars = await listVariables(join(h0Dir, h0[0]!));
    const tracers = vars.filter((v) => /^EN\d{3}_VMR_avrg$/.test(v.name));
    expect(tracers).toHaveLength(33);
    expect(new Set(tracers.map((v) => v.dtype))).toEqual(new Set(['float32']));

    const builtin = await arrays(join(dir, 'builtin.zarr'));
    const tm5 = await arrays(join(dir, 'tm5.zarr'));
    const mz = await arrays(join(dir, 'mozart4.zarr'));
    expect([...tm5.keys()]).toEqual([...builtin.keys()]);
    expect([...mz.keys()]).toEqual([...builtin.keys()]);
    const tm5Differ = [...builtin].filter(([k, a]) => Array.from(a).some((v, i) => !same(v, tm5.get(k)![i]))).map(([k]) => k);
    expect(tm5Differ).toEqual([]);
    // mozart4: float32 rounding of ~400 ppm fields is ~2e-5 ppm per value; relative to each
    // array's largest magnitude every difference stays below 1e-5. Non-float arrays are equal.
    let anyDiff = false;
    for (const [k, a] of builtin) {
      const b = mz.get(k)!;
      if (!isFloat(a)) {
        expect(Array.from(b), k).toEqual(Array.from(a));
        continue;
      }
      const x = a as Float64Array, y = b as Float64Array;
      let maxAbs = 0, maxDiff = 0;
      for (let i = 0; i < x.length; i++) {
        if (Number.isNaN(x[i]!)) {
          expect(Number.isNaN(y[i]!), `${k}[${i}]`).toBe(true);
          continue;
        }
        maxAbs = Math.max(maxAbs, Math.abs(x[i]!));
        maxDiff = Math.max(maxDiff, Math.abs(x[i]! - y[i]!));
      }
      if (maxDiff > 0) anyDiff = true;
      expect(maxDiff, k).toBeLessThanOrEqual(1e-5 * maxAbs);
    }
    expect(anyDiff).toBe(true); // the float32 history was really used
  }, 900_000);
});

describe('tanhui invert through the external kinds', () => {
  it('computes its response functions through the model: tm5 gives the built-in inversion exactly, mozart4 within 1e-5', async () => {
    const dir = tempDir('ext-invert');
    const cfg = (store: string, t: string): string => `time: {windows: 1, windowDays: 2}
solver: {method: batch}
executor: {workers: 2}
observations: {stations: {intervalHours: 12}, satellite: {soundingsPerDay: 120}}
${t}output: {store: ${store}}
${TRUTH_YAML}`;
    const run = async (name: string, t: string) => runInversion(await composeWorld(await loadConfig(writeConfig(dir, cfg(`${name}.zarr`, t), `${name}.yaml`))), { progress: new SilentProgress(), provenance: {} });
    const b = await run('builtin', '');
    const t = await run('tm5', transportYaml('tm5'));
    process.env.STANDIN_COUNT = join(dir, 'count.log');
    const m = await run('mozart4', transportYaml('mozart4'));
    expect(existsSync(join(dir, 'mozart4.zarr.model/window-20200601/ensemble/standin.mz4.h0.2020-06-01-00000.nc'))).toBe(true);
    // Run again (an interrupted invert rerun): the window's basis-function run is reused, not rerun.
    rmSync(join(dir, 'mozart4.zarr'), { recursive: true });
    const m2 = await run('mozart4', transportYaml('mozart4'));
    expect(readFileSync(join(dir, 'count.log'), 'utf8').trim().split('\n')).toEqual(['mozart4 ensemble 2020-06-01T00:00:00.000Z']);
    expect(Array.from(m2.xa)).toEqual(Array.from(m.xa));
    expect(Array.from(t.xa)).toEqual(Array.from(b.xa));
    expect(Array.from(t.budgetPosterior)).toEqual(Array.from(b.budgetPosterior));
    expect(Array.from(t.budgetPosteriorCov)).toEqual(Array.from(b.budgetPosteriorCov));
    const maxAbs = (a: ArrayLike<number>): number => Math.max(...Array.from(a, Math.abs));
    const maxDiff = (a: ArrayLike<number>, c: ArrayLike<number>): number => Math.max(...Array.from(a, (v, i) => Math.abs(v - c[i]!)));
    for (const [name, x, y] of [['xa', b.xa, m.xa], ['budgetPosterior', b.budgetPosterior, m.budgetPosterior], ['budgetPosteriorCov', b.budgetPosteriorCov, m.budgetPosteriorCov]] as const) {
      expect(maxDiff(x, y), name).toBeLessThanOrEqual(1e-5 * maxAbs(x));
    }
  }, 900_000);
});

/** A small config: 2 one-day windows, 6 members, the posterior mean rerun (forward mode runs). */
function smallConfig(kind: 'mozart4' | 'tm5', engine = 'piscina', more = '', windows = 2): string {
  return `time: {windows: ${windows}, windowDays: 1}
solver: {members: 6}
executor: {engine: ${engine}, workers: 2}
observations: {stations: {sites: [mlo, brw, spo, wlg, lfs, sdz, lan, cgo, smo, alt], intervalHours: 6}, satellite: {soundingsPerDay: 30}}
truth: {anomalies: [{name: china, component: bio, latMin: 20, latMax: 50, lonMin: 75, lonMax: 135, delta: 0.5}]}
${transportYaml(kind, more)}output: {store: run.zarr}
`;
}

interface Child {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/**
 * `tanhui run cfg` in its own process group; with `killWhenFile`, SIGKILL to the whole group
 * (tanhui and the model it runs) as soon as that file contains `text`.
 */
function runGroup(cfg: string, env: NodeJS.ProcessEnv, killWhen?: { file: string; text: string }): Promise<Child> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [bin, 'run', cfg], { stdio: ['ignore', 'ignore', 'pipe'], detached: true, env: { ...process.env, ...env } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const poll = killWhen
      ? setInterval(() => {
          if (existsSync(killWhen.file) && readFileSync(killWhen.file, 'utf8').includes(killWhen.text)) {
            clearInterval(poll);
            process.kill(-child.pid!, 'SIGKILL');
          }
        }, 100)
      : undefined;
    child.on('error', rej);
    child.on('close', (code, signal) => {
      if (poll) clearInterval(poll);
      res({ code, signal, stderr });
    });
  });
}

describe('a run killed while the external model runs', () => {
  it('resumes after its last complete window, reuses the complete model outputs of unchanged inputs, ends with the uninterrupted bytes', async () => {
    const a = tempDir('ext-kill-a');
    const b = tempDir('ext-kill-b');
    const cfgA = writeConfig(a, smallConfig('mozart4'));
    const cfgB = writeConfig(b, smallConfig('mozart4'));
    const countB = join(b, 'count.log');
    // B: killed while the model of window 2's posterior-mean run sleeps (its transport done,
    // no output written); the sleep happens once (marker file), so the resumed run does not sleep.
    const envB = { STANDIN_COUNT: countB, STANDIN_SLEEP_MS: '300000', STANDIN_SLEEP_MODE: 'forward', STANDIN_SLEEP_FROM: '2020-06-02T00:00:00Z', STANDIN_SLEEP_ONCE: join(b, 'slept') };
    const forwardLog = join(b, 'run.zarr.model/window-20200602/forward/model.log');
    const [full, killed] = await Promise.all([runGroup(cfgA, {}), runGroup(cfgB, envB, { file: forwardLog, text: 'sleeping' })]);
    expect(full.code, full.stderr).toBe(0);
    expect(killed.signal).toBe('SIGKILL');
    const storeB = join(b, 'run.zarr');
    expect((await ZarrStore.open(storeB)).getAttrs('').windows_complete).toBe(1);
    const before = readFileSync(countB, 'utf8').trim().split('\n');
    expect(before).toEqual(['mozart4 ensemble 2020-06-01T00:00:00.000Z', 'mozart4 forward 2020-06-01T00:00:00.000Z', 'mozart4 ensemble 2020-06-02T00:00:00.000Z', 'mozart4 forward 2020-06-02T00:00:00.000Z']);

    const resumed = await runGroup(cfgB, envB);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('resuming after window 1');
    // Window 2's ensemble outputs were complete with the same inputs: reused, not rerun; its
    // killed forward run is run again.
    expect(resumed.stderr).toMatch(/"event":"external-model-reused","window":1,[^\n]*window-20200602\/ensemble/);
    expect(readFileSync(countB, 'utf8').trim().split('\n').slice(before.length)).toEqual(['mozart4 forward 2020-06-02T00:00:00.000Z']);
    const sa = snapshotTree(join(a, 'run.zarr'));
    const sb = snapshotTree(storeB);
    expect([...sb.keys()]).toEqual([...sa.keys()]);
    expect([...sa].filter(([name, bytes]) => Buffer.compare(bytes, sb.get(name)!) !== 0).map(([name]) => name)).toEqual([]);
  }, 900_000);
});

describe('a model on a grid of its own (transport.gridFile)', () => {
  it('gets conservatively remapped emissions (area × flux kept per record and tracer) and is sampled on its grid', async () => {
    const dir = tempDir('ext-grid');
    const runs: Record<string, string> = {};
    for (const g of ['6x4', '3x2'] as const) {
      const grid = LatLonGrid.preset(g);
      await writeNetcdf3(join(dir, `grid-${g}.nc`), { dims: [['lat', grid.nlat], ['lon', grid.nlon]], vars: [
        { name: 'lat', type: 'double', dims: ['lat'], data: grid.latCentersDeg }, { name: 'lon', type: 'double', dims: ['lon'], data: grid.lonCentersDeg }] });
      const d = join(dir, g);
      const cfg = `time: {windows: 1, windowDays: 1}
solver: {members: 6}
executor: {workers: 2}
observations: {stations: {sites: [mlo, brw, spo, wlg, lfs, sdz, lan, cgo, smo, alt], intervalHours: 6}, satellite: {soundingsPerDay: 30}}
truth: {anomalies: [{name: china, component: bio, latMin: 20, latMax: 50, lonMin: 75, lonMax: 135, delta: 0.5}]}
${transportYaml('mozart4', `  gridFile: ../grid-${g}.nc\n`, g)}output: {store: run.zarr}
`;
      const r = await runCli(['run', writeConfig(tempDirIn(d), cfg)]);
      expect(r.code, r.stderr).toBe(0);
      runs[g] = join(d, 'run.zarr.model/window-20200601');
    }
    // Σ CO2 · area per record of every tracer's emission file: the 3°×2° files (remapped from
    // tanhui's 6°×4° fluxes) hold what the 6°×4° files (tanhui's own grid, no remapping) hold.
    const integrals = async (file: string): Promise<number[]> => {
      const ds = await openDataset(file);
      const { grid } = LatLonGrid.fromCenters((await ds.read('lon')).data, (await ds.read('lat')).data);
      const co2 = (await ds.read('CO2')).data;
      ds.close();
      const n = grid.size;
      return Array.from({ length: co2.length / n }, (_, q) => {
        let s = 0;
        for (let c = 0; c < n; c++) s += co2[q * n + c]! * grid.cellAreaM2[c]!;
        return s;
      });
    };
    for (let t = 1; t <= 7; t++) {
      const name = `ensemble/emissions.EN00${t}.surface.nc`;
      const fine = await integrals(join(runs['3x2']!, name));
      const coarse = await integrals(join(runs['6x4']!, name));
      expect(fine).toHaveLength(coarse.length);
      fine.forEach((v, q) => expect(Math.abs(v - coarse[q]!), `${name} record ${q}`).toBeLessThanOrEqual(1e-12 * Math.abs(coarse[q]!)));
    }
    // The model ran on its own grid; its history was sampled there (the h0 grid check passed).
    const ds = await openDataset(join(runs['3x2']!, 'forward/standin.mz4.h0.2020-06-01-00000.nc'));
    expect([(await ds.read('lat')).data.length, (await ds.read('lon')).data.length]).toEqual([90, 120]);
    ds.close();
  }, 600_000);
});

describe('transport.kind precomputed', () => {
  it('samples an earlier run\'s history again (other observations too), and refuses outputs made from other inputs', async () => {
    const dir = tempDir('ext-pre');
    const cfg = (store: string, t: string, sites = 'mlo, brw, spo, wlg, lfs, sdz, lan, cgo, smo, alt', seed = 11): string => `time: {windows: 1, windowDays: 1}
solver: {members: 6, twoStep: combine, seed: ${seed}}
executor: {workers: 2}
observations: {stations: {sites: [${sites}], intervalHours: 6}, satellite: {soundingsPerDay: 30}}
truth: {anomalies: [{name: china, component: bio, latMin: 20, latMax: 50, lonMin: 75, lonMax: 135, delta: 0.5}]}
${t}output: {store: ${store}}
`;
    const pre = 'transport:\n  kind: precomputed\n  format: mozart4\n  path: a.zarr.model\n';
    const ok = async (name: string, text: string): Promise<void> => {
      const r = await runCli(['run', writeConfig(dir, text, `${name}.yaml`)]);
      expect(r.code, r.stderr).toBe(0);
    };
    process.env.STANDIN_COUNT = join(dir, 'count.log');
    await ok('a', cfg('a.zarr', transportYaml('mozart4')));
    // The same config on the precomputed history: the same store arrays, the model not run.
    await ok('b', cfg('b.zarr', pre));
    const [a, b] = [await arrays(join(dir, 'a.zarr')), await arrays(join(dir, 'b.zarr'))];
    expect([...a].filter(([k, x]) => Array.from(x).some((v, i) => !same(v, b.get(k)![i]))).map(([k]) => k)).toEqual([]);
    // Other observations: sampled from the same history; equal to running the model for them.
    const other = 'mlo, spo, asc, mhd, kum, wlg';
    await ok('c', cfg('c.zarr', pre, other));
    await ok('d', cfg('d.zarr', transportYaml('mozart4'), other));
    const [c, d] = [await arrays(join(dir, 'c.zarr')), await arrays(join(dir, 'd.zarr'))];
    expect(c.get('obs_site')).not.toEqual(a.get('obs_site'));
    expect([...d].filter(([k, x]) => Array.from(x).some((v, i) => !same(v, c.get(k)![i]))).map(([k]) => k)).toEqual([]);
    expect(readFileSync(join(dir, 'count.log'), 'utf8').trim().split('\n')).toHaveLength(2); // runs a and d only
    // Another ensemble (seed): the history was made from other emissions.
    const r = await runCli(['run', writeConfig(dir, cfg('e.zarr', pre, undefined, 12), 'e.yaml')]);
    expect(r.code).toBe(EXIT.badInput);
    expect(errorText(r.stderr)).toMatch(/^tanhui: BadValue: the precomputed run of window 1 was made from other inputs: emissions\.EN\d{3}\.surface\.nc differs \(file \S+a\.zarr\.model\/window-20200601\/ensemble\/manifest\.json, key transport\.path\)/);
  }, 600_000);
});

/** A folder (created) for one run. */
function tempDirIn(d: string): string {
  mkdirSync(d, { recursive: true });
  return d;
}

/** tanhui's error line(s) of a failed run (the progress lines are JSON). */
function errorText(stderr: string): string {
  const i = stderr.indexOf('tanhui: ');
  return i < 0 ? '' : stderr.slice(i);
}

describe('bad model output: one clear line, exit ≠ 0, the store keeps its last complete window', () => {
  // Window 1 runs well; from window 2 on the stand-in misbehaves (STANDIN_FAULT_FROM). The same
  // config (and store) for every case: each rerun resumes at window 2 and fails there again.
  const cases: Array<[kind: 'mozart4' | 'tm5', fault: string, expected: RegExp]> = [
    ['mozart4', 'exit', /^tanhui: ExternalModelFailed: the model command of window 2 exited with code 3 \(log \S+window-20200602\/ensemble\/model\.log\); its last 20 log lines:$/m],
    ['mozart4', 'missing-file', /^tanhui: MissingFile: expected h0 file \*\.h0\.2020-06-03-\*\.nc \(records of 2020-06-03\) is missing \(file \S+window-20200602\/ensemble\)/],
    ['mozart4', 'missing-record', /^tanhui: MissingFile: the h0 record of 2020-06-02T06:00:00Z is missing \(file \S+standin\.mz4\.h0\.2020-06-02-00000\.nc\)/],
    ['mozart4', 'tracers', /^tanhui: BadShape: the model wrote 6 tracers ENnnn_VMR_avrg, expected 7 .*\(file \S+h0\.2020-06-02-00000\.nc, variable ENnnn_VMR_avrg\)/],
    ['mozart4', 'grid', /^tanhui: GridMismatch: the model grid \(.*\) differs from the expected grid \(.*\) \(file \S+h0\.2020-06-02-00000\.nc/],
    ['mozart4', 'nan', /^tanhui: BadValue: EN001_VMR_avrg is NaN \(NaN or fill value\) at 2020-06-02T\S+, sampled by observation \d+ \(file \S+h0\.2020-06-0\d-00000\.nc, variable EN001_VMR_avrg/],
    ['tm5', 'ids', /^tanhui: BadValue: the model output lacks observation id \d+ of the observation input .*\(file \S+window-20200602\/ensemble\/flask_output\.nc, variable obs_num\)/],
    ['tm5', 'tracers', /^tanhui: BadShape: the model wrote 6 tracers per observation, expected 7 .*\(file \S+flask_output\.nc, variable flask\)/],
    ['tm5', 'nan', /^tanhui: BadValue: EN001 of observation \d+ is NaN .*\(file \S+flask_output\.nc, variable flask/],
  ];
  it('refuses an unknown placeholder and a missing precomputed folder before anything is written', async () => {
    const dir = tempDir('ext-cfg');
    const store = join(dir, 'run.zarr');
    await expectRunRejected(writeConfig(dir, smallConfig('mozart4').replace('--mode {mode}', '--mode {mode} {member}'), 'a.yaml'), store, /unknown placeholder \{member\} in the model command \(known: \{workdir\} \{start\} \{end\} \{ntracers\} \{mode\}\).*key transport\.command/);
    await expectRunRejected(writeConfig(dir, `time: {windows: 1, windowDays: 1}\ntransport: {kind: precomputed, format: tm5, path: nowhere}\noutput: {store: run.zarr}\n`, 'b.yaml'), store, /MissingFile: the folder of the precomputed model runs is not there \(file \S+nowhere, key transport\.path\)/);
  });
  const dirs: Record<string, string> = {};
  it.each(cases)('%s %s', async (kind, fault, expected) => {
    const dir = (dirs[kind] ??= tempDir(`ext-bad-${kind}`));
    const cfg = writeConfig(dir, smallConfig(kind, 'inline'));
    process.env.STANDIN_FAULT = fault;
    process.env.STANDIN_FAULT_FROM = '2020-06-02T00:00:00Z';
    const r = await runCli(['run', cfg]);
    expect(r.code).toBe(EXIT.badInput);
    const text = errorText(r.stderr);
    expect(text, r.stderr).toMatch(expected);
    if (fault === 'exit') {
      // The model's last 20 log lines follow: its diagnostic lines 6 … 25.
      expect(text).toMatch(/\| standin-model: diagnostic line 25$/m);
      expect(text).toMatch(/\| standin-model: diagnostic line 6$/m);
      expect(text).not.toMatch(/diagnostic line 5$/m);
    } else expect(text.trim().split('\n')).toHaveLength(1);
    const store = join(dir, 'run.zarr');
    expect((await ZarrStore.open(store)).getAttrs('').windows_complete).toBe(1);
    expect(existsSync(`${store}.lock`)).toBe(false);
  }, 300_000);
});
