// Hidden `tanhui bench-slurm`: the Slurm executor's benchmark (tools/bench/slurm).
import type { Command } from 'commander';
import { slurmBench } from '../executor/slurm-bench';

export function registerBenchSlurm(program: Command): void {
  program
    .command('bench-slurm', { hidden: true })
    .description('Slurm executor benchmark: dispatch overhead per window on the local cluster, worker start-up')
    .option('--members <n>', 'ensemble members', '150')
    .option('--grid <g>', 'model grid', '3x2')
    .option('--windows <n>', 'windows', '2')
    .option('--window-days <d>', 'window length [days]', '1')
    .option('--no-piscina', 'skip the Piscina run of the same config')
    .action(async (o: { members: string; grid: string; windows: string; windowDays: string; piscina: boolean }) => {
      await slurmBench({ members: Number(o.members), grid: o.grid, windows: Number(o.windows), windowDays: Number(o.windowDays), piscina: o.piscina }, (l) => process.stdout.write(`${l}\n`));
    });
}
