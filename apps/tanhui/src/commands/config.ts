// `tanhui config --schema` and `tanhui config --print CONFIG`.
import type { Command } from 'commander';
import { TanhuiError } from '@tanhui/core';
import { configJsonSchema } from '../config/schema';
import { configToYaml, loadConfig } from '../config/load';

export function registerConfig(program: Command): void {
  program
    .command('config')
    .description('print the JSON schema of run configurations, or the effective config of a file')
    .option('--schema', 'print the JSON schema')
    .option('--print <config>', 'print the effective configuration (defaults filled in) as YAML')
    .action(async (opts: { schema?: boolean; print?: string }) => {
      if (opts.schema) {
        process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
        return;
      }
      if (opts.print !== undefined) {
        const loaded = await loadConfig(opts.print);
        process.stdout.write(configToYaml(loaded.config));
        return;
      }
      throw new TanhuiError('InvalidArgument', 'config needs --schema or --print CONFIG', { hint: 'tanhui config --help' });
    });
}
