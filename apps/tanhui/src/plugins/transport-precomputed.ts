// transport.kind: precomputed — the model outputs already exist (the workdir of an earlier mozart4
// or tm5 run): tanhui only samples and solves, for re-analyses with other observations (format
// mozart4: any observation is sampled from the h0 history) or another solver. tanhui writes the
// inputs it would give the model (into workdir) and uses a run's outputs only when that run's
// manifest lists exactly those inputs; nothing is ever run.
import { z } from 'zod';
import { resolvePath } from '../config/load';
import { createMozart4, gridFileSchema, workdirSchema } from './transport-mozart4';
import { createTm5 } from './transport-tm5';
import type { TransportKind } from './transport';

const schema = z
  .strictObject({
    kind: z.literal('precomputed'),
    path: z.string({ error: 'expected the folder of the earlier run (its transport.workdir)' }).min(1, { error: 'expected the folder of the earlier run (its transport.workdir)' }),
    format: z.enum(['mozart4', 'tm5'], { error: "expected 'mozart4' (h0 history) or 'tm5' (flask output)" }),
    workdir: workdirSchema,
    gridFile: gridFileSchema,
    mixingRatio: z.enum(['volume', 'mass']).default('volume'),
  })
  .describe("an earlier mozart4/tm5 run's outputs, read (never rerun) when made from the same inputs");

export const precomputedTransport: TransportKind<typeof schema> = {
  name: 'precomputed',
  description: "an earlier external-model run's outputs (h0 history or flask output): sample and solve only",
  schema,
  async create(section, context) {
    const dir = resolvePath(context.loaded, section.path);
    const s = { workdir: section.workdir ?? `${context.config.output.store}.inputs`, gridFile: section.gridFile, mixingRatio: section.mixingRatio };
    return section.format === 'mozart4' ? createMozart4(s, context, dir) : createTm5(s, context, dir);
  },
};
