// Precomputed response functions (the Jacobian of the observations with respect to
// region × period basis fluxes, as computed once by TM5 or any model) applied behind the
// TransportModel interface. Basis b is a flux of 1 mol m⁻² s⁻¹ uniform over region r_b during
// [start_b, end_b); a gridded flux is projected onto it by its area- and time-mean over that
// region and period, so sample = Σ_b J[o][b] · mean flux_b. The adjoint is the exact transpose.
// Initial-field responses are not part of response functions: the initial sensitivity is zero
// and no 3-D final field is produced (finalMoleFraction is empty).
import { HybridLevels, LatLonGrid, TanhuiError } from '@tanhui/core';
import {
  fluxPeriodCount,
  type AdjointInput,
  type AdjointOutput,
  type ForwardInput,
  type ForwardOutput,
  type SamplingContext,
  type TransportModel,
  type TransportWindow,
} from '../transport-model';
import { singleLayer } from '../met/analytic';

export interface ResponseFunctionData {
  nObs: number;
  nBasis: number;
  /** [obs][basis] mol mol⁻¹ per (mol m⁻² s⁻¹). */
  jacobian: Float64Array;
  basisRegion: Int32Array;
  basisStartSec: Float64Array;
  basisEndSec: Float64Array;
  /** Region of each grid cell (−1 = none), [lat][lon] south→north. */
  regionMap: Int32Array;
  lonEdgesDeg: Float64Array;
  latEdgesDeg: Float64Array;
  obsNum?: Int32Array;
}

export class ResponseFunctionTransport implements TransportModel {
  readonly grid: LatLonGrid;
  readonly levels: HybridLevels;
  /** Nominal step (the response functions have no time step of their own). */
  readonly stepSeconds: number;
  private readonly regionArea: Float64Array;

  constructor(readonly data: ResponseFunctionData, options: { stepSeconds?: number; levels?: HybridLevels } = {}) {
    this.grid = new LatLonGrid(data.lonEdgesDeg, data.latEdgesDeg);
    this.levels = options.levels ?? singleLayer();
    this.stepSeconds = options.stepSeconds ?? 3600;
    const { nObs, nBasis } = data;
    if (data.jacobian.length !== nObs * nBasis) throw new TanhuiError('BadShape', `jacobian has ${data.jacobian.length} values, expected ${nObs}×${nBasis}`, { context: { variable: 'jacobian' } });
    for (const [name, a] of [['basis_region', data.basisRegion], ['basis_start', data.basisStartSec], ['basis_end', data.basisEndSec]] as const) {
      if (a.length !== nBasis) throw new TanhuiError('BadShape', `${name} has ${a.length} values, expected ${nBasis}`, { context: { variable: name } });
    }
    if (data.regionMap.length !== this.grid.size) throw new TanhuiError('BadShape', 'region_map does not match lat/lon', { context: { variable: 'region_map' } });
    let nRegions = 0;
    for (const r of data.regionMap) nRegions = Math.max(nRegions, r + 1);
    for (const r of data.basisRegion) nRegions = Math.max(nRegions, r + 1);
    this.regionArea = new Float64Array(nRegions);
    for (let c = 0; c < this.grid.size; c++) if (data.regionMap[c]! >= 0) this.regionArea[data.regionMap[c]!] += this.grid.cellAreaM2[c]!;
    for (let b = 0; b < nBasis; b++) {
      if (!(this.regionArea[data.basisRegion[b]!]! > 0)) throw new TanhuiError('BadValue', `basis ${b} refers to region ${data.basisRegion[b]} with no cells`, { context: { index: b } });
      if (!(data.basisEndSec[b]! > data.basisStartSec[b]!)) throw new TanhuiError('BadValue', `basis ${b} has an empty period`, { context: { index: b } });
    }
  }

  samplingContext(window: TransportWindow): SamplingContext {
    const nSteps = Math.max(1, Math.round((window.endSec - window.startSec) / this.stepSeconds));
    const ps = new Float64Array(this.grid.size).fill(101325);
    return { grid: this.grid, levels: this.levels, windowStartSec: window.startSec, stepSeconds: this.stepSeconds, nSteps, surfacePressurePa: () => ps };
  }

  /** Weight of flux period p of the window for basis b: overlap seconds / basis duration. */
  private overlap(window: TransportWindow, period: number, nPeriods: number, p: number, b: number): number {
    const s = window.startSec + p * period;
    const e = p === nPeriods - 1 ? window.endSec : Math.min(window.endSec, s + period);
    const lo = Math.max(s, this.data.basisStartSec[b]!);
    const hi = Math.min(e, this.data.basisEndSec[b]!);
    return hi > lo ? (hi - lo) / (this.data.basisEndSec[b]! - this.data.basisStartSec[b]!) : 0;
  }

  private checkPlan(nSamples: number): void {
    if (nSamples !== this.data.nObs) {
      throw new TanhuiError('BadShape', `response functions describe ${this.data.nObs} observations, the plan has ${nSamples}`, {
        hint: 'the plan of a ResponseFunctionTransport must list the observations in the order of the response-function file',
      });
    }
  }

  forward(input: ForwardInput): ForwardOutput {
    const K = input.nTracers;
    const { nObs, nBasis, jacobian, basisRegion, regionMap } = this.data;
    const ncol = this.grid.size;
    if (input.plan) this.checkPlan(input.plan.nSamples);
    if (input.finalInto?.some((d) => d.count > 0)) {
      throw new TanhuiError('NotImplemented', 'response functions give samples only, no final fields (finalInto)', { hint: 'use the built-in transport model for final fields' });
    }
    const period = input.fluxes.periodSeconds;
    const nPeriods = fluxPeriodCount(input.window, period);
    if (input.fluxes.data.length !== nPeriods * ncol * K) throw new TanhuiError('BadShape', `fluxes.data must have ${nPeriods * ncol * K} values`, { context: { variable: 'fluxes.data' } });
    const coef = new Float64Array(nBasis * K);
    for (let b = 0; b < nBasis; b++) {
      const r = basisRegion[b]!;
      const inv = 1 / this.regionArea[r]!;
      for (let p = 0; p < nPeriods; p++) {
        const w = this.overlap(input.window, period, nPeriods, p, b) * inv;
        if (w === 0) continue;
        for (let c = 0; c < ncol; c++) {
          if (regionMap[c] !== r) continue;
          const f = w * this.grid.cellAreaM2[c]!;
          const off = (p * ncol + c) * K;
          for (let t = 0; t < K; t++) coef[b * K + t] += f * input.fluxes.data[off + t]!;
        }
      }
    }
    const samples = new Float64Array(input.plan ? nObs * K : 0);
    if (input.plan) {
      for (let o = 0; o < nObs; o++) for (let b = 0; b < nBasis; b++) {
        const j = jacobian[o * nBasis + b]!;
        for (let t = 0; t < K; t++) samples[o * K + t] += j * coef[b * K + t]!;
      }
    }
    return { finalMoleFraction: new Float64Array(0), samples };
  }

  adjoint(input: AdjointInput): AdjointOutput {
    const K = input.nTracers;
    const { nObs, nBasis, jacobian, basisRegion, regionMap } = this.data;
    const ncol = this.grid.size;
    this.checkPlan(input.plan.nSamples);
    const period = input.fluxPeriodSeconds ?? input.window.endSec - input.window.startSec;
    const nPeriods = fluxPeriodCount(input.window, period);
    const coefSens = new Float64Array(nBasis * K);
    for (let o = 0; o < nObs; o++) for (let b = 0; b < nBasis; b++) {
      const j = jacobian[o * nBasis + b]!;
      for (let t = 0; t < K; t++) coefSens[b * K + t] += j * input.sampleSensitivity[o * K + t]!;
    }
    const fluxSensitivity = new Float64Array(nPeriods * ncol * K);
    for (let b = 0; b < nBasis; b++) {
      const r = basisRegion[b]!;
      const inv = 1 / this.regionArea[r]!;
      for (let p = 0; p < nPeriods; p++) {
        const w = this.overlap(input.window, period, nPeriods, p, b) * inv;
        if (w === 0) continue;
        for (let c = 0; c < ncol; c++) {
          if (regionMap[c] !== r) continue;
          const f = w * this.grid.cellAreaM2[c]!;
          const off = (p * ncol + c) * K;
          for (let t = 0; t < K; t++) fluxSensitivity[off + t] += f * coefSens[b * K + t]!;
        }
      }
    }
    return { fluxSensitivity, initialSensitivity: new Float64Array(this.grid.size * this.levels.nlev * K) };
  }
}

/**
 * Read response functions from NetCDF (gdal-async) or a Zarr v2 store: jacobian(obs, basis),
 * basis_region(basis), basis_start/basis_end(basis) [s since 1970], region_map(lat, lon), lat, lon,
 * optional obs_num(obs). Main thread only.
 */
export async function readResponseFunctions(path: string): Promise<ResponseFunctionData> {
  const io = await import('@tanhui/io');
  const names = ['jacobian', 'basis_region', 'basis_start', 'basis_end', 'region_map', 'lat', 'lon'];
  const get: Record<string, { data: ArrayLike<number>; shape: number[] }> = {};
  const isZarr = /\.zarr\/?$/.test(path);
  if (isZarr) {
    const store = await io.ZarrStore.open(path);
    for (const n of [...names, 'obs_num']) {
      if (!store.hasArray(n)) {
        if (n === 'obs_num') continue;
        throw new TanhuiError('MissingVariable', `response-function store lacks ${n}`, { context: { file: path, variable: n } });
      }
      const a = await store.readArray(n);
      get[n] = { data: a.data as ArrayLike<number>, shape: a.shape };
    }
  } else {
    const ds = await io.openDataset(path);
    try {
      for (const n of [...names, 'obs_num']) {
        if (!ds.hasVariable(n)) {
          if (n === 'obs_num') continue;
          throw new TanhuiError('MissingVariable', `response-function file lacks ${n}`, { context: { file: path, variable: n } });
        }
        const v = await ds.read(n, { decodeTimes: false });
        get[n] = { data: v.data as ArrayLike<number>, shape: v.shape };
      }
    } finally {
      ds.close();
    }
  }
  const jac = get.jacobian!;
  if (jac.shape.length !== 2) throw new TanhuiError('BadShape', 'jacobian must be 2-D (obs, basis)', { context: { file: path, variable: 'jacobian' } });
  const { grid, flipLat: flip } = LatLonGrid.fromCenters(get.lon!.data, get.lat!.data, { file: path });
  const { nlat, nlon } = grid;
  const rm = Int32Array.from(get.region_map!.data);
  const regionMap = new Int32Array(nlat * nlon);
  for (let j = 0; j < nlat; j++) for (let i = 0; i < nlon; i++) regionMap[j * nlon + i] = rm[(flip ? nlat - 1 - j : j) * nlon + i]!;
  return {
    nObs: jac.shape[0]!,
    nBasis: jac.shape[1]!,
    jacobian: Float64Array.from(jac.data),
    basisRegion: Int32Array.from(get.basis_region!.data),
    basisStartSec: Float64Array.from(get.basis_start!.data),
    basisEndSec: Float64Array.from(get.basis_end!.data),
    regionMap,
    lonEdgesDeg: grid.lonEdgesDeg,
    latEdgesDeg: grid.latEdgesDeg,
    ...(get.obs_num ? { obsNum: Int32Array.from(get.obs_num.data) } : {}),
  };
}
