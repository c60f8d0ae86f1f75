// `tanhui export STORE --format F [--out DIR]`: the run store's posterior in the formats users
// open in their own tools (see docs/outputs.md). The store is read through the one run-store
// reader (complete windows only); every file is written atomically.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { TanhuiError } from '@tanhui/core';
import { readRunStore } from '../analysis/run-store-reader';
import { EXPORT_FORMATS, type ExportFormat } from '../export/index';

export interface ExportOptions {
  format: string;
  out?: string;
  prefix?: string;
}

/** Export a run store; returns the files written. */
export async function exportStore(storePath: string, opts: ExportOptions): Promise<string[]> {
  const names = Object.keys(EXPORT_FORMATS);
  if (!names.includes(opts.format)) {
    throw new TanhuiError('InvalidArgument', `unknown export format '${opts.format}' (known: ${names.join(', ')})`, { context: { key: '--format' } });
  }
  if (!existsSync(storePath)) throw new TanhuiError('MissingFile', 'run store not found', { context: { file: storePath } });
  const outDir = opts.out ?? '.';
  if (existsSync(outDir) && !statSync(outDir).isDirectory()) throw new TanhuiError('InvalidArgument', 'the output path exists and is not a directory', { context: { file: outDir, key: '--out' } });
  const run = await readRunStore(storePath);
  mkdirSync(outDir, { recursive: true });
  const prefix = opts.prefix ?? basename(storePath.replace(/\/+$/, '')).replace(/\.zarr$/, '');
  return EXPORT_FORMATS[opts.format as ExportFormat].write(run, outDir, prefix);
}

export function registerExport(program: Command): void {
  const formats = Object.entries(EXPORT_FORMATS).map(([k, v]) => `  ${k.padEnd(11)} ${v.describe}`).join('\n');
  program
    .command('export')
    .description('write a run store as NetCDF, CarbonTracker flux1x1, GCAS posterior fluxes, GeoTIFF or CSV')
    .argument('<store>', 'run store (Zarr) written by tanhui run / demo')
    .requiredOption('--format <format>', `one of ${Object.keys(EXPORT_FORMATS).join(', ')}`)
    .option('--out <dir>', 'output directory (created if missing)', '.')
    .option('--prefix <name>', 'file name prefix (default: the store name without .zarr)')
    .addHelpText('after', `\nFormats:\n${formats}\n\nExample: tanhui export out/demo.zarr --format ct-flux1x1 --out out/ct\nSee docs/outputs.md.`)
    .action(async (store: string, opts: ExportOptions) => {
      const files = await exportStore(store, opts);
      process.stdout.write(`${files.length} file${files.length === 1 ? '' : 's'} written to ${opts.out ?? '.'}\n`);
    });
}
