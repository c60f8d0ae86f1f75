// Physical constants in SI units, with the sources of the values used in the field.

/** Standard gravity [m s⁻²]. */
export const GRAVITY = 9.80665;
/** Mean molar mass of dry air [kg mol⁻¹]. */
export const M_AIR = 0.0289647;
/** Molar mass of carbon [kg mol⁻¹]. */
export const M_C = 0.0120107;
/** Molar mass of CO2 [kg mol⁻¹]. */
export const M_CO2 = 0.0440095;
/** Mean Earth radius [m] (as TM5 and most CTMs use). */
export const EARTH_RADIUS_M = 6.371e6;
/** Seconds in a (Julian) year, 365.25 days, as flux budgets in PgC yr⁻¹ use. */
export const SECONDS_PER_YEAR = 365.25 * 86400;
/** Seconds per day. */
export const SECONDS_PER_DAY = 86400;
/** 1 ppm of atmospheric CO2 corresponds to 2.124 PgC (Ballantyne et al. 2012). */
export const PGC_PER_PPM = 2.124;
/** 1 Pg = 1e12 kg. */
export const KG_PER_PG = 1e12;
/** Avogadro constant [mol⁻¹] (exact, SI 2019). */
export const AVOGADRO = 6.02214076e23;
/** Seconds per hour. */
export const SECONDS_PER_HOUR = 3600;
