// Bayesian synthesis inversion (`tanhui invert`): response functions of region×month basis
// fluxes (the prior's flux pattern within each region and month, one scaling factor each) computed by fanning the basis functions over the executor as tracers (with the prior
// background and, in an OSSE, the truth as extra tracers), then the batch solver (or 4D-Var on
// the same linear operator). Outputs: posterior basis increments with full covariance, and
// regional budgets (PgC yr⁻¹) with their full posterior covariance.
import { stackedBudgetsPgCYr, budgetRegionsOf } from '@tanhui/analysis';
import { TanhuiError } from '@tanhui/core';
import { ZarrStore, type ZarrAttrs } from '@tanhui/io';
import { applyMapping, buildMapping, monthBlocks, regionEcosystemTerm, type StateMapping, type TermSpec } from '@tanhui/priors';
import { FLUX_PERIOD_SECONDS, type World } from '../compose';
import type { Executor } from '../executor/executor';
import { executorFor } from './run';
import type { Progress } from '../progress';
import { acquireStoreLock } from '../store/lock';
import { solverOf, type TransportSession } from '../plugins/index';
import { observedValues } from './observed';
import { samplesToPpm } from './simulate';
import { emptyTimings } from './timings';

export interface InvertResult {
  labels: string[];
  xa: Float64Array;
  Pa: Float64Array;
  sigmaA: Float64Array;
  sigmaB: Float64Array;
  regions: string[];
  budgetTruth?: Float64Array;
  budgetPrior: Float64Array;
  budgetPosterior: Float64Array;
  budgetPosteriorCov: Float64Array;
  budgetPriorSd: Float64Array;
  chi2: number;
  dofs: number;
  nobs: number;
  method: string;
  /** The observations fitted: rows of world.obs.table and their values [ppm] (synthetic: the
   * truth run plus the same noise `tanhui run` draws, pipeline/observed.ts). */
  obsRows: Int32Array;
  observedPpm: Float64Array;
}

/** A mapping restricted to the periods [p0, p0+np) of a longer one (views, no copies). */
function periodView(m: StateMapping, p0: number, np: number): StateMapping {
  const n = m.nCells;
  return { ...m, nPeriods: np, terms: m.terms.map((t) => ({ ...t, pattern: t.pattern.subarray(p0 * n, (p0 + np) * n), block: t.block.subarray(p0, p0 + np) })) };
}

export async function runInversion(world: World, opts: { progress: Progress; provenance: ZarrAttrs; executor?: Executor }): Promise<InvertResult> {
  const { config } = world;
  // 'ensrf' (the default of run configs) means batch here.
  const solver = solverOf(config.solver.method === 'ensrf' ? { method: 'batch', algorithm: '' } : config.solver, 'linear', 'tanhui invert', world.loaded.file);
  const method = solver.name;
  if (solver.needsAdjoint && !world.transport.hasAdjoint) {
    throw new TanhuiError('InvalidConfig', `solver '${method}' needs a transport with an adjoint; transport.kind '${world.transport.kind}' has none`, { context: { file: world.loaded.file, key: 'solver.method' }, hint: "use solver.method 'batch'" });
  }
  const lock = acquireStoreLock(world.storePath, 'tanhui invert');
  const executor = opts.executor ?? executorFor(world);
  try {
    if (ZarrStore.exists(world.storePath)) {
      throw new TanhuiError('StoreConflict', 'the inversion output store already exists', { context: { file: world.storePath }, hint: 'remove it or choose another output.store' });
    }
    const basis = await basisFunctions(world);
    const { mapping } = basis;
    const ns = mapping.nState;
    const Gb = budgetOperator(world, basis);
    const regions = budgetRegionsOf(world.regions);
    const xb = Float64Array.from(mapping.xPrior);
    const sigmaB = new Float64Array(ns);
    for (const t of mapping.terms) {
      const sig = t.name === 'bio' ? config.stateVector.sigmaLand : config.stateVector.sigmaOcean;
      sigmaB.fill(sig, t.offset, t.offset + t.nUnits * t.nBlocks);
    }
    const { budgetPrior, truthNat } = naturalBudgets(world, basis);
    const session = world.transport.session({ executor, progress: opts.progress, timings: emptyTimings(), observations: world.obs });
    const rf = await responseFunctions(world, basis, session, truthNat !== undefined, opts.progress);
    const nobs = rf.observed.length;
    const y = Float64Array.from(rf.observed, (v, s) => v - rf.backgroundPpm[s]!);
    const R = Float64Array.from(rf.sigmaPpm, (v) => v * v);
    const B = Float64Array.from(sigmaB, (v) => v * v);
    opts.progress.step(world.windows.length - 1, 'solve', { method, nobs, nState: ns });
    const { xa, Pa, chi2, dofs } = solver.solve({ nobs, n: ns, H: rf.H, y, R, xb, B }, config.solver);
    const post = posteriorBudgets(Gb, regions.length, budgetPrior, xb, xa, Pa, B);
    const result: InvertResult = {
      labels: [...mapping.labels],
      xa,
      Pa,
      sigmaA: Float64Array.from({ length: ns }, (_, j) => Math.sqrt(Pa[j * ns + j]!)),
      sigmaB,
      regions: regions.map((r) => r.name),
      budgetTruth: truthNat ? stackedBudgetsPgCYr(world.regions, truthNat, 1) : undefined,
      budgetPrior,
      budgetPosterior: post.budgetPosterior,
      budgetPosteriorCov: post.cov,
      budgetPriorSd: post.priorSd,
      chi2,
      dofs,
      nobs,
      method,
      obsRows: rf.rows,
      observedPpm: rf.observed,
    };
    await writeInversionStore(world, result, regions.map((r) => r.code), regions.map((r) => r.kind), opts.provenance);
    opts.progress.runDone({ store: world.storePath });
    return result;
  } finally {
    if (!opts.executor) await executor.close();
    lock.release();
  }
}

/** The basis functions over the whole run, with the prior fluxes they are built from. */
interface Basis {
  /** Flux periods per window, and in all. */
  periodsPer: number[];
  nPeriods: number;
  /** Optimised components' prior flux [period][cell] over the run. */
  components: Record<string, Float64Array>;
  /** Fixed (not optimised) flux [period][cell] over the run. */
  fixed: Float64Array;
  specs: TermSpec[];
  months: { block: Int32Array; names: string[] };
  mapping: StateMapping;
}

/**
 * One basis function per (region, month) and optimised component, with the prior flux's own
 * space-time pattern inside the region and month (the state is a region×month scaling factor,
 * prior 1: the diurnal and synoptic shape of the prior is kept, which a flat basis would turn
 * into representation error at the stations).
 */
async function basisFunctions(world: World): Promise<Basis> {
  const n = world.grid.size;
  const periodsPer = world.windows.map((w) => Math.round((w.endSec - w.startSec) / FLUX_PERIOD_SECONDS));
  const nPeriods = periodsPer.reduce((a, b) => a + b, 0);
  const times = new Float64Array(nPeriods);
  let p = 0;
  world.windows.forEach((w, k) => {
    for (let q = 0; q < periodsPer[k]!; q++) times[p++] = w.startSec + q * FLUX_PERIOD_SECONDS;
  });
  const land = world.regions.regions.filter((r) => r.kind === 'land');
  const ocean = world.regions.regions.filter((r) => r.kind === 'ocean');
  const components: Record<string, Float64Array> = {};
  for (const name of world.optimised) components[name] = new Float64Array(nPeriods * n);
  const fixed = new Float64Array(nPeriods * n);
  let q0 = 0;
  for (let w = 0; w < world.windows.length; w++) {
    const pr = await world.priorFor(w);
    for (const name of world.optimised) components[name]!.set(pr.components[name].fluxMolM2S, q0 * n);
    fixed.set(pr.fixed, q0 * n);
    q0 += pr.nPeriods;
  }
  const months = monthBlocks(times);
  const specs: TermSpec[] = world.optimised.map((name) => {
    const codes = new Set((name === 'bio' ? land : ocean).map((r) => r.code));
    const region = Int32Array.from(world.regions.codes, (c) => (codes.has(c) ? c : 0));
    const eco = Int32Array.from(region, (c) => (c > 0 ? 1 : 0));
    const t = regionEcosystemTerm(name, components[name]!, region, eco);
    return { ...t, block: months.block, blockNames: months.names };
  });
  return { periodsPer, nPeriods, components, fixed, specs, months, mapping: buildMapping(nPeriods, n, specs) };
}

/**
 * Budget operator Gb (budget regions × state, row-major): the run-mean budget of each basis
 * function, from the mapping averaged per month block (sum over blocks = time mean).
 */
function budgetOperator(world: World, b: Basis): Float64Array {
  const n = world.grid.size;
  const ns = b.mapping.nState;
  const nMonths = b.months.names.length;
  const blockMean = buildMapping(
    nMonths,
    n,
    b.specs.map((t) => {
      const pat = new Float64Array(nMonths * n);
      for (let q = 0; q < b.nPeriods; q++) {
        const k = b.months.block[q]!;
        for (let c = 0; c < n; c++) pat[k * n + c] += t.pattern[q * n + c]! / b.nPeriods;
      }
      return { ...t, pattern: pat, block: Int32Array.from({ length: nMonths }, (_, k) => k) };
    }),
  );
  const eye = new Float64Array(ns * ns);
  for (let j = 0; j < ns; j++) eye[j * ns + j] = 1;
  const perBlock = applyMapping(blockMean, eye, ns); // [block][cell][ns]
  const runMean = new Float64Array(n * ns);
  for (let k = 0; k < nMonths; k++) for (let q = 0; q < n * ns; q++) runMean[q] += perBlock[k * n * ns + q]!;
  return stackedBudgetsPgCYr(world.regions, runMean, ns);
}

/**
 * Budgets of the whole natural flux (cells outside every basis keep the prior): of the prior,
 * and the run-mean natural flux of the OSSE truth.
 */
function naturalBudgets(world: World, b: Basis): { budgetPrior: Float64Array; truthNat?: Float64Array } {
  const n = world.grid.size;
  const { nPeriods, components } = b;
  const priorNat = new Float64Array(n);
  for (const name of world.optimised) for (let q = 0; q < nPeriods; q++) for (let c = 0; c < n; c++) priorNat[c] += components[name]![q * n + c]! / nPeriods;
  if (!world.truthScaling) return { budgetPrior: stackedBudgetsPgCYr(world.regions, priorNat, 1) };
  const truthNat = new Float64Array(n);
  for (const name of world.optimised) {
    const s = world.truthScaling[name]!;
    for (let q = 0; q < nPeriods; q++) for (let c = 0; c < n; c++) truthNat[c] += (components[name]![q * n + c]! * s[c]!) / nPeriods;
  }
  return { budgetPrior: stackedBudgetsPgCYr(world.regions, priorNat, 1), truthNat };
}

interface ResponseFunctions {
  /** Jacobian [obs][state] in ppm per unit scaling factor. */
  H: Float64Array;
  rows: Int32Array;
  observed: Float64Array;
  backgroundPpm: Float64Array;
  sigmaPpm: Float64Array;
}

/**
 * Response functions, window by window, through the transport plug-in (the same simulate seam
 * as run): the basis functions are the members (state j = 1 in member j), each with its own
 * field carried between windows; the background (fixed flux) and the OSSE truth are extra
 * tracers, both starting from initialField.
 */
async function responseFunctions(world: World, b: Basis, session: TransportSession, withTruth: boolean, progress: Progress): Promise<ResponseFunctions> {
  const n = world.grid.size;
  const ns = b.mapping.nState;
  const nCell = world.levels.nlev * n;
  const basisStates = new Float64Array(ns * ns);
  for (let j = 0; j < ns; j++) basisStates[j * ns + j] = 1;
  const zeros = new Float64Array(b.nPeriods * n);
  let basisFields: Float64Array = new Float64Array(nCell * ns);
  let bg = Float64Array.from(world.initialMoleFraction);
  let truthField = withTruth ? Float64Array.from(world.initialMoleFraction) : undefined;
  const H: number[] = [];
  const out = { rows: [] as number[], observed: [] as number[], backgroundPpm: [] as number[], sigmaPpm: [] as number[] };
  let p0 = 0;
  for (let w = 0; w < world.windows.length; w++) {
    progress.windowStart(w, new Date(world.windows[w]!.startSec * 1000).toISOString());
    const np = b.periodsPer[w]!;
    const { plan, offsetPpm, rows } = world.planFor(w);
    const extras = [{ initial: bg, flux: b.fixed.subarray(p0 * n, (p0 + np) * n) }];
    if (truthField) extras.push({ initial: truthField, flux: truthFluxOf(world, await world.priorFor(w), np) });
    const E = extras.length;
    const Kt = ns + E;
    const nextFields = new Float64Array(new SharedArrayBuffer(nCell * ns * 8));
    const r = await session.ensemble({
      index: w,
      label: `window ${w + 1} basis functions`,
      window: world.windows[w]!,
      periodSeconds: FLUX_PERIOD_SECONDS,
      mapping: periodView(b.mapping, p0, np),
      fixed: zeros.subarray(0, np * n),
      states: basisStates,
      N: ns,
      initial: basisFields,
      initialPerMember: true,
      extras,
      plan,
      sampleIds: Float64Array.from(rows, (k) => world.obs.table.id[k]!),
      sampleRows: rows,
      memberFinals: nextFields,
      extraFinals: true,
    });
    basisFields = nextFields;
    const nobs = rows.length;
    const bgPpm = samplesToPpm(r.samples, Kt, ns, 1, offsetPpm, nobs, new Float64Array(nobs), 1, 0);
    const truthPpm = truthField ? samplesToPpm(r.samples, Kt, ns + 1, 1, offsetPpm, nobs, new Float64Array(nobs), 1, 0) : undefined;
    const sigma = Float64Array.from(rows, (k) => world.obs.qc.totalErrorPpm[k]!);
    const y = new Float64Array(nobs);
    observedValues(world, rows, sigma, truthPpm, w, 0, nobs, y);
    for (let s = 0; s < nobs; s++) {
      for (let j = 0; j < ns; j++) H.push(1e6 * r.samples[s * Kt + j]!);
      out.observed.push(y[s]!);
      out.rows.push(rows[s]!);
      out.backgroundPpm.push(bgPpm[s]!);
      out.sigmaPpm.push(sigma[s]!);
    }
    bg = Float64Array.from({ length: nCell }, (_, c) => r.extraFinals![c * E]!);
    if (truthField) truthField = Float64Array.from({ length: nCell }, (_, c) => r.extraFinals![c * E + 1]!);
    progress.windowDone(w, { observations: nobs });
    p0 += np;
  }
  return { H: Float64Array.from(H), rows: Int32Array.from(out.rows), observed: Float64Array.from(out.observed), backgroundPpm: Float64Array.from(out.backgroundPpm), sigmaPpm: Float64Array.from(out.sigmaPpm) };
}

/** The OSSE truth's total flux of one window: fixed plus the truth-scaled optimised components. */
function truthFluxOf(world: World, pr: Awaited<ReturnType<World['priorFor']>>, np: number): Float64Array {
  const n = world.grid.size;
  const tf = Float64Array.from(pr.fixed);
  for (const name of world.optimised) {
    const f = pr.components[name].fluxMolM2S;
    const sc = world.truthScaling![name]!;
    for (let q = 0; q < np; q++) for (let c = 0; c < n; c++) tf[q * n + c] += f[q * n + c]! * sc[c]!;
  }
  return tf;
}

/** Posterior budgets prior + Gb (xa − xb), their covariance Gb Pa Gbᵀ, and the prior σ from diag(B). */
function posteriorBudgets(Gb: Float64Array, nr: number, budgetPrior: Float64Array, xb: Float64Array, xa: Float64Array, Pa: Float64Array, B: Float64Array): { budgetPosterior: Float64Array; cov: Float64Array; priorSd: Float64Array } {
  const ns = xa.length;
  const dx = Float64Array.from(xa, (v, j) => v - xb[j]!);
  const budgetPosterior = Float64Array.from({ length: nr }, (_, r) => {
    let s = 0;
    for (let j = 0; j < ns; j++) s += Gb[r * ns + j]! * dx[j]!;
    return budgetPrior[r]! + s;
  });
  const tmp = new Float64Array(nr * ns);
  for (let r = 0; r < nr; r++) for (let j = 0; j < ns; j++) {
    let s = 0;
    for (let i = 0; i < ns; i++) s += Gb[r * ns + i]! * Pa[i * ns + j]!;
    tmp[r * ns + j] = s;
  }
  const cov = new Float64Array(nr * nr);
  for (let a = 0; a < nr; a++) for (let c = 0; c < nr; c++) {
    let s = 0;
    for (let j = 0; j < ns; j++) s += tmp[a * ns + j]! * Gb[c * ns + j]!;
    cov[a * nr + c] = s;
  }
  const priorSd = Float64Array.from({ length: nr }, (_, r) => Math.sqrt(Gb.subarray(r * ns, (r + 1) * ns).reduce((s, g, j) => s + g * g * B[j]!, 0)));
  return { budgetPosterior, cov, priorSd };
}

async function writeInversionStore(world: World, r: InvertResult, codes: number[], kinds: string[], provenance: ZarrAttrs): Promise<void> {
  const ns = r.xa.length;
  const nr = r.regions.length;
  const store = await ZarrStore.create(world.storePath, {
    attrs: {
      Conventions: 'CF-1.8',
      title: `tanhui synthesis inversion (${r.method}): ${world.config.name}`,
      tanhui_store_format: 'tanhui-inversion-store/1',
      ...provenance,
      config: world.storedConfig as ZarrAttrs,
      config_sha256: world.configSha256,
      input_checksums: world.inputChecksums,
      J_chi2_per_obs: r.chi2,
      dofs: r.dofs,
      nobs: r.nobs,
    },
  });
  const c = { compressor: 'lz4' as const };
  await store.writeArray('state_label', r.labels, { dims: ['state'] });
  await store.writeArray('x_posterior', r.xa, { dims: ['state'], attrs: { units: '1', long_name: 'posterior region x month scaling factors of the basis functions (prior 1)' }, ...c });
  await store.writeArray('sigma_prior', r.sigmaB, { dims: ['state'], attrs: { units: '1' }, ...c });
  await store.writeArray('sigma_posterior', r.sigmaA, { dims: ['state'], attrs: { units: '1' }, ...c });
  await store.writeArray('P_posterior', r.Pa, { shape: [ns, ns], dims: ['state', 'state_b'], attrs: { units: '1', long_name: 'posterior covariance of the scaling factors' }, ...c });
  await store.writeArray('region', Int32Array.from(codes), { dims: ['region'], ...c });
  await store.writeArray('region_name', r.regions, { dims: ['region'] });
  await store.writeArray('region_kind', kinds, { dims: ['region'] });
  const b = (what: string): ZarrAttrs => ({ units: 'PgC yr-1', long_name: `${what} of the optimised components (bio + ocean), mean over the run` });
  await store.writeArray('budget_prior', r.budgetPrior, { dims: ['region'], attrs: b('prior budget'), ...c });
  await store.writeArray('budget_prior_sd', r.budgetPriorSd, { dims: ['region'], attrs: b('prior sd'), ...c });
  await store.writeArray('budget_posterior', r.budgetPosterior, { dims: ['region'], attrs: b('posterior budget'), ...c });
  await store.writeArray('budget_posterior_sd', Float64Array.from({ length: nr }, (_, k) => Math.sqrt(r.budgetPosteriorCov[k * nr + k]!)), { dims: ['region'], attrs: b('posterior sd'), ...c });
  await store.writeArray('budget_posterior_cov', r.budgetPosteriorCov, { shape: [nr, nr], dims: ['region', 'region_b'], attrs: { units: 'PgC2 yr-2', long_name: 'posterior covariance of the regional budgets' }, ...c });
  if (r.budgetTruth) await store.writeArray('truth/budget', r.budgetTruth, { dims: ['region'], attrs: b('truth budget'), ...c });
}
