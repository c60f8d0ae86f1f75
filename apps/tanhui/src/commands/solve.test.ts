// `tanhui solve` end to end through main(): problems written by xarray (Debian's Python) are
// solved and the outputs read back by xarray and checked against numpy's closed-form Kalman
// answer; bad inputs give one line naming the array, a non-zero exit and no output store.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZarrStore } from '@tanhui/io';
import { runCli } from '../__tests__/helpers';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tanhui-solve-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await runCli(args);
  return { code: r.code, out: r.stdout, err: r.stderr };
}

function hasPythonXarray(): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import xarray, zarr, numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function py(code: string): string {
  return execFileSync('/usr/bin/python3', ['-c', code], { encoding: 'utf8' });
}

const WRITE_LINEAR = (file: string, fullB: boolean) => `
import numpy as np, xarray as xr
rng = np.random.default_rng(5)
m, n = 7, 5
H = rng.uniform(-1, 1, (m, n)); y = rng.normal(size=m); R = 0.5 + rng.uniform(size=m)
xb = rng.normal(size=n); G = rng.normal(size=(n, n)); B = G @ G.T / n + 0.5 * np.eye(n)
ds = xr.Dataset({'H': (('nobs', 'n'), H), 'y': ('nobs', y), 'R': ('nobs', R), 'xb': ('n', xb)})
if ${fullB ? 'True' : 'False'}: ds['B'] = (('n', 'n2'), B)
else: ds['B_diag'] = ('n', np.diag(B).copy())
ds.to_zarr('${file}', mode='w')
`;

const CHECK_LINEAR = (inp: string, out: string) => `
import numpy as np, xarray as xr, json
i = xr.open_zarr('${inp}'); o = xr.open_zarr('${out}')
H, y, R, xb = (i[k].values for k in ('H', 'y', 'R', 'xb'))
B = i['B'].values if 'B' in i else np.diag(i['B_diag'].values)
D = H @ B @ H.T + np.diag(R)
K = B @ H.T @ np.linalg.inv(D)
xa = xb + K @ (y - H @ xb); Pa = B - K @ H @ B
d = y - H @ xb
print(json.dumps({'xa': float(np.abs(o['xa'].values - xa).max()), 'Pa': float(np.abs(o['Pa'].values - Pa).max()),
  'sigma': float(np.abs(o['sigma_a'].values - np.sqrt(np.diag(Pa))).max()),
  'J': abs(o.attrs['J'] - d @ np.linalg.solve(D, d)), 'dofs': abs(o.attrs['dofs'] - np.trace(H @ K)),
  'iterations': o.attrs['iterations']}))
`;

describe('tanhui solve', () => {
  it.skipIf(!hasPythonXarray())("batch and 4dvar on xarray-written problems (B full and diagonal) match numpy's Kalman answer", async () => {
    const cases = ['batch', '4dvar'].flatMap((method) => [true, false].map((fullB) => ({ method, fullB, name: `lin-${method}-${fullB}` })));
    // One Python start for all inputs and one for all checks (each start costs seconds here).
    py(cases.map((c) => WRITE_LINEAR(path.join(tmp, `${c.name}.zarr`), c.fullB)).join('\n'));
    for (const c of cases) {
      const r = await run('solve', '--problem', path.join(tmp, `${c.name}.zarr`), '--method', c.method, '--out', path.join(tmp, `${c.name}-out.zarr`));
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/J = .*chi2\/nobs = .*DOFS = /);
    }
    const checks = py(cases.map((c) => CHECK_LINEAR(path.join(tmp, `${c.name}.zarr`), path.join(tmp, `${c.name}-out.zarr`))).join('\n'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    checks.forEach((c, k) => {
      expect(c.xa).toBeLessThan(1e-8);
      expect(c.Pa).toBeLessThan(1e-8);
      expect(c.sigma).toBeLessThan(1e-8);
      expect(c.J).toBeLessThan(1e-8);
      expect(c.dofs).toBeLessThan(1e-8);
      if (cases[k].method === '4dvar') expect(c.iterations).toBeGreaterThan(0);
      else expect(c.iterations).toBe(0);
    });
  });

  it.skipIf(!hasPythonXarray())('ensrf on a CTDAS-style ensemble: one-observation update matches numpy', async () => {
    const inp = path.join(tmp, 'ens.zarr');
    const out = path.join(tmp, 'ens-out.zarr');
    py(`
import numpy as np, xarray as xr
rng = np.random.default_rng(2)
P, N = 4, 6
X = rng.normal(size=(P, N)); X[:, 0] = 0
h = rng.normal(size=N); h[0] = 0
ds = xr.Dataset({'x': ('nparameters', rng.normal(size=P)), 'X_prime': (('nparameters', 'nmembers'), X),
  'Hx': ('nobs', [1.0]), 'HX_prime': (('nobs', 'nmembers'), h[None, :]), 'obs': ('nobs', [2.0]), 'R': ('nobs', [0.7]),
  'may_reject': ('nobs', np.array([1], 'i4')), 'may_localize': ('nobs', np.array([0], 'i4')), 'flags': ('nobs', np.array([0], 'i4'))},
  attrs={'algorithm': 'serial', 'localization': 'CT2007', 'rejection_threshold': 3.0, 'mean_is_member0': True})
ds.to_zarr('${inp}', mode='w')
`);
    const r = await run('solve', '--problem', inp, '--method', 'ensrf', '--out', out);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const c = JSON.parse(
      py(`
import numpy as np, xarray as xr, json
i = xr.open_zarr('${inp}'); o = xr.open_zarr('${out}')
X = i.X_prime.values; h = i.HX_prime.values[0]; N = X.shape[1]; R = 0.7
HPHR = h @ h / (N - 1) + R
K = X @ h / (N - 1) / HPHR
a = 1 / (1 + np.sqrt(R / HPHR))
x = i.x.values + K * (2.0 - 1.0)
Xa = X - a * np.outer(K, h)
print(json.dumps({'x': float(np.abs(o.x.values - x).max()), 'X': float(np.abs(o.X_prime.values - Xa).max()),
  'HPHR': float(abs(o.HPHR.values[0] - HPHR)), 'flags': int(o.flags.values[0]), 'alg': o.attrs['algorithm']}))
`),
    );
    expect(c.x).toBeLessThan(1e-12);
    expect(c.X).toBeLessThan(1e-12);
    expect(c.HPHR).toBeLessThan(1e-12);
    expect(c.flags).toBe(0);
    expect(c.alg).toBe('serial');
  });

  it('bad input: one line naming the array, exit code 3, no output store', async () => {
    const inp = path.join(tmp, 'bad.zarr');
    const store = await ZarrStore.create(inp);
    await store.writeArray('H', Float64Array.of(1, 2, 3, 4, 5, 6), { shape: [2, 3], dims: ['nobs', 'n'] });
    await store.writeArray('y', Float64Array.of(1, 2), { dims: ['nobs'] });
    await store.writeArray('R', Float64Array.of(1, 1), { dims: ['nobs'] });
    await store.writeArray('xb', Float64Array.of(0, 0, 0), { dims: ['n'] });
    const out = path.join(tmp, 'bad-out.zarr');
    let r = await run('solve', '--problem', inp, '--method', 'batch', '--out', out);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/MissingVariable: array 'B' \(or 'B_diag'\) is missing \(file .*bad\.zarr, variable B\)/);
    expect(fs.existsSync(out)).toBe(false);
    await store.writeArray('B_diag', Float64Array.of(1, NaN, 1), { dims: ['n'] });
    r = await run('solve', '--problem', inp, '--method', 'batch', '--out', out);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/BadValue: array 'B_diag' has a non-finite value/);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.readdirSync(tmp).some((f) => f.includes('.partial-'))).toBe(false);
    r = await run('solve', '--problem', path.join(tmp, 'nope.zarr'), '--method', 'batch', '--out', out);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/MissingFile/);
    r = await run('solve', '--problem', inp, '--method', 'magic', '--out', out);
    expect(r.err).toMatch(/--method must be one of batch, ensrf, 4dvar/);
  });

  it('refuses to overwrite an existing output unless asked', async () => {
    const inp = path.join(tmp, 'ok.zarr');
    const store = await ZarrStore.create(inp);
    await store.writeArray('H', Float64Array.of(2), { shape: [1, 1], dims: ['nobs', 'n'] });
    await store.writeArray('y', Float64Array.of(5), { dims: ['nobs'] });
    await store.writeArray('R', Float64Array.of(1), { dims: ['nobs'] });
    await store.writeArray('xb', Float64Array.of(1), { dims: ['n'] });
    await store.writeArray('B_diag', Float64Array.of(4), { dims: ['n'] });
    const out = path.join(tmp, 'ok-out.zarr');
    expect((await run('solve', '--problem', inp, '--method', 'batch', '--out', out)).code).toBe(0);
    const xa = (await (await ZarrStore.open(out)).readArray('xa')).data as Float64Array;
    // Scalar closed form: xa = xb + b h (y − h xb)/(h² b + r) = 1 + 8·3/17.
    expect(xa[0]).toBeCloseTo(1 + 24 / 17, 12);
    const again = await run('solve', '--problem', inp, '--method', 'batch', '--out', out);
    expect(again.code).toBe(3);
    expect(again.err).toMatch(/StoreConflict/);
    expect((await run('solve', '--problem', inp, '--method', 'batch', '--out', out, '--overwrite')).code).toBe(0);
  });
});
