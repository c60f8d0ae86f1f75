// `tanhui footprint --site CODE --time T`: the sensitivity of one observation to surface fluxes
// (adjoint of the built-in transport on synthetic met) in ppm per µmol m⁻² s⁻¹; with
// `--sites A,B,C` the network coverage (summed footprints) and the regions it cannot see.
// Output: a summary on stdout, and optionally a Zarr store (.zarr) or an HTML page (.html).
import type { Command } from 'commander';
import { renderReport, type MapPanel } from '@tanhui/analysis';
import { TanhuiError, type GridPreset } from '@tanhui/core';
import { computeFootprints, networkCoverage, type FootprintResult, type NetworkCoverage, type SiteSampling } from '../analysis/footprint';
import { parseList, parseTimeSec, positiveNumber, writeTextAtomic, writeZarrAtomic } from '../analysis/output';

const UNITS = 'ppm per µmol m⁻² s⁻¹';
const iso = (t: number): string => new Date(t * 1000).toISOString().replace('.000Z', 'Z');

export interface FootprintCommandOptions {
  site?: string;
  sites?: string;
  time: string;
  grid: string;
  hours: string;
  threshold?: string;
  aboveGround?: boolean;
  out?: string;
}

export interface FootprintOutput {
  result: FootprintResult;
  network?: NetworkCoverage;
  text: string;
}

/** Peak value and where it is, and the response to a uniform 1 µmol m⁻² s⁻¹ flux (Σ footprint). */
function siteLine(r: FootprintResult, s: number): string {
  const f = r.footprints[s]!;
  const g = r.grid;
  let peak = 0;
  let sum = 0;
  for (let c = 0; c < f.length; c++) {
    sum += f[c]!;
    if (f[c]! > f[peak]!) peak = c;
  }
  const site = r.sites[s]!;
  const lat = g.latCentersDeg[Math.floor(peak / g.nlon)]!;
  const lon = g.lonCentersDeg[peak % g.nlon]!;
  return `  ${site.code.toUpperCase().padEnd(4)} ${site.name.slice(0, 34).padEnd(34)} peak ${f[peak]!.toExponential(3)} at ${lat.toFixed(0)}°N ${lon.toFixed(0)}°E; uniform-flux response ${sum.toFixed(3)} ppm`;
}

export async function footprintCommand(opts: FootprintCommandOptions): Promise<FootprintOutput> {
  const codes = [...parseList(opts.site), ...parseList(opts.sites)];
  if (codes.length === 0) throw new TanhuiError('InvalidArgument', 'no site given', { hint: 'use --site CODE or --sites A,B,C' });
  const timeSec = parseTimeSec(opts.time);
  if (!['6x4', '3x2', '1x1'].includes(opts.grid)) throw new TanhuiError('InvalidArgument', `--grid must be 6x4, 3x2 or 1x1, got '${opts.grid}'`, { context: { key: 'grid' } });
  const hours = positiveNumber(opts.hours, 'hours')!;
  const threshold = positiveNumber(opts.threshold, 'threshold');
  const out = opts.out;
  if (out !== undefined && !/\.(zarr|html?)$/i.test(out)) throw new TanhuiError('InvalidArgument', `--out must end in .zarr or .html, got '${out}'`, { context: { key: 'out' } });
  const sampling: SiteSampling = opts.aboveGround ? 'above-model-surface' : 'catalogue';
  const result = computeFootprints({ sites: codes, timeSec, grid: opts.grid as GridPreset, hours, sampling });
  const network = result.sites.length > 1 || threshold !== undefined ? networkCoverage(result.grid, result.footprints, threshold) : undefined;

  const lines = [
    `Footprints [${UNITS}] of observations at ${iso(timeSec)}: flux held constant over ${iso(result.window.startSec)} … ${iso(result.window.endSec)} (${(result.window.endSec - result.window.startSec) / 3600} h), built-in transport on synthetic met, ${result.grid.describe()}`,
    `sampling: ${sampling === 'catalogue' ? 'catalogue altitude a.s.l. (as the run samples)' : 'intake height above the model surface'}`,
    ...result.sites.map((_, s) => siteLine(result, s)),
  ];
  const high = result.sites.filter((s) => sampling === 'catalogue' && s.altitudeM > 1500);
  if (high.length > 0) lines.push(`note: ${high.map((s) => s.code.toUpperCase()).join(', ')} sample(s) above 1500 m a.s.l. in a model without orography (free troposphere); --above-ground samples at the intake height instead`);
  if (network) {
    lines.push('', `Network coverage (sum of ${result.sites.length} footprints); unseen = coverage < ${network.threshold.toExponential(2)} ${UNITS}${threshold === undefined ? ' (1 % of the maximum)' : ''}`);
    const w = Math.max(...network.regions.map((r) => r.region.length));
    lines.push(`  ${'region'.padEnd(w)}  mean coverage  unseen area`);
    for (const r of network.regions) if (Number.isFinite(r.meanCoverage)) lines.push(`  ${r.region.padEnd(w)}  ${r.meanCoverage.toExponential(3).padStart(13)}  ${`${Math.round(100 * r.unseenAreaFraction)} %`.padStart(11)}`);
    lines.push(network.unseen.length > 0 ? `The network cannot see (more than half the area unseen): ${network.unseen.map((r) => r.region).join(', ')}` : 'The network sees every land region (no region more than half unseen).');
  }
  const text = `${lines.join('\n')}\n`;

  if (out !== undefined && /\.zarr$/i.test(out)) {
    const g = result.grid;
    await writeZarrAtomic(
      out,
      {
        Conventions: 'CF-1.8',
        title: 'tanhui footprints (adjoint of the built-in transport, synthetic met)',
        observation_time: iso(timeSec),
        window_start: iso(result.window.startSec),
        window_end: iso(result.window.endSec),
        sampling,
        ...(network ? { coverage_threshold: network.threshold, unseen_regions: network.unseen.map((r) => r.region) } : {}),
      },
      async (store) => {
        await store.writeArray('lat', Float64Array.from(g.latCentersDeg), { dims: ['lat'], attrs: { units: 'degrees_north', standard_name: 'latitude', axis: 'Y' } });
        await store.writeArray('lon', Float64Array.from(g.lonCentersDeg), { dims: ['lon'], attrs: { units: 'degrees_east', standard_name: 'longitude', axis: 'X' } });
        await store.writeArray('site', result.sites.map((s) => s.code), { dims: ['site'], attrs: { long_name: 'site code' } });
        await store.writeArray('site_lat', Float64Array.from(result.sites, (s) => s.latDeg), { dims: ['site'], attrs: { units: 'degrees_north' } });
        await store.writeArray('site_lon', Float64Array.from(result.sites, (s) => s.lonDeg), { dims: ['site'], attrs: { units: 'degrees_east' } });
        const all = new Float64Array(result.sites.length * g.size);
        result.footprints.forEach((f, s) => all.set(f, s * g.size));
        await store.writeArray('footprint', all, {
          shape: [result.sites.length, g.nlat, g.nlon],
          dims: ['site', 'lat', 'lon'],
          attrs: { units: 'ppm / (umol m-2 s-1)', long_name: 'sensitivity of the sampled CO2 to a surface flux constant over the window' },
        });
        if (network) {
          await store.writeArray('coverage', network.coverage, { shape: [g.nlat, g.nlon], dims: ['lat', 'lon'], attrs: { units: 'ppm / (umol m-2 s-1)', long_name: 'network coverage: sum of the footprints' } });
        }
      },
    );
  } else if (out !== undefined) {
    const maps: MapPanel[] = result.footprints.map((f, s) => ({ title: `Footprint ${result.sites[s]!.code.toUpperCase()} (${result.sites[s]!.name})`, values: f, units: UNITS, kind: 'sequential' }));
    if (network) maps.push({ title: `Network coverage (${result.sites.length} sites)`, values: network.coverage, units: UNITS, kind: 'sequential' });
    const html = renderReport({
      title: `tanhui footprints — ${result.sites.map((s) => s.code.toUpperCase()).join(', ')} at ${iso(timeSec)}`,
      grid: result.grid,
      maps,
      provenance: {
        'observation time': iso(timeSec),
        window: `${iso(result.window.startSec)} … ${iso(result.window.endSec)}`,
        transport: `built-in, synthetic met, ${result.grid.describe()}, step ${result.stepSeconds} s`,
        sampling,
        summary: text,
      },
    });
    writeTextAtomic(out, html);
  }
  return { result, network, text };
}

export function registerFootprint(program: Command): void {
  program
    .command('footprint')
    .description('sensitivity of an observation to surface fluxes (transport adjoint), and network coverage')
    .option('--site <code>', 'catalogue site code (e.g. wlg)')
    .option('--sites <codes>', 'several sites, comma-separated: network coverage and unseen regions')
    .requiredOption('--time <time>', 'observation time, ISO 8601 UTC (e.g. 2020-06-04T06:00:00Z)')
    .option('--grid <preset>', 'model grid 6x4, 3x2 or 1x1', '6x4')
    .option('--hours <h>', 'hours before the observation over which the flux acts', '72')
    .option('--threshold <value>', `coverage below which a cell is unseen [${UNITS}] (default: 1 % of the maximum)`)
    .option('--above-ground', 'sample at the intake height above the model surface instead of the altitude a.s.l.')
    .option('--out <file>', 'write the maps: FILE.zarr (Zarr v2, CF) or FILE.html (self-contained page)')
    .action(async (opts: FootprintCommandOptions) => {
      const r = await footprintCommand(opts);
      process.stdout.write(r.text);
      if (opts.out) process.stdout.write(`wrote ${opts.out}\n`);
    });
}
