// The observed values y of a window. Synthetic sources (OSSE stations and satellite tracks) are
// the truth run's samples plus noise of each observation's σ, from one noise stream per window
// (noiseSeed·100003 + w), so a value does not depend on which cycle or command assimilates it;
// other rows are the values read from the files.
import { TanhuiError } from '@tanhui/core';
import { createRng } from '@tanhui/core';
import type { World } from '../compose';

/** y[from…to) of rows[from…to), all of window w (truthSamples in ppm, aligned with rows). */
export function observedValues(world: World, rows: Int32Array, sigma: Float64Array, truthSamples: Float64Array | undefined, w: number, from: number, to: number, y: Float64Array): void {
  const { obs, config } = world;
  const noise = createRng(config.observations.noiseSeed * 100_003 + w);
  for (let s = from; s < to; s++) {
    const k = rows[s]!;
    const e = noise.normal() * sigma[s]!;
    if (obs.synthetic[k]) {
      if (!truthSamples) throw new TanhuiError('InvalidConfig', 'synthetic observations need a truth (add a truth section)', { context: { file: world.loaded.file, key: 'truth' } });
      y[s] = truthSamples[s]! + e;
    } else y[s] = obs.table.valuePpm[k]!;
  }
}
