// The CTDAS-size EnSRF problem for `tanhui solve` (5 lags × 9835 parameters, N = 150, 200 obs),
// written as a Zarr store with @tanhui/io (its default codec unless one is named). Member 0 is
// the mean run (CTDAS's convention: zero deviation).
import { createRng } from '@tanhui/core';
import { ZarrStore, type Compressor } from '@tanhui/io';

/** Writes the problem to `out`; returns its size in MB (decoded float64). */
export async function writeCtdasProblem(out: string, compressor?: Compressor): Promise<number> {
  const nparams = 5 * 9835;
  const N = 150;
  const nobs = 200;
  const rng = createRng(1);
  const x = Float64Array.from({ length: nparams }, () => 1 + 0.1 * rng.normal());
  const X = Float64Array.from({ length: nparams * N }, (_, k) => (k % N === 0 ? 0 : 0.5 * rng.normal()));
  const HX = Float64Array.from({ length: nobs * N }, (_, k) => (k % N === 0 ? 0 : rng.normal()));
  const Hx = Float64Array.from({ length: nobs }, () => 400 + rng.normal());
  const R = Float64Array.from({ length: nobs }, () => 1 + rng.uniform());
  const obs = Float64Array.from(Hx, (v, i) => v + Math.sqrt(R[i]!) * rng.normal());
  const s = await ZarrStore.create(out, { attrs: { algorithm: 'serial', localization: 'none' }, overwrite: true });
  const c = compressor ? { compressor } : {};
  await s.writeArray('x', x, { dims: ['nparams'], ...c });
  await s.writeArray('X_prime', X, { shape: [nparams, N], dims: ['nparams', 'nmembers'], ...c });
  await s.writeArray('Hx', Hx, { dims: ['nobs'], ...c });
  await s.writeArray('HX_prime', HX, { shape: [nobs, N], dims: ['nobs', 'nmembers'], ...c });
  await s.writeArray('obs', obs, { dims: ['nobs'], ...c });
  await s.writeArray('R', R, { dims: ['nobs'], ...c });
  return (x.byteLength + X.byteLength + HX.byteLength + Hx.byteLength + R.byteLength + obs.byteLength) / 1e6;
}
