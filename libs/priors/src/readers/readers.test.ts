// Reader tests on files written by other tools (Debian Python netCDF4, GDAL's GTiff driver via
// tools/fixtures/priors) and on the real GCASv2 files in ../shared/data (skipped when absent).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AVOGADRO, isTanhuiError, M_C, molSToPgCYr, utcInstant } from '@tanhui/core';
import { totalMolPerSecond } from '../flux';
import { detectPriorFormat, readPriorFile } from './registry';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../../..');
const gcasDir = resolve(repo, '../shared/data/gcasv2');
const haveGcas = existsSync(join(gcasDir, 'priorflux/emissions.bio.20140906.nc'));
const python = '/usr/bin/python3';
const havePython = existsSync(python) && spawnSync(python, ['-c', 'import netCDF4'], { encoding: 'utf8' }).status === 0;

let dir = '';
let expected: Record<string, { totals_mol_s: number[] | Record<string, number[]>; start: string; period_s?: number; probe?: number }> = {};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tanhui-priors-'));
  if (havePython) {
    const r = spawnSync(python, [join(repo, 'tools/fixtures/priors/make_prior_fixtures.py'), dir], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`fixture script failed: ${r.stderr}`);
    expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
  }
  const g = spawnSync(process.execPath, ['--import', 'tsx', join(repo, 'tools/fixtures/priors/make-geotiff.ts'), dir], { encoding: 'utf8', cwd: repo });
  if (g.status !== 0) throw new Error(`GeoTIFF fixture failed: ${g.stderr}`);
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

async function rejection(p: Promise<unknown>): Promise<{ code: string; message: string; context: Record<string, unknown> }> {
  try {
    await p;
  } catch (err) {
    if (!isTanhuiError(err)) throw err;
    return { code: err.code, message: err.message, context: err.context };
  }
  throw new Error('expected a rejection');
}

describe.skipIf(!havePython)('prior readers on files in the public layouts (written by Python netCDF4)', () => {
  it('CarbonTracker flux1x1: four components, mol m-2 s-1, mid-point dates → starts', async () => {
    const f = join(dir, 'CT2019B.flux1x1.20140906.nc');
    expect(await detectPriorFormat(f)).toBe('ct-flux1x1');
    const r = await readPriorFile(f, { format: 'ct-flux1x1' }); // explicit: opening is the slow part
    expect(r.components.map((c) => c.category)).toEqual(['bio', 'ocean', 'fossil', 'fire']);
    const exp = expected['CT2019B.flux1x1.20140906.nc']!.totals_mol_s as Record<string, number[]>;
    const names = ['bio_flux_opt', 'ocn_flux_opt', 'fossil_flux_imp', 'fire_flux_imp'];
    r.components.forEach((c, k) => {
      expect(c.periodSeconds).toBe(10800);
      expect(c.timesSec[0]).toBe(utcInstant(2014, 9, 6));
      expect(c.grid.nlon).toBe(360);
      const tot = totalMolPerSecond(c);
      tot.forEach((v, t) => expect(rel(v, exp[names[k]!]![t]!)).toBeLessThan(1e-9));
    });
  });

  it('BEPS daily NEP in gC m-2 d-1, north→south rows, NEP sign negated', async () => {
    const f = join(dir, 'beps_nep_daily_gC.nc');
    expect(await detectPriorFormat(f)).toBe('beps');
    const r = await readPriorFile(f, { format: 'beps' });
    const c = r.components[0]!;
    const e = expected['beps_nep_daily_gC.nc']!;
    expect(c.periodSeconds).toBe(86400);
    expect(c.timesSec[0]).toBe(utcInstant(2014, 9, 6));
    totalMolPerSecond(c).forEach((v, t) => expect(rel(v, (e.totals_mol_s as number[])[t]!)).toBeLessThan(1e-9));
    const { index } = c.grid.locate(40.5, 116.5);
    expect(rel(c.fluxMolM2S[index]!, e.probe!)).toBeLessThan(1e-6);
    expect(r.notes.join(' ')).toMatch(/negated/);
  });

  it('BEPS 3-hourly in kgC m-2 s-1 with positive="up" and centred stamps; µmol with time_bnds', async () => {
    const a = await readPriorFile(join(dir, 'beps_nep_3h_kgC.nc'));
    const ca = a.components[0]!;
    expect(ca.periodSeconds).toBe(10800);
    expect(ca.timesSec[0]).toBe(utcInstant(2014, 9, 6));
    const ea = expected['beps_nep_3h_kgC.nc']!.totals_mol_s as number[];
    totalMolPerSecond(ca).forEach((v, t) => expect(rel(v, ea[t]!)).toBeLessThan(1e-9));
    const b = await readPriorFile(join(dir, 'beps_nep_umol.nc'));
    const cb = b.components[0]!;
    expect(cb.periodSeconds).toBe(86400);
    expect(cb.timesSec[0]).toBe(utcInstant(2014, 9, 6));
    expect(rel(totalMolPerSecond(cb)[0]!, (expected['beps_nep_umol.nc']!.totals_mol_s as number[])[0]!)).toBeLessThan(1e-9);
  });

  it('regional BEPS (China, 0.5°) is placed on the global 0.5° grid; a misaligned domain is rejected', async () => {
    const r = await readPriorFile(join(dir, 'beps_china_0p5.nc'));
    const c = r.components[0]!;
    expect(c.grid.nlat).toBe(360);
    expect(c.grid.nlon).toBe(720);
    const e = expected['beps_china_0p5.nc']!.totals_mol_s as number[];
    totalMolPerSecond(c).forEach((v, t) => expect(rel(v, e[t]!)).toBeLessThan(1e-9));
    expect(c.fluxMolM2S[c.grid.locate(-30, 0).index]).toBe(0);
    expect(r.notes.join(' ')).toMatch(/regional domain/);
    const bad = await rejection(readPriorFile(join(dir, 'bad_regional_misaligned.nc')));
    expect(bad.code).toBe('BadShape');
    expect(bad.context.variable).toBe('lat');
  });

  it('GCAS layout: molecules cm-2 s-1 convention applied and noted; datesec centres → starts', async () => {
    const f = join(dir, 'emissions.bio.20140906.nc');
    expect(await detectPriorFormat(f)).toBe('gcas');
    const r = await readPriorFile(f, { format: 'gcas' });
    const c = r.components[0]!;
    expect(c.category).toBe('bio');
    expect(c.periodSeconds).toBe(10800);
    expect(c.timesSec[0]).toBe(utcInstant(2014, 9, 6));
    const e = expected['emissions.bio.20140906.nc']!.totals_mol_s as number[];
    totalMolPerSecond(c).forEach((v, t) => expect(rel(v, e[t]!)).toBeLessThan(1e-9));
    expect(r.notes.join(' ')).toMatch(/molecules cm-2 s-1/);
  });

  it('GFED4.1s-style monthly fire: per-month mean flux with true month lengths', async () => {
    const f = join(dir, 'GFED4.1s_2014.nc');
    expect(await detectPriorFormat(f)).toBe('gfed');
    const r = await readPriorFile(f, { format: 'gfed' });
    const c = r.components[0]!;
    expect(c.category).toBe('fire');
    expect(c.grid.nlat).toBe(720);
    expect(c.timesSec.length).toBe(12);
    expect(c.timesSec[1]).toBe(utcInstant(2014, 2, 1));
    const e = expected['GFED4.1s_2014.nc']!.totals_mol_s as number[];
    totalMolPerSecond(c).forEach((v, t) => expect(rel(v, e[t]!)).toBeLessThan(1e-9));
  });

  it.each([
    ['bad_units.nc', 'BadUnits', 'NEP'],
    ['bad_units_nospecies.nc', 'BadUnits', 'NEP'],
    ['bad_nounits.nc', 'BadUnits', 'NEP'],
    ['bad_missing_nep.nc', 'MissingVariable', 'NEP'],
    ['bad_nan.nc', 'BadValue', 'NEP'],
    ['bad_lat.nc', 'BadValue', 'lat'],
    ['bad_empty_time.nc', 'EmptyInput', 'NEP'],
    ['empty.nc', 'EmptyInput', undefined],
  ])('%s → %s naming the file and variable', async (name, code, variable) => {
    const f = join(dir, name);
    const e = await rejection(readPriorFile(f, { format: 'beps' }));
    expect(e.code).toBe(code);
    expect(e.context.file).toBe(f);
    if (variable) expect(e.context.variable).toBe(variable);
  });

  it('NaN error gives the index in the file; missingAsZero reads it', async () => {
    const f = join(dir, 'bad_nan.nc');
    const e = await rejection(readPriorFile(f, { format: 'beps' }));
    expect(e.context.index).toEqual([0, 100, 200]);
    const r = await readPriorFile(f, { format: 'beps', missingAsZero: true });
    expect(r.components[0]!.fluxMolM2S[100 * 360 + 200]).toBe(0);
  });

  it('CarbonTracker file without bio_flux_opt → MissingVariable; unknown content → UnsupportedFormat', async () => {
    const e = await rejection(readPriorFile(join(dir, 'bad_ct_missing.nc'), { format: 'ct-flux1x1' }));
    expect(e.code).toBe('MissingVariable');
    expect(e.context.variable).toBe('bio_flux_opt');
    const u = await rejection(detectPriorFormat(join(dir, 'bad_missing_nep.nc')));
    expect(u.code).toBe('UnsupportedFormat');
  });
});

describe('BEPS GeoTIFF (written by GDAL GTiff via gdal-async)', () => {
  it('8 bands → 3-hourly, µmol m-2 s-1 from the band unit type, date from metadata', async () => {
    const r = await readPriorFile(join(dir, 'nep_20140906.tif'));
    expect(r.format).toBe('beps');
    const c = r.components[0]!;
    expect(c.periodSeconds).toBe(10800);
    expect(c.timesSec[0]).toBe(utcInstant(2014, 9, 6));
    expect(c.timesSec[7]).toBe(utcInstant(2014, 9, 6, 21));
    // Independent total: Σ_rows −b·cos(φ_j)·1e-6 · R²·2π·(sin φ_top − sin φ_bot)
    const R = 6.371e6;
    for (const b of [1, 8]) {
      let want = 0;
      for (let j = 0; j < 180; j++) {
        const lo = ((-90 + j) * Math.PI) / 180;
        const hi = ((-89 + j) * Math.PI) / 180;
        want += -b * Math.fround(Math.cos((lo + hi) / 2)) * 1e-6 * R * R * 2 * Math.PI * (Math.sin(hi) - Math.sin(lo));
      }
      expect(rel(totalMolPerSecond(c)[b - 1]!, want)).toBeLessThan(1e-9);
    }
  });

  it('a band without units is rejected', async () => {
    const f = join(dir, 'nep_nounits_20140906.tif');
    const e = await rejection(readPriorFile(f));
    expect(e.code).toBe('BadUnits');
    expect(e.context.variable).toBe('band1');
  });
});

describe.skipIf(!haveGcas)('real GCASv2 prior files (../shared/data/gcasv2)', () => {
  const pg = (c: { fluxMolM2S: Float64Array; grid: { size: number; cellAreaM2: Float64Array }; timesSec: Float64Array }): number => {
    // Time-mean global total in PgC/yr, summed here independently of the lib's helpers.
    let s = 0;
    const n = c.grid.size;
    for (let t = 0; t < c.timesSec.length; t++) for (let k = 0; k < n; k++) s += c.fluxMolM2S[t * n + k]! * c.grid.cellAreaM2[k]!;
    return molSToPgCYr(s / c.timesSec.length);
  };

  it('BEPS multi-year mean integrates to ≈ −4.1 PgC/yr (SOURCES.md) as a climatology', async () => {
    const r = await readPriorFile(join(gcasDir, 'emissions.beps.multiyearmean.nc'));
    expect(r.format).toBe('gcas');
    const c = r.components[0]!;
    expect(c.category).toBe('bio');
    expect(c.timesSec[0]).toBe(0);
    expect(c.periodSeconds).toBe(10800);
    expect(pg(c)).toBeGreaterThan(-4.3);
    expect(pg(c)).toBeLessThan(-3.9);
    expect(r.notes.join(' ')).toMatch(/climatology/);
  });

  it('daily priors 2014-09-06: bio ≈ −11, ocean ≈ −1.2, fossil ≈ +9.4, fire ≈ +2.9 PgC/yr', async () => {
    const want: Record<string, [number, number]> = { bio: [-11.2, -10.6], ocn: [-1.3, -1.1], fossil: [9.2, 9.6], fire: [2.7, 3.0] };
    for (const [k, [lo, hi]] of Object.entries(want)) {
      const r = await readPriorFile(join(gcasDir, `priorflux/emissions.${k}.20140906.nc`));
      const c = r.components[0]!;
      expect(c.category).toBe(k === 'ocn' ? 'ocean' : k);
      expect(c.timesSec[0]).toBe(utcInstant(2014, 9, 6));
      const v = pg(c);
      expect(v).toBeGreaterThan(lo);
      expect(v).toBeLessThan(hi);
    }
  });

  it('unit convention: one real cell equals value · 1e4 / N_A', async () => {
    const r = await readPriorFile(join(gcasDir, 'priorflux/emissions.fossil.20140906.nc'));
    const c = r.components[0]!;
    // Beijing-ish cell (39.5N, 116.5E): lon 0.5…359.5 → i = 116, lat row 129 (from −89.5).
    const i = c.grid.locate(39.5, 116.5).index;
    expect(c.fluxMolM2S[i]! * AVOGADRO / 1e4).toBeGreaterThan(1e12); // a strong source in molecules cm-2 s-1
    void M_C;
  });
});
