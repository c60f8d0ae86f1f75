// `tanhui validate RUN [--holdout SITES] [--include-assimilated]`: bias, RMSE, correlation and
// χ²/n of the prior and posterior simulated CO2 against observations the run did not
// assimilate, per site, per category and per latitude band (@tanhui/analysis' validate).
// Two sources: rows of the store's observation table that were sampled but not assimilated
// (../analysis/validation-records.ts), or observation files the run never saw (--against),
// at which the run's prior and posterior are sampled again (../analysis/against.ts).
import type { Command } from 'commander';
import { formatBiasRmse, formatValidationTable, validate, type ValidationGroup } from '@tanhui/analysis';
import { againstRecords } from '../analysis/against';
import { readRunStore } from '../analysis/run-store-reader';
import { validationRecords, type SelectedRecords } from '../analysis/validation-records';
import { parseList } from '../analysis/output';

export interface ValidateCommandOptions {
  holdout?: string;
  includeAssimilated?: boolean;
  against?: string[];
  json?: boolean;
}

export async function validateRun(run: string, opts: ValidateCommandOptions = {}): Promise<{ selection: SelectedRecords; groups: ValidationGroup[] }> {
  if (opts.against && opts.against.length > 0) {
    const a = await againstRecords(run, opts.against, parseList(opts.holdout));
    return { selection: { records: a.records, assimilated: 0, description: a.description }, groups: validate(a.records) };
  }
  const data = await readRunStore(run);
  const selection = validationRecords(data, { holdoutSites: parseList(opts.holdout), includeAssimilated: opts.includeAssimilated });
  return { selection, groups: validate(selection.records) };
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('bias, RMSE, r and χ²/n of prior and posterior CO2 against observations not assimilated (per site, category, latitude band)')
    .argument('<run>', 'run store (e.g. out/demo.zarr)')
    .option('--holdout <sites>', 'only these sites (comma-separated)')
    .option('--include-assimilated', 'also use assimilated observations (then it is a fit, not a validation)')
    .option('--against <files...>', 'observation files (ObsPack, text, …) the run did not assimilate: the run is sampled there again (point observations)')
    .option('--json', 'print the statistics as JSON')
    .action(async (run: string, opts: ValidateCommandOptions) => {
      const { selection, groups } = await validateRun(run, opts);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ selection: selection.description, assimilated: selection.assimilated, groups }, null, 2)}\n`);
        return;
      }
      const all = groups.find((g) => g.kind === 'all')!;
      process.stdout.write(`Validation of ${run}: ${selection.description}\n${formatBiasRmse(all)} ppm (prior → posterior; simulated − observed)\n\n${formatValidationTable(groups)}`);
    });
}
