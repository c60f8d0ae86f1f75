// The files tanhui writes for an external model (docs/external-models.md): per tracer a MOZART-4
// surface emission file, one initial-condition file with every tracer, and (TM5 contract) the
// observation input. All through writeNetcdf3 (atomic), float64 where tanhui's numbers must
// reach the model unchanged.
import { join } from 'node:path';
import { AVOGADRO, type HybridLevels, type LatLonGrid } from '@tanhui/core';
import { writeNetcdf3, type Nc3Variable } from '@tanhui/io';
import type { ObservationTable } from '@tanhui/observations';
import { camDate, emissionFile, INITIAL_FILE, OBS_INPUT_FILE, tracerName } from './layout';

/** mol m⁻² s⁻¹ → molecules cm⁻² s⁻¹ (MOZART's emission unit). */
export const MOLECULES_CM2_PER_MOL_M2 = AVOGADRO * 1e-4;

function gridVars(grid: LatLonGrid): Nc3Variable[] {
  return [
    { name: 'lat', type: 'double', dims: ['lat'], data: grid.latCentersDeg, attrs: { units: 'degrees_north', long_name: 'latitude' } },
    { name: 'lon', type: 'double', dims: ['lon'], data: grid.lonCentersDeg, attrs: { units: 'degrees_east', long_name: 'longitude' } },
  ];
}

function timeVars(timesSec: readonly number[]): Nc3Variable[] {
  const d = timesSec.map(camDate);
  return [
    { name: 'time', type: 'double', dims: ['time'], data: timesSec.map((t) => t / 86400), attrs: { units: 'days since 1970-01-01 00:00:00', calendar: 'gregorian' } },
    { name: 'date', type: 'int', dims: ['time'], data: Int32Array.from(d, (x) => x.date), attrs: { long_name: 'current date (YYYYMMDD)' } },
    { name: 'datesec', type: 'int', dims: ['time'], data: Int32Array.from(d, (x) => x.datesec), attrs: { long_name: 'current seconds of current date', units: 's' } },
  ];
}

export interface EmissionInput {
  grid: LatLonGrid;
  windowStartSec: number;
  periodSeconds: number;
  nPeriods: number;
  /** Fluxes [period][cell][K] mol m⁻² s⁻¹. */
  flux: Float64Array;
  K: number;
  /** 'molecules' (MOZART: molecules cm⁻² s⁻¹) or 'mol' (TM5/CTDAS: mol m⁻² s⁻¹, bit for bit). */
  unit: 'molecules' | 'mol';
}

/**
 * `emissions.ENnnn.surface.nc` for every tracer: CO2(time, lat, lon), one record per flux period
 * starting at the window start plus one more (the last period's flux again, at the window end)
 * so that a model interpolating in time is bracketed. Returns the file names.
 */
export async function writeEmissions(dir: string, e: EmissionInput): Promise<string[]> {
  const { grid, K, nPeriods } = e;
  const ncol = grid.size;
  const nRec = nPeriods + 1;
  const times = Array.from({ length: nRec }, (_, p) => e.windowStartSec + p * e.periodSeconds);
  const factor = e.unit === 'molecules' ? MOLECULES_CM2_PER_MOL_M2 : 1;
  const names: string[] = [];
  for (let t = 0; t < K; t++) {
    const co2 = new Float64Array(nRec * ncol);
    for (let r = 0; r < nRec; r++) {
      const p = Math.min(r, nPeriods - 1);
      for (let c = 0; c < ncol; c++) co2[r * ncol + c] = e.flux[(p * ncol + c) * K + t]! * factor;
    }
    const name = emissionFile(t);
    await writeNetcdf3(join(dir, name), {
      dims: [['time', nRec], ['lat', grid.nlat], ['lon', grid.nlon]],
      attrs: { title: `surface CO2 flux of tracer ${tracerName(t)}`, source: 'tanhui', flux_period_seconds: e.periodSeconds },
      vars: [
        ...timeVars(times),
        ...gridVars(grid),
        {
          name: 'CO2', type: 'double', dims: ['time', 'lat', 'lon'], data: co2,
          attrs: e.unit === 'molecules' ? { units: 'molecules/cm2/s', long_name: 'CO2 surface flux, positive upward' } : { units: 'mol m-2 s-1', long_name: 'CO2 surface flux, positive upward' },
        },
      ],
    });
    names.push(name);
  }
  return names;
}

export interface InitialInput {
  grid: LatLonGrid;
  levels: HybridLevels;
  timeSec: number;
  /** Surface pressure [Pa] at timeSec, [lat][lon]. */
  psPa: Float64Array;
  /** Mole fraction [cell][K] (tanhui layout: level 0 = surface). */
  moleFraction: Float64Array;
  K: number;
  /** Reference pressure of hyam/hyai [Pa]. */
  p0Pa?: number;
}

/**
 * `initial.nc` in MOZART's layout: CO2 and EN001…ENnnn (time, lev, lat, lon) mol mol⁻¹ in
 * double, levels top first as MOZART stores them; PS, hyam/hybm/hyai/hybi (fractions of P0), P0.
 * CO2 is tracer 1's field (the posterior mean of the previous window, as GCAS's Update_iconc).
 */
export async function writeInitial(dir: string, x: InitialInput): Promise<string> {
  const { grid, levels, K } = x;
  const nlev = levels.nlev;
  const ncol = grid.size;
  const p0 = x.p0Pa ?? 1e5;
  // MOZART orders levels top first: file level kf = nlev-1-k.
  const hyai = Float64Array.from({ length: nlev + 1 }, (_, kf) => levels.aHalfPa[nlev - kf]! / p0);
  const hybi = Float64Array.from({ length: nlev + 1 }, (_, kf) => levels.bHalf[nlev - kf]!);
  const hyam = Float64Array.from({ length: nlev }, (_, kf) => 0.5 * (hyai[kf]! + hyai[kf + 1]!));
  const hybm = Float64Array.from({ length: nlev }, (_, kf) => 0.5 * (hybi[kf]! + hybi[kf + 1]!));
  const field = (t: number): Float64Array => {
    const out = new Float64Array(nlev * ncol);
    for (let k = 0; k < nlev; k++) {
      const src = k * ncol;
      const dst = (nlev - 1 - k) * ncol;
      for (let c = 0; c < ncol; c++) out[dst + c] = x.moleFraction[(src + c) * K + t]!;
    }
    return out;
  };
  const dims4 = ['time', 'lev', 'lat', 'lon'];
  const vmr = { units: 'mol/mol' };
  await writeNetcdf3(join(dir, INITIAL_FILE), {
    dims: [['time', 1], ['lev', nlev], ['ilev', nlev + 1], ['lat', grid.nlat], ['lon', grid.nlon]],
    attrs: { title: 'initial condition', source: 'tanhui' },
    vars: [
      ...timeVars([x.timeSec]),
      ...gridVars(grid),
      { name: 'P0', type: 'double', dims: [], data: [p0], attrs: { units: 'Pa' } },
      { name: 'hyai', type: 'double', dims: ['ilev'], data: hyai },
      { name: 'hybi', type: 'double', dims: ['ilev'], data: hybi },
      { name: 'hyam', type: 'double', dims: ['lev'], data: hyam },
      { name: 'hybm', type: 'double', dims: ['lev'], data: hybm },
      { name: 'PS', type: 'double', dims: ['time', 'lat', 'lon'], data: x.psPa, attrs: { units: 'Pa' } },
      { name: 'CO2', type: 'double', dims: dims4, data: field(0), attrs: vmr },
      ...Array.from({ length: K }, (_, t): Nc3Variable => ({ name: tracerName(t), type: 'double', dims: dims4, data: field(t), attrs: vmr })),
    ],
  });
  return INITIAL_FILE;
}

/** Sampling strategies of the observation input (TM5 contract). */
export const STRATEGY_POINT = 1;
export const STRATEGY_COLUMN = 2;

/**
 * `obs_input.nc` (TM5 contract): per observation its number (obs_num) and source id, time, position, altitude and
 * pressure, and its sampling strategy (1 = point, 2 = column); columns also carry the retrieval's
 * pressure levels, pressure weights, averaging kernel, a-priori profile and surface pressure so the
 * model applies the column operator itself (DESIGN.md eq. 5; it returns Σ h a u in mol mol⁻¹).
 */
export async function writeObsInput(dir: string, table: ObservationTable, rows: Int32Array, isColumn: Uint8Array): Promise<string> {
  const n = rows.length;
  const col = table.column;
  const L = col?.nLevels ?? 1;
  const pick = (a: ArrayLike<number>): Float64Array => Float64Array.from(rows, (k) => a[k]!);
  const perLevel = (a: ArrayLike<number> | undefined): Float64Array => {
    const out = new Float64Array(n * L).fill(NaN);
    if (a) rows.forEach((k, s) => { if (isColumn[k]) for (let j = 0; j < L; j++) out[s * L + j] = a[k * L + j]!; });
    return out;
  };
  const vars: Nc3Variable[] = [
    { name: 'obs_num', type: 'int', dims: ['obs'], data: Int32Array.from(rows, (k) => k + 1), attrs: { long_name: "tanhui's observation number (row of the run store's obs dimension + 1); the output's obs_num must match it" } },
    { name: 'obs_id', type: 'double', dims: ['obs'], data: Float64Array.from(rows, (k) => table.id[k]!), attrs: { long_name: 'id of the observation in its source (obspack_num, sounding_id, running number)' } },
    { name: 'time', type: 'double', dims: ['obs'], data: pick(table.timeSec), attrs: { units: 'seconds since 1970-01-01 00:00:00' } },
    { name: 'latitude', type: 'double', dims: ['obs'], data: pick(table.latDeg), attrs: { units: 'degrees_north' } },
    { name: 'longitude', type: 'double', dims: ['obs'], data: pick(table.lonDeg), attrs: { units: 'degrees_east' } },
    { name: 'altitude', type: 'double', dims: ['obs'], data: pick(table.altitudeM), attrs: { units: 'm', comment: 'NaN: use pressure' } },
    { name: 'pressure', type: 'double', dims: ['obs'], data: pick(table.pressureHPa), attrs: { units: 'hPa', comment: 'NaN: use altitude' } },
    { name: 'sampling_strategy', type: 'int', dims: ['obs'], data: Int32Array.from(rows, (k) => (isColumn[k] ? STRATEGY_COLUMN : STRATEGY_POINT)), attrs: { flag_values: new Int32Array([STRATEGY_POINT, STRATEGY_COLUMN]), flag_meanings: 'point column' } },
    { name: 'column_pressure_levels', type: 'double', dims: ['obs', 'level'], data: perLevel(col?.pressureHPa), attrs: { units: 'hPa' } },
    { name: 'column_pressure_weight', type: 'double', dims: ['obs', 'level'], data: perLevel(col?.pressureWeight) },
    { name: 'column_averaging_kernel', type: 'double', dims: ['obs', 'level'], data: perLevel(col?.averagingKernel) },
    { name: 'column_apriori_profile', type: 'double', dims: ['obs', 'level'], data: perLevel(col?.aprioriProfilePpm), attrs: { units: 'ppm' } },
    { name: 'column_apriori_xco2', type: 'double', dims: ['obs'], data: Float64Array.from(rows, (k) => (isColumn[k] && col ? col.aprioriXco2Ppm[k]! : NaN)), attrs: { units: 'ppm' } },
    { name: 'column_surface_pressure', type: 'double', dims: ['obs'], data: Float64Array.from(rows, (k) => (isColumn[k] && col ? col.surfacePressureHPa[k]! : NaN)), attrs: { units: 'hPa' } },
  ];
  await writeNetcdf3(join(dir, OBS_INPUT_FILE), { dims: [['obs', n], ['level', L]], attrs: { title: 'observations to sample', source: 'tanhui' }, vars });
  return OBS_INPUT_FILE;
}
