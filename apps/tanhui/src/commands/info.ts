// `tanhui info PATH`: the structure of a NetCDF/HDF5/GeoTIFF file or a Zarr store — variables,
// dimensions, shapes, types, units, key attributes and time ranges. Errors (missing, corrupt,
// unsupported) reach main.ts as TanhuiError and are printed as one line.
import type { Command } from 'commander';
import { describeDataset, formatStructure } from '@tanhui/io';

export function registerInfo(program: Command): void {
  program
    .command('info')
    .description('print the variables, dimensions, shapes, units and key attributes of a NetCDF, HDF5, GeoTIFF file or Zarr store')
    .argument('<path>', 'file or Zarr store directory')
    .option('-a, --all', 'print every attribute, not only the key ones')
    .option('--json', 'print the structure as JSON')
    .action(async (file: string, opts: { all?: boolean; json?: boolean }) => {
      const d = await describeDataset(file);
      if (opts.json) process.stdout.write(`${JSON.stringify(d, null, 2)}\n`);
      else process.stdout.write(formatStructure(d, { allAttributes: opts.all }));
    });
}

export { registerInfo as register };
