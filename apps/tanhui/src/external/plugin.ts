// The transport plug-in of an external-model kind (mozart4, tm5, precomputed): the sampling
// context of the `met` model (on the model grid when transport.gridFile names another), the run
// folders under workdir, and the session of ./session.ts; the kind adds how it reads outputs.
import { existsSync } from 'node:fs';
import { TanhuiError, type HybridLevels, type LatLonGrid } from '@tanhui/core';
import type { TransportWindow } from '@tanhui/transport';
import { resolvePath } from '../config/load';
import { builtinTransport, type BuiltinPlugin } from '../plugins/transport-builtin';
import type { SessionEnv, TransportContext, TransportPlugin } from '../plugins/transport';
import { expandCommand } from './layout';
import { modelGridOf } from './model-grid';
import { externalSession, type ExternalKind } from './session';

/** What a kind adds: its flux unit, more input files, and how it finds and reads its outputs. */
export type KindParts = Pick<ExternalKind, 'fluxUnit' | 'writeMoreInputs' | 'staleOutputs' | 'readOutputs'>;

export interface ModelDescription {
  /** The model's grid (files are on it) and levels. */
  grid: LatLonGrid;
  levels: HybridLevels;
  stepSeconds: number;
  nSteps(window: TransportWindow): number;
}

export async function externalPlugin(
  kind: 'mozart4' | 'tm5',
  section: { command?: string; workdir?: string; gridFile?: string },
  context: TransportContext,
  precomputedDir: string | undefined,
  parts: (model: ModelDescription, env: SessionEnv) => KindParts,
): Promise<TransportPlugin> {
  const { loaded, config, grid, levels } = context;
  // Unknown placeholders fail now, before any store or model run exists.
  if (section.command !== undefined) expandCommand(section.command, { workdir: '', start: '', end: '', ntracers: 0, mode: 'ensemble' });
  if (precomputedDir !== undefined && !existsSync(precomputedDir)) throw new TanhuiError('MissingFile', 'the folder of the precomputed model runs is not there', { context: { file: precomputedDir, key: 'transport.path' } });
  const inner = (await builtinTransport.create({ kind: 'builtin' }, context)) as BuiltinPlugin;
  const workdir = resolvePath(loaded, section.workdir ?? `${config.output.store}.model`);
  const mg = await modelGridOf(section.gridFile && resolvePath(loaded, section.gridFile), 'transport.gridFile', grid, levels, (w) => inner.samplingContext(w));
  const model: ModelDescription = { grid: mg.grid, levels, get stepSeconds() { return inner.stepSeconds; }, nSteps: (w) => inner.nSteps(w) };
  return {
    kind: precomputedDir ? 'precomputed' : kind,
    hasAdjoint: false,
    get stepSeconds() {
      return inner.stepSeconds;
    },
    nSteps: (w) => inner.nSteps(w),
    samplingContext: (w) => mg.samplingContext(w),
    checkCoverage: inner.checkCoverage,
    session: (env) =>
      externalSession(
        {
          kind,
          commandTemplate: section.command,
          precomputedDir,
          workdir,
          grid: mg.grid,
          levels,
          toModel: mg.toModel,
          fromModel: mg.fromModel,
          samplingContext: (w) => mg.samplingContext(w),
          ...parts(model, env),
        },
        env,
      ),
  };
}
