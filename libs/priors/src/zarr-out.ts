// Flux components as a CF Zarr v2 group (via @tanhui/io), readable by xr.open_zarr:
// coordinates lat, lon (cell centres, with lat_bnds/lon_bnds), time (period centre, seconds
// since 1970-01-01, with time_bnds), one [time, lat, lon] variable per category in
// mol m⁻² s⁻¹, and cell_area [m²]. Main thread only (loaded lazily by writePriorZarr).
import { TanhuiError } from '@tanhui/core';
import { ZarrStore, type ZarrAttrs } from '@tanhui/io';
import type { FluxField } from './flux';

const LONG_NAMES: Record<string, string> = {
  bio: 'terrestrial biosphere CO2 flux (NEE, positive to the atmosphere)',
  ocean: 'ocean CO2 flux',
  fossil: 'fossil fuel CO2 emissions',
  fire: 'fire CO2 emissions',
  other: 'CO2 flux',
};

export async function writePriorZarrImpl(components: readonly FluxField[], path: string, opts: { overwrite?: boolean; attrs?: ZarrAttrs } = {}): Promise<void> {
  if (components.length === 0) throw new TanhuiError('EmptyInput', 'no flux components to write');
  const f0 = components[0]!;
  const { grid } = f0;
  const seen = new Set<string>();
  for (const c of components) {
    if (!c.grid.equals(grid) || c.periodSeconds !== f0.periodSeconds || c.timesSec.length !== f0.timesSec.length || c.timesSec.some((t, k) => t !== f0.timesSec[k])) {
      throw new TanhuiError('GridMismatch', `component ${c.category} has a different grid or time axis than ${f0.category}`, { hint: 'write components with different time axes to separate stores' });
    }
    if (seen.has(c.category)) throw new TanhuiError('InvalidArgument', `two components of category ${c.category}`);
    seen.add(c.category);
  }
  const nt = f0.timesSec.length;
  const store = await ZarrStore.create(path, {
    overwrite: opts.overwrite,
    attrs: { Conventions: 'CF-1.8', title: 'tanhui prior fluxes', ...(opts.attrs ?? {}) },
  });
  const t = Float64Array.from(f0.timesSec, (s) => s + f0.periodSeconds / 2);
  const tb = new Float64Array(nt * 2);
  for (let k = 0; k < nt; k++) {
    tb[2 * k] = f0.timesSec[k]!;
    tb[2 * k + 1] = f0.timesSec[k]! + f0.periodSeconds;
  }
  const bnds = (e: Float64Array): Float64Array => {
    const out = new Float64Array((e.length - 1) * 2);
    for (let k = 0; k < e.length - 1; k++) {
      out[2 * k] = e[k]!;
      out[2 * k + 1] = e[k + 1]!;
    }
    return out;
  };
  await store.writeArray('time', t, { dims: ['time'], attrs: { units: 'seconds since 1970-01-01 00:00:00', calendar: 'standard', standard_name: 'time', bounds: 'time_bnds', axis: 'T' } });
  await store.writeArray('time_bnds', tb, { dims: ['time', 'nv'], shape: [nt, 2], attrs: { units: 'seconds since 1970-01-01 00:00:00', calendar: 'standard' } });
  await store.writeArray('lat', grid.latCentersDeg, { dims: ['lat'], attrs: { units: 'degrees_north', standard_name: 'latitude', bounds: 'lat_bnds', axis: 'Y' } });
  await store.writeArray('lat_bnds', bnds(grid.latEdgesDeg), { dims: ['lat', 'nv'], shape: [grid.nlat, 2], attrs: { units: 'degrees_north' } });
  await store.writeArray('lon', grid.lonCentersDeg, { dims: ['lon'], attrs: { units: 'degrees_east', standard_name: 'longitude', bounds: 'lon_bnds', axis: 'X' } });
  await store.writeArray('lon_bnds', bnds(grid.lonEdgesDeg), { dims: ['lon', 'nv'], shape: [grid.nlon, 2], attrs: { units: 'degrees_east' } });
  await store.writeArray('cell_area', grid.cellAreaM2, { dims: ['lat', 'lon'], shape: [grid.nlat, grid.nlon], attrs: { units: 'm2', standard_name: 'cell_area' } });
  for (const c of components) {
    await store.writeArray(c.category, c.fluxMolM2S, {
      dims: ['time', 'lat', 'lon'],
      shape: [nt, grid.nlat, grid.nlon],
      attrs: {
        units: 'mol m-2 s-1',
        long_name: LONG_NAMES[c.category] ?? 'CO2 flux',
        cell_methods: 'time: mean area: mean',
        coordinates: 'time lat lon',
        ...(c.source ? { source: c.source } : {}),
      },
    });
  }
  await store.consolidate();
}
