// CarbonTracker's flux1x1 layout (CT2019…CT2022 and CTDAS' standard variables): one file per
// period, `date` (days since 2000-01-01, the period's middle), `decimal_date`, `date_components`,
// latitude/longitude centres and bounds on 1°×1°, `cell_area`, and bio_flux_opt, ocn_flux_opt,
// fossil_flux_imp, fire_flux_imp, bio_flux_prior, ocn_flux_prior in mol m⁻² s⁻¹ (positive to the
// atmosphere). The store's maps are regridded conservatively; doubles keep global totals exact.
import { join } from 'node:path';
import { writeNetcdf3, type Nc3Variable } from '@tanhui/io';
import type { RunStoreData, StoreComponent } from '../analysis/run-store-reader';
import { dateComponents, DAY_S, decimalDate, EPOCH_2000_S, grid1x1, periodsOf, Regridder } from './common';

/** CarbonTracker variable ← store map (posterior or prior) of a component. */
export const CT_VARIABLES: readonly { name: string; component: StoreComponent; which: 'posterior' | 'prior'; longName: string }[] = [
  { name: 'bio_flux_opt', component: 'bio', which: 'posterior', longName: 'Surface flux of carbon dioxide, terrestrial biosphere, optimized' },
  { name: 'ocn_flux_opt', component: 'ocean', which: 'posterior', longName: 'Surface flux of carbon dioxide, open ocean, optimized' },
  { name: 'fossil_flux_imp', component: 'fossil', which: 'posterior', longName: 'Surface flux of carbon dioxide, fossil fuel burning, imposed' },
  { name: 'fire_flux_imp', component: 'fire', which: 'posterior', longName: 'Surface flux of carbon dioxide, biomass burning, imposed' },
  { name: 'bio_flux_prior', component: 'bio', which: 'prior', longName: 'Surface flux of carbon dioxide, terrestrial vegetation, not optimized' },
  { name: 'ocn_flux_prior', component: 'ocean', which: 'prior', longName: 'Surface flux of carbon dioxide, open ocean, not optimized' },
];

/** Centres and [n][2] bounds of a grid axis from its edges. */
export function axisOf(edges: Float64Array): { centres: Float64Array; bounds: Float64Array } {
  const n = edges.length - 1;
  const centres = Float64Array.from({ length: n }, (_, i) => (edges[i]! + edges[i + 1]!) / 2);
  const bounds = Float64Array.from({ length: 2 * n }, (_, k) => edges[(k >> 1) + (k & 1)]!);
  return { centres, bounds };
}

export async function exportCtFlux1x1(run: RunStoreData, outDir: string, prefix: string): Promise<string[]> {
  const g = grid1x1();
  const rg = new Regridder(run.grid, g);
  const lat = axisOf(g.latEdgesDeg);
  const lon = axisOf(g.lonEdgesDeg);
  const area = Float64Array.from(g.cellAreaM2);
  const files: string[] = [];
  for (const [w, p] of periodsOf(run).entries()) {
    const fluxVars: Nc3Variable[] = CT_VARIABLES.map((v) => ({
      name: v.name,
      type: 'double',
      dims: ['date', 'latitude', 'longitude'],
      data: rg.flux((v.which === 'posterior' ? run.fluxPosterior : run.fluxPrior)[v.component][w]!),
      attrs: { units: 'mol m-2 s-1', long_name: v.longName, standard_name: 'surface_upward_mole_flux_of_carbon_dioxide', comment: 'time-interval average, centered on times in the date axis; positive to the atmosphere', cell_methods: 'date: mean' },
    }));
    const file = join(outDir, `${prefix}.flux1x1.${p.stamp}.nc`);
    await writeNetcdf3(file, {
      dims: [['date', 1], ['latitude', g.nlat], ['longitude', g.nlon], ['nv', 2], ['calendar_components', 6]],
      attrs: {
        Conventions: 'CF-1.8',
        title: `tanhui posterior fluxes in CarbonTracker flux1x1 layout, ${new Date(p.startSec * 1000).toISOString().slice(0, 10)} to ${new Date(p.endSec * 1000).toISOString().slice(0, 10)}`,
        source: run.path,
        history: 'tanhui export --format ct-flux1x1 (conservative regrid to 1x1 degree)',
        averaging_period_days: (p.endSec - p.startSec) / DAY_S,
      },
      vars: [
        { name: 'date', type: 'double', dims: ['date'], data: [(p.midSec - EPOCH_2000_S) / DAY_S], attrs: { units: 'days since 2000-01-01 00:00:00 UTC', long_name: 'UTC dates and times', standard_name: 'time', calendar: 'standard', bounds: 'date_bounds', comment: 'time-interval average, centered on times in the date axis' } },
        { name: 'date_bounds', type: 'double', dims: ['date', 'nv'], data: [(p.startSec - EPOCH_2000_S) / DAY_S, (p.endSec - EPOCH_2000_S) / DAY_S], attrs: { units: 'days since 2000-01-01 00:00:00 UTC', calendar: 'standard' } },
        { name: 'decimal_date', type: 'double', dims: ['date'], data: [decimalDate(p.midSec)], attrs: { units: 'years', long_name: 'dates and times' } },
        { name: 'date_components', type: 'int', dims: ['date', 'calendar_components'], data: Int32Array.from(dateComponents(p.midSec)), attrs: { units: 'yyyy MM dd hh mm ss', long_name: 'integer components of date and time', standard_name: 'calendar_components' } },
        { name: 'latitude', type: 'double', dims: ['latitude'], data: lat.centres, attrs: { units: 'degrees_north', long_name: 'latitude', standard_name: 'latitude', comment: 'center of interval', bounds: 'latitude_bounds' } },
        { name: 'latitude_bounds', type: 'double', dims: ['latitude', 'nv'], data: lat.bounds, attrs: { units: 'degrees_north' } },
        { name: 'longitude', type: 'double', dims: ['longitude'], data: lon.centres, attrs: { units: 'degrees_east', long_name: 'longitude', standard_name: 'longitude', comment: 'center of interval', bounds: 'longitude_bounds' } },
        { name: 'longitude_bounds', type: 'double', dims: ['longitude', 'nv'], data: lon.bounds, attrs: { units: 'degrees_east' } },
        { name: 'cell_area', type: 'double', dims: ['latitude', 'longitude'], data: area, attrs: { units: 'm2', long_name: 'area of grid cell', standard_name: 'cell_area' } },
        ...fluxVars,
      ],
    });
    files.push(file);
  }
  return files;
}
