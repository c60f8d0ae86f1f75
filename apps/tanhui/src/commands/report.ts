// `tanhui report RUN [--out FILE]`: the run's self-contained HTML report (maps, budgets with σ,
// time series, station fits, validation, provenance) next to the store by default.
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { renderReport } from '@tanhui/analysis';
import { closureFromFile } from './budget';
import { buildRunReport, type RunReport } from '../analysis/report-data';
import { inversionReportData, isInversionStore } from '../analysis/inversion-report';
import { readRunStore } from '../analysis/run-store-reader';
import { parseList, writeTextAtomic } from '../analysis/output';

export interface ReportCommandOptions {
  out?: string;
  holdout?: string;
  includeAssimilated?: boolean;
  closure?: string;
}

/** Default output: report.html in the directory that holds the store (out/demo.zarr → out/report.html). */
export function defaultReportPath(run: string): string {
  return join(dirname(resolve(run)), 'report.html');
}

/** Read the store, render the page, write it atomically; returns where and what was written. */
export async function writeRunReport(run: string, opts: ReportCommandOptions = {}): Promise<{ file: string; report: RunReport; bytes: number }> {
  const closure = opts.closure ? await closureFromFile(opts.closure) : undefined;
  let report: RunReport;
  if (await isInversionStore(run)) {
    // `tanhui invert` stores: budgets and provenance only (no maps or observation table kept).
    report = { data: { ...(await inversionReportData(run)), closure }, validation: { none: 'a synthesis-inversion store keeps no observation table' } };
  } else {
    const data = await readRunStore(run);
    report = buildRunReport(data, { holdoutSites: parseList(opts.holdout), includeAssimilated: opts.includeAssimilated, closure });
  }
  const html = renderReport(report.data);
  const file = opts.out ?? defaultReportPath(run);
  writeTextAtomic(file, html);
  return { file, report, bytes: Buffer.byteLength(html) };
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('self-contained HTML report of a run store: flux maps, budgets ± σ, time series, fits, validation, provenance')
    .argument('<run>', 'run store (e.g. out/demo.zarr) or synthesis-inversion store (tanhui invert: budgets only)')
    .option('--out <file>', 'output HTML file (default: report.html beside the store)')
    .option('--holdout <sites>', 'validate against these sites only (comma-separated)')
    .option('--include-assimilated', 'let assimilated observations into the validation table (a fit, not a validation)')
    .option('--closure <file>', 'add a budget-closure table from this YAML file (as tanhui budget)')
    .action(async (run: string, opts: ReportCommandOptions) => {
      const t0 = performance.now();
      const { file, report, bytes } = await writeRunReport(run, opts);
      const v = 'none' in report.validation ? `no validation table (${report.validation.none})` : `validation: ${report.validation.description}`;
      process.stdout.write(`wrote ${file} (${(bytes / 1024).toFixed(0)} KiB, ${report.data.maps.length} maps, ${report.data.obsFits?.length ?? 0} station fits) in ${((performance.now() - t0) / 1000).toFixed(2)} s\n${v}\n`);
    });
}
