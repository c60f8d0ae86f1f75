// Catalogue of the main GLOBALVIEW / ObsPack / WMO-GAW CO2 sites with their real positions:
// latitude, longitude [° E, −180…180], surface elevation [m a.s.l.] and the usual intake
// height [m above ground]. Sources: NOAA GML site pages and ObsPack site attributes (public
// facts, rounded to ~0.01°); MLO, MKO, ESP, BAO and LEF as in the files in ../shared/data and the
// GCASv2 evaluation tables. The synthetic world places its stations here.
import type { ObsKind } from './record';

export interface Site {
  /** Lower-case site code as in ObsPack dataset names. */
  code: string;
  name: string;
  latDeg: number;
  lonDeg: number;
  /** Surface elevation [m a.s.l.]. */
  elevationM: number;
  /** Typical intake height [m above ground]. */
  intakeHeightM: number;
  /** Sampling altitude = elevation + intake [m a.s.l.]. */
  altitudeM: number;
  kind: ObsKind;
  country: string;
}

type Row = [code: string, name: string, lat: number, lon: number, elev: number, intake: number, kind: ObsKind, country: string];

const ROWS: Row[] = [
  ['mlo', 'Mauna Loa, Hawaii', 19.5362, -155.5763, 3397, 40, 'insitu', 'United States'],
  ['mko', 'Mauna Kea, Hawaii', 19.8228, -155.4693, 4199, 21, 'flask', 'United States'],
  ['brw', 'Barrow (Utqiaġvik), Alaska', 71.323, -156.6114, 11, 16, 'insitu', 'United States'],
  ['spo', 'South Pole', -89.98, -24.8, 2810, 11, 'insitu', 'Antarctica'],
  ['smo', 'Tutuila, American Samoa', -14.2474, -170.5644, 42, 18, 'insitu', 'United States'],
  ['wlg', 'Mt. Waliguan', 36.2879, 100.8964, 3810, 80, 'flask', 'China'],
  ['lfs', 'Longfengshan', 44.7333, 127.6, 331, 80, 'flask', 'China'],
  ['sdz', 'Shangdianzi', 40.65, 117.1167, 293, 80, 'flask', 'China'],
  ['lan', "Lin'an", 30.3, 119.7333, 139, 80, 'flask', 'China'],
  ['alt', 'Alert, Nunavut', 82.4508, -62.5072, 185, 15, 'flask', 'Canada'],
  ['asc', 'Ascension Island', -7.9667, -14.4, 85, 5, 'flask', 'United Kingdom'],
  ['azr', 'Terceira Island, Azores', 38.7662, -27.375, 19, 5, 'flask', 'Portugal'],
  ['bhd', 'Baring Head', -41.4083, 174.871, 85, 5, 'flask', 'New Zealand'],
  ['bmw', 'Tudor Hill, Bermuda', 32.2647, -64.8788, 30, 5, 'flask', 'United Kingdom'],
  ['cba', 'Cold Bay, Alaska', 55.21, -162.72, 21, 5, 'flask', 'United States'],
  ['cgo', 'Cape Grim, Tasmania', -40.683, 144.69, 94, 70, 'flask', 'Australia'],
  ['chr', 'Christmas Island', 1.7, -157.15, 0, 3, 'flask', 'Kiribati'],
  ['crz', 'Crozet Island', -46.4336, 51.8483, 197, 3, 'flask', 'France'],
  ['eic', 'Easter Island', -27.16, -109.43, 47, 3, 'flask', 'Chile'],
  ['gmi', 'Mariana Islands, Guam', 13.386, 144.656, 0, 5, 'flask', 'United States'],
  ['hba', 'Halley Station', -75.605, -26.21, 30, 3, 'flask', 'United Kingdom'],
  ['ice', 'Storhofdi, Heimaey', 63.4, -20.29, 118, 9, 'flask', 'Iceland'],
  ['izo', 'Izaña, Tenerife', 28.309, -16.499, 2373, 5, 'flask', 'Spain'],
  ['kum', 'Cape Kumukahi, Hawaii', 19.561, -154.888, 3, 5, 'flask', 'United States'],
  ['mhd', 'Mace Head', 53.326, -9.899, 5, 21, 'flask', 'Ireland'],
  ['nwr', 'Niwot Ridge, Colorado', 40.0531, -105.5864, 3523, 5, 'flask', 'United States'],
  ['psa', 'Palmer Station', -64.774, -64.0527, 10, 5, 'flask', 'Antarctica'],
  ['rpb', 'Ragged Point, Barbados', 13.165, -59.432, 15, 5, 'flask', 'Barbados'],
  ['sey', 'Mahé Island', -4.682, 55.532, 2, 5, 'flask', 'Seychelles'],
  ['shm', 'Shemya Island, Alaska', 52.711, 174.126, 23, 5, 'flask', 'United States'],
  ['sum', 'Summit, Greenland', 72.596, -38.422, 3210, 5, 'flask', 'Greenland'],
  ['syo', 'Syowa Station', -69.013, 39.59, 14, 5, 'flask', 'Antarctica'],
  ['tap', 'Tae-ahn Peninsula', 36.7376, 126.1328, 16, 5, 'flask', 'Republic of Korea'],
  ['uta', 'Wendover, Utah', 39.902, -113.718, 1327, 5, 'flask', 'United States'],
  ['uum', 'Ulaan Uul', 44.452, 111.096, 1007, 5, 'flask', 'Mongolia'],
  ['zep', 'Ny-Ålesund, Zeppelin', 78.907, 11.888, 474, 5, 'flask', 'Norway'],
  ['pal', 'Pallas-Sammaltunturi', 67.97, 24.116, 565, 7, 'flask', 'Finland'],
  ['jfj', 'Jungfraujoch', 46.548, 7.985, 3570, 10, 'insitu', 'Switzerland'],
  ['mnm', 'Minamitorishima', 24.288, 153.983, 7, 20, 'insitu', 'Japan'],
  ['ryo', 'Ryori', 39.03, 141.82, 260, 20, 'insitu', 'Japan'],
  ['cpt', 'Cape Point', -34.352, 18.489, 230, 30, 'insitu', 'South Africa'],
  ['lef', 'Park Falls, Wisconsin', 45.9451, -90.2732, 472, 396, 'tower', 'United States'],
  ['amt', 'Argyle, Maine', 45.0345, -68.6821, 53, 107, 'tower', 'United States'],
  ['wbi', 'West Branch, Iowa', 41.7248, -91.3529, 242, 379, 'tower', 'United States'],
  ['sgp', 'Southern Great Plains, Oklahoma', 36.607, -97.489, 314, 60, 'tower', 'United States'],
  ['bao', 'Boulder Atmospheric Observatory', 40.05, -105.004, 1584, 300, 'tower', 'United States'],
  ['esp', 'Estevan Point, British Columbia', 49.383, -126.5441, 7, 40, 'flask', 'Canada'],
  ['crv', 'CARVE tower, Fox, Alaska', 64.986, -147.598, 611, 32, 'tower', 'United States'],
  ['mwo', 'Mt. Wilson Observatory, California', 34.224, -118.057, 1729, 46, 'flask', 'United States'],
];

export const SITES: readonly Site[] = ROWS.map(([code, name, latDeg, lonDeg, elevationM, intakeHeightM, kind, country]) => ({
  code,
  name,
  latDeg,
  lonDeg,
  elevationM,
  intakeHeightM,
  altitudeM: elevationM + intakeHeightM,
  kind,
  country,
}));

const BY_CODE = new Map(SITES.map((s) => [s.code, s]));

/** The catalogued site with this code (case-insensitive), or undefined. */
export function findSite(code: string): Site | undefined {
  return BY_CODE.get(code.trim().toLowerCase());
}
