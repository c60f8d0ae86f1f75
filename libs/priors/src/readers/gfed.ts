// GFED4.1s-style monthly fire emissions: groups `emissions/MM/C` (MM = 01 … 12) of carbon
// emitted per month [g C m⁻² month⁻¹] on a 0.25° grid with 2-D `lat`/`lon` (rows north →
// south), one file per year (year from the file name GFED4.1s_YYYY…, or a `year` attribute).
// Monthly amounts become the mean flux over each calendar month: value / (days in month ·
// 86400 s). Months have different lengths while FluxField has one periodSeconds: it is set to
// the mean month (365.25/12 d) and each value is the exact mean flux of its own calendar month,
// so per-month totals are exact and annual sums must weight by the true month lengths.
// Missing units take GFED4.1s's documented g C m⁻² month⁻¹ (noted); other units must be a
// carbon flux (per month, per second, …).
import { basename } from 'node:path';
import { daysInMonth, fluxUnitFactor, TanhuiError, utcInstant } from '@tanhui/core';
import { assertNonEmptyFile, expectShape, openDataset, orientFlux, gridFromCentres } from './common';
import type { PriorFile, PriorReadOptions } from './types';

export const GFED_MEAN_MONTH_SECONDS = (365.25 / 12) * 86400;

export async function readGfed(file: string, opts: PriorReadOptions = {}): Promise<PriorFile> {
  assertNonEmptyFile(file);
  const ds = await openDataset(file);
  try {
    const notes: string[] = [];
    const species = opts.variable ?? 'C';
    const months: number[] = [];
    for (let m = 1; m <= 12; m++) if (ds.hasVariable(`emissions/${String(m).padStart(2, '0')}/${species}`)) months.push(m);
    if (months.length === 0) {
      throw new TanhuiError('MissingVariable', `no emissions/MM/${species} variables`, { context: { file, variable: `emissions/01/${species}` } });
    }
    for (let k = 0; k < months.length; k++) {
      if (months[k] !== months[0]! + k) throw new TanhuiError('MissingVariable', `month ${months[0]! + k} is missing`, { context: { file, variable: `emissions/${String(months[0]! + k).padStart(2, '0')}/${species}` } });
    }
    const attrs = ds.attributes();
    const yearText = /(\d{4})/.exec(basename(file).replace(/GFED\d(\.\d+)?s?/i, ''))?.[1] ?? (attrs.year !== undefined ? String(attrs.year) : undefined);
    if (!yearText) throw new TanhuiError('MissingVariable', 'no year in the file name (GFED4.1s_YYYY) or a year attribute', { context: { file, variable: 'year' } });
    const year = Number(yearText);
    for (const v of ['lat', 'lon']) if (!ds.hasVariable(v)) throw new TanhuiError('MissingVariable', `no ${v} variable`, { context: { file, variable: v } });
    const lat2 = await ds.read('lat');
    const lon2 = await ds.read('lon');
    let lat: ArrayLike<number>;
    let lon: ArrayLike<number>;
    if (lat2.shape.length === 2) {
      const [ny, nx] = lat2.shape as [number, number];
      lat = Float64Array.from({ length: ny }, (_, j) => Number(lat2.data[j * nx]));
      lon = Float64Array.from({ length: nx }, (_, i) => Number(lon2.data[i]));
    } else {
      lat = lat2.data as ArrayLike<number>;
      lon = lon2.data as ArrayLike<number>;
    }
    const { grid, flipLat } = gridFromCentres(lat, lon, file, 'lat', 'lon');
    const nt = months.length;
    const flux = new Float64Array(nt * grid.size);
    const timesSec = new Float64Array(nt);
    for (let k = 0; k < nt; k++) {
      const m = months[k]!;
      const name = `emissions/${String(m).padStart(2, '0')}/${species}`;
      const v = await ds.read(name);
      expectShape(v, grid.nlat, grid.nlon);
      let units = v.units ?? (typeof v.attrs.units === 'string' ? v.attrs.units : undefined);
      if (!units) {
        units = 'g C m-2 month-1';
        if (k === 0) notes.push(`${species} has no units attribute: applied GFED4.1s's g C m-2 month-1`);
      }
      const monthSeconds = daysInMonth(year, m) * 86400;
      const factor = fluxUnitFactor(units, { file, variable: name, secondsPerMonth: monthSeconds });
      orientFlux(v.data, 1, grid.nlat, grid.nlon, flipLat, factor, { file, variable: name, missingAsZero: opts.missingAsZero, out: flux, timeOffset: k });
      timesSec[k] = utcInstant(year, m, 1);
    }
    notes.push('monthly values are mean fluxes over each calendar month; periodSeconds is the mean month');
    return { file, format: 'gfed', components: [{ category: opts.category ?? 'fire', grid, timesSec, periodSeconds: GFED_MEAN_MONTH_SECONDS, fluxMolM2S: flux, source: file }], notes };
  } finally {
    ds.close();
  }
}
