// `tanhui prior PATH… [--format auto|beps|ct-flux1x1|gcas|gfed] [--grid 6x4|3x2|1x1]
//  [--regions FILE] [--to OUT.zarr]`: read prior flux files, convert to mol m⁻² s⁻¹, regrid
// conservatively to the transport grid, print global and TransCOM totals in PgC yr⁻¹ and
// optionally write the fluxes as a CF Zarr v2 group.
import type { Command } from 'commander';
import { builtinRegions, conservativeRegrid, LatLonGrid, molSToPgCYr, TanhuiError, type ConservativeRegrid, type GridPreset, type RegionMap } from '@tanhui/core';
import { readRegionMap } from '@tanhui/io';
import {
  concatTime,
  formatPriorBudget,
  meanTotalMolPerSecond,
  PRIOR_FORMATS,
  priorBudget,
  readPriorFile,
  regridFlux,
  writePriorZarr,
  type FluxCategory,
  type FluxField,
  type PriorFormat,
} from '@tanhui/priors';

interface PriorOptions {
  format: string;
  grid: string;
  regions?: string;
  to?: string;
  overwrite?: boolean;
  json?: boolean;
}

const GRIDS: readonly GridPreset[] = ['6x4', '3x2', '1x1'];

export function registerPrior(program: Command): void {
  program
    .command('prior')
    .description('read prior flux files (BEPS NetCDF/GeoTIFF, CarbonTracker flux1x1, GCAS, GFED), regrid them and print global and TransCOM totals')
    .argument('<paths...>', 'prior flux files')
    .option('--format <format>', `file format: auto|${PRIOR_FORMATS.join('|')}`, 'auto')
    .option('--grid <grid>', `transport grid: ${GRIDS.join('|')}`, '3x2')
    .option('--regions <file>', 'region map file (e.g. GCASv2 regions.nc); default: the built-in approximate TransCOM-3 map')
    .option('--to <out.zarr>', 'write the regridded fluxes as a CF Zarr v2 group')
    .option('--overwrite', 'replace an existing store at --to')
    .option('--json', 'print the totals as JSON')
    .action(async (paths: string[], opts: PriorOptions) => {
      if (opts.format !== 'auto' && !PRIOR_FORMATS.includes(opts.format as PriorFormat)) {
        throw new TanhuiError('InvalidArgument', `unknown format '${opts.format}'`, { hint: `use one of auto, ${PRIOR_FORMATS.join(', ')}` });
      }
      if (!GRIDS.includes(opts.grid as GridPreset)) {
        throw new TanhuiError('InvalidArgument', `unknown grid '${opts.grid}'`, { hint: `use one of ${GRIDS.join(', ')}` });
      }
      const out = (s: string): void => {
        if (!opts.json) process.stdout.write(`${s}\n`);
      };
      const target = LatLonGrid.preset(opts.grid as GridPreset);
      const byCategory = new Map<FluxCategory, FluxField[]>();
      const files: Array<{ file: string; format: string; notes: string[] }> = [];
      for (const p of paths) {
        const r = await readPriorFile(p, { format: opts.format as PriorFormat | 'auto' });
        files.push({ file: p, format: r.format, notes: r.notes });
        for (const c of r.components) {
          byCategory.set(c.category, [...(byCategory.get(c.category) ?? []), c]);
          out(`${p} (${r.format}): ${c.category} on ${c.grid.describe()}, ${c.timesSec.length} × ${c.periodSeconds} s from ${new Date(c.timesSec[0]! * 1000).toISOString()}`);
        }
        for (const n of r.notes) out(`  note: ${n}`);
      }
      const operators = new Map<string, ConservativeRegrid>();
      const regridded: FluxField[] = [];
      const conservation: Array<{ category: string; sourcePgCYr: number; targetPgCYr: number }> = [];
      for (const [category, fields] of byCategory) {
        const joined = concatTime(fields);
        const key = `${Array.from(joined.grid.lonEdgesDeg).join(',')}|${Array.from(joined.grid.latEdgesDeg).join(',')}`;
        let op = operators.get(key);
        if (!op && !joined.grid.equals(target)) {
          op = conservativeRegrid(joined.grid, target);
          operators.set(key, op);
        }
        const r = regridFlux(joined, target, op);
        regridded.push(r);
        conservation.push({ category, sourcePgCYr: molSToPgCYr(meanTotalMolPerSecond(joined)), targetPgCYr: molSToPgCYr(meanTotalMolPerSecond(r)) });
      }
      let regions: RegionMap;
      let regionSource: string;
      if (opts.regions) {
        regions = await readRegionMap(opts.regions);
        regionSource = opts.regions;
      } else {
        regions = builtinRegions(target).transcom;
        regionSource = 'built-in approximate TransCOM-3 map (Natural Earth 110m; not the official map)';
      }
      const budget = priorBudget(regridded, regions);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ grid: opts.grid, regions: regionSource, files, conservation, budget }, null, 2)}\n`);
      } else {
        out(`regridded conservatively to ${target.describe()} (${opts.grid}); global time-mean totals, PgC/yr, source → target:`);
        for (const c of conservation) out(`  ${c.category.padEnd(7)} ${c.sourcePgCYr.toFixed(6)} → ${c.targetPgCYr.toFixed(6)}`);
        out(`regions: ${regionSource}`);
        out(formatPriorBudget(budget));
      }
      if (opts.to) {
        await writePriorZarr(regridded, opts.to, { overwrite: opts.overwrite, attrs: { source_files: paths, grid: opts.grid } });
        out(`wrote ${regridded.map((c) => c.category).join(', ')} to ${opts.to}`);
      }
    });
}

export { registerPrior as register };
