// Issue 21's two bad-input cases that got through: a directory where an observation or prior
// file is expected, and a prior in gC m⁻² d⁻¹ labelled mol m⁻² s⁻¹ (×1.04e6 too large). Each
// gives one line, exit 3 and no store; --allow-implausible runs the second anyway.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { debianPythonWithNetcdf, expectRunRejected, PY, runCli, tempDir, writeConfig } from './helpers';

const BASE = 'time: {windows: 1, windowDays: 1}\ntruth: {anomalies: []}\nobservations: {stations: {sites: [mlo, brw, spo]}, satellite: {enabled: false}}\nexecutor: {workers: 1}\n';

// A GCAS-layout bio prior on the 6°×4° model grid, 3-hourly over 2020-06-01: a land-like pattern
// of ±2.5 gC m⁻² d⁻¹ (net ≈ −1.2 PgC yr⁻¹ when read in the right unit), written in gC m⁻² d⁻¹ while
// its units attribute says mol m-2 s-1; `scale` converts it (1/(12.0107·86400) = the right values).
const WRITE_PY = String.raw`
import sys, calendar, numpy as np, netCDF4
out, scale = sys.argv[1], float(sys.argv[2])
lat = np.arange(-88, 89, 4.0); lon = np.arange(-177, 178, 6.0)
LA, LO = np.meshgrid(np.radians(lat), np.radians(lon), indexing='ij')
land = (np.cos(LA) * (1 + np.sin(2 * LO)) > 0.8).astype(float)
o = netCDF4.Dataset(out, 'w')
o.createDimension('time', 8); o.createDimension('lat', 45); o.createDimension('lon', 60)
v = o.createVariable('lat', 'f8', ('lat',)); v[:] = lat; v.units = 'degrees_north'
v = o.createVariable('lon', 'f8', ('lon',)); v[:] = lon; v.units = 'degrees_east'
o.createVariable('date', 'i4', ('time',))[:] = [20200601] * 8
o.createVariable('datesec', 'i4', ('time',))[:] = [5400 + 10800 * k for k in range(8)]
v = o.createVariable('emissions', 'f8', ('time', 'lat', 'lon')); v.units = 'mol m-2 s-1'
v[:] = np.array([land * (2.5 * np.cos(2 * np.pi * (k + 0.5) / 8) - 0.012) * scale for k in range(8)])
o.close()
`;

function writeBio(dir: string, name: string, scale: number): string {
  const p = join(dir, name);
  execFileSync(PY, ['-c', WRITE_PY, p, String(scale)], { stdio: ['ignore', 'ignore', 'inherit'] });
  return p;
}

const bioConfig = (path: string, store: string): string =>
  `${BASE}prior:\n  components:\n    - {name: bio, source: file, path: ${path}, format: gcas, optimise: true}\n    - {name: ocean, optimise: true}\noutput: {store: ${store}}\n`;

describe('a directory where a file is expected', () => {
  it('observation path → UnsupportedFormat, exit 3, no store', async () => {
    const dir = tempDir('dirobs');
    mkdirSync(join(dir, 'obs.nc'));
    const cfg = writeConfig(dir, `${BASE.replace(/observations: .*\n/, '')}observations: {files: [{path: obs.nc}]}\noutput: {store: out.zarr}\n`);
    await expectRunRejected(cfg, join(dir, 'out.zarr'), /UnsupportedFormat: observation path is a directory, expected a file \(file obs\.nc, key observations\.files\.0\.path\)/);
  });

  it('prior path (not a Zarr store) → UnsupportedFormat, exit 3, no store', async () => {
    const dir = tempDir('dirprior');
    mkdirSync(join(dir, 'bio.nc'));
    await expectRunRejected(writeConfig(dir, bioConfig('bio.nc', 'out.zarr')), join(dir, 'out.zarr'), /UnsupportedFormat: prior path of component bio is a directory, expected a file.*key prior\.components\.0\.path/);
  });

  it('tanhui obs on a directory → one line, exit 3', async () => {
    const dir = tempDir('dirobs2');
    mkdirSync(join(dir, 'obs.nc'));
    const r = await runCli(['obs', join(dir, 'obs.nc')]);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/UnsupportedFormat: the observation path is a directory/);
  });
});

describe.skipIf(!debianPythonWithNetcdf())('prior plausibility (a file in gC m-2 d-1 labelled mol m-2 s-1)', () => {
  it('is refused before any store is touched, naming file, component, total, expected unit and the likely slip', async () => {
    const dir = tempDir('implausible');
    writeBio(dir, 'bio.nc', 1);
    const cfg = writeConfig(dir, bioConfig('bio.nc', 'out.zarr'));
    await expectRunRejected(cfg, join(dir, 'out.zarr'), /BadUnits: prior bio flux totals -?[0-9.e+]+ PgC yr-1 globally \(plausible \|total\| ≤ 500; expected unit mol m-2 s-1\): ~[0-9e+]+ times too large, likely .*gC m-2 d-1.* read as mol m-2 s-1 \(file bio\.nc, key prior\.components\.0\)/);
  });

  it('the same fluxes in mol m-2 s-1 pass; --allow-implausible runs the mislabelled file', async () => {
    const dir = tempDir('plausible');
    writeBio(dir, 'ok.nc', 1 / (12.0107 * 86400));
    const ok = await runCli(['run', writeConfig(dir, bioConfig('ok.nc', 'ok.zarr'), 'ok.yaml')]);
    expect(ok.code, ok.stderr).toBe(0);
    writeBio(dir, 'bad.nc', 1);
    const forced = await runCli(['run', writeConfig(dir, bioConfig('bad.nc', 'bad.zarr'), 'bad.yaml'), '--allow-implausible']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(existsSync(join(dir, 'bad.zarr', '.zmetadata'))).toBe(true);
  }, 120_000);
});
