// The NetCDF classic writer, read back by independent readers: Debian's Python netCDF4 (the
// netCDF-C library), ncdump's format report, and our GDAL reader.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { _faultInjection } from './atomic';
import { readStringVariable, readVariable } from './gdal-reader';
import { writeNetcdf3, type Nc3File } from './netcdf3-writer';
import { hasNcgen, hasPythonNetcdf, makeTempDir, PYTHON, removeTempDirs } from './__fixtures__/env';

let tmp: string;
beforeAll(() => {
  tmp = makeTempDir();
});
afterAll(removeTempDirs);

const NT = 3;
const NLAT = 4;
const NLON = 5;
// Values from a formula (odd count of shorts and bytes: padding exercised).
const co2 = Float32Array.from({ length: NT * NLAT * NLON }, (_, k) => 1e10 * (k + 1) - 3.25 * k);
const lat = Float64Array.from({ length: NLAT }, (_, j) => -67.5 + 45 * j);
const sample: Nc3File = {
  dims: [['time', NT], ['lat', NLAT], ['lon', NLON], ['site', 3], ['nchar', 8], ['odd', 3]],
  attrs: { Conventions: 'CF-1.8', title: 'writer test ✓', version: 2, ints: new Int32Array([7, -8]) },
  vars: [
    { name: 'lat', type: 'double', dims: ['lat'], data: lat, attrs: { units: 'degrees_north' } },
    { name: 'lon', type: 'float', dims: ['lon'], data: [0, 72, 144, 216, 288], attrs: { units: 'degrees_east' } },
    { name: 'date', type: 'int', dims: ['time'], data: Int32Array.from([20100101, 20100102, 20100103]) },
    { name: 'CO2', type: 'float', dims: ['time', 'lat', 'lon'], data: co2, attrs: { units: 'molecules/cm2/s', _FillValue: new Float32Array([1e36]) } },
    { name: 'counts', type: 'short', dims: ['odd'], data: [-32768, 1, 32767], attrs: { scale_factor: new Float32Array([0.5]) } },
    { name: 'flags', type: 'byte', dims: ['odd'], data: [-128, 0, 127], attrs: { flag_values: new Int8Array([-128, 0, 127]) } },
    { name: 'site_code', type: 'char', dims: ['site', 'nchar'], data: ['MLO', 'waliguan', ''] },
    { name: 'P0', type: 'double', dims: [], data: [100000] },
  ],
};

describe('writeNetcdf3', () => {
  it('writes a file that netCDF-C (Python netCDF4) reads back value for value', async () => {
    const file = path.join(tmp, 'sample.nc');
    await writeNetcdf3(file, sample);
    if (!hasPythonNetcdf) return;
    const script = `
import json, sys, netCDF4, numpy as np
d = netCDF4.Dataset(sys.argv[1]); d.set_auto_maskandscale(False)
out = {'format': d.file_format, 'attrs': {k: (d.getncattr(k).tolist() if hasattr(d.getncattr(k), 'tolist') else d.getncattr(k)) for k in d.ncattrs()},
       'dims': {k: len(v) for k, v in d.dimensions.items()}, 'vars': {}}
for name, v in d.variables.items():
    if v.dtype.kind == 'S':
        vals = [b''.join(r).decode() for r in v[:]]
    else:
        vals = np.asarray(v[:]).ravel().tolist()
    out['vars'][name] = {'dtype': str(v.dtype), 'dims': list(v.dimensions), 'values': vals,
                         'attrs': {k: (v.getncattr(k).tolist() if hasattr(v.getncattr(k), 'tolist') else v.getncattr(k)) for k in v.ncattrs()}}
print(json.dumps(out))`;
    const got = JSON.parse(execFileSync(PYTHON, ['-c', script, file], { encoding: 'utf8' }));
    expect(got.format).toBe('NETCDF3_64BIT_OFFSET');
    expect(got.dims).toEqual({ time: 3, lat: 4, lon: 5, site: 3, nchar: 8, odd: 3 });
    expect(got.attrs).toEqual({ Conventions: 'CF-1.8', title: 'writer test ✓', version: 2, ints: [7, -8] });
    expect(got.vars.CO2.dtype).toBe('float32');
    expect(got.vars.CO2.dims).toEqual(['time', 'lat', 'lon']);
    expect(got.vars.CO2.values).toEqual(Array.from(co2));
    expect(got.vars.CO2.attrs._FillValue).toBeCloseTo(1e36, -30);
    expect(got.vars.lat.values).toEqual(Array.from(lat));
    expect(got.vars.lon.values).toEqual([0, 72, 144, 216, 288]);
    expect(got.vars.date.dtype).toBe('int32');
    expect(got.vars.date.values).toEqual([20100101, 20100102, 20100103]);
    expect(got.vars.counts).toMatchObject({ dtype: 'int16', values: [-32768, 1, 32767], attrs: { scale_factor: 0.5 } });
    expect(got.vars.flags).toMatchObject({ dtype: 'int8', values: [-128, 0, 127], attrs: { flag_values: [-128, 0, 127] } });
    expect(got.vars.site_code.values).toEqual(['MLO', 'waliguan', '']);
    expect(got.vars.P0).toMatchObject({ dims: [], values: [100000] });
  });

  it.runIf(hasNcgen)('is a valid classic file for ncdump', async () => {
    const file = path.join(tmp, 'ncdump.nc');
    await writeNetcdf3(file, sample);
    expect(execFileSync('ncdump', ['-k', file], { encoding: 'utf8' }).trim()).toBe('64-bit offset');
    const header = execFileSync('ncdump', ['-h', file], { encoding: 'utf8' });
    expect(header).toContain('float CO2(time, lat, lon)');
    expect(header).toContain('char site_code(site, nchar)');
  });

  it('is read by the GDAL reader', async () => {
    const file = path.join(tmp, 'gdal.nc');
    await writeNetcdf3(file, sample);
    const v = await readVariable(file, 'CO2');
    expect(v.shape).toEqual([NT, NLAT, NLON]);
    expect(Array.from(v.data)).toEqual(Array.from(co2));
    expect((await readStringVariable(file, 'site_code')).data).toEqual(['MLO', 'waliguan', '']);
  });

  it('refuses inconsistent input with a named error and writes nothing', async () => {
    const file = path.join(tmp, 'bad.nc');
    const bad = (f: Partial<Nc3File>): Nc3File => ({ ...sample, ...f });
    await expect(writeNetcdf3(file, bad({ vars: [{ name: 'x', type: 'float', dims: ['lat'], data: [1, 2] }] }))).rejects.toThrow(
      /variable 'x' has 2 values for shape \[4\]/,
    );
    await expect(writeNetcdf3(file, bad({ vars: [{ name: 'x', type: 'float', dims: ['level'], data: [1] }] }))).rejects.toThrow(
      /undeclared dimension 'level'/,
    );
    await expect(writeNetcdf3(file, bad({ vars: [{ name: 's', type: 'char', dims: ['site', 'nchar'], data: ['toolongname', 'a', 'b'] }] }))).rejects.toThrow(/'toolongname' is longer than 8 bytes/);
    expect(fs.readdirSync(tmp).filter((f) => f.includes('bad.nc'))).toEqual([]);
  });

  it('leaves the previous file in place when it fails before the rename', async () => {
    const file = path.join(tmp, 'keep.nc');
    fs.writeFileSync(file, 'old');
    _faultInjection.beforeRename = () => {
      throw new Error('crash');
    };
    try {
      await expect(writeNetcdf3(file, sample)).rejects.toThrow('crash');
    } finally {
      delete _faultInjection.beforeRename;
    }
    expect(fs.readFileSync(file, 'utf8')).toBe('old');
    expect(fs.readdirSync(tmp).filter((f) => f.startsWith('.keep.nc'))).toEqual([]);
  });
});
