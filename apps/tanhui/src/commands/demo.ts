// `tanhui demo [--out DIR]`: writes DIR/demo.yaml and runs it as `tanhui run DIR/demo.yaml`.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { DEMO_YAML } from '../demo/demo-config';
import { runCommand } from './run';
import { writeRunReport } from './report';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('synthetic-world OSSE: writes DIR/demo.yaml and runs it into DIR/demo.zarr (resumable)')
    .option('--out <dir>', 'output directory', 'out')
    .action(async (opts: { out: string }) => {
      mkdirSync(opts.out, { recursive: true });
      const cfg = join(opts.out, 'demo.yaml');
      // Keep an existing demo.yaml only if it is ours unchanged, so a rerun resumes the same run.
      if (!existsSync(cfg) || readFileSync(cfg, 'utf8') !== DEMO_YAML) writeFileSync(cfg, DEMO_YAML);
      process.stderr.write(`tanhui demo: config ${cfg}, store ${join(opts.out, 'demo.zarr')}\n`);
      await runCommand(cfg, 'demo');
      // Analysis (added by the analysis commands, see ./report.ts): the run's HTML report, DIR/report.html.
      const report = await writeRunReport(join(opts.out, 'demo.zarr'), { out: join(opts.out, 'report.html') });
      process.stdout.write(`report: ${report.file}\n`);
    });
}
