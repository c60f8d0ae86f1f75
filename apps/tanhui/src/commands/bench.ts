// Hidden bench commands: the parts of tools/bench that measure the app inside its own process.
// `tanhui bench-orchestrator`: the orchestrator benchmark (tools/bench/orchestrator).
import type { Command } from 'commander';
import { LatLonGrid, parseInstant } from '@tanhui/core';
import { loadConfig } from '../config/load';
import { prepareMetForRun } from '../met/prepared';
import { orchestratorBench } from '../bench/orchestrator-bench';
import { yearBench } from '../bench/year-bench';

export function registerBench(program: Command): void {
  program
    .command('bench-orchestrator', { hidden: true })
    .description('orchestrator benchmark: worker speed-up, data-movement share, N=150 window memory and time')
    .option('--members <n>', 'members of the speed-up case', '150')
    .option('--window-days <d>', 'window length of the speed-up case', '1')
    .option('--big-members <n>', 'members of the big case', '150')
    .option('--big-window-days <d>', 'window length of the big case', '1')
    .option('--big-grid <g>', 'grid of the big case', '3x2')
    .option('--grid <g>', 'grid of the speed-up case', '3x2')
    .option('--skip-small', 'skip the second speed-up case (32 members, 6x4, 2-day window: the demo size)')
    .option('--repeats <n>', 'measured repetitions of each speed-up case per worker count (after one warm-up window)', '3')
    .option('--skip-big', 'only the speed-up case')
    .option('--executor <entries>', "extra executor settings of the speed-up cases, e.g. 'sharedRun: false' or 'blocksPerWorker: 4'")
    .action(async (o: Record<string, string | boolean>) => {
      await orchestratorBench(
        {
          members: Number(o.members),
          windowDays: Number(o.windowDays),
          bigMembers: Number(o.bigMembers),
          bigWindowDays: Number(o.bigWindowDays),
          bigGrid: o.bigGrid === '6x4' ? '6x4' : '3x2',
          repeats: Number(o.repeats),
          grid: o.grid === '3x2' ? '3x2' : '6x4',
          skipBig: Boolean(o.skipBig),
          executorExtra: typeof o.executor === 'string' ? o.executor : undefined,
          smallCase: o.skipSmall ? null : { members: 32, grid: '6x4', windowDays: 2 },
        },
        (l) => process.stdout.write(`${l}\n`),
      );
    });
}

// Hidden `tanhui bench-year`: the year benchmark (tools/bench/year).
export function registerBenchYear(program: Command): void {
  program
    .command('bench-year', { hidden: true })
    .description('year benchmark: GCAS-size weekly windows on 2 workers, per-stage table, projected year')
    .option('--members <list>', 'ensemble sizes, one run each (comma-separated)', '50,150')
    .option('--windows <n>', 'windows run per size (extrapolated to 52)', '3')
    .option('--grid <g>', 'model grid: 3x2 or 6x4', '3x2')
    .option('--window-days <d>', 'window length', '7')
    .option('--soundings-per-week <n>', 'OCO-2-like soundings per week', '35000')
    .option('--workers <n>', 'worker threads', '2')
    .option('--solver <name>', 'ensemble solver', 'ensemble-space')
    .action(async (o: Record<string, string>) => {
      await yearBench(
        {
          members: o.members!.split(',').map(Number),
          windows: Number(o.windows),
          grid: o.grid === '6x4' ? '6x4' : '3x2',
          windowDays: Number(o.windowDays),
          soundingsPerWeek: Number(o.soundingsPerWeek),
          workers: Number(o.workers),
          solver: o.solver!,
        },
        (l) => process.stdout.write(`${l}\n`),
      );
    });
}

// Hidden `tanhui bench-met-prepare CONFIG`: one met preparation measured inside the process
// (tools/bench/met runs it in a fresh process per measurement and reads the JSON line).
export function registerBenchMetPrepare(program: Command): void {
  program
    .command('bench-met-prepare <config>', { hidden: true })
    .description('prepare the met of one span of CONFIG and print wall, CPU and peak memory as JSON')
    .option('--hours <h>', 'length of the span from time.start', '21')
    .action(async (configPath: string, o: { hours: string }) => {
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      const loaded = await loadConfig(configPath);
      const startSec = parseInstant(loaded.config.time.start);
      const c1 = process.cpuUsage();
      const p = await prepareMetForRun(loaded, LatLonGrid.preset(loaded.config.grid.preset), { startSec, endSec: startSec + Number(o.hours) * 3600 });
      const c2 = process.cpuUsage(c1);
      const cpu = process.cpuUsage(cpu0);
      const out = {
        phaseCpuS: (c2.user + c2.system) / 1e6, seconds: p.seconds, cached: p.cached, records: p.report.records,
        wallS: (performance.now() - t0) / 1000, cpuS: (cpu.user + cpu.system) / 1e6, maxRssMiB: process.resourceUsage().maxRSS / 1024,
      };
      process.stdout.write(`${JSON.stringify(out)}\n`);
    });
}
