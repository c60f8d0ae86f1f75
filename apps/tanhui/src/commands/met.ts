// `tanhui met prepare CONFIG --window DATE`: only the meteo preparation of one window (files,
// grid, level map, mass-balance residual; the result goes to the met cache, so the run skips it).
// `tanhui met check --source S FILES…`: what a file set is (layout, variables, times, levels, grid)
// and whether it can drive a run.
import type { Command } from 'commander';
import { LatLonGrid, parseInstant, TanhuiError } from '@tanhui/core';
import { checkModelLevels, describeMetFile, metReaders, type MetFileDescription, type MetRole } from '@tanhui/transport';
import { loadConfig } from '../config/load';
import { isRealMetSource, prepareMetForRun } from '../met/prepared';

const iso = (t: number): string => new Date(t * 1000).toISOString().replace(/:00\.000Z$/, 'Z');

export function registerMet(program: Command): void {
  const met = program
    .command('met')
    .description('real meteorology (ERA5, MERRA-2, GEOS-FP): prepare a window to the model grid, or check a file set')
    .addHelpText('after', `
Examples:
  tanhui met check --source merra2 MERRA2_400.inst3_3d_asm_Nv.20210110.nc4
  tanhui met prepare run.yaml --window 2021-01-10   # run.yaml: met: {source: merra2, files: '/data/MERRA2_400.inst3_3d_asm_Nv.{yyyy}{mm}{dd}.nc4'}
See docs/meteorology.md for the sources, file patterns, level maps and the cache.`);
  met
    .command('prepare')
    .description('prepare the met of one window (winds → balanced face mass fluxes on the model grid, merged levels) into the met cache, and report what was done')
    .argument('<config>', 'run configuration (met.source era5, merra2 or geosfp)')
    .option('--window <date>', 'start of the window (default: time.start)')
    .option('--json', 'print the report as JSON')
    .action(async (configPath: string, opts: { window?: string; json?: boolean }) => {
      const loaded = await loadConfig(configPath);
      const c = loaded.config;
      if (!isRealMetSource(c.met.source)) {
        throw new TanhuiError('InvalidConfig', `met prepare needs met.source era5, merra2 or geosfp (this config has '${c.met.source}')`, { context: { file: configPath, key: 'met.source' } });
      }
      const startSec = opts.window ? parseInstant(opts.window) : parseInstant(c.time.start);
      const span = { startSec, endSec: startSec + c.time.windowDays * 86400 };
      const grid = LatLonGrid.preset(c.grid.preset);
      const tty = process.stderr.isTTY;
      const p = await prepareMetForRun(loaded, grid, span, {
        progress: (done, total) => process.stderr.write(`${tty ? '\r' : ''}met: record ${done}/${total}${tty && done < total ? '' : '\n'}`),
      });
      const r = p.report;
      const out = {
        source: r.source, layout: r.layout, window: `${iso(span.startSec)} – ${iso(span.endSec)}`, files: r.files, records: r.records,
        sourceGrid: r.sourceGrid, modelGrid: `${grid.nlon}×${grid.nlat} (${c.grid.preset})`, levels: `${r.sourceLevels}${r.pressureLevelsHPa ? ' pressure levels' : ''} → ${r.pressureLevelsHPa ? 25 : r.levelMap.length - 1}`, levelMap: r.levelMap,
        massBalance: r.balance, cached: p.cached, store: p.storePath, seconds: Number(p.seconds.toFixed(2)),
      };
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        return;
      }
      process.stdout.write(
        [
          `${r.source}: ${r.layout}`,
          `window ${out.window}: ${r.records} records from ${r.files.length} file(s)`,
          ...r.files.map((f) => `  ${f}`),
          `grid ${r.sourceGrid} → ${out.modelGrid}; levels ${out.levels} (${r.pressureLevelsHPa ? `${r.pressureLevelsHPa.join(' ')} hPa by pressure overlap` : `model interfaces at source interfaces ${r.levelMap.join(' ')}, surface = 0`})`,
          `mass balance: column convergence − ∂ps/∂t before balancing max ${r.balance.maxBeforePaH.toExponential(2)} Pa/h (rms ${r.balance.rmsBeforePaH.toExponential(2)}), after ${r.balance.maxAfterPaH.toExponential(2)} Pa/h`,
          `${p.cached ? 'read from the cache' : 'prepared and cached'} in ${out.seconds} s: ${p.storePath}`,
        ].join('\n') + '\n',
      );
    });
  met
    .command('check')
    .description('explain what a met file set is (layout, variables, times, levels, grid) and whether it can drive a run')
    .argument('<files...>', 'NetCDF files as downloaded')
    .requiredOption('--source <source>', `met source: ${metReaders.names().join(', ')}`)
    .action(async (files: string[], opts: { source: string }) => {
      const reader = metReaders.get(opts.source, { key: '--source' });
      const descs: MetFileDescription[] = [];
      for (const f of files) descs.push(await describeMetFile(f, opts.source));
      const lines: string[] = [];
      const problems: string[] = [];
      for (const d of descs) {
        const roles = Object.entries(d.variables).map(([role, v]) => `${v.name} (${role}${v.units ? `, ${v.units}` : ''}, ${v.dtype})`);
        const t = d.timesSec;
        lines.push(
          `${d.file}: ${d.layout}`,
          `  grid ${d.lonDeg.length}×${d.latDeg.length}, longitudes ${d.lonDeg[0]}…${d.lonDeg[d.lonDeg.length - 1]}°, latitudes ${d.latNorthFirst ? 'north → south' : 'south → north'}`,
          `  ${t.length} time(s)${t.length > 0 ? `: ${iso(t[0]!)} … ${iso(t[t.length - 1]!)}` : ''}`,
          `  levels: ${d.levelKind === 'none' ? 'none (2-D)' : `${d.levelValues.length} ${d.levelKind} levels ${d.levelValues[0]}…${d.levelValues[d.levelValues.length - 1]}${d.levelKind === 'pressure' ? ' hPa' : ''}`}`,
          `  variables: ${roles.join(', ') || 'none the preparation uses'}`,
        );
      }
      const has = (r: MetRole): boolean => descs.some((d) => d.variables[r]);
      if (!has('u') || !has('v')) problems.push(`no winds (${reader.names.u?.join('/')}, ${reader.names.v?.join('/')})`);
      if (!has('ps') && !has('lnsp') && !has('delp')) problems.push(`no surface pressure (${[...(reader.names.ps ?? []), ...(reader.names.lnsp ?? []), ...(reader.names.delp ?? [])].join(', ')})`);
      for (const d of descs) {
        if (!d.variables.u) continue;
        if (d.levelKind === 'none') problems.push(`${d.file}: winds without a level axis`);
        else if (d.levelKind === 'model') {
          try {
            checkModelLevels(d, reader, 'u');
          } catch (err) {
            problems.push(err instanceof Error ? err.message : String(err));
          }
        }
        const lonStep = d.lonDeg.length > 1 ? d.lonDeg[1]! - d.lonDeg[0]! : 0;
        if (Math.abs(d.lonDeg.length * lonStep - 360) > 1e-3 * Math.abs(lonStep)) problems.push(`${d.file}: longitudes do not cover the globe`);
      }
      if (problems.length === 0) lines.push('can drive a run: winds, surface pressure and levels are there');
      process.stdout.write(lines.join('\n') + '\n');
      if (problems.length > 0) throw new TanhuiError('EmptyInput', `cannot drive a run: ${problems.join('; ')}`, { context: { file: files.join(' ') } });
    });
}

export { registerMet as register };
