// GCASv2's own outputs on the shared reference case (../shared/gcas): rebuild the inputs with
// its make_inputs.sh, run tanhui's GCAS analysis on both windows (window 2 reads the λ file
// window 1 wrote) and compare with reference/ at the shared README's tolerances. Skips when the
// shared case or Debian's python3-netCDF4 is absent. The worst differences are printed.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readVariable } from '@tanhui/io';
import type { GcasEnsrfResult } from './ensrf';
import { runGcasEnsrf } from './outputs';
import { runCli } from '../__tests__/helpers';
import { stateGrid } from './ensrf';
import { readGcasNamelist } from './namelist';
import { gcasStateEnsemble, readPriorWindow, runGenEnsemble } from './gen-ensemble';

const SHARED = process.env.TANHUI_GCAS_CASE ?? path.resolve(__dirname, '../../../../../../shared/gcas');
const CANDIDATES = [SHARED, '/work/shared/gcas'];
const CASE_DIR = CANDIDATES.find((d) => fs.existsSync(path.join(d, 'make_inputs.sh')));
const PYTHON = '/usr/bin/python3';
const haveNetcdf4 = ((): boolean => {
  try {
    execFileSync(PYTHON, ['-c', 'import netCDF4'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const DAYS = ['20140906', '20140908'];

function table(file: string): number[][] {
  return zlib
    .gunzipSync(fs.readFileSync(file))
    .toString()
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => l.trim().split(/\s+/).map(Number));
}

async function refVar(file: string, name: string): Promise<Float64Array> {
  const v = await readVariable(file, name, { decode: false });
  return Float64Array.from(v.data as ArrayLike<number>, Number);
}

const worst: string[] = [];

describe.skipIf(!CASE_DIR || !haveNetcdf4)('GCASv2 reference case (../shared/gcas)', () => {
  const ref = path.join(CASE_DIR ?? '', 'reference');
  let root = '';
  const results: GcasEnsrfResult[] = [];

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'tanhui-gcas-'));
    execFileSync('bash', [path.join(CASE_DIR!, 'make_inputs.sh'), root], { stdio: 'ignore', env: { ...process.env, PYTHON } });
    for (const step of [1, 2]) results.push(await runGcasEnsrf(path.join(root, 'asmlt', `ensrf.step${step}.nml`), { debug: true }));
  }, 600_000);

  afterAll(() => {
    if (root) fs.rmSync(root, { recursive: true, force: true });
    if (worst.length > 0) console.log(`GCAS reference case, worst differences:\n  ${worst.join('\n  ')}`);
  });

  for (const [w, day] of DAYS.entries()) {
    it(`window ${w + 1} (${day}): super-obs count, order, kind, y, σ and every member's H within 2e-3 ppm`, () => {
      const r = results[w];
      const obs = table(path.join(ref, 'debug', `ensrf_dump_obs.${day}.txt.gz`));
      expect(r.superObs.n).toBe(obs.length);
      let dy = 0;
      let ds = 0;
      let dh = 0;
      let dpos = 0;
      for (const [o, row] of obs.entries()) {
        expect(row[0]).toBe(o + 1);
        expect(r.superObs.kind[o]).toBe(row[1]);
        dpos = Math.max(dpos, Math.abs(r.superObs.lat[o] - row[2]), Math.abs(r.superObs.lon[o] - row[3]));
        dy = Math.max(dy, Math.abs(r.superObs.yPpm[o] - row[4]));
        ds = Math.max(ds, Math.abs(r.superObs.sigmaPpm[o] - row[5]));
        for (let n = 0; n < r.members; n++) dh = Math.max(dh, Math.abs(r.superObs.hxPpm[o * r.members + n] - row[6 + n]));
      }
      worst.push(`w${w + 1} super-obs ${obs.length}: |Δy| ${dy.toExponential(2)}, |Δσ| ${ds.toExponential(2)}, |ΔH| ${dh.toExponential(2)} ppm, |Δpos| ${dpos.toExponential(2)}°`);
      expect(dpos).toBeLessThan(1e-4);
      expect(dy).toBeLessThan(2e-3);
      expect(ds).toBeLessThan(2e-3);
      expect(dh).toBeLessThan(2e-3);
    });

    it(`window ${w + 1} (${day}): obs lists identical in ≥ 99.5 % of cells, distances, Nobs and Lscale`, async () => {
      const r = results[w];
      const { bnx, bny } = r.state;
      const refLists = new Map<number, { obs: number[]; dist: number[] }>();
      for (const [i, j, v, , o, d] of table(path.join(ref, 'debug', `ensrf_dump_sel.${day}.txt.gz`))) {
        const c = ((v - 1) * bny + (j - 1)) * bnx + (i - 1);
        const e = refLists.get(c) ?? { obs: [], dist: [] };
        e.obs.push(o - 1);
        e.dist.push(d);
        refLists.set(c, e);
      }
      const nCells = r.state.bnvar * bny * bnx;
      let same = 0;
      let dd = 0;
      let withObs = 0;
      for (let c = 0; c < nCells; c++) {
        const mine = Array.from(r.analysis.selObs.subarray(r.analysis.selStart[c], r.analysis.selStart[c + 1]));
        const theirs = refLists.get(c);
        if (theirs) withObs++;
        if (JSON.stringify(mine) === JSON.stringify(theirs?.obs ?? [])) {
          same++;
          const md = r.analysis.selDistanceKm.subarray(r.analysis.selStart[c], r.analysis.selStart[c + 1]);
          for (const [k, d] of (theirs?.dist ?? []).entries()) dd = Math.max(dd, Math.abs(md[k] - d) / d);
        }
      }
      const lam = path.join(ref, 'emissions.opt.lambda.nc');
      const nobs = (await refVar(lam, 'Nobs')).subarray(w * nCells, (w + 1) * nCells);
      const lscale = (await refVar(lam, 'Lscale')).subarray(w * nCells, (w + 1) * nCells);
      let nobsSame = 0;
      let lscaleSame = 0;
      for (let c = 0; c < nCells; c++) {
        if (nobs[c] === r.analysis.nObs[c]) nobsSame++;
        if (lscale[c] === r.analysis.lscaleKm[c]) lscaleSame++;
      }
      const frac = same / nCells;
      worst.push(
        `w${w + 1} obs lists: ${same}/${nCells} cells identical (${withObs} with obs; ${(100 * frac).toFixed(2)} %), Nobs ${nobsSame}/${nCells}, Lscale ${lscaleSame}/${nCells}, distance rel. ${dd.toExponential(2)}`,
      );
      expect(frac).toBeGreaterThanOrEqual(0.995);
      expect(dd).toBeLessThan(1e-6);
      expect(nobsSame / nCells).toBeGreaterThanOrEqual(0.995);
      expect(lscaleSame / nCells).toBeGreaterThanOrEqual(0.995);
    });

    it(`window ${w + 1} (${day}): posterior mean within 1e-3 relative, posterior members`, () => {
      const r = results[w];
      const st = table(path.join(ref, 'debug', `ensrf_dump_state.${day}.txt.gz`));
      const xn = table(path.join(ref, 'debug', `ensrf_dump_xnew.${day}.txt.gz`));
      const { bnx, bny } = r.state;
      let dPrior = 0;
      let dPost = 0;
      let snumSame = 0;
      for (const [i, j, v, snum, prior, post] of st) {
        const c = ((v - 1) * bny + (j - 1)) * bnx + (i - 1);
        const scale = Math.max(Math.abs(prior), Math.abs(post), 1e-30);
        dPrior = Math.max(dPrior, Math.abs(r.analysis.xmeanPrior[c] - prior) / scale);
        dPost = Math.max(dPost, Math.abs(r.analysis.xmeanPost[c] - post) / scale);
        if (snum === r.analysis.nObs[c]) snumSame++;
      }
      let dX = 0;
      for (const row of xn) {
        const [i, j, v] = row;
        const c = ((v - 1) * bny + (j - 1)) * bnx + (i - 1);
        let scale = 1e-30;
        for (let n = 0; n < r.members; n++) scale = Math.max(scale, Math.abs(row[3 + n]));
        for (let n = 0; n < r.members; n++) dX = Math.max(dX, Math.abs(r.analysis.xnew[c * r.members + n] - row[3 + n]) / scale);
      }
      worst.push(`w${w + 1} state: prior mean rel. ${dPrior.toExponential(2)}, posterior mean rel. ${dPost.toExponential(2)}, XNEW rel. (to the cell's largest) ${dX.toExponential(2)}, snum ${snumSame}/${st.length}`);
      expect(dPrior).toBeLessThan(1e-5);
      expect(dPost).toBeLessThan(1e-3);
      expect(dX).toBeLessThan(1e-3);
    });

    it(`window ${w + 1} (${day}): λ within 2e-4, dflux/bgopt within 2e-4·|bgorg| + 1 gC, xnum exact, xbias 2e-3 ppm (written files)`, async () => {
      const r = results[w];
      const nCells = r.state.bnvar * r.state.bny * r.state.bnx;
      const plane = r.state.bny * r.state.bnx;
      const lamRef = path.join(ref, 'emissions.opt.lambda.nc');
      const lamMine = path.join(root, 'output', 'ref', 'emissions.opt.lambda.nc');
      const cmpRef = path.join(ref, `emissions.opt.compare.${day}.nc`);
      const cmpMine = path.join(root, 'output', 'ref', `emissions.opt.compare.${day}.nc`);
      const pick = (a: Float64Array, size: number): Float64Array => a.subarray(w * size, (w + 1) * size);
      const lambdaRef = pick(await refVar(lamRef, 'lambda'), nCells);
      const lambdaMine = pick(await refVar(lamMine, 'lambda'), nCells);
      const bgorg = await refVar(cmpRef, 'bgorg');
      let dl = 0;
      let ddf = 0;
      let dopt = 0;
      const dfRef = await refVar(cmpRef, 'dflux');
      const dfMine = await refVar(cmpMine, 'dflux');
      const optRef = await refVar(cmpRef, 'bgopt');
      const optMine = await refVar(cmpMine, 'bgopt');
      const dfLamRef = pick(await refVar(lamRef, 'dflux'), nCells);
      const dfLamMine = pick(await refVar(lamMine, 'dflux'), nCells);
      for (let c = 0; c < nCells; c++) {
        dl = Math.max(dl, Math.abs(lambdaMine[c] - lambdaRef[c]));
        const tol = 2e-4 * Math.abs(bgorg[c]) + 1;
        ddf = Math.max(ddf, Math.abs(dfMine[c] - dfRef[c]) / tol, Math.abs(dfLamMine[c] - dfLamRef[c]) / tol);
        dopt = Math.max(dopt, Math.abs(optMine[c] - optRef[c]) / tol);
      }
      const xnumRef = pick(await refVar(lamRef, 'xnum'), plane);
      const xnumMine = pick(await refVar(lamMine, 'xnum'), plane);
      const xbRef = pick(await refVar(lamRef, 'xbias'), plane);
      const xbMine = pick(await refVar(lamMine, 'xbias'), plane);
      let xnumDiff = 0;
      let dxb = 0;
      for (let c = 0; c < plane; c++) {
        xnumDiff += xnumRef[c] === xnumMine[c] ? 0 : 1;
        dxb = Math.max(dxb, Math.abs(xbRef[c] - xbMine[c]));
      }
      worst.push(
        `w${w + 1} λ |Δ| ${dl.toExponential(2)}; dflux ${ddf.toFixed(4)} and bgopt ${dopt.toFixed(4)} of their tolerance (2e-4·|bgorg| + 1 gC); xnum cells differing ${xnumDiff}; xbias |Δ| ${dxb.toExponential(2)} ppm`,
      );
      expect(dl).toBeLessThan(2e-4);
      expect(ddf).toBeLessThan(1);
      expect(dopt).toBeLessThan(1);
      expect(xnumDiff).toBe(0);
      expect(dxb).toBeLessThan(2e-3);
    });
  }
  it("gen-ensemble: bgmean_org as GCAS's Gen_ensembles made it; with GCAS's λ (from its bgens) every member; λ spread = bunc", async () => {
    const nmlFile = path.join(root, 'asmlt', 'gen.nml');
    const gen = path.join(root, 'gen');
    fs.writeFileSync(
      nmlFile,
      fs.readFileSync(path.join(root, 'asmlt', 'ensrf.step1.nml'), 'utf8')
        .replace(/mozartdir\s*=\s*"[^"]*"/, `mozartdir = "${gen}/mozart4"`)
        .replace(/opt_dir\s*=\s*"[^"]*"/, `opt_dir = "${gen}/output"`),
    );
    const h0 = path.join(root, 'mozart4', 'run_ensemble', 'hist', 'ref.mz4.h0.2014-09-06-10800.nc');
    const r = await runGenEnsemble(nmlFile, { seed: 1, gridFrom: h0 });
    expect(r.written).toHaveLength(20 + 2);
    const refFile = path.join(ref, 'emissions.intermediate.20140906.nc');
    const mine = path.join(gen, 'mozart4', 'data', 'emis', 'emissions.intermediate.20140906.nc');
    const orgRef = await refVar(refFile, 'bgmean_org');
    const orgMine = await refVar(mine, 'bgmean_org');
    let dOrg = 0;
    let scale = 0;
    for (const v of orgRef) scale = Math.max(scale, Math.abs(v));
    for (let k = 0; k < orgRef.length; k++) dOrg = Math.max(dOrg, Math.abs(orgMine[k] - orgRef[k]) / (Math.abs(orgRef[k]) + 1e-6 * scale));
    // GCAS's λ back from its members: bgens = bgmean_org·(1 + λ) per cell.
    const bgensRef = await refVar(refFile, 'bgens');
    const N = 20;
    const nc = orgRef.length;
    const lambda = new Float64Array(nc * N);
    for (let n = 0; n < N; n++) for (let c = 0; c < nc; c++) lambda[c * N + n] = orgRef[c] === 0 ? 0 : bgensRef[n * nc + c] / orgRef[c] - 1;
    const nml = readGcasNamelist(nmlFile);
    const e = gcasStateEnsemble(stateGrid(nml.resb, nml.optScheme), await readPriorWindow(nml), lambda, N);
    let dEns = 0;
    for (let n = 0; n < N; n++) for (let c = 0; c < nc; c++) dEns = Math.max(dEns, Math.abs(e.bgens[n * nc + c] - bgensRef[n * nc + c]) / (Math.abs(orgRef[c]) * (1 + Math.abs(lambda[c * N + n])) + 1e-6 * scale));
    // tanhui's own draw: λ = (bgens/bgmean_org − 1) has std bunc per component.
    const bgensMine = await refVar(mine, 'bgens');
    const sd = [0, 0, 0];
    const cnt = [0, 0, 0];
    const plane = nc / 3;
    for (let n = 0; n < N; n++)
      for (let c = 0; c < nc; c++) {
        if (orgMine[c] === 0) continue;
        const v = Math.floor(c / plane);
        sd[v] += (bgensMine[n * nc + c] / orgMine[c] - 1) ** 2;
        cnt[v]++;
      }
    const sds = sd.map((s, v) => Math.sqrt(s / cnt[v]));
    worst.push(`gen-ensemble: bgmean_org rel. ${dOrg.toExponential(2)}; members from GCAS's λ rel. ${dEns.toExponential(2)}; tanhui λ std ${sds.map((x) => x.toFixed(2)).join('/')} (bunc 6/10/10)`);
    expect(dOrg).toBeLessThan(1e-4);
    expect(dEns).toBeLessThan(1e-4);
    for (const [v, b] of [6, 10, 10].entries()) expect(Math.abs(sds[v] / b - 1)).toBeLessThan(0.1);
  });

  it("update-ic: every ensemble tracer of the next window's restart file becomes the forward run's EN001", async () => {
    execFileSync(PYTHON, [path.join(CASE_DIR!, 'make_case.py'), 'restart', root, '20140906', '2'], { stdio: 'ignore' });
    const ens = path.join(root, 'mozart4', 'run_ensemble', 'rest', 'ref.mz4.r.2014-09-08-00000.nc');
    const fwd = path.join(root, 'mozart4', 'run_forward', 'rest', 'ref.mz4.r.2014-09-08-00000.nc');
    const size = fs.statSync(ens).size;
    const before = await refVar(ens, 'EN003');
    const target = await refVar(fwd, 'EN001');
    expect(before[0]).not.toBe(target[0]);
    const r = await runCli(['gcas', 'update-ic', path.join(root, 'asmlt', 'ensrf.step1.nml')]);
    expect(r.code).toBe(0);
    expect(fs.statSync(ens).size).toBe(size);
    // Read back by netCDF4 (GDAL keeps the first read of a path cached).
    const check = execFileSync(PYTHON, ['-c', `import netCDF4 as nc, numpy as np
e = nc.Dataset('${ens}'); f = nc.Dataset('${fwd}')['EN001'][:]
print(max(float(np.abs(e['EN%03d' % n][:] - f).max()) for n in range(1, 21)), float(np.abs(f).max()))`]).toString().trim().split(' ').map(Number);
    expect(check[1]).toBeGreaterThan(0);
    expect(check[0]).toBe(0);
  });

  // Bad input: one line naming the file and the item, exit ≠ 0, and nothing written.
  describe('bad input', () => {
    const variant = (name: string, edit: (nml: string) => string): { nml: string; out: string } => {
      const out = path.join(root, `out-${name}`);
      const text = fs.readFileSync(path.join(root, 'asmlt', 'ensrf.step1.nml'), 'utf8').replace(/opt_dir\s*=\s*"[^"]*"/, `opt_dir = "${out}"`);
      const nml = path.join(root, 'asmlt', `bad-${name}.nml`);
      fs.writeFileSync(nml, edit(text));
      return { nml, out };
    };
    const rejected = async (nml: string, out: string, pattern: RegExp): Promise<void> => {
      const r = await runCli(['gcas', 'ensrf', nml, '--quiet']);
      expect(r.code).not.toBe(0);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(pattern);
      expect(fs.existsSync(out)).toBe(false);
    };
    const py = (code: string): void => void execFileSync(PYTHON, ['-c', code], { stdio: 'ignore' });

    it('a misspelt namelist key', async () => {
      const { nml, out } = variant('misspelt', (t) => t.replace(/\bensemble(\s*=)/, 'ensembel$1'));
      await rejected(nml, out, /unknown key 'ensembel' in &assimilation.*bad-misspelt\.nml/);
    });

    it('a missing namelist key', async () => {
      const { nml, out } = variant('missing', (t) => t.replace(/^\s*resb\s*=.*$/m, ''));
      await rejected(nml, out, /required key 'resb' is missing from &background_flux.*bad-missing\.nml/);
    });

    it('an h0 file with fewer tracers than ensemble', async () => {
      const hist = path.join(root, 'hist-short');
      const { nml, out } = variant('tracers', (t) => t.replace(/mozartdir\s*=\s*"[^"]*"/, `mozartdir = "${hist}"`));
      fs.mkdirSync(path.join(hist, 'run_ensemble', 'hist'), { recursive: true });
      fs.cpSync(path.join(root, 'mozart4', 'data'), path.join(hist, 'data'), { recursive: true });
      const src = path.join(root, 'mozart4', 'run_ensemble', 'hist', 'ref.mz4.h0.2014-09-06-10800.nc');
      const dst = path.join(hist, 'run_ensemble', 'hist', 'ref.mz4.h0.2014-09-06-10800.nc');
      py(`import netCDF4 as nc
s = nc.Dataset('${src}'); d = nc.Dataset('${dst}', 'w', format='NETCDF3_64BIT_OFFSET')
for k, v in s.dimensions.items(): d.createDimension(k, None if v.isunlimited() else len(v))
for k, v in s.variables.items():
    if k.startswith('EN') and int(k[2:5]) > 12: continue
    d.createVariable(k, v.dtype, v.dimensions)[...] = v[...]
d.close()`);
      await rejected(nml, out, /h0 file has 12 ensemble tracers, fewer than ensemble = 20.*ref\.mz4\.h0\.2014-09-06-10800\.nc/);
    });

    it('an obs file with a missing variable', async () => {
      const dir = path.join(root, 'oco2-bad');
      fs.mkdirSync(dir, { recursive: true });
      for (const day of ['20140906', '20140907']) {
        py(`import netCDF4 as nc
s = nc.Dataset('${path.join(root, 'input', 'obs', 'oco2_v11.1')}/oco2_v11_${day}.nc'); d = nc.Dataset('${dir}/oco2_v11_${day}.nc', 'w', format='NETCDF3_CLASSIC')
for k, v in s.dimensions.items(): d.createDimension(k, len(v))
for k, v in s.variables.items():
    if k != 'xco2unc': d.createVariable(k, v.dtype, v.dimensions)[...] = v[...]
d.close()`);
      }
      const { nml, out } = variant('obsvar', (t) => t.replace(/obsdir_oco2\s*=\s*"[^"]*"/, `obsdir_oco2 = "${dir}"`));
      await rejected(nml, out, /no variable 'xco2unc'.*oco2_v11_20140906\.nc.*xco2unc/);
    });

    it('a path longer than GCAS allows (100 characters) is fine', async () => {
      const long = path.join(root, 'a'.repeat(60), 'b'.repeat(60));
      const { nml } = variant('long', (t) => t.replace(/opt_dir\s*=\s*"[^"]*"/, `opt_dir = "${long}"`));
      const r = await runCli(['gcas', 'ensrf', nml, '--quiet']);
      expect(r.code).toBe(0);
      expect(long.length).toBeGreaterThan(100);
      expect(fs.existsSync(path.join(long, 'ref', 'emissions.opt.lambda.nc'))).toBe(true);
    });
  });
});
