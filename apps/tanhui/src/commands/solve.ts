// `tanhui solve --problem IN.zarr --method batch|ensrf|4dvar --out OUT.zarr`: invert a problem
// given as arrays in a Zarr store (precomputed Jacobians, or a CTDAS-style ensemble).
// Validation and the maths are @tanhui/solvers' solveProblem (pure); this file only reads the
// named arrays + root attributes with @tanhui/io and writes the result. The output is written
// to a sibling temporary store and renamed into place, so a failure never leaves a half store.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { TanhuiError } from '@tanhui/core';
import { ZarrStore, type ZarrAttrs, type ZarrAttrValue } from '@tanhui/io';
import { PROBLEM_ARRAYS, SOLVE_METHODS, solveProblem, type NamedArray, type SolveMethod, type SolveOutput } from '@tanhui/solvers';
import { VERSION } from '../version';

export interface SolveCommandOptions {
  problem: string;
  method: string;
  out: string;
  overwrite?: boolean;
}

const HELP = `
Input arrays (Zarr v2 or v3; xarray's to_zarr works):
  batch, 4dvar : H [nobs,n], y [nobs], R [nobs] or [nobs,nobs], xb [n], B [n,n] or B_diag [n]
                 (4dvar root attrs: tolerance (1e-10), max_iterations)
  ensrf        : x [nparams], X_prime [nparams,nmembers], Hx [nobs], HX_prime [nobs,nmembers],
                 obs [nobs], R [nobs], may_reject, may_localize, flags [nobs] (optional)
                 root attrs: algorithm serial|bulk|ensemble-space, localization none|CT2007,
                 rejection_threshold (3), mean_is_member0 (true)
Output (Zarr v2, consolidated):
  batch, 4dvar : xa, Pa, sigma_a; root attrs J, chi2, dofs, iterations
  ensrf        : the input arrays after the update, plus HPHR [nobs]`;

export async function runSolve(opts: SolveCommandOptions): Promise<SolveOutput> {
  const method = opts.method as SolveMethod;
  if (!SOLVE_METHODS.includes(method)) {
    throw new TanhuiError('InvalidArgument', `--method must be one of ${SOLVE_METHODS.join(', ')}, got '${opts.method}'`, {
      context: { key: 'method' },
    });
  }
  const out = path.resolve(opts.out);
  if (fs.existsSync(out) && !opts.overwrite) {
    throw new TanhuiError('StoreConflict', 'the output path already exists', {
      hint: 'choose a new --out path or pass --overwrite',
      context: { file: opts.out },
    });
  }
  const store = await ZarrStore.open(opts.problem);
  const arrays: Record<string, NamedArray> = {};
  const { required, optional } = PROBLEM_ARRAYS[method];
  for (const name of [...required, ...optional]) {
    if (!store.hasArray(name)) continue;
    const a = await store.readArray(name);
    if (Array.isArray(a.data)) {
      throw new TanhuiError('BadValue', `array '${name}' holds strings, expected numbers`, { context: { file: opts.problem, variable: name } });
    }
    arrays[name] = { data: a.data, shape: a.shape, dims: a.dims };
  }
  const result = solveProblem(method, { arrays, attrs: store.getAttrs('') as Record<string, unknown> }, opts.problem);
  await writeResult(out, result, {
    ...jsonSafe(result.attrs),
    problem: path.resolve(opts.problem),
    tanhui_version: VERSION,
    history: `tanhui solve --method ${method}`,
  });
  return result;
}

function jsonSafe(attrs: Record<string, unknown>): ZarrAttrs {
  const outAttrs: ZarrAttrs = {};
  for (const [k, v] of Object.entries(attrs)) {
    outAttrs[k] = typeof v === 'number' && !Number.isFinite(v) ? null : (v as ZarrAttrValue);
  }
  return outAttrs;
}

async function writeResult(out: string, result: SolveOutput, attrs: ZarrAttrs): Promise<void> {
  const partial = `${out}.partial-${process.pid}`;
  fs.rmSync(partial, { recursive: true, force: true });
  try {
    const store = await ZarrStore.create(partial, { attrs });
    for (const [name, a] of Object.entries(result.arrays)) {
      await store.writeArray(name, a.data, { shape: a.shape, dims: a.dims });
    }
    fs.rmSync(out, { recursive: true, force: true });
    fs.renameSync(partial, out);
  } catch (err) {
    fs.rmSync(partial, { recursive: true, force: true });
    throw err;
  }
}

export function registerSolve(program: Command): void {
  program
    .command('solve')
    .description('invert a problem stored as arrays in a Zarr store (batch Bayesian, EnSRF or 4D-Var)')
    .requiredOption('--problem <IN.zarr>', 'input Zarr store with the problem arrays')
    .requiredOption('--method <method>', `one of ${SOLVE_METHODS.join(', ')}`)
    .requiredOption('--out <OUT.zarr>', 'output Zarr store (must not exist unless --overwrite)')
    .option('--overwrite', 'replace an existing output store')
    .addHelpText('after', HELP)
    .action(async (opts: SolveCommandOptions) => {
      const r = await runSolve(opts);
      const a = r.attrs;
      const summary =
        opts.method === 'ensrf'
          ? `ensrf (${String(a.algorithm)}, localization ${String(a.localization)}): ${a.nobs} obs, ${a.nparams} parameters, ${a.nmembers} members`
          : `${opts.method}${a.form ? ` (${String(a.form)}-space form)` : ''}: J = ${Number(a.J).toPrecision(6)}, chi2/nobs = ${Number(a.chi2).toPrecision(4)}, DOFS = ${Number(a.dofs).toPrecision(4)}, iterations = ${String(a.iterations)}`;
      process.stdout.write(`tanhui solve: ${summary} → ${opts.out}\n`);
    });
}

export { registerSolve as register };
