// transport.kind: response-functions — cycle on a precomputed Jacobian: the samples of each
// observation (matched by obs_num = the observation table's id) are Σ_b J[obs][b] · (area- and
// time-mean flux of basis b), computed in the main thread (the Jacobian is small next to a
// transport run). Response functions carry no 3-D field: the final field of a window is its
// initial field unchanged (samples do not depend on it; put the background in the observations).
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { TanhuiError } from '@tanhui/core';
import { readResponseFunctions, ResponseFunctionTransport, type TransportWindow } from '@tanhui/transport';
import { resolvePath } from '../config/load';
import { tracerInputs } from './tracer-inputs';
import type { EnsembleRequest, EnsembleResult, TransportKind } from './transport';

const schema = z
  .strictObject({
    kind: z.literal('response-functions'),
    /** NetCDF or Zarr v2: jacobian(obs, basis), basis_region, basis_start, basis_end, region_map, lat, lon, obs_num. */
    path: z.string({ error: 'expected a path' }).min(1, { error: 'expected a path' }),
  })
  .describe('a precomputed Jacobian of the observations with respect to region × period basis fluxes');

export const responseFunctionTransport: TransportKind<typeof schema> = {
  name: 'response-functions',
  description: 'a precomputed Jacobian H(obs, basis) (NetCDF/Zarr, obs matched by obs_num); samples only, no 3-D fields',
  schema,
  async create(section, { loaded, grid }) {
    const path = resolvePath(loaded, section.path);
    if (!existsSync(path)) throw new TanhuiError('MissingFile', 'response-function file not found', { context: { file: section.path, key: 'transport.path' } });
    const data = await readResponseFunctions(path);
    const rf = new ResponseFunctionTransport(data);
    if (!rf.grid.equals(grid)) {
      throw new TanhuiError('GridMismatch', `the response functions are on a ${rf.grid.describe()}, the state on a ${grid.describe()}`, { context: { file: section.path, key: 'transport.path' } });
    }
    if (!data.obsNum) throw new TanhuiError('MissingVariable', 'response functions for tanhui run need obs_num (the id of each observation)', { context: { file: section.path, variable: 'obs_num' } });
    const rowOfId = new Map<number, number>();
    data.obsNum.forEach((id, o) => rowOfId.set(id, o));
    const allObs = { nSamples: data.nObs, rowPtr: new Int32Array(data.nObs + 1), step: new Int32Array(0), cell: new Int32Array(0), weight: new Float64Array(0) };

    const simulate = (r: Omit<EnsembleRequest, 'memberFinals' | 'extraFinals'>): EnsembleResult & { finals: Float64Array } => {
      // No 3-D transport: every tracer's final field is its initial field.
      const { flux, initial: finals, K: Kt } = tracerInputs(r);
      const all = rf.forward({ window: r.window, nTracers: Kt, initialMoleFraction: new Float64Array(0), fluxes: { periodSeconds: r.periodSeconds, data: flux }, plan: allObs });
      const nS = r.sampleIds.length;
      const samples = new Float64Array(nS * Kt);
      for (let s = 0; s < nS; s++) {
        const o = rowOfId.get(r.sampleIds[s]!);
        if (o === undefined) throw new TanhuiError('MissingVariable', `observation ${r.sampleIds[s]} has no response function`, { context: { file: section.path, variable: 'obs_num' }, hint: 'the Jacobian must list every observation the run assimilates' });
        samples.set(all.samples.subarray(o * Kt, (o + 1) * Kt), s * Kt);
      }
      return { samples, finals };
    };
    return {
      kind: 'response-functions',
      hasAdjoint: true,
      stepSeconds: rf.stepSeconds,
      nSteps: (w: TransportWindow) => Math.max(1, Math.round((w.endSec - w.startSec) / rf.stepSeconds)),
      samplingContext: (w) => rf.samplingContext(w),
      session: () => ({
        async ensemble(r) {
          const out = simulate(r);
          const Kt = r.N + (r.extras?.length ?? 0);
          const nCell = out.finals.length / Kt;
          if (r.memberFinals) for (let c = 0; c < nCell; c++) for (let k = 0; k < r.N; k++) r.memberFinals[c * r.N + k] = out.finals[c * Kt + k]!;
          let extraFinals: Float64Array | undefined;
          if (r.extraFinals && Kt > r.N) {
            const E = Kt - r.N;
            extraFinals = new Float64Array(nCell * E);
            for (let c = 0; c < nCell; c++) for (let e = 0; e < E; e++) extraFinals[c * E + e] = out.finals[c * Kt + r.N + e]!;
          }
          return { samples: out.samples, extraFinals };
        },
        forward: async (r) => simulate(r),
      }),
    };
  },
};
