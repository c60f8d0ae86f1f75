// transport.kind: mozart4 — contract (a) of docs/external-models.md: per model run tanhui writes
// MOZART-4 emission files (one per tracer EN001…) and an initial file into
// workdir/window-YYYYMMDD/<ensemble|forward>/, runs the user's command through the executor and
// samples the h0 history it writes (ENnnn_VMR_avrg) with tanhui's point and column operators.
// Grid, levels, time step and surface pressure of the sampling come from the `met` section,
// which describes the model's meteorology; a model grid of its own (gridFile) gets emissions and
// initial fields remapped conservatively and is sampled directly (external/model-grid.ts).
import { readdirSync } from 'node:fs';
import { z } from 'zod';
import { H0_PATTERN, sampleMozartHistory } from '@tanhui/transport';
import { externalPlugin } from '../external/plugin';
import type { TransportContext, TransportKind, TransportPlugin } from './transport';

export const commandSchema = z
  .string({ error: 'expected the model command (a shell command line)' })
  .min(1, { error: 'expected the model command (a shell command line)' })
  .describe('shell command run in the run folder; placeholders {workdir} {start} {end} {ntracers} {mode}');
export const workdirSchema = z.string().min(1).optional().describe('folder of the model runs (default: <output.store>.model)');
export const gridFileSchema = z.string().min(1).optional().describe("a NetCDF file with the model's lat/lon (a grid file or an h0 file); default: tanhui's grid");

const schema = z
  .strictObject({
    kind: z.literal('mozart4'),
    command: commandSchema,
    workdir: workdirSchema,
    gridFile: gridFileSchema,
    mixingRatio: z.enum(['volume', 'mass']).default('volume').describe("the h0 tracers' unit: volume (mol/mol) or mass (kg/kg, × 29/44 as GCAS)"),
  })
  .describe('an external model writing MOZART-4 h0 history (ENnnn_VMR_avrg) that tanhui samples');

export const mozart4Transport: TransportKind<typeof schema> = {
  name: 'mozart4',
  description: 'external model (MOZART-4 style): tanhui writes emissions + initial file, runs the command, samples its h0 history',
  schema,
  create: (section, context) => createMozart4(section, context),
};

/** The mozart4 kind, or (precomputedDir) the precomputed kind reading an earlier run's h0 files. */
export function createMozart4(
  section: { command?: string; workdir?: string; gridFile?: string; mixingRatio: 'volume' | 'mass' },
  context: TransportContext,
  precomputedDir?: string,
): Promise<TransportPlugin> {
  return externalPlugin('mozart4', section, context, precomputedDir, (model) => ({
    fluxUnit: 'molecules',
    staleOutputs: (dir) => readdirSync(dir).filter((f) => H0_PATTERN.test(f)),
    async readOutputs(dir, r, K, wantFinal) {
      const out = await sampleMozartHistory({
        dir, window: r.window, stepSeconds: model.stepSeconds, nSteps: model.nSteps(r.window), K, plan: r.plan,
        grid: model.grid, levels: model.levels, mixingRatio: section.mixingRatio, wantFinal, sampleIds: r.sampleIds,
      });
      return { samples: out.samples, final: out.final, outputs: out.files.map((f) => f.slice(dir.length + 1)) };
    },
  }));
}
