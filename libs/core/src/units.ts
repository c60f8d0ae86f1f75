// Flux units. Inside tanhui fluxes are mol m⁻² s⁻¹ (moles of CO2, i.e. of carbon atoms),
// positive to the atmosphere. A "year" in flux units is the Julian year (365.25 d,
// SECONDS_PER_YEAR), as budgets in PgC yr⁻¹ conventionally use.
import { AVOGADRO, KG_PER_PG, M_C, M_CO2, PGC_PER_PPM, SECONDS_PER_DAY, SECONDS_PER_YEAR } from './constants';
import { TanhuiError } from './errors';

/** mol m⁻² s⁻¹ → kgC m⁻² s⁻¹ */
export function molM2SToKgCM2S(fluxMolM2S: number): number {
  return fluxMolM2S * M_C;
}
/** kgC m⁻² s⁻¹ → mol m⁻² s⁻¹ */
export function kgCM2SToMolM2S(fluxKgCM2S: number): number {
  return fluxKgCM2S / M_C;
}
/** mol m⁻² s⁻¹ → gC m⁻² yr⁻¹ (Julian year) */
export function molM2SToGCM2Yr(fluxMolM2S: number): number {
  return fluxMolM2S * M_C * 1e3 * SECONDS_PER_YEAR;
}
/** gC m⁻² yr⁻¹ → mol m⁻² s⁻¹ */
export function gCM2YrToMolM2S(fluxGCM2Yr: number): number {
  return fluxGCM2Yr / (M_C * 1e3 * SECONDS_PER_YEAR);
}
/** mol m⁻² s⁻¹ → gC m⁻² d⁻¹ */
export function molM2SToGCM2Day(fluxMolM2S: number): number {
  return fluxMolM2S * M_C * 1e3 * SECONDS_PER_DAY;
}
/** gC m⁻² d⁻¹ → mol m⁻² s⁻¹ */
export function gCM2DayToMolM2S(fluxGCM2Day: number): number {
  return fluxGCM2Day / (M_C * 1e3 * SECONDS_PER_DAY);
}
/** mol m⁻² s⁻¹ → µmol m⁻² s⁻¹ */
export function molM2SToUmolM2S(fluxMolM2S: number): number {
  return fluxMolM2S * 1e6;
}
/** µmol m⁻² s⁻¹ → mol m⁻² s⁻¹ */
export function umolM2SToMolM2S(fluxUmolM2S: number): number {
  return fluxUmolM2S * 1e-6;
}

/** A uniform flux [mol m⁻² s⁻¹] over an area [m²] as a total in PgC yr⁻¹. */
export function molM2SToPgCYr(fluxMolM2S: number, areaM2: number): number {
  return (fluxMolM2S * areaM2 * M_C * SECONDS_PER_YEAR) / KG_PER_PG;
}
/** A total in PgC yr⁻¹ spread uniformly over an area [m²] as a flux in mol m⁻² s⁻¹. */
export function pgCYrToMolM2S(totalPgCYr: number, areaM2: number): number {
  if (!(areaM2 > 0)) throw new TanhuiError('BadValue', `area ${areaM2} m² must be positive`);
  return (totalPgCYr * KG_PER_PG) / (areaM2 * M_C * SECONDS_PER_YEAR);
}
/** A total in mol s⁻¹ as PgC yr⁻¹. */
export function molSToPgCYr(totalMolS: number): number {
  return (totalMolS * M_C * SECONDS_PER_YEAR) / KG_PER_PG;
}

/**
 * Area-weighted total of a flux field [mol m⁻² s⁻¹] in PgC yr⁻¹: Σ F·A over cells where
 * `mask` (if given) is non-zero; `mask` may also be fractional (cell fraction in the region).
 */
export function totalPgCYr(fluxMolM2S: ArrayLike<number>, areaM2: ArrayLike<number>, mask?: ArrayLike<number>): number {
  if (fluxMolM2S.length !== areaM2.length || (mask && mask.length !== areaM2.length)) {
    throw new TanhuiError('BadShape', `flux (${fluxMolM2S.length}), area (${areaM2.length})${mask ? ` and mask (${mask.length})` : ''} differ in length`);
  }
  let s = 0;
  for (let k = 0; k < areaM2.length; k++) {
    const w = mask ? mask[k]! : 1;
    if (w !== 0) s += fluxMolM2S[k]! * areaM2[k]! * w;
  }
  return molSToPgCYr(s);
}

/** ppm of atmospheric CO2 → PgC (1 ppm = 2.124 PgC). */
export function ppmToPgC(ppm: number): number {
  return ppm * PGC_PER_PPM;
}
/** PgC → ppm of atmospheric CO2. */
export function pgCToPpm(pgC: number): number {
  return pgC / PGC_PER_PPM;
}
/** Mole fraction [mol mol⁻¹] → ppm. */
export function molMolToPpm(x: number): number {
  return x * 1e6;
}
/** ppm → mole fraction [mol mol⁻¹]. */
export function ppmToMolMol(ppm: number): number {
  return ppm * 1e-6;
}

// ---- parsing flux unit strings ---------------------------------------------------------------

const PREFIX: Record<string, number> = { '': 1, k: 1e3, m: 1e-3, u: 1e-6, n: 1e-9, p: 1e-12, G: 1e9, T: 1e12, P: 1e15 };
const TIME_S: Record<string, number> = {
  s: 1, sec: 1, second: 1, seconds: 1,
  min: 60, minute: 60, minutes: 60,
  h: 3600, hr: 3600, hour: 3600, hours: 3600,
  d: SECONDS_PER_DAY, day: SECONDS_PER_DAY, days: SECONDS_PER_DAY,
  yr: SECONDS_PER_YEAR, year: SECONDS_PER_YEAR, years: SECONDS_PER_YEAR, a: SECONDS_PER_YEAR,
};
const LENGTH_M: Record<string, number> = { m: 1, cm: 1e-2, km: 1e3, mm: 1e-3 };

interface Term {
  base: string;
  exp: number;
}

function normaliseUnitText(unit: string): string {
  return unit
    .replace(/CO[2₂]/g, 'Cx') // keep the species' digit out of the exponent grammar
    .replace(/[µμ]/g, 'u')
    .replace(/\bmicro(?=mol|g)/g, 'u')
    .replace(/\bmilli(?=mol|g)/g, 'm')
    .replace(/⁻/g, '-')
    .replace(/[⁰¹²³⁴⁵⁶⁷⁸⁹]/g, (c) => String('⁰¹²³⁴⁵⁶⁷⁸⁹'.indexOf(c)))
    .replace(/\*\*|\^/g, '')
    .replace(/[·⋅*]/g, ' ')
    .replace(/(?<!\d)\.|\.(?!\d)/g, ' ') // "mol.m-2.s-1"
    .replace(/\s*\/\s*/g, '/')
    .trim();
}

/** Split into terms with exponents; '/' negates the next factor or a parenthesised group. */
function unitTerms(text: string): { scale: number; terms: Term[] } | undefined {
  let scale = 1;
  const terms: Term[] = [];
  // Tokens: words with optional integer exponent, '/', '(', ')', or a leading number.
  const re = /\s*(\/|\(|\)|[+-]?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?(?![A-Za-z])|[A-Za-z]+(?:[+-]?\d+)?)/y;
  let pos = 0;
  let negateNext = false;
  let groupNeg = false;
  let depth = 0;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) return undefined;
    pos = re.lastIndex;
    const tok = m[1]!;
    if (tok === '/') {
      if (negateNext) return undefined;
      negateNext = true;
    } else if (tok === '(') {
      if (depth > 0) return undefined;
      depth = 1;
      groupNeg = negateNext;
      negateNext = false;
    } else if (tok === ')') {
      if (depth !== 1) return undefined;
      depth = 0;
      groupNeg = false;
    } else if (/^[+-]?\d/.test(tok)) {
      if (negateNext || terms.length > 0) return undefined; // only a leading scale factor
      scale *= Number(tok);
    } else {
      const w = /^([A-Za-z]+)([+-]?\d+)?$/.exec(tok)!;
      let exp = w[2] === undefined ? 1 : Number(w[2]);
      if (negateNext || groupNeg) exp = -exp;
      negateNext = false;
      terms.push({ base: w[1]!, exp });
    }
  }
  if (negateNext || depth !== 0) return undefined;
  return { scale, terms };
}

/**
 * Factor that converts values in `unit` to mol m⁻² s⁻¹ (value_molM2S = value · factor).
 * Understands amounts (mol, mmol, µmol/umol, molecules), masses of carbon or CO2 (kgC, gC,
 * PgC, g CO2, kgCO2 …), areas (m-2, m^-2, /m2, /m², cm-2, km-2) and times (s, min, h, d, yr;
 * yr = 365.25 d). Spellings: "mol m-2 s-1", "kgC/m2/s", "gC m-2 d-1", "umol m-2 s-1",
 * "µmol/m²/s", "molecules cm-2 s-1" (MOZART), "mol/(m2 s)".
 * Throws BadUnits for anything else, including masses without a species ("kg m-2 s-1" could
 * be kg of C or of CO2) and months (no fixed length) unless the caller gives the length of the
 * month in question (`secondsPerMonth`, e.g. for GFED's "g C m-2 month-1"): no guessing.
 */
export function fluxUnitFactor(
  unit: string,
  options: { file?: string; variable?: string; secondsPerMonth?: number } = {},
): number {
  const { secondsPerMonth, ...where } = options;
  const fail = (why: string): never => {
    throw new TanhuiError('BadUnits', `cannot use flux units '${unit}': ${why}`, {
      hint: "give fluxes in e.g. 'mol m-2 s-1', 'umol m-2 s-1', 'kgC m-2 s-1', 'gC m-2 d-1', 'gC m-2 yr-1'",
      context: { ...where },
    });
  };
  if (typeof unit !== 'string' || unit.trim() === '') return fail('empty');
  const parsed = unitTerms(normaliseUnitText(unit));
  if (!parsed) return fail('unreadable');
  const { terms } = parsed;
  let factor = parsed.scale;
  let amountExp = 0;
  let lengthExp = 0;
  let timeExp = 0;
  for (let k = 0; k < terms.length; k++) {
    const { base, exp } = terms[k]!;
    // A species written as its own word after a mass or amount ("kg C", "g CO2", "mol CO2").
    const next = terms[k + 1];
    const species = next && exp === 1 && next.exp === 1 && (next.base === 'C' || next.base === 'Cx') ? next.base : undefined;
    let m: RegExpExecArray | null;
    if ((m = /^(k|m|u|n|p)?mol(C|Cx)?$/.exec(base))) {
      factor *= PREFIX[m[1] ?? '']! ** exp;
      amountExp += exp;
      if (species && !m[2]) k++;
    } else if (/^(molecules?|molec)$/.test(base)) {
      factor *= (1 / AVOGADRO) ** exp;
      amountExp += exp;
      if (species) k++;
    } else if ((m = /^(k|m|u|n|G|T|P)?g(C|Cx)?$/.exec(base))) {
      const sp = m[2] ?? species;
      if (!sp) return fail(`the mass '${base}' names no species (C or CO2)`);
      if (!m[2]) k++;
      const molarMassKg = sp === 'C' ? M_C : M_CO2;
      factor *= ((PREFIX[m[1] ?? '']! * 1e-3) / molarMassKg) ** exp;
      amountExp += exp;
    } else if (base in LENGTH_M) {
      factor *= LENGTH_M[base]! ** exp;
      lengthExp += exp;
    } else if (base in TIME_S) {
      factor *= TIME_S[base]! ** exp;
      timeExp += exp;
    } else if (/^(month|months|mon|mo)$/.test(base)) {
      if (secondsPerMonth === undefined) return fail('a month has no fixed length (pass secondsPerMonth)');
      if (!(secondsPerMonth > 0)) return fail(`secondsPerMonth ${secondsPerMonth} is not positive`);
      factor *= secondsPerMonth ** exp;
      timeExp += exp;
    } else {
      return fail(`unknown unit '${base}'`);
    }
  }
  if (amountExp !== 1 || lengthExp !== -2 || timeExp !== -1) {
    return fail('not an amount of carbon per area per time');
  }
  return factor;
}

/** Convert a flux field between two unit strings (see fluxUnitFactor). Returns a new array. */
export function convertFlux(values: ArrayLike<number>, fromUnit: string, toUnit = 'mol m-2 s-1'): Float64Array {
  const f = fluxUnitFactor(fromUnit) / fluxUnitFactor(toUnit);
  const out = new Float64Array(values.length);
  for (let k = 0; k < values.length; k++) out[k] = values[k]! * f;
  return out;
}
