// The external model's own grid (transport.gridFile: a grid file or an h0 file with lat/lon,
// and optionally hyai/hybi): when it differs from tanhui's grid, emissions and initial fields are
// remapped conservatively to it (area × flux kept per flux period), the observation operators
// sample on it (surface pressure: tanhui's met, area-averaged onto it), and final fields come back
// conservatively. The vertical levels must be tanhui's.
import { existsSync } from 'node:fs';
import { conservativeRegrid, LatLonGrid, TanhuiError, type ConservativeRegrid, type HybridLevels } from '@tanhui/core';
import { openDataset } from '@tanhui/io';
import type { SamplingContext, TransportWindow } from '@tanhui/transport';

export interface ModelGrid {
  grid: LatLonGrid;
  /** tanhui grid → model grid, and back; undefined when the grids are the same. */
  toModel?: ConservativeRegrid;
  fromModel?: ConservativeRegrid;
  samplingContext(window: TransportWindow): SamplingContext;
}

export async function modelGridOf(gridFile: string | undefined, key: string, grid: LatLonGrid, levels: HybridLevels, tanhuiContext: (w: TransportWindow) => SamplingContext): Promise<ModelGrid> {
  if (gridFile === undefined) return { grid, samplingContext: tanhuiContext };
  if (!existsSync(gridFile)) throw new TanhuiError('MissingFile', 'model grid file not found', { context: { file: gridFile, key } });
  const ds = await openDataset(gridFile);
  let model: LatLonGrid;
  try {
    for (const v of ['lat', 'lon']) if (!ds.hasVariable(v)) throw new TanhuiError('MissingVariable', `the model grid file lacks ${v}`, { context: { file: gridFile, variable: v, key } });
    const lat = await ds.read('lat');
    const lon = await ds.read('lon');
    model = LatLonGrid.fromCenters(lon.data, lat.data, { file: gridFile }).grid;
    if (ds.hasVariable('hyai')) {
      const n = (await ds.read('hyai')).data.length - 1;
      if (n !== levels.nlev) throw new TanhuiError('GridMismatch', `the model has ${n} levels, tanhui's grid ${levels.nlev} (vertical remapping is not supported)`, { context: { file: gridFile, variable: 'hyai', key } });
    }
  } finally {
    ds.close();
  }
  if (model.equals(grid, 1e-6)) return { grid, samplingContext: tanhuiContext };
  const toModel = conservativeRegrid(grid, model);
  const fromModel = conservativeRegrid(model, grid);
  return {
    grid: model,
    toModel,
    fromModel,
    samplingContext(w) {
      const c = tanhuiContext(w);
      const cache = new Map<number, Float64Array>();
      return {
        grid: model, levels, windowStartSec: c.windowStartSec, stepSeconds: c.stepSeconds, nSteps: c.nSteps,
        surfacePressurePa(n) {
          let ps = cache.get(n);
          if (!ps) cache.set(n, (ps = toModel.apply(c.surfacePressurePa(n))));
          return ps;
        },
      };
    },
  };
}
