// One session of an external-model transport kind (mozart4, tm5): per model run (window × mode)
// write the inputs into workdir/window-YYYYMMDD/<mode>/, run the command (or reuse complete
// outputs of the same inputs), read the outputs back as samples [sample][K] and final fields.
import { mkdirSync } from 'node:fs';
import { TanhuiError, type ConservativeRegrid, type HybridLevels, type LatLonGrid } from '@tanhui/core';
import { fluxPeriodCount, type SamplingContext, type TransportWindow } from '@tanhui/transport';
import type { EnsembleRequest, EnsembleResult, SessionEnv, TransportSession } from '../plugins/transport';
import { tracerInputs } from '../plugins/tracer-inputs';
import { writeEmissions, writeInitial } from './inputs';
import { expandCommand, runFolder, type ModelMode } from './layout';
import { checkPrecomputed, runModel } from './model-run';

type Request = Omit<EnsembleRequest, 'memberFinals' | 'extraFinals'>;

export interface ModelOutputs {
  /** [sample][K] mol mol⁻¹, in the plan's sample order. */
  samples: Float64Array;
  /** [cell][K] at the window end, when asked for. */
  final?: Float64Array;
  /** Output files (names in the run folder) that make the run complete. */
  outputs: string[];
}

export interface ExternalKind {
  kind: string;
  /** The model command (mozart4, tm5); absent with precomputedDir. */
  commandTemplate?: string;
  /** Folder in which tanhui writes the inputs (and, without precomputedDir, the model runs). */
  workdir: string;
  /** Kind precomputed: the workdir of an earlier run whose outputs are read, never rerun. */
  precomputedDir?: string;
  /** The model's grid (files written and read are on it). */
  grid: LatLonGrid;
  levels: HybridLevels;
  /** Conservative remapping tanhui grid → model grid and back, when they differ. */
  toModel?: ConservativeRegrid;
  fromModel?: ConservativeRegrid;
  samplingContext(window: TransportWindow): SamplingContext;
  /** Emission file unit: MOZART's molecules cm⁻² s⁻¹ or TM5's mol m⁻² s⁻¹. */
  fluxUnit: 'molecules' | 'mol';
  /** More input files (TM5: the observation input); names in dir. */
  writeMoreInputs?(dir: string, r: Request, env: SessionEnv): Promise<string[]>;
  /** Names in dir of an earlier attempt's outputs (deleted before the model runs). */
  staleOutputs(dir: string): string[];
  readOutputs(dir: string, r: Request, K: number, wantFinal: boolean): Promise<ModelOutputs>;
}

async function modelRun(x: ExternalKind, env: SessionEnv, r: Request, mode: ModelMode, wantFinal: boolean): Promise<ModelOutputs & { K: number }> {
  const dir = runFolder(x.workdir, r.window, mode);
  mkdirSync(dir, { recursive: true });
  const inputs0 = tracerInputs(r);
  const K = inputs0.K;
  // On the model's grid: fluxes per period and initial fields per level, conservatively.
  const flux = x.toModel ? x.toModel.apply(inputs0.flux, undefined, K) : inputs0.flux;
  const initial = x.toModel ? x.toModel.apply(inputs0.initial, undefined, K) : inputs0.initial;
  const nPeriods = fluxPeriodCount(r.window, r.periodSeconds);
  if (nPeriods !== r.mapping.nPeriods) throw new TanhuiError('Internal', `flux periods ${r.mapping.nPeriods} ≠ ${nPeriods} of the window`);
  const ctx = x.samplingContext(r.window);
  const inputs = [
    ...(await writeEmissions(dir, { grid: x.grid, windowStartSec: r.window.startSec, periodSeconds: r.periodSeconds, nPeriods, flux, K, unit: x.fluxUnit })),
    await writeInitial(dir, { grid: x.grid, levels: x.levels, timeSec: r.window.startSec, psPa: ctx.surfacePressurePa(0), moleFraction: initial, K }),
    ...((await x.writeMoreInputs?.(dir, r, env)) ?? []),
  ];
  if (x.precomputedDir) {
    // Outputs of an earlier run: only if they were made from exactly these inputs.
    const outDir = runFolder(x.precomputedDir, r.window, mode);
    const outputs = checkPrecomputed(outDir, dir, inputs, r.label);
    const out = await x.readOutputs(outDir, r, K, wantFinal);
    for (const f of out.outputs) if (!outputs.includes(f)) throw new TanhuiError('BadValue', `${f} is not an output of the precomputed run`, { context: { file: outDir } });
    const final = out.final && x.fromModel ? x.fromModel.apply(out.final, undefined, K) : out.final;
    return { ...out, final, K };
  }
  const iso = (s: number): string => new Date(s * 1000).toISOString().replace('.000Z', 'Z');
  const command = expandCommand(x.commandTemplate!, { workdir: dir, start: iso(r.window.startSec), end: iso(r.window.endSec), ntracers: K, mode });
  const run = await runModel(env, { dir, command, inputs, label: r.label, index: r.index }, () => x.staleOutputs(dir));
  const out = await x.readOutputs(dir, r, K, wantFinal);
  run.complete(out.outputs);
  const final = out.final && x.fromModel ? x.fromModel.apply(out.final, undefined, K) : out.final;
  return { ...out, final, K };
}

export function externalSession(x: ExternalKind, env: SessionEnv): TransportSession {
  return {
    async ensemble(r): Promise<EnsembleResult> {
      const E = r.extras?.length ?? 0;
      const wantFinal = r.memberFinals !== undefined || (r.extraFinals && E > 0);
      const out = await modelRun(x, env, r, 'ensemble', wantFinal);
      const K = out.K;
      let extraFinals: Float64Array | undefined;
      if (out.final) {
        const nCell = out.final.length / K;
        if (r.memberFinals) for (let c = 0; c < nCell; c++) for (let k = 0; k < r.N; k++) r.memberFinals[c * r.N + k] = out.final[c * K + k]!;
        if (r.extraFinals && E > 0) {
          extraFinals = new Float64Array(nCell * E);
          for (let c = 0; c < nCell; c++) for (let e = 0; e < E; e++) extraFinals[c * E + e] = out.final[c * K + r.N + e]!;
        }
      }
      return { samples: out.samples, extraFinals };
    },
    async forward(r) {
      const out = await modelRun(x, env, r, 'forward', true);
      return { samples: out.samples, finals: out.final! };
    },
  };
}
