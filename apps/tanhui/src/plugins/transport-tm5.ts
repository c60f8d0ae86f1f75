// transport.kind: tm5 — contract (b) of docs/external-models.md: the model samples the
// observations itself (TM5 as CTDAS runs it). Per model run tanhui writes per-tracer flux files
// (mol m⁻² s⁻¹, double), the initial file and obs_input.nc (id, time, position, altitude,
// sampling strategy, column operator inputs), runs the command, and reads flask_output.nc
// (flask(obs, member), obs_num) and the final state restart.nc.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { TanhuiError } from '@tanhui/core';
import { writeObsInput } from '../external/inputs';
import { externalPlugin } from '../external/plugin';
import { RESTART_FILE, TM5_OUTPUT_FILE } from '../external/layout';
import { readFlaskSamples, readTracerFields } from '../external/tm5-output';
import { commandSchema, gridFileSchema, workdirSchema } from './transport-mozart4';
import type { TransportContext, TransportKind, TransportPlugin } from './transport';

const schema = z
  .strictObject({ kind: z.literal('tm5'), command: commandSchema, workdir: workdirSchema, gridFile: gridFileSchema })
  .describe('an external model that samples the observations itself and writes one value per observation and tracer (TM5/CTDAS)');

export const tm5Transport: TransportKind<typeof schema> = {
  name: 'tm5',
  description: 'external model (TM5 style): tanhui writes fluxes, initial file, observation input; the model writes flask_output.nc',
  schema,
  create: (section, context) => createTm5(section, context),
};

/** The tm5 kind, or (precomputedDir) the precomputed kind reading an earlier run's flask output. */
export function createTm5(section: { command?: string; workdir?: string; gridFile?: string }, context: TransportContext, precomputedDir?: string): Promise<TransportPlugin> {
  return externalPlugin('tm5', section, context, precomputedDir, (model, env) => {
    const obs = env.observations;
    // obs_num: tanhui's observation number (table row + 1; ids of different sources may repeat).
    const obsNumbers = (r: { sampleRows?: Int32Array }): Float64Array => {
      if (!obs || !r.sampleRows) throw new TanhuiError('Internal', 'transport.kind tm5 needs the observation table and the sample rows in its session');
      return Float64Array.from(r.sampleRows, (k) => k + 1);
    };
    return {
      fluxUnit: 'mol',
      async writeMoreInputs(dir, r) {
        obsNumbers(r);
        return [await writeObsInput(dir, obs!.table, r.sampleRows!, obs!.isColumn)];
      },
      staleOutputs: (dir) => readdirSync(dir).filter((f) => f === TM5_OUTPUT_FILE || f === RESTART_FILE),
      async readOutputs(dir, r, K, wantFinal) {
        const flask = join(dir, TM5_OUTPUT_FILE);
        if (!existsSync(flask)) throw new TanhuiError('MissingFile', 'the model did not write its per-observation output', { context: { file: flask } });
        const samples = await readFlaskSamples(flask, obsNumbers(r), K);
        const restart = join(dir, RESTART_FILE);
        if (wantFinal && !existsSync(restart)) throw new TanhuiError('MissingFile', 'the model did not write its final state', { context: { file: restart } });
        const final = wantFinal ? await readTracerFields(restart, K, model.grid, model.levels) : undefined;
        return { samples, final, outputs: wantFinal ? [TM5_OUTPUT_FILE, RESTART_FILE] : [TM5_OUTPUT_FILE] };
      },
    };
  });
}
