// GCAS (GCASv2, MOZART-4 emission) flux files: `emissions[time, lat, lon]`, `date` (YYYYMMDD,
// 0 for climatologies such as emissions.beps.multiyearmean.nc), `datesec` (seconds into the
// day at the MIDDLE of each window: 5400 … 81000 for 3-hourly), `lat` (−89.5 … 89.5), `lon`
// (0.5 … 359.5). The files carry NO units attribute; GCAS feeds them to MOZART-4, whose
// surface emissions are in molecules CO2 cm⁻² s⁻¹ (see ../shared/data/gcasv2/SOURCES.md: under
// that reading the BEPS multi-year mean integrates to ≈ −4 PgC yr⁻¹). This reader applies that
// convention explicitly — 1 molecule cm⁻² s⁻¹ = 1e4 / N_A mol m⁻² s⁻¹ — and says so in the
// notes; a units attribute, when present, wins. The category comes from the file name
// (emissions.{bio,beps,ocn,fossil,fire}.*).
import { basename } from 'node:path';
import { fluxUnitFactor, TanhuiError, utcInstant } from '@tanhui/core';
import type { FluxCategory } from '../flux';
import { assertNonEmptyFile, expectShape, firstVariable, gridFromCentres, openDataset, orientFlux } from './common';
import type { PriorFile, PriorReadOptions } from './types';

export const GCAS_UNITS_CONVENTION = 'molecules cm-2 s-1';

export function gcasCategoryOf(file: string): FluxCategory {
  const m = /emissions\.([a-z]+)/i.exec(basename(file));
  switch (m?.[1]?.toLowerCase()) {
    case 'bio':
    case 'beps':
      return 'bio';
    case 'ocn':
    case 'ocean':
      return 'ocean';
    case 'fossil':
    case 'ff':
      return 'fossil';
    case 'fire':
      return 'fire';
    default:
      return 'other';
  }
}

export async function readGcas(file: string, opts: PriorReadOptions = {}): Promise<PriorFile> {
  assertNonEmptyFile(file);
  const ds = await openDataset(file);
  try {
    const notes: string[] = [];
    const name = opts.variable ?? 'emissions';
    firstVariable(ds, [name], 'emissions');
    for (const v of ['date', 'datesec', 'lat', 'lon']) firstVariable(ds, [v], v);
    const { grid, flipLat } = gridFromCentres((await ds.read('lat')).data, (await ds.read('lon')).data, file, 'lat', 'lon');
    const info = ds.variable(name);
    let factor: number;
    if (info.units) factor = fluxUnitFactor(info.units, { file, variable: name });
    else {
      factor = fluxUnitFactor(GCAS_UNITS_CONVENTION);
      notes.push(`${name} has no units attribute: applied the GCAS/MOZART-4 convention ${GCAS_UNITS_CONVENTION}`);
    }
    const v = await ds.read(name);
    const nt = expectShape(v, grid.nlat, grid.nlon);
    const date = (await ds.read('date', { decodeTimes: false })).data;
    const datesec = (await ds.read('datesec', { decodeTimes: false })).data;
    if (date.length !== nt || datesec.length !== nt) {
      throw new TanhuiError('BadShape', `date/datesec have ${date.length}/${datesec.length} steps, ${name} has ${nt}`, { context: { file, variable: 'date' } });
    }
    const period = nt >= 2 ? Number(datesec[1]) - Number(datesec[0]) : 86400;
    if (!(period > 0) || 86400 % period !== 0) throw new TanhuiError('BadValue', `datesec spacing ${period} s does not divide a day`, { context: { file, variable: 'datesec' } });
    const starts = new Float64Array(nt);
    let climatology = false;
    for (let t = 0; t < nt; t++) {
      const d = Number(date[t]);
      const s = Number(datesec[t]);
      if (!(s >= 0 && s < 86400)) throw new TanhuiError('BadValue', `datesec ${s} is outside [0, 86400)`, { context: { file, variable: 'datesec', index: t } });
      let day0: number;
      if (d === 0) {
        climatology = true;
        day0 = opts.climatologyStartSec ?? 0;
      } else {
        const y = Math.floor(d / 10000);
        const mo = Math.floor(d / 100) % 100;
        const dd = d % 100;
        try {
          day0 = utcInstant(y, mo, dd);
        } catch (err) {
          throw new TanhuiError('BadValue', `date ${d} is not a valid YYYYMMDD`, { context: { file, variable: 'date', index: t }, cause: err });
        }
      }
      starts[t] = day0 + s - period / 2;
    }
    if (climatology) notes.push('date = 0 (a climatology): periods placed on the day starting at climatologyStartSec (default 1970-01-01)');
    for (let t = 1; t < nt; t++) {
      if (Math.abs(starts[t]! - starts[t - 1]! - period) > 1e-6) throw new TanhuiError('BadValue', 'date/datesec are not evenly spaced', { context: { file, variable: 'datesec', index: t } });
    }
    const flux = orientFlux(v.data, nt, grid.nlat, grid.nlon, flipLat, factor, { file, variable: name, missingAsZero: opts.missingAsZero });
    const category = opts.category ?? gcasCategoryOf(file);
    return { file, format: 'gcas', components: [{ category, grid, timesSec: starts, periodSeconds: period, fluxMolM2S: flux, source: file }], notes };
  } finally {
    ds.close();
  }
}
