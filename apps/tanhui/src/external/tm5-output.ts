// Contract (b): the model samples the observations itself. Its per-observation output is the
// flask layout readTm5FlaskOutput reads (flask(obs, member) mol mol⁻¹, obs_num(obs)); its final
// state is restart.nc in the layout of initial.nc (ENnnn(time, lev, lat, lon), double).
import { LatLonGrid, TanhuiError, type HybridLevels } from '@tanhui/core';
import { openDataset } from '@tanhui/io';
import { readTm5FlaskOutput } from '@tanhui/transport';
import { tracerName } from './layout';

/** The model's samples reordered to the request's sample order; ids must match one to one. */
export async function readFlaskSamples(file: string, sampleIds: Float64Array, K: number): Promise<Float64Array> {
  const out = await readTm5FlaskOutput(file);
  if (out.nMembers !== K) {
    throw new TanhuiError('BadShape', `the model wrote ${out.nMembers} tracers per observation, expected ${K} (one per ensemble member and extra tracer)`, { context: { file, variable: 'flask' } });
  }
  const rowOf = new Map<number, number>();
  out.obsNum.forEach((id, o) => {
    if (rowOf.has(id)) throw new TanhuiError('BadValue', `observation id ${id} appears twice in the model output`, { context: { file, variable: 'obs_num', index: o } });
    rowOf.set(id, o);
  });
  const n = sampleIds.length;
  const extra = out.obsNum.length - n;
  const samples = new Float64Array(n * K);
  for (let s = 0; s < n; s++) {
    const o = rowOf.get(sampleIds[s]!);
    if (o === undefined) {
      throw new TanhuiError('BadValue', `the model output lacks observation id ${sampleIds[s]} of the observation input (${out.obsNum.length} ids written, ${n} expected)`, { context: { file, variable: 'obs_num' }, hint: 'obs_num of the output must match obs_input.nc one to one' });
    }
    for (let t = 0; t < K; t++) {
      const v = out.samples[o * K + t]!;
      if (!(Math.abs(v) < 1)) throw new TanhuiError('BadValue', `${tracerName(t)} of observation ${sampleIds[s]} is ${v} (NaN or fill value)`, { context: { file, variable: 'flask', index: [o, t] } });
      samples[s * K + t] = v;
    }
  }
  if (extra !== 0) throw new TanhuiError('BadValue', `the model output has ${out.obsNum.length} observations, the input ${n}`, { context: { file, variable: 'obs_num' }, hint: 'obs_num of the output must match obs_input.nc one to one' });
  return samples;
}

/** ENnnn fields [cell][K] (tanhui layout) of a file in initial.nc's layout. */
export async function readTracerFields(file: string, K: number, grid: LatLonGrid, levels: HybridLevels): Promise<Float64Array> {
  const ds = await openDataset(file);
  try {
    const [lat, lon] = [await ds.read('lat'), await ds.read('lon')];
    const { grid: g, flipLat } = LatLonGrid.fromCenters(lon.data, lat.data, { file });
    if (!g.equals(grid, 1e-6)) throw new TanhuiError('GridMismatch', `the model grid (${g.describe()}) differs from the expected grid (${grid.describe()})`, { context: { file, variable: 'lat/lon' } });
    const nlev = levels.nlev;
    const { nlat, nlon } = grid;
    const a = (await ds.read('hyai')).data as Float64Array;
    const b = (await ds.read('hybi')).data as Float64Array;
    if (a.length !== nlev + 1) throw new TanhuiError('GridMismatch', `the model has ${a.length - 1} levels, expected ${nlev}`, { context: { file, variable: 'hyai' } });
    const flipLev = a[0]! + b[0]! * 1e5 < a[nlev]! + b[nlev]! * 1e5;
    const out = new Float64Array(nlev * nlat * nlon * K);
    for (let t = 0; t < K; t++) {
      const name = tracerName(t);
      if (!ds.hasVariable(name)) throw new TanhuiError('MissingVariable', `the model's final state lacks ${name} (expected ${K} tracers)`, { context: { file, variable: name } });
      const d = (await ds.read(name, { start: [0, 0, 0, 0], count: [1, nlev, nlat, nlon] })).data as Float64Array;
      for (let k = 0; k < nlev; k++) {
        const kf = flipLev ? nlev - 1 - k : k;
        for (let j = 0; j < nlat; j++) {
          const jf = flipLat ? nlat - 1 - j : j;
          for (let i = 0; i < nlon; i++) {
            const v = d[(kf * nlat + jf) * nlon + i]!;
            if (!(Math.abs(v) < 1)) throw new TanhuiError('BadValue', `${name} is ${v} (NaN or fill value) in the final state`, { context: { file, variable: name } });
            out[((k * nlat + j) * nlon + i) * K + t] = v;
          }
        }
      }
    }
    return out;
  } finally {
    ds.close();
  }
}
