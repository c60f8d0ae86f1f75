// Conservative regridding of flux fields to the transport grid with core's area-overlap
// weights: fluxes are intensive, so the target value is the area-weighted mean of the
// overlapping source cells and every total (global, regional on target cells) is preserved.
import { conservativeRegrid, type ConservativeRegrid, type LatLonGrid } from '@tanhui/core';
import type { FluxField } from './flux';

/** Regrid all periods of a flux field; pass `operator` to reuse weights across fields. */
export function regridFlux(f: FluxField, target: LatLonGrid, operator?: ConservativeRegrid): FluxField {
  if (f.grid.equals(target)) return f;
  const op = operator ?? conservativeRegrid(f.grid, target);
  // csrApply handles the stacked [time][cell] layout as consecutive blocks.
  const data = op.apply(f.fluxMolM2S);
  return { ...f, grid: target, fluxMolM2S: data };
}
