// The canonical observation table as a Zarr v2 group (via @tanhui/io): one array per field
// along dimension `obs`, column fields as [obs, level] (level 0 at the surface), values in ppm,
// time as CF seconds since 1970-01-01. Readable with xarray.open_zarr.
import { ZarrStore, type ZarrAttrs } from '@tanhui/io';
import { OBS_KINDS, QC, type ObservationTable } from './record';

export async function writeObservationZarr(table: ObservationTable, path: string, options: { overwrite?: boolean; attrs?: ZarrAttrs } = {}): Promise<void> {
  const store = await ZarrStore.create(path, {
    overwrite: options.overwrite ?? false,
    attrs: {
      Conventions: 'CF-1.8',
      title: 'tanhui canonical observation table',
      featureType: 'point',
      ...(options.attrs ?? {}),
    },
  });
  const obs = ['obs'];
  const w = (name: string, data: Parameters<ZarrStore['writeArray']>[1], attrs: ZarrAttrs, dims = obs, shape?: number[]) =>
    store.writeArray(name, data, { dims, attrs, ...(shape ? { shape } : {}) });
  await w('time', table.timeSec, { standard_name: 'time', units: 'seconds since 1970-01-01 00:00:00', calendar: 'standard' });
  await w('latitude', table.latDeg, { standard_name: 'latitude', units: 'degrees_north' });
  await w('longitude', table.lonDeg, { standard_name: 'longitude', units: 'degrees_east' });
  await w('altitude', table.altitudeM, { standard_name: 'altitude', units: 'm', positive: 'up', long_name: 'sampling altitude above sea level' });
  await w('pressure', table.pressureHPa, { units: 'hPa', long_name: 'sampling pressure' });
  await w('value', table.valuePpm, { units: 'ppm', long_name: 'CO2 dry-air mole fraction (columns: XCO2)' });
  await w('error', table.errorPpm, { units: 'ppm', long_name: 'measurement error standard deviation' });
  await w('obs_id', table.id, { long_name: 'observation number (obspack_num, sounding_id, or running)' });
  await w('kind', table.kind, {
    flag_values: OBS_KINDS.map((_, i) => i),
    flag_meanings: OBS_KINDS.join(' '),
  });
  await w('site', Array.from(table.site, (s) => table.sites[s]!), { long_name: 'site or platform code' });
  await w('dataset', Array.from(table.dataset, (s) => table.datasets[s]!), { long_name: 'ObsPack dataset name or source file' });
  await w('qc_flags', table.flags, {
    flag_masks: Object.values(QC),
    flag_meanings: Object.keys(QC).join(' '),
    comment: '0 = passed every test',
  });
  await w('land_fraction', table.landFraction, { units: '1' });
  await w('mode', table.mode, { flag_values: [-1, 0, 1, 2], flag_meanings: 'unknown nadir glint target' });
  const c = table.column;
  if (c) {
    const dims = ['obs', 'level'];
    const shape = [table.n, c.nLevels];
    await w('level_pressure', c.pressureHPa, { units: 'hPa', comment: 'retrieval levels, level 0 at the surface' }, dims, shape);
    await w('averaging_kernel', c.averagingKernel, { units: '1' }, dims, shape);
    await w('pressure_weight', c.pressureWeight, { units: '1' }, dims, shape);
    await w('co2_profile_apriori', c.aprioriProfilePpm, { units: 'ppm' }, dims, shape);
    await w('xco2_apriori', c.aprioriXco2Ppm, { units: 'ppm' });
    await w('surface_pressure', c.surfacePressureHPa, { units: 'hPa', long_name: 'retrieval surface pressure' });
  }
  await store.consolidate();
}
