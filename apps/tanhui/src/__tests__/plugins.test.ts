// The seams: a transport kind registered from this test file (no app change) runs two windows
// of `tanhui run`; unknown kinds, wrong option types and solver/transport mismatches are one
// line, exit 3, nothing written.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ZarrStore } from '@tanhui/io';
import type { SamplingContext, TransportWindow } from '@tanhui/transport';
import { composeWorld } from '../compose';
import { loadConfig } from '../config/load';
import { registerTransport, transportKinds, type EnsembleRequest } from '../plugins/index';
import { pluginListing } from '../commands/plugins';
import { EXIT } from '../main';
import { expectRunRejected, runCli, tempDir, TRUTH_YAML, writeConfig } from './helpers';

const STEP = 3600;
const FLUX_PERIOD = 10800;

/**
 * A toy linear model: no transport at all, a sample is Σ weight · (initial field + gain · flux of
 * the sampled column in the sampled step's flux period). Final field = initial field.
 */
const calls: Array<{ mode: 'ensemble' | 'forward'; window: TransportWindow; N: number; extras: number; samples: Float64Array; nSamples: number }> = [];
function toySamples(r: Omit<EnsembleRequest, 'memberFinals' | 'extraFinals'>, gain: number, ncol: number): Float64Array {
  const E = r.extras?.length ?? 0;
  const Kt = r.N + E;
  const nPeriods = r.mapping.nPeriods;
  // Member fluxes [period][col][N] from the mapping, here by hand: fixed + Σ_terms pattern·x.
  const out = new Float64Array(r.plan.nSamples * Kt);
  for (let s = 0; s < r.plan.nSamples; s++) {
    for (let j = r.plan.rowPtr[s]!; j < r.plan.rowPtr[s + 1]!; j++) {
      const cell = r.plan.cell[j]!;
      const col = cell % ncol;
      const p = Math.min(nPeriods - 1, Math.floor((r.plan.step[j]! * STEP) / FLUX_PERIOD));
      const w = r.plan.weight[j]!;
      for (let k = 0; k < Kt; k++) {
        let flux: number;
        let init: number;
        if (k < r.N) {
          flux = r.fixed[p * ncol + col]!;
          for (const t of r.mapping.terms) {
            const u = t.unit[col]!;
            if (u < 0) continue;
            flux += t.pattern[p * ncol + col]! * r.states[(t.offset + t.block[p]! * t.nUnits + u) * r.N + k]!;
          }
          init = r.initial[cell]!;
        } else {
          flux = r.extras![k - r.N]!.flux[p * ncol + col]!;
          init = r.extras![k - r.N]!.initial[cell]!;
        }
        out[s * Kt + k] += w * (init + gain * flux);
      }
    }
  }
  return out;
}

const toySchema = z.strictObject({ kind: z.literal('toy'), gain: z.number({ error: 'expected a number' }).default(10) });
registerTransport({
  name: 'toy',
  description: 'a linear toy model registered by a test',
  schema: toySchema,
  async create(section, { grid, levels }) {
    const ncol = grid.size;
    const nSteps = (w: TransportWindow): number => (w.endSec - w.startSec) / STEP;
    const ps = new Float64Array(ncol).fill(1e5);
    const finalsOf = (r: Omit<EnsembleRequest, 'memberFinals' | 'extraFinals'>): Float64Array => {
      const E = r.extras?.length ?? 0;
      const Kt = r.N + E;
      const f = new Float64Array(r.initial.length * Kt);
      for (let c = 0; c < r.initial.length; c++) {
        for (let k = 0; k < r.N; k++) f[c * Kt + k] = r.initial[c]!;
        for (let e = 0; e < E; e++) f[c * Kt + r.N + e] = r.extras![e]!.initial[c]!;
      }
      return f;
    };
    return {
      kind: 'toy',
      stepSeconds: STEP,
      hasAdjoint: false,
      nSteps,
      samplingContext: (w): SamplingContext => ({ grid, levels, windowStartSec: w.startSec, stepSeconds: STEP, nSteps: nSteps(w), surfacePressurePa: () => ps }),
      session: () => ({
        async ensemble(r) {
          const samples = toySamples(r, section.gain, ncol);
          calls.push({ mode: 'ensemble', window: r.window, N: r.N, extras: r.extras?.length ?? 0, samples, nSamples: r.plan.nSamples });
          const E = r.extras?.length ?? 0;
          const f = finalsOf(r);
          const nCell = r.initial.length;
          const extraFinals = r.extraFinals && E > 0 ? Float64Array.from({ length: nCell * E }, (_, i) => f[Math.floor(i / E) * (r.N + E) + r.N + (i % E)]!) : undefined;
          return { samples, extraFinals };
        },
        async forward(r) {
          const samples = toySamples(r, section.gain, ncol);
          calls.push({ mode: 'forward', window: r.window, N: r.N, extras: r.extras?.length ?? 0, samples, nSamples: r.plan.nSamples });
          return { samples, finals: finalsOf(r) };
        },
      }),
    };
  },
});
afterAll(() => transportKinds.unregister('toy'));

const RUN = `time: {windows: 2, windowDays: 1}
solver: {members: 8}
executor: {engine: inline}
observations: {stations: {sites: [mlo, brw, spo, wlg, lan, cpt, lef, pal], intervalHours: 6}, satellite: {enabled: false}}
output: {store: run.zarr}
${TRUTH_YAML}`;

describe('transport plug-ins', () => {
  it('a toy transport registered by the test runs two windows; the samples it returns are the store prior simulations', async () => {
    calls.length = 0;
    const dir = tempDir('toy');
    const cfg = writeConfig(dir, `transport: {kind: toy, gain: 10}\n${RUN}`);
    const r = await runCli(['run', cfg]);
    expect(r.code, r.stderr).toBe(0);
    expect(calls.map((c) => c.mode)).toEqual(['ensemble', 'forward', 'ensemble', 'forward']);
    expect(calls[0]!.N).toBe(8);
    expect(calls[0]!.extras).toBe(1); // the OSSE truth
    const store = await ZarrStore.open(join(dir, 'run.zarr'));
    expect(store.getAttrs('').windows_complete).toBe(2);
    // Window 0: the store's prior simulation of each observation = offset + 1e6 · the toy's
    // sample of member 0 (the prior mean), the posterior simulation = the forward run's.
    const world = await composeWorld(await loadConfig(cfg));
    const { rows, offsetPpm } = world.planFor(0);
    const prior = (await store.readArray('obs_prior_sim')).data as Float64Array;
    const post = (await store.readArray('obs_posterior_sim')).data as Float64Array;
    const ens = calls[0]!;
    const fwd = calls[1]!;
    expect(ens.nSamples).toBe(rows.length);
    rows.forEach((k, s) => {
      expect(prior[k]).toBe(offsetPpm[s]! + 1e6 * ens.samples[s * 9]!);
      expect(post[k]).toBe(offsetPpm[s]! + 1e6 * fwd.samples[s]!);
    });
    // The toy is linear and local, the truth differs from the prior: the posterior fits better.
    const y = (await store.readArray('obs_value')).data as Float64Array;
    let rmsPrior = 0;
    let rmsPost = 0;
    for (const k of rows) {
      rmsPrior += (prior[k]! - y[k]!) ** 2;
      rmsPost += (post[k]! - y[k]!) ** 2;
    }
    expect(rmsPost).toBeLessThan(rmsPrior);
  }, 120_000);

  it('lists every kind, the test-registered one included', () => {
    const text = pluginListing();
    for (const name of ['builtin', 'response-functions', 'toy', 'ensrf-serial', 'ensrf-bulk', 'ensemble-space', 'batch', '4dvar', 'obspack', 'ct-flux1x1']) expect(text).toMatch(new RegExp(`^  ${name} `, 'm'));
  });

  it('an unknown kind, an option of the wrong type, an unknown solver: one line, exit 3, nothing written', async () => {
    const dir = tempDir('badplug');
    const store = join(dir, 'run.zarr');
    await expectRunRejected(writeConfig(dir, `transport: {kind: mozart}\n${RUN}`, 'a.yaml'), store, /unknown transport kind 'mozart' \(known: builtin, response-functions, mozart4, tm5, precomputed, toy\).*transport\.kind/);
    await expectRunRejected(writeConfig(dir, `transport: {kind: toy, gain: lots}\n${RUN}`, 'b.yaml'), store, /expected a number.*transport\.gain/);
    await expectRunRejected(writeConfig(dir, `transport: {kind: toy, gian: 3}\n${RUN}`, 'c.yaml'), store, /unknown key for transport kind 'toy'; expected one of kind, gain.*transport\.gian/);
    await expectRunRejected(writeConfig(dir, `transport: {kind: response-functions, path: 5}\n${RUN}`, 'd.yaml'), store, /expected a path.*transport\.path/);
    await expectRunRejected(writeConfig(dir, `${RUN.replace('members: 8', 'members: 8, method: etkf')}`, 'e.yaml'), store, /unknown solver 'etkf' \(known: ensrf-serial, .*4dvar.*solver\.method/);
    await expectRunRejected(writeConfig(dir, `${RUN.replace('members: 8', 'members: 8, method: batch')}`, 'f.yaml'), store, /'tanhui run' needs an ensemble solver; solver.method is 'batch'/);
  });

  it('4dvar with a transport that has no adjoint: one line, exit 3, no store', async () => {
    const dir = tempDir('noadj');
    const cfg = writeConfig(dir, `transport: {kind: toy}\n${RUN.replace('members: 8', 'members: 8, method: 4dvar')}`);
    const r = await runCli(['invert', cfg]);
    expect(r.code).toBe(EXIT.badInput);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/solver '4dvar' needs a transport with an adjoint; transport.kind 'toy' has none/);
    expect(existsSync(join(dir, 'run.zarr'))).toBe(false);
  });

  it('config --schema shows each transport kind with its own options', async () => {
    const r = await runCli(['config', '--schema']);
    expect(r.code).toBe(0);
    const text = r.stdout;
    expect(text).toContain('"response-functions"');
    expect(text).toContain('"toy"');
    expect(JSON.parse(text).properties.transport).toBeDefined();
    void readFileSync;
  });
});
