// State-vector ↔ flux mappings. Every mapping is linear, δflux = M x, with
//   (M x)[p, c] = Σ_terms pattern[p, c] · x[offset + block[p]·nUnits + unit[c]]
// where `unit[c]` assigns grid cell c to a spatial unit (a cell, a region × ecosystem class,
// a region; −1 = not optimised by this term) and `block[p]` assigns period p to a temporal
// block (0 for one factor per window, the month index for region × month basis functions).
// The flux the transport sees for ensemble member k is
//   flux[p][c][k] = fixed[p][c] + (M x_k)[p, c]
// where `fixed` is the sum of the components not represented in the mapping. For scaling
// factors (GCAS, CarbonTracker) `pattern` is the prior flux of the scaled component and the
// prior state is 1; for Bayesian synthesis basis functions `pattern` is a unit basis flux and
// the state is in the basis unit (PgC yr⁻¹ per region-month). Land and ocean are separate terms
// of one mapping, so one state vector holds both.
//
// Mappings are plain objects of typed arrays (structured-clone friendly, for worker threads);
// the kernels below are pure. With K members the state is [state][member] and the flux
// [period][lat][lon][member], member innermost as everywhere in tanhui.
import { TanhuiError } from '@tanhui/core';

export interface MappingTerm {
  /** Label of the optimised component (e.g. 'bio', 'ocean'). */
  readonly name: string;
  /** Flux per unit of state [mol m⁻² s⁻¹ per state unit], layout [period][cell]. */
  readonly pattern: Float64Array;
  /** Spatial unit of each cell (0 … nUnits−1) or −1 where this term does not act. */
  readonly unit: Int32Array;
  /** Temporal block of each period (0 … nBlocks−1). */
  readonly block: Int32Array;
  readonly nUnits: number;
  readonly nBlocks: number;
  /** Index of this term's first state element; its elements are offset + block·nUnits + unit. */
  readonly offset: number;
}

export interface StateMapping {
  readonly nPeriods: number;
  readonly nCells: number;
  readonly nState: number;
  readonly terms: readonly MappingTerm[];
  /** Prior mean of the state (1 for scaling factors, 0 for basis-function increments). */
  readonly xPrior: Float64Array;
  /** Human-readable label per state element. */
  readonly labels: readonly string[];
}

/**
 * out[(p*nCells + c)*K + k] (+)= (M x_k)[p, c] for K members; x is [state][member].
 * `accumulate` adds to out instead of overwriting it.
 */
export function applyMapping(m: StateMapping, x: Float64Array, K = 1, out?: Float64Array, accumulate = false): Float64Array {
  checkSizes(m, x.length, m.nState * K, 'state');
  const n = m.nPeriods * m.nCells * K;
  const y = out ?? new Float64Array(n);
  checkSizes(m, y.length, n, 'flux');
  if (!accumulate) y.fill(0);
  for (const term of m.terms) {
    const { pattern, unit, block, nUnits, offset } = term;
    for (let p = 0; p < m.nPeriods; p++) {
      const sBase = offset + block[p]! * nUnits;
      const pBase = p * m.nCells;
      for (let c = 0; c < m.nCells; c++) {
        const u = unit[c]!;
        if (u < 0) continue;
        const w = pattern[pBase + c]!;
        if (w === 0) continue;
        const xs = (sBase + u) * K;
        const ys = (pBase + c) * K;
        for (let k = 0; k < K; k++) y[ys + k] += w * x[xs + k]!;
      }
    }
  }
  return y;
}

/** Adjoint: out[s*K + k] = Σ_{p,c} M[(p,c), s] · g[(p*nCells + c)*K + k]. */
export function applyMappingAdjoint(m: StateMapping, g: Float64Array, K = 1, out?: Float64Array): Float64Array {
  checkSizes(m, g.length, m.nPeriods * m.nCells * K, 'flux');
  const x = out ?? new Float64Array(m.nState * K);
  checkSizes(m, x.length, m.nState * K, 'state');
  x.fill(0);
  for (const term of m.terms) {
    const { pattern, unit, block, nUnits, offset } = term;
    for (let p = 0; p < m.nPeriods; p++) {
      const sBase = offset + block[p]! * nUnits;
      const pBase = p * m.nCells;
      for (let c = 0; c < m.nCells; c++) {
        const u = unit[c]!;
        if (u < 0) continue;
        const w = pattern[pBase + c]!;
        if (w === 0) continue;
        const xs = (sBase + u) * K;
        const gs = (pBase + c) * K;
        for (let k = 0; k < K; k++) x[xs + k] += w * g[gs + k]!;
      }
    }
  }
  return x;
}

/**
 * Flux for K members at once: flux[p][c][k] = fixed[p][c] + (M x_k)[p, c]. `fixed` is
 * [period][cell] (the sum of the non-optimised components); X is [state][member].
 */
export function ensembleFlux(m: StateMapping, fixed: Float64Array, X: Float64Array, K: number, out?: Float64Array): Float64Array {
  checkSizes(m, fixed.length, m.nPeriods * m.nCells, 'fixed flux');
  const n = m.nPeriods * m.nCells;
  const y = out ?? new Float64Array(n * K);
  checkSizes(m, y.length, n * K, 'flux');
  for (let pc = 0; pc < n; pc++) {
    const f = fixed[pc]!;
    const base = pc * K;
    for (let k = 0; k < K; k++) y[base + k] = f;
  }
  return applyMapping(m, X, K, y, true);
}

function checkSizes(m: StateMapping, got: number, want: number, what: string): void {
  void m;
  if (got !== want) throw new TanhuiError('BadShape', `${what} array has length ${got}, expected ${want}`);
}

// ---------------------------------------------------------------------------------------------
// Builders

export interface TermSpec {
  name: string;
  /** [period][cell] flux per state unit. */
  pattern: Float64Array;
  /** Spatial unit per cell (−1 = not acted on). */
  unit: Int32Array;
  /** Optional names of the units, for labels. */
  unitNames?: readonly string[];
  /** Temporal block per period (default: all 0). */
  block?: Int32Array;
  /** Optional names of the blocks, for labels. */
  blockNames?: readonly string[];
  /** Prior state value of this term's elements (1 for scaling factors). */
  prior: number;
}

/** Assemble a joint mapping (e.g. land + ocean) from term specifications. */
export function buildMapping(nPeriods: number, nCells: number, specs: readonly TermSpec[]): StateMapping {
  if (specs.length === 0) throw new TanhuiError('InvalidArgument', 'a state mapping needs at least one term');
  const terms: MappingTerm[] = [];
  const labels: string[] = [];
  const priors: number[] = [];
  let offset = 0;
  for (const s of specs) {
    if (s.pattern.length !== nPeriods * nCells) {
      throw new TanhuiError('BadShape', `term ${s.name}: pattern has ${s.pattern.length} values, expected ${nPeriods}×${nCells}`);
    }
    if (s.unit.length !== nCells) throw new TanhuiError('BadShape', `term ${s.name}: unit map has ${s.unit.length} cells, expected ${nCells}`);
    const block = s.block ?? new Int32Array(nPeriods);
    if (block.length !== nPeriods) throw new TanhuiError('BadShape', `term ${s.name}: block map has ${block.length} periods, expected ${nPeriods}`);
    let nUnits = 0;
    for (const u of s.unit) {
      if (u < -1 || !Number.isInteger(u)) throw new TanhuiError('BadValue', `term ${s.name}: unit id ${u} is invalid`);
      nUnits = Math.max(nUnits, u + 1);
    }
    let nBlocks = 0;
    for (const b of block) {
      if (b < 0) throw new TanhuiError('BadValue', `term ${s.name}: block id ${b} is negative`);
      nBlocks = Math.max(nBlocks, b + 1);
    }
    if (nUnits === 0) throw new TanhuiError('EmptyInput', `term ${s.name}: no cell is assigned to a unit`);
    terms.push({ name: s.name, pattern: s.pattern, unit: s.unit, block, nUnits, nBlocks, offset });
    for (let b = 0; b < nBlocks; b++) {
      for (let u = 0; u < nUnits; u++) {
        labels.push(`${s.name}:${s.blockNames?.[b] ?? `b${b}`}:${s.unitNames?.[u] ?? `u${u}`}`);
        priors.push(s.prior);
      }
    }
    offset += nUnits * nBlocks;
  }
  return { nPeriods, nCells, nState: offset, terms, xPrior: Float64Array.from(priors), labels };
}

/**
 * GCAS-style: one scaling factor per grid cell (and per window) for each optimised component.
 * `mask` selects the cells that carry a factor (e.g. land for bio, ocean for ocean); cells are
 * numbered in flat order among the selected ones.
 */
export function gridScalingTerm(name: string, priorFlux: Float64Array, nPeriods: number, mask: ArrayLike<number>): TermSpec {
  const nCells = mask.length;
  const unit = new Int32Array(nCells).fill(-1);
  const names: string[] = [];
  let n = 0;
  for (let c = 0; c < nCells; c++) {
    if (mask[c]) {
      unit[c] = n++;
      names.push(`cell${c}`);
    }
  }
  void nPeriods;
  return { name, pattern: priorFlux, unit, unitNames: names, prior: 1 };
}

/**
 * CarbonTracker-style: one scaling factor per (region, ecosystem type). `region` and
 * `ecosystem` are per-cell class ids (0 or negative = not optimised); units are the pairs that
 * occur, numbered in order of (region, ecosystem).
 */
export function regionEcosystemTerm(name: string, priorFlux: Float64Array, region: ArrayLike<number>, ecosystem: ArrayLike<number>): TermSpec {
  const nCells = region.length;
  if (ecosystem.length !== nCells) throw new TanhuiError('BadShape', 'region and ecosystem maps differ in size');
  const pairs = new Map<number, number>();
  const keys: Array<[number, number]> = [];
  for (let c = 0; c < nCells; c++) {
    const r = region[c]!;
    const e = ecosystem[c]!;
    if (r > 0 && e > 0) {
      const key = r * 100000 + e;
      if (!pairs.has(key)) {
        pairs.set(key, 0);
        keys.push([r, e]);
      }
    }
  }
  keys.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  keys.forEach(([r, e], idx) => pairs.set(r * 100000 + e, idx));
  const unit = new Int32Array(nCells).fill(-1);
  for (let c = 0; c < nCells; c++) {
    const r = region[c]!;
    const e = ecosystem[c]!;
    if (r > 0 && e > 0) unit[c] = pairs.get(r * 100000 + e)!;
  }
  return { name, pattern: priorFlux, unit, unitNames: keys.map(([r, e]) => `r${r}e${e}`), prior: 1 };
}

/** Month index (0-based, counted from the first period's month) of each period start. */
export function monthBlocks(timesSec: ArrayLike<number>): { block: Int32Array; names: string[] } {
  const block = new Int32Array(timesSec.length);
  const names: string[] = [];
  let first = -1;
  for (let p = 0; p < timesSec.length; p++) {
    const d = new Date(timesSec[p]! * 1000);
    const m = d.getUTCFullYear() * 12 + d.getUTCMonth();
    if (first < 0) first = m;
    block[p] = m - first;
    while (names.length <= m - first) {
      const mm = first + names.length;
      names.push(`${Math.floor(mm / 12)}-${String((mm % 12) + 1).padStart(2, '0')}`);
    }
  }
  return { block, names };
}

/**
 * Bayesian-synthesis basis functions: one per (region, month). The basis flux of a region is
 * uniform per unit area (or follows `shape` ≥ 0, e.g. the prior NEP magnitude) and scaled so
 * that a state value of 1 is a flux of `unitPgCPerYear` PgC yr⁻¹ out of the region.
 * `region` holds class ids 1…nRegions (0 or negative = not part of this term).
 */
export function regionMonthTerm(
  name: string,
  region: ArrayLike<number>,
  cellAreaM2: ArrayLike<number>,
  timesSec: ArrayLike<number>,
  opts: { shape?: ArrayLike<number>; unitMolPerSecond: number; regionNames?: readonly string[] },
): TermSpec {
  const nCells = region.length;
  const nPeriods = timesSec.length;
  let nRegions = 0;
  for (let c = 0; c < nCells; c++) nRegions = Math.max(nRegions, Math.trunc(region[c]!));
  const weightSum = new Float64Array(nRegions);
  const shape = opts.shape;
  const unit = new Int32Array(nCells).fill(-1);
  for (let c = 0; c < nCells; c++) {
    const r = Math.trunc(region[c]!);
    if (r <= 0) continue;
    unit[c] = r - 1;
    const s = shape ? shape[c]! : 1;
    if (s < 0 || !Number.isFinite(s)) throw new TanhuiError('BadValue', `basis shape must be finite and ≥ 0, got ${s}`, { context: { index: c } });
    weightSum[r - 1] += s * cellAreaM2[c]!;
  }
  const pattern = new Float64Array(nPeriods * nCells);
  for (let c = 0; c < nCells; c++) {
    const u = unit[c]!;
    if (u < 0) continue;
    const ws = weightSum[u]!;
    const v = ws > 0 ? (opts.unitMolPerSecond * (shape ? shape[c]! : 1)) / ws : 0;
    for (let p = 0; p < nPeriods; p++) pattern[p * nCells + c] = v;
  }
  const { block, names } = monthBlocks(timesSec);
  return { name, pattern, unit, unitNames: opts.regionNames ?? Array.from({ length: nRegions }, (_, r) => `region${r + 1}`), block, blockNames: names, prior: 0 };
}
