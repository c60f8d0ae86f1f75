// TM5 output: 3-D mole fractions (`mix` [times][levels][latitude][longitude], surface first, with
// hybrid `at`/`bt` at the layer boundaries and `times` in CF units) and the station/flask
// sample output written for CTDAS (`flask` [obs][nmembers], `obs_num`).
import { HybridLevels, LatLonGrid, TanhuiError } from '@tanhui/core';
import { openFile, placeField } from './common';
import { checkUnits, type ModelFields } from './mozart';

export async function readTm5MixingRatio(file: string, variable = 'mix'): Promise<ModelFields> {
  const f = await openFile(file);
  try {
    for (const v of ['latitude', 'longitude', 'at', 'bt', 'times', variable]) {
      if (!f.has(v)) throw new TanhuiError('MissingVariable', `TM5 output lacks ${v}`, { context: { file, variable: v } });
    }
    const [lat, lon, at, bt, times, mix] = await Promise.all(['latitude', 'longitude', 'at', 'bt', 'times', variable].map((v) => f.read(v)));
    const { grid, flipLat } = LatLonGrid.fromCenters(lon!.data, lat!.data, { file });
    const a = at!.data as Float64Array, b = bt!.data as Float64Array;
    const levels = new HybridLevels(a, b);
    const flipLev = a[0]! + b[0]! * 1e5 < a[a.length - 1]! + b[b.length - 1]! * 1e5;
    if (!times!.times) throw new TanhuiError('BadUnits', 'TM5 times need CF time units', { context: { file, variable: 'times' } });
    const nt = times!.times.length;
    const { nlat, nlon } = grid;
    const nlev = levels.nlev;
    if (mix!.shape.join() !== [nt, nlev, nlat, nlon].join()) {
      throw new TanhuiError('BadShape', `${variable} has shape [${mix!.shape}], expected [${nt}, ${nlev}, ${nlat}, ${nlon}]`, { context: { file, variable } });
    }
    checkUnits(mix!.units, file, variable);
    const moleFraction = Array.from({ length: nt }, (_, q) => {
      const out = new Float64Array(nlev * nlat * nlon);
      placeField(mix!.data as Float64Array, q * nlev * nlat * nlon, nlev, nlat, nlon, flipLev, flipLat, out, 1, 0);
      return out;
    });
    let psPa = new Float64Array(0);
    if (f.has('pressure')) {
      const p = await f.read('pressure');
      psPa = new Float64Array(nt * nlat * nlon);
      const surf = flipLev ? nlev : 0;
      for (let q = 0; q < nt; q++) placeField(p.data as Float64Array, (q * (nlev + 1) + surf) * nlat * nlon, 1, nlat, nlon, false, flipLat, psPa.subarray(q * nlat * nlon), 1, 0);
    }
    return { file, grid, levels, timesSec: times!.times, psPa, tracerNames: [variable], nTracers: 1, moleFraction };
  } finally {
    f.close();
  }
}

export interface Tm5FlaskOutput {
  file: string;
  obsNum: Int32Array;
  nMembers: number;
  /** [obs][member] mol mol⁻¹. */
  samples: Float64Array;
}

export async function readTm5FlaskOutput(file: string): Promise<Tm5FlaskOutput> {
  const f = await openFile(file);
  try {
    for (const v of ['flask', 'obs_num']) {
      if (!f.has(v)) throw new TanhuiError('MissingVariable', `TM5 sample output lacks ${v}`, { context: { file, variable: v } });
    }
    const flask = await f.read('flask');
    const obs = await f.read('obs_num');
    checkUnits(flask.units, file, 'flask');
    const nObs = flask.shape[0]!;
    const nMembers = flask.shape.length > 1 ? flask.shape[1]! : 1;
    if ((obs.data as Float64Array).length !== nObs) throw new TanhuiError('BadShape', 'obs_num and flask disagree on the number of observations', { context: { file, variable: 'obs_num' } });
    return { file, obsNum: Int32Array.from(obs.data as Float64Array), nMembers, samples: Float64Array.from(flask.data as Float64Array) };
  } finally {
    f.close();
  }
}
