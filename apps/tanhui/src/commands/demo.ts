// `tanhui demo [--out DIR]`: writes DIR/demo.yaml and runs it as `tanhui run DIR/demo.yaml`.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { formatBiasRmse, validate } from '@tanhui/analysis';
import { DEMO_YAML } from '../demo/demo-config';
import { FLAG_HELD_OUT } from '../pipeline/run';
import { runCommand } from './run';
import { writeRunReport } from './report';
import { readRunStore, type RunStoreData } from '../analysis/run-store-reader';
import { validationRecords } from '../analysis/validation-records';

/** "held-out sites (codes): BIAS a → b, RMSE c → d ppm" over every row sampled but not assimilated, or undefined if none. */
export function heldOutLine(run: RunStoreData): string | undefined {
  const held = new Set<string>();
  for (let k = 0; k < run.obs.n; k++) if (run.obs.flag[k] === FLAG_HELD_OUT) held.add(run.obs.site[k]!);
  if (held.size === 0) return undefined;
  const sel = validationRecords(run, { holdoutSites: [...held] });
  const all = validate(sel.records).find((g) => g.kind === 'all')!;
  return `held-out sites (${[...held].sort().join(', ')}; ${sel.records.length} obs): ${formatBiasRmse(all)} ppm (prior → posterior, simulated − observed)`;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('synthetic-world OSSE: writes DIR/demo.yaml and runs it into DIR/demo.zarr (resumable)')
    .option('--out <dir>', 'output directory', 'out')
    .action(async (opts: { out: string }) => {
      mkdirSync(opts.out, { recursive: true });
      const cfg = join(opts.out, 'demo.yaml');
      // Keep an existing demo.yaml only if it is ours unchanged, so a rerun resumes the same run.
      if (!existsSync(cfg) || readFileSync(cfg, 'utf8') !== DEMO_YAML) {
        // A store written from another demo.yaml (an older demo, or an edited copy) cannot be
        // resumed with this one: the demo's own output, so start it afresh.
        const store = join(opts.out, 'demo.zarr');
        if (existsSync(cfg) && existsSync(store) && !existsSync(`${store}.lock`)) {
          process.stderr.write(`tanhui demo: ${cfg} differs from this version's demo config; removing ${store} and starting afresh\n`);
          rmSync(store, { recursive: true, force: true });
        }
        writeFileSync(cfg, DEMO_YAML);
      }
      process.stderr.write(`tanhui demo: config ${cfg}, store ${join(opts.out, 'demo.zarr')}\n`);
      await runCommand(cfg, 'demo');
      // The held-out sites of the config (observations.holdout): sampled, never assimilated.
      const held = heldOutLine(await readRunStore(join(opts.out, 'demo.zarr')));
      if (held) process.stdout.write(`${held}\n`);
      // Analysis (added by the analysis commands, see ./report.ts): the run's HTML report, DIR/report.html.
      const report = await writeRunReport(join(opts.out, 'demo.zarr'), { out: join(opts.out, 'report.html') });
      process.stdout.write(`report: ${report.file}\n`);
    });
}
