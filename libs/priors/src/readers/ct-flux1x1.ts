// CarbonTracker `flux1x1` files (CT2010 … CT2022, CT-NRT): `bio_flux_opt`, `ocn_flux_opt`,
// `fossil_flux_imp` (CT2010: `fossil_imp`), `fire_flux_imp` on date × latitude × longitude
// (older files: lat/lon), units from the attributes (mol m⁻² s⁻¹ in every release), `date` in
// CF days since 2000-01-01 at the MIDDLE of each averaging window (CarbonTracker documents the
// mid-point), so period starts are date − period/2. A single-date file must be a daily mean
// (date at 12:00). `cell_area` is read to cross-check the grid orientation.
import { TanhuiError } from '@tanhui/core';
import type { FluxCategory, FluxField } from '../flux';
import { assertNonEmptyFile, expectShape, firstVariable, gridFromCentres, openDataset, orientFlux, periodStartsFromStamps, spacingOf, unitFactorOf } from './common';
import type { PriorFile, PriorReadOptions } from './types';

const COMPONENTS: ReadonlyArray<[FluxCategory, readonly string[]]> = [
  ['bio', ['bio_flux_opt']],
  ['ocean', ['ocn_flux_opt']],
  ['fossil', ['fossil_flux_imp', 'fossil_imp']],
  ['fire', ['fire_flux_imp']],
];

export async function readCtFlux1x1(file: string, opts: PriorReadOptions = {}): Promise<PriorFile> {
  assertNonEmptyFile(file);
  const ds = await openDataset(file);
  try {
    const notes: string[] = [];
    const names = COMPONENTS.map(([, cands]) => firstVariable(ds, cands, cands[0]!));
    const latName = firstVariable(ds, ['latitude', 'lat'], 'latitude');
    const lonName = firstVariable(ds, ['longitude', 'lon'], 'longitude');
    const { grid, flipLat } = gridFromCentres((await ds.read(latName)).data, (await ds.read(lonName)).data, file, latName, lonName);
    const dateName = firstVariable(ds, ['date', 'time'], 'date');
    const dv = await ds.read(dateName);
    if (!dv.times) throw new TanhuiError('BadUnits', 'date has no CF time units', { context: { file, variable: dateName } });
    const nt = dv.times.length;
    if (nt === 0) throw new TanhuiError('EmptyInput', 'file has no dates', { context: { file, variable: dateName } });
    let period: number;
    if (nt >= 2) period = spacingOf(dv.times);
    else if (Math.abs((((dv.times[0]! % 86400) + 86400) % 86400) - 43200) < 1) period = 86400;
    else if (opts.periodSeconds) period = opts.periodSeconds;
    else throw new TanhuiError('BadValue', 'one date not at 12:00 UTC: the averaging period is unknown', { context: { file, variable: dateName }, hint: 'pass periodSeconds' });
    periodStartsFromStamps(dv.times, period, file, dateName); // checks even spacing
    // Mid-points → starts, always (not via the phase heuristic).
    const starts = Float64Array.from(dv.times, (t) => t - period / 2);
    notes.push('CarbonTracker dates are window mid-points — shifted to period starts');
    const components: FluxField[] = [];
    for (let k = 0; k < COMPONENTS.length; k++) {
      const name = names[k]!;
      const info = ds.variable(name);
      const factor = unitFactorOf(info, file, name);
      const v = await ds.read(name);
      const ntv = expectShape(v, grid.nlat, grid.nlon);
      if (ntv !== nt) throw new TanhuiError('BadShape', `${name} has ${ntv} time steps, date has ${nt}`, { context: { file, variable: name } });
      const flux = orientFlux(v.data, nt, grid.nlat, grid.nlon, flipLat, factor, { file, variable: name, missingAsZero: opts.missingAsZero });
      components.push({ category: COMPONENTS[k]![0], grid, timesSec: starts, periodSeconds: period, fluxMolM2S: flux, source: `${file}:${name}` });
    }
    if (ds.hasVariable('cell_area')) {
      const a = await ds.read('cell_area');
      const j0 = flipLat ? grid.nlat - 1 : 0;
      const want = grid.cellAreaM2[0]!;
      // Polar cells differ from equatorial ones by ~100×: a flipped or transposed file shows here.
      const got = Number(a.data[0]);
      if (a.data.length === grid.size && Math.abs(got - grid.cellAreaM2[j0 * grid.nlon]!) > 0.01 * want && Math.abs(got - want) > 0.01 * want) {
        throw new TanhuiError('BadValue', `cell_area[0] = ${got} m² does not match the grid (${want} m²)`, { context: { file, variable: 'cell_area', index: 0 } });
      }
    }
    return { file, format: 'ct-flux1x1', components, notes };
  } finally {
    ds.close();
  }
}
