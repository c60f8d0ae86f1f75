// Writes the CTDAS-size EnSRF problem store for tanhui solve (5 lags × 9835 parameters,
// N = 150, 200 obs) with @tanhui/io's default codec. Usage: make-problem.ts OUT.zarr [compressor]
import { createRng } from '@tanhui/core';
import { ZarrStore, type Compressor } from '@tanhui/io';

const [out, comp] = process.argv.slice(2);
const nparams = 5 * 9835, N = 150, nobs = 200;
const rng = createRng(1);
const x = Float64Array.from({ length: nparams }, () => 1 + 0.1 * rng.normal());
const X = Float64Array.from({ length: nparams * N }, () => 0.5 * rng.normal());
const HX = Float64Array.from({ length: nobs * N }, () => rng.normal());
// CTDAS's convention: member 0 is the mean run (zero deviation).
for (let i = 0; i < nparams; i++) X[i * N] = 0;
for (let o = 0; o < nobs; o++) HX[o * N] = 0;
const Hx = Float64Array.from({ length: nobs }, () => 400 + rng.normal());
const R = Float64Array.from({ length: nobs }, () => 1 + rng.uniform());
const obs = Float64Array.from(Hx, (v, i) => v + Math.sqrt(R[i]!) * rng.normal());
const s = await ZarrStore.create(out!, { attrs: { algorithm: 'serial', localization: 'none' }, overwrite: true });
const c = comp ? { compressor: comp as Compressor } : {};
await s.writeArray('x', x, { dims: ['nparams'], ...c });
await s.writeArray('X_prime', X, { shape: [nparams, N], dims: ['nparams', 'nmembers'], ...c });
await s.writeArray('Hx', Hx, { dims: ['nobs'], ...c });
await s.writeArray('HX_prime', HX, { shape: [nobs, N], dims: ['nobs', 'nmembers'], ...c });
await s.writeArray('obs', obs, { dims: ['nobs'], ...c });
await s.writeArray('R', R, { dims: ['nobs'], ...c });
