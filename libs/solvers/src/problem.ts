// The file interface's pure half: validate a problem given as named arrays + attributes (as
// read from IN.zarr), dispatch to batch / EnSRF / 4D-Var, and return named arrays + attributes
// (for OUT.zarr). Every bad input becomes one TanhuiError naming the array; nothing is
// returned half-done. Array names follow the CLI documentation (`tanhui solve --help`).
import { TanhuiError } from '@tanhui/core';
import { batchInversion } from './batch';
import { cholesky } from './kernels/cholesky';
import { fourDVar, matrixOperator } from './fourdvar';
import { ensrfSerial } from './ensrf/serial';
import { ensrfBulk } from './ensrf/bulk';
import { ensrfEnsembleSpace } from './ensrf/ensemble-space';
import type { EnsrfOptions } from './ensrf/types';

export type SolveMethod = 'batch' | 'ensrf' | '4dvar';
export const SOLVE_METHODS: readonly SolveMethod[] = ['batch', 'ensrf', '4dvar'];

export type NumericArray = Float64Array | Float32Array | Int32Array | Int16Array | Int8Array | Uint8Array | Uint16Array | Uint32Array;

export interface NamedArray {
  data: NumericArray;
  shape: number[];
  /** Dimension names for the output store (xarray's _ARRAY_DIMENSIONS). */
  dims?: string[];
}

export interface ProblemData {
  arrays: Record<string, NamedArray>;
  attrs: Record<string, unknown>;
}

export interface SolveOutput {
  arrays: Record<string, NamedArray & { dims: string[] }>;
  attrs: Record<string, unknown>;
}

/** Which arrays each method reads (for help texts and the reader). */
export const PROBLEM_ARRAYS: Record<SolveMethod, { required: string[]; optional: string[] }> = {
  batch: { required: ['H', 'y', 'R', 'xb'], optional: ['B', 'B_diag'] },
  '4dvar': { required: ['H', 'y', 'R', 'xb'], optional: ['B', 'B_diag'] },
  ensrf: { required: ['x', 'X_prime', 'Hx', 'HX_prime', 'obs', 'R'], optional: ['may_reject', 'may_localize', 'flags'] },
};

export function solveProblem(method: SolveMethod, problem: ProblemData, file?: string): SolveOutput {
  if (!SOLVE_METHODS.includes(method)) {
    throw new TanhuiError('InvalidArgument', `unknown method '${String(method)}', expected one of ${SOLVE_METHODS.join(', ')}`, {
      context: { file, variable: 'method' },
    });
  }
  const get = getter(problem, file);
  return method === 'ensrf' ? solveEnsrf(problem, get, file) : solveLinear(method, problem, get, file);
}

type Getter = (name: string, rank: number[] | number, expected?: (number | undefined)[], options?: { optional?: boolean; finite?: boolean }) => NamedArray | undefined;

function getter(problem: ProblemData, file?: string): Getter {
  return (name, rank, expected = [], options = {}) => {
    const a = problem.arrays[name];
    if (a === undefined) {
      if (options.optional) return undefined;
      throw new TanhuiError('MissingVariable', `array '${name}' is missing`, { context: { file, variable: name } });
    }
    const ranks = Array.isArray(rank) ? rank : [rank];
    if (!ranks.includes(a.shape.length)) {
      throw new TanhuiError('BadShape', `array '${name}' has shape [${a.shape.join(', ')}], expected ${ranks.map((r) => `${r}-D`).join(' or ')}`, {
        context: { file, variable: name },
      });
    }
    expected.forEach((size, axis) => {
      if (size !== undefined && axis < a.shape.length && a.shape[axis] !== size) {
        throw new TanhuiError('BadShape', `array '${name}' has shape [${a.shape.join(', ')}], axis ${axis} should be ${size}`, {
          context: { file, variable: name },
        });
      }
    });
    const count = a.shape.reduce((p, s) => p * s, 1);
    if (a.data.length !== count) {
      throw new TanhuiError('BadShape', `array '${name}' has ${a.data.length} values for shape [${a.shape.join(', ')}]`, {
        context: { file, variable: name },
      });
    }
    if (options.finite ?? true) {
      for (let i = 0; i < a.data.length; i++) {
        if (!Number.isFinite(a.data[i])) {
          throw new TanhuiError('BadValue', `array '${name}' has a non-finite value (${a.data[i]}) at flat index ${i}`, {
            context: { file, variable: name, index: i },
          });
        }
      }
    }
    return a;
  };
}

const f64 = (a: NamedArray) => (a.data instanceof Float64Array ? a.data : Float64Array.from(a.data));

function attrNumber(attrs: Record<string, unknown>, key: string, fallback: number, file?: string): number {
  const v = attrs[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  throw new TanhuiError('InvalidArgument', `attribute '${key}' must be a number, got ${JSON.stringify(v)}`, { context: { file, key } });
}

function attrBool(attrs: Record<string, unknown>, key: string, fallback: boolean, file?: string): boolean {
  const v = attrs[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'boolean') return v;
  if (v === 0 || v === 1) return v === 1;
  if (v === 'true' || v === 'false') return v === 'true';
  throw new TanhuiError('InvalidArgument', `attribute '${key}' must be true or false, got ${JSON.stringify(v)}`, { context: { file, key } });
}

function attrChoice<T extends string>(attrs: Record<string, unknown>, key: string, choices: readonly T[], fallback: T, file?: string): T {
  const v = attrs[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'string' && (choices as readonly string[]).includes(v)) return v as T;
  throw new TanhuiError('InvalidArgument', `attribute '${key}' must be one of ${choices.join(', ')}, got ${JSON.stringify(v)}`, {
    context: { file, key },
  });
}

function positive(name: string, a: Float64Array, file?: string): void {
  for (let i = 0; i < a.length; i++) {
    if (!(a[i] > 0)) {
      throw new TanhuiError('BadValue', `array '${name}' must be positive (variances), got ${a[i]} at index ${i}`, {
        context: { file, variable: name, index: i },
      });
    }
  }
}

function spd(name: string, a: Float64Array, n: number, file?: string): void {
  for (let i = 0; i < n; i++)
    for (let j = 0; j < i; j++) {
      const x = a[i * n + j];
      const y = a[j * n + i];
      if (Math.abs(x - y) > 1e-10 * (Math.abs(x) + Math.abs(y)) + 1e-300) {
        throw new TanhuiError('NotPositiveDefinite', `array '${name}' is not symmetric ([${i}, ${j}] = ${x}, [${j}, ${i}] = ${y})`, {
          context: { file, variable: name, index: [i, j] },
        });
      }
    }
  try {
    cholesky(a, n, { name });
  } catch (err) {
    if (err instanceof TanhuiError) {
      throw new TanhuiError('NotPositiveDefinite', `array '${name}' is not positive definite`, {
        hint: err.message,
        context: { file, variable: name, index: err.context.index },
        cause: err,
      });
    }
    throw err;
  }
}

function solveLinear(method: 'batch' | '4dvar', problem: ProblemData, get: Getter, file?: string): SolveOutput {
  const H = get('H', 2)!;
  const [nobs, n] = H.shape;
  const y = get('y', 1, [nobs])!;
  const R = get('R', [1, 2], [nobs, nobs])!;
  const xb = get('xb', 1, [n])!;
  const Bfull = get('B', 2, [n, n], { optional: true });
  const Bdiag = get('B_diag', 1, [n], { optional: true });
  if (!Bfull && !Bdiag) {
    throw new TanhuiError('MissingVariable', `array 'B' (or 'B_diag') is missing`, { context: { file, variable: 'B' } });
  }
  if (Bfull && Bdiag) {
    throw new TanhuiError('InvalidArgument', `both 'B' and 'B_diag' are present; give one`, { context: { file, variable: 'B_diag' } });
  }
  const r = f64(R);
  if (R.shape.length === 1) positive('R', r, file);
  else spd('R', r, nobs, file);
  const b = f64((Bfull ?? Bdiag)!);
  if (Bfull) spd('B', b, n, file);
  else positive('B_diag', b, file);
  const h = f64(H);
  const attrs: Record<string, unknown> = { method, nobs, nstate: n };
  let xa: Float64Array, Pa: Float64Array, sigmaA: Float64Array;
  if (method === 'batch') {
    const res = batchInversion({ nobs, n, H: h, y: f64(y), R: r, xb: f64(xb), B: b });
    ({ xa, Pa, sigmaA } = res);
    Object.assign(attrs, { J: res.J, chi2: res.chi2, dofs: res.dofs, iterations: 0, form: res.form });
  } else {
    const op = matrixOperator(nobs, n, h);
    const res = fourDVar(
      { n, nobs, xb: f64(xb), y: f64(y), R: r, H: op.H, HT: op.HT, B: Bfull ? { kind: 'full', n, B: b } : { kind: 'diag', variances: b } },
      {
        tolerance: attrNumber(problem.attrs, 'tolerance', 1e-10, file),
        maxIterations: attrNumber(problem.attrs, 'max_iterations', Math.min(n, 2000), file),
        posteriorCovariance: true,
      },
    );
    xa = res.xa;
    Pa = res.Pa!;
    sigmaA = res.sigmaA!;
    Object.assign(attrs, { J: res.J, chi2: res.chi2, dofs: res.dofs, iterations: res.iterations, converged: res.converged, grad_norm_ratio: res.gradNormRatio });
  }
  return {
    arrays: {
      xa: { data: xa, shape: [n], dims: ['state'] },
      Pa: { data: Pa, shape: [n, n], dims: ['state', 'state2'] },
      sigma_a: { data: sigmaA, shape: [n], dims: ['state'] },
    },
    attrs,
  };
}

function solveEnsrf(problem: ProblemData, get: Getter, file?: string): SolveOutput {
  const X = get('X_prime', 2)!;
  const [nparams, nmembers] = X.shape;
  const x = get('x', 1, [nparams])!;
  const HX = get('HX_prime', 2, [undefined, nmembers])!;
  const nobs = HX.shape[0];
  const Hx = get('Hx', 1, [nobs])!;
  const obs = get('obs', 1, [nobs])!;
  const R = get('R', 1, [nobs])!;
  const mayReject = get('may_reject', 1, [nobs], { optional: true });
  const mayLocalize = get('may_localize', 1, [nobs], { optional: true });
  const flags = get('flags', 1, [nobs], { optional: true });
  if (nmembers < 2) {
    throw new TanhuiError('BadShape', `array 'X_prime' needs at least 2 members, has ${nmembers}`, { context: { file, variable: 'X_prime' } });
  }
  const r = f64(R);
  positive('R', r, file);
  const attrs = problem.attrs;
  const algorithm = attrChoice(attrs, 'algorithm', ['serial', 'bulk', 'ensemble-space'] as const, 'serial', file);
  const localization = attrChoice(attrs, 'localization', ['none', 'CT2007'] as const, 'none', file);
  const options: EnsrfOptions = {
    rejectionThreshold: attrNumber(attrs, 'rejection_threshold', 3, file),
    meanIsMember0: attrBool(attrs, 'mean_is_member0', true, file),
    localization: { kind: localization },
  };
  if (!(options.rejectionThreshold! > 0)) {
    throw new TanhuiError('InvalidArgument', `attribute 'rejection_threshold' must be > 0`, { context: { file, key: 'rejection_threshold' } });
  }
  if (algorithm === 'ensemble-space' && localization !== 'none') {
    throw new TanhuiError('InvalidArgument', `algorithm 'ensemble-space' cannot localise; use algorithm 'serial' with localization 'CT2007'`, {
      context: { file, key: 'localization' },
    });
  }
  const input = {
    nparams,
    nmembers,
    nobs,
    x: Float64Array.from(x.data),
    Xprime: Float64Array.from(X.data),
    Hx: Float64Array.from(Hx.data),
    HXprime: Float64Array.from(HX.data),
    obs: f64(obs),
    R: r,
    mayReject: mayReject?.data,
    mayLocalize: mayLocalize?.data,
    flags: flags?.data,
  };
  let res;
  try {
    res = algorithm === 'serial' ? ensrfSerial(input, options) : algorithm === 'bulk' ? ensrfBulk(input, options) : ensrfEnsembleSpace(input, options);
  } catch (err) {
    if (err instanceof TanhuiError && file && err.context.file === undefined) err.context.file = file;
    throw err;
  }
  return {
    arrays: {
      x: { data: res.x, shape: [nparams], dims: ['nparameters'] },
      X_prime: { data: res.Xprime, shape: [nparams, nmembers], dims: ['nparameters', 'nmembers'] },
      Hx: { data: res.Hx, shape: [nobs], dims: ['nobs'] },
      HX_prime: { data: res.HXprime, shape: [nobs, nmembers], dims: ['nobs', 'nmembers'] },
      obs: { data: Float64Array.from(obs.data), shape: [nobs], dims: ['nobs'] },
      R: { data: r, shape: [nobs], dims: ['nobs'] },
      may_reject: { data: Int32Array.from(input.mayReject ?? new Int32Array(nobs).fill(1)), shape: [nobs], dims: ['nobs'] },
      may_localize: { data: Int32Array.from(input.mayLocalize ?? new Int32Array(nobs).fill(1)), shape: [nobs], dims: ['nobs'] },
      flags: { data: res.flags, shape: [nobs], dims: ['nobs'] },
      HPHR: { data: res.HPHR, shape: [nobs], dims: ['nobs'] },
    },
    attrs: { method: 'ensrf', algorithm, localization, rejection_threshold: options.rejectionThreshold, mean_is_member0: options.meanIsMember0, nmembers, nparams, nobs },
  };
}
