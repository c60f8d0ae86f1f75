// Real files written by others (../shared/data, see its SOURCES.md); each test skips when its
// file is absent. Expected values come from the files' documentation or from physics, not
// from this reader.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTanhuiError } from '@tanhui/core';
import { describeDataset } from './describe';
import { openDataset, readStringVariable, readVariable } from './gdal-reader';
import { readRegionMap } from './regions';
import { dataFile, hasData, makeTempDir, removeTempDirs } from './__fixtures__/env';

const REGIONS = 'gcasv2/regions.nc';
const PS = 'public/met/GEOS5124-lat-lon_PS.nc4';
const OBSPACK = 'public/obspack_format/ch4_esp_surface-flask_2_representative.nc';
const ERA = 'public/met/eraint_uvz.nc';
const CT_REGIONS = 'public/regions/carbontracker_regions_CT2010.nc';
const OCO2 = 'public/satellite/oco2-spectrometer_oco2_20150131-336_co2-column.nc';

let tmp: string;
beforeAll(() => {
  tmp = makeTempDir();
});
afterAll(removeTempDirs);

describe('GCASv2 TransCOM map (regions.nc)', () => {
  it.skipIf(!hasData(REGIONS))('becomes a RegionMap that puts known places in the right TransCOM regions', async () => {
    const map = await readRegionMap(dataFile(REGIONS));
    expect(map.grid.nlat).toBe(180);
    expect(map.grid.nlon).toBe(360);
    // TransCOM-3 numbering (Gurney et al. 2002): places whose region is not in doubt.
    const places: [number, number, number][] = [
      [50.5, 10.5, 11], // Germany: Europe
      [-25.5, 134.5, 10], // central Australia
      [39.5, 105.5, 8], // northern China: Eurasia Temperate
      [62.5, 100.5, 7], // central Siberia: Eurasia Boreal
      [39.5, 260.5, 2], // Kansas: North American Temperate
      [-5.5, 295.5, 3], // Amazonia: South American Tropical
      [15.5, 20.5, 5], // Chad: Northern Africa
      [0.5, 200.5, 14], // equatorial East Pacific
      [-60.5, 0.5, 20], // Southern Ocean
    ];
    for (const [lat, lon, code] of places) expect(map.codeAt(lat, lon), `${lat},${lon}`).toBe(code);
    // 23 (ice sheets) is "no region": central Antarctica and Greenland have code 0.
    expect(map.codeAt(-80.5, 30.5)).toBe(0);
    expect(map.codeAt(72.5, 320.5)).toBe(0);
  });

  it.skipIf(!hasData(REGIONS))('lies on a grid whose cell areas match the file’s own `area` variable', async () => {
    const map = await readRegionMap(dataFile(REGIONS));
    const area = (await readVariable(dataFile(REGIONS), 'area')).data;
    // The file's areas come from GCAS, ours from core's exact spherical areas: the radius
    // conventions differ slightly, so compare shapes (ratios) and the global total.
    let total = 0;
    for (const a of area) total += a;
    expect(Math.abs(total - 5.1006e14) / 5.1006e14).toBeLessThan(1e-4); // SOURCES.md
    const ratio = map.grid.totalAreaM2() / total;
    let worst = 0;
    for (let k = 0; k < area.length; k++) worst = Math.max(worst, Math.abs(map.grid.cellAreaM2[k] / area[k] / ratio - 1));
    expect(worst).toBeLessThan(1e-3);
  });

  it.skipIf(!hasData(REGIONS))('china mask has the 962 cells SOURCES.md reports', async () => {
    const china = await readVariable(dataFile(REGIONS), 'china');
    let n = 0;
    for (const v of china.data) if (v === 1) n++;
    expect(n).toBe(962);
  });
});

describe('CarbonTracker CT2010 regions (lon −179.5…179.5, fill values)', () => {
  it.skipIf(!hasData(CT_REGIONS))('transcom_regions map agrees with the GCAS map at the same places', async () => {
    const ct = await readRegionMap(dataFile(CT_REGIONS), { variable: 'transcom_regions' });
    expect(ct.codeAt(50.5, 10.5)).toBe(11);
    expect(ct.codeAt(-25.5, 134.5)).toBe(10);
    expect(ct.codeAt(39.5, -99.5)).toBe(2);
  });
});

describe('GEOS FP-IT surface pressure (NetCDF4, float32 packed with fill)', () => {
  it.skipIf(!hasData(PS))('surface pressure is physical and its global mean is ~985 hPa', async () => {
    const ds = await openDataset(dataFile(PS));
    try {
      const ps = await ds.read('PS');
      expect(ps.dims).toEqual(['time', 'lat', 'lon']);
      expect(ps.shape).toEqual([1, 361, 576]);
      expect(ps.units).toBe('Pa');
      const lat = (await ds.read('lat')).data;
      let sw = 0;
      let s = 0;
      let min = Infinity;
      let max = -Infinity;
      for (let j = 0; j < 361; j++) {
        const w = Math.cos((lat[j] * Math.PI) / 180);
        for (let i = 0; i < 576; i++) {
          const v = ps.data[j * 576 + i];
          min = Math.min(min, v);
          max = Math.max(max, v);
          s += w * v;
          sw += w;
        }
      }
      // Physics: mean surface pressure ≈ 985 hPa (Trenberth & Smith 2005), Everest ~330 hPa.
      expect(s / sw).toBeGreaterThan(98_000);
      expect(s / sw).toBeLessThan(99_000);
      expect(min).toBeGreaterThan(30_000);
      expect(max).toBeLessThan(110_000);
      expect(Array.from((await ds.read('time')).times!)).toEqual([Date.UTC(2018, 0, 1) / 1000]);
    } finally {
      ds.close();
    }
  });
});

describe('ObsPack flask file (NetCDF4, char arrays)', () => {
  it.skipIf(!hasData(OBSPACK))('values, times and strings agree with each other', async () => {
    const file = dataFile(OBSPACK);
    const ds = await openDataset(file);
    try {
      const value = await ds.read('value');
      expect(value.shape).toEqual([109]);
      // CH4 mole fractions, mol mol-1: ~1.7–2.0e-6.
      for (const v of value.data) if (!Number.isNaN(v)) expect(v > 1.6e-6 && v < 2.1e-6).toBe(true);
      const t = (await ds.read('time')).times!;
      const comps = (await ds.read('time_components')).data;
      // time (seconds since 1970) and time_components (y, m, d, h, mi, s) describe one instant.
      for (let k = 0; k < 109; k++) {
        const c = Array.from(comps.subarray(6 * k, 6 * k + 6));
        expect(t[k]).toBe(Date.UTC(c[0], c[1] - 1, c[2], c[3], c[4], c[5]) / 1000);
      }
      const ids = await ds.readStrings('obspack_id');
      expect(ids).toHaveLength(109);
      const num = (await ds.read('obspack_num')).data;
      // obspack_id ends with ~<obspack_num>.
      ids.forEach((id, k) => expect(id.endsWith(`~${num[k]}`)).toBe(true));
      const qc = await readStringVariable(file, 'qcflag');
      expect(qc.dims).toEqual(['obs']);
      expect(qc.data.every((s) => s.length === 3)).toBe(true);
    } finally {
      ds.close();
    }
  });

  it.skipIf(!hasData(OBSPACK))('reading a char variable as numbers says to use readStrings', async () => {
    try {
      await readVariable(dataFile(OBSPACK), 'qcflag');
      expect.unreachable();
    } catch (e) {
      expect(isTanhuiError(e, 'UnsupportedFormat')).toBe(true);
      expect((e as { hint: string }).hint).toContain('readStrings');
    }
  });
});

describe('ERA-Interim packed winds (NetCDF3, short with scale/offset)', () => {
  it.skipIf(!hasData(ERA))('unpacks to physical winds; a truncated copy is refused', async () => {
    const file = dataFile(ERA);
    const ds = await openDataset(file);
    try {
      const names = ds.variableNames();
      const u = names.find((n) => /^u$/i.test(n));
      expect(u).toBeDefined();
      const info = ds.variable(u!);
      expect(info.dtype).toBe('int16');
      expect(info.attrs.scale_factor).toBeTypeOf('number');
      const d = await ds.read(u!);
      let max = 0;
      for (const v of d.data) if (!Number.isNaN(v)) max = Math.max(max, Math.abs(v));
      // Jet-stream winds reach 50–120 m/s; packed values unscaled would be up to 32767.
      expect(max).toBeGreaterThan(20);
      expect(max).toBeLessThan(150);
    } finally {
      ds.close();
    }
    // One byte missing at the end: netCDF itself would silently read a zero there.
    const cut = path.join(tmp, 'era_cut.nc');
    fs.writeFileSync(cut, fs.readFileSync(file).subarray(0, fs.statSync(file).size - 1));
    try {
      await readVariable(cut, 'u');
      expect.unreachable();
    } catch (e) {
      expect(isTanhuiError(e, 'CorruptFile')).toBe(true);
    }
  });
});

describe('OCO-2 Lite sounding (NetCDF4)', () => {
  it.skipIf(!hasData(OCO2))('describeDataset lists the variables and the time; XCO2 is physical', async () => {
    const d = await describeDataset(dataFile(OCO2));
    expect(d.format).toBe('netcdf');
    const names = d.variables.map((v) => v.name);
    expect(names).toContain('xco2');
    const time = d.variables.find((v) => v.name === 'time')!;
    // The file name says 2015-01-31.
    expect(new Date(time.timeRange![0] * 1000).toISOString().slice(0, 10)).toBe('2015-01-31');
    const xco2 = await readVariable(dataFile(OCO2), 'xco2');
    for (const v of xco2.data) if (!Number.isNaN(v)) expect(v > 380 && v < 420).toBe(true); // ppm, 2015
  });
});
