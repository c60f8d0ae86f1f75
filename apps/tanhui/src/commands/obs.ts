// `tanhui obs PATH… [--format …] [--sites RC] [--to OUT.zarr]`: read observation files (format
// detected from content with `auto`), apply QC and model-data-mismatch classes, print a summary
// (counts by kind and site, time and value ranges, QC failures and why) and optionally write the
// canonical table as a Zarr v2 group.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { TanhuiError } from '@tanhui/core';
import {
  obsFormats,
  applyQc,
  concatTables,
  formatSummary,
  parseCtSiteTable,
  readObservationFile,
  summarize,
  writeObservationZarr,
  type ObsFormat,
} from '@tanhui/observations';

interface ObsOptions {
  format: string;
  to?: string;
  sites?: string;
  overwrite?: boolean;
  json?: boolean;
}

export function registerObs(program: Command): void {
  program
    .command('obs')
    .description('read observation files (ObsPack, GLOBALVIEW/GCAS/NOAA text, OCO-2/ACOS Lite, GCAS OCO-2, TCCON), print a QC summary, optionally write them as Zarr')
    .argument('<paths...>', 'observation files')
    .option('--format <format>', `file format: ${obsFormats().join('|')}`, 'auto')
    .option('--sites <rc>', 'CarbonTracker sites_and_weights .rc file for model-data mismatch classes')
    .option('--to <out.zarr>', 'write the canonical observation table as a Zarr v2 group')
    .option('--overwrite', 'replace an existing store at --to')
    .option('--json', 'print the summary as JSON')
    .action(async (paths: string[], opts: ObsOptions) => {
      if (!obsFormats().includes(opts.format)) {
        throw new TanhuiError('InvalidArgument', `unknown format '${opts.format}'`, { hint: `use one of ${obsFormats().join(', ')}` });
      }
      const siteTable = opts.sites ? parseCtSiteTable(await readFile(opts.sites, 'utf8'), opts.sites) : undefined;
      const tables = [];
      for (const p of paths) {
        const r = await readObservationFile(p, opts.format as ObsFormat);
        applyQc(r.table, { siteTable });
        if (!opts.json && paths.length > 1) process.stdout.write(`${p} (${r.format}): ${r.table.n} observations\n`);
        tables.push(r.table);
      }
      const all = concatTables(tables);
      const s = summarize(all);
      if (opts.json) process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
      else process.stdout.write(`${formatSummary(s)}\n`);
      if (opts.to) {
        await writeObservationZarr(all, opts.to, { overwrite: opts.overwrite, attrs: { source_files: paths } });
        if (!opts.json) process.stdout.write(`wrote ${all.n} observations to ${opts.to}\n`);
      }
    });
}

export { registerObs as register };
