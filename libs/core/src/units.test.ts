import { describe, expect, it } from 'vitest';
import { isTanhuiError } from './errors';
import {
  convertFlux,
  fluxUnitFactor,
  gCM2DayToMolM2S,
  gCM2YrToMolM2S,
  kgCM2SToMolM2S,
  molM2SToGCM2Day,
  molM2SToGCM2Yr,
  molM2SToKgCM2S,
  molM2SToPgCYr,
  molM2SToUmolM2S,
  pgCToPpm,
  pgCYrToMolM2S,
  ppmToPgC,
  totalPgCYr,
  umolM2SToMolM2S,
} from './units';

// Hand computations with the constants written out: M_C = 12.0107 g/mol, year = 365.25 d.
const YEAR_S = 365.25 * 24 * 3600; // 31 557 600 s
const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

describe('flux conversions', () => {
  it('1 µmol m⁻² s⁻¹ is 379.029 gC m⁻² yr⁻¹', () => {
    // 1e-6 mol × 12.0107 g/mol × 31 557 600 s = 379.0289 g
    expect(rel(molM2SToGCM2Yr(1e-6), 1e-6 * 12.0107 * 31557600)).toBeLessThan(1e-15);
    expect(rel(molM2SToGCM2Yr(1e-6), 379.028868)).toBeLessThan(1e-7);
  });
  it('round-trips and agrees between routes', () => {
    for (const f of [1e-6, -3.2e-8, 42]) {
      expect(rel(gCM2YrToMolM2S(molM2SToGCM2Yr(f)), f)).toBeLessThan(1e-15);
      expect(rel(gCM2DayToMolM2S(molM2SToGCM2Day(f)), f)).toBeLessThan(1e-15);
      expect(rel(kgCM2SToMolM2S(molM2SToKgCM2S(f)), f)).toBeLessThan(1e-15);
      expect(rel(umolM2SToMolM2S(molM2SToUmolM2S(f)), f)).toBeLessThan(1e-15);
      expect(rel(molM2SToGCM2Day(f) * 365.25, molM2SToGCM2Yr(f))).toBeLessThan(1e-15);
    }
    expect(molM2SToKgCM2S(1)).toBe(0.0120107);
  });
  it('a 1 µmol m⁻² s⁻¹ sink over 1e12 m² is −0.379 PgC yr⁻¹', () => {
    // 1e-6 mol/m²/s × 1e12 m² × 0.0120107 kg/mol × YEAR_S s = 3.790e11 kg = 0.379 Pg
    expect(rel(molM2SToPgCYr(-1e-6, 1e12), (-1e-6 * 1e12 * 0.0120107 * YEAR_S) / 1e12)).toBeLessThan(1e-15);
    expect(rel(pgCYrToMolM2S(molM2SToPgCYr(-1e-6, 1e12), 1e12), -1e-6)).toBeLessThan(1e-15);
  });
  it('sums a field with areas and a fractional mask', () => {
    const flux = [1e-6, 2e-6, -1e-6];
    const area = [1e12, 2e12, 3e12];
    const expected = ((1e-6 * 1e12 + 0.5 * 2e-6 * 2e12) * 0.0120107 * YEAR_S) / 1e12;
    expect(rel(totalPgCYr(flux, area, [1, 0.5, 0]), expected)).toBeLessThan(1e-15);
    expect(() => totalPgCYr(flux, [1, 2])).toThrow(/length/);
  });
  it('1 ppm is 2.124 PgC', () => {
    expect(ppmToPgC(2)).toBe(4.248);
    expect(pgCToPpm(2.124)).toBe(1);
  });
});

describe('fluxUnitFactor', () => {
  const molC = 0.0120107; // kg/mol
  const molCO2 = 0.0440095;
  it.each([
    ['mol m-2 s-1', 1],
    ['mol/m2/s', 1],
    ['mol m^-2 s^-1', 1],
    ['mol m**-2 s**-1', 1],
    ['mol.m-2.s-1', 1],
    ['mol/(m2 s)', 1],
    ['mol m⁻² s⁻¹', 1],
    ['umol m-2 s-1', 1e-6],
    ['µmol/m²/s', 1e-6],
    ['μmol m-2 s-1', 1e-6],
    ['micromol', NaN],
    ['micromol m-2 s-1', 1e-6],
    ['mol CO2 m-2 s-1', 1],
    ['gC/m^2/day', 1e-3 / molC / 86400],
    ['kgC/m2/s', 1 / molC],
    ['kg C m-2 s-1', 1 / molC],
    ['kgC m-2 s-1', 1 / molC],
    ['kg CO2 m-2 s-1', 1 / molCO2],
    ['kgCO2/m2/s', 1 / molCO2],
    ['gC m-2 d-1', 1e-3 / molC / 86400],
    ['g C m-2 day-1', 1e-3 / molC / 86400],
    ['gC m-2 yr-1', 1e-3 / molC / YEAR_S],
    ['gC/m2/year', 1e-3 / molC / YEAR_S],
    ['molecules cm-2 s-1', 1e4 / 6.02214076e23],
    ['mol m-2 h-1', 1 / 3600],
    ['1e-6 mol m-2 s-1', 1e-6],
  ] as const)('%s', (unit, factor) => {
    if (Number.isNaN(factor)) {
      expect(() => fluxUnitFactor(unit)).toThrow();
      return;
    }
    expect(rel(fluxUnitFactor(unit), factor)).toBeLessThan(1e-14);
  });

  it.each(['kg m-2 s-1', 'gC m-2 month-1', 'mol m-2', 'mol m-3 s-1', 'mol/m2 s', 'PgC yr-1', 'ppm', '', 'furlongs', 'gC m-2 yr-1 s-1'])(
    'refuses %j with BadUnits (no guessing)',
    (unit) => {
      let err: unknown;
      try {
        fluxUnitFactor(unit, { file: 'prior.nc', variable: 'nee' });
      } catch (e) {
        err = e;
      }
      expect(isTanhuiError(err, 'BadUnits')).toBe(true);
      expect((err as { context: { variable?: string } }).context.variable).toBe('nee');
    },
  );

  it('accepts months only with the caller’s month length', () => {
    const feb2016 = 29 * 86400;
    expect(rel(fluxUnitFactor('g C m-2 month-1', { secondsPerMonth: feb2016 }), 1e-3 / molC / feb2016)).toBeLessThan(1e-14);
    expect(() => fluxUnitFactor('g C m-2 month-1')).toThrow(/secondsPerMonth/);
  });

  it('converts MOZART molecules cm⁻² s⁻¹ as 1 mol m⁻² s⁻¹ = 6.022e19', () => {
    const out = convertFlux([6.02214076e19], 'molecules cm-2 s-1');
    expect(rel(out[0]!, 1)).toBeLessThan(1e-14);
    expect(rel(convertFlux([1], 'umol m-2 s-1', 'gC m-2 yr-1')[0]!, 1e-6 * 12.0107 * YEAR_S)).toBeLessThan(1e-14);
  });
});
