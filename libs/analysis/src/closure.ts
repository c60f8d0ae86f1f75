// Budget closure: top-down vs bottom-up reconciliation of a region's land sink (the seed's China
// budget). A spec (plain object, YAML-able) lists terms (value ± σ) and estimates that are signed
// sums of terms or of earlier estimates, or an inverse-variance combination of estimates; gaps
// are differences of two estimates. σ is propagated analytically for independent Gaussian terms
// (each estimate is linear in the terms, shared terms handled exactly) and by seeded Monte Carlo.
import { TanhuiError } from '@tanhui/core';
import { createRng } from '@tanhui/core';

export type CarbonRateUnits = 'PgC yr-1' | 'TgC yr-1';

export interface ClosureTermSpec {
  value: number;
  /** 1σ, same units as value; independent Gaussian errors between terms. */
  sigma: number;
  label?: string;
  /** Overrides the spec's units for this term. */
  units?: CarbonRateUnits;
  source?: string;
  note?: string;
}

/** '+name', '-name' or 'name' (a term or an earlier estimate), or { ref, coef }. */
export type ClosureSumEntry = string | { ref: string; coef: number };

export type ClosureEstimateSpec =
  | { label?: string; sum: ClosureSumEntry[] }
  /** Inverse-variance (best linear unbiased) combination of earlier estimates. */
  | { label?: string; combine: string[] };

export interface ClosureSpec {
  name: string;
  units: CarbonRateUnits;
  description?: string;
  terms: Record<string, ClosureTermSpec>;
  /** Evaluated in order; later ones may refer to earlier ones. */
  estimates: Record<string, ClosureEstimateSpec>;
  /** Each [a, b] reports a − b. */
  gaps?: [string, string][];
  monteCarlo?: { samples?: number; seed?: number };
}

export interface ClosureLine {
  id: string;
  label: string;
  value: number;
  /** Analytic σ (independent Gaussian terms). */
  sigma: number;
  /** Monte Carlo mean, σ and 2.5 / 97.5 percentiles. */
  mcMean: number;
  mcSigma: number;
  mcP025: number;
  mcP975: number;
  /** Coefficient of each term (in spec.terms order). */
  coefficients: Float64Array;
}

export interface ClosureResult {
  name: string;
  units: CarbonRateUnits;
  terms: { id: string; label: string; value: number; sigma: number; source?: string }[];
  estimates: ClosureLine[];
  gaps: (ClosureLine & { a: string; b: string; consistent: boolean })[];
  samples: number;
  seed: number;
}

const UNIT_TO_PGC: Record<CarbonRateUnits, number> = { 'PgC yr-1': 1, 'TgC yr-1': 1e-3 };

function bad(message: string, key?: string, hint?: string): TanhuiError {
  return new TanhuiError('InvalidConfig', message, { hint, context: key === undefined ? {} : { key } });
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Check a parsed YAML/JSON object and return it typed; errors name the offending key. */
export function parseClosureSpec(raw: unknown): ClosureSpec {
  if (!isRecord(raw)) throw bad('a closure spec must be a mapping');
  const { name, units, terms, estimates, gaps, monteCarlo, description } = raw;
  if (typeof name !== 'string' || name === '') throw bad('name must be a non-empty string', 'name');
  if (units !== 'PgC yr-1' && units !== 'TgC yr-1') throw bad(`units must be 'PgC yr-1' or 'TgC yr-1', got ${JSON.stringify(units)}`, 'units');
  if (!isRecord(terms) || Object.keys(terms).length === 0) throw bad('terms must be a non-empty mapping', 'terms');
  const outTerms: Record<string, ClosureTermSpec> = {};
  for (const [id, t] of Object.entries(terms)) {
    const key = `terms.${id}`;
    if (!isRecord(t)) throw bad(`${key} must be a mapping with value and sigma`, key);
    if (typeof t.value !== 'number' || !Number.isFinite(t.value)) throw bad(`${key}.value must be a finite number`, `${key}.value`);
    if (typeof t.sigma !== 'number' || !(t.sigma >= 0)) throw bad(`${key}.sigma must be a number ≥ 0`, `${key}.sigma`);
    if (t.units !== undefined && t.units !== 'PgC yr-1' && t.units !== 'TgC yr-1') throw bad(`${key}.units must be 'PgC yr-1' or 'TgC yr-1'`, `${key}.units`);
    for (const k of ['label', 'source', 'note'] as const) {
      if (t[k] !== undefined && typeof t[k] !== 'string') throw bad(`${key}.${k} must be a string`, `${key}.${k}`);
    }
    outTerms[id] = t as unknown as ClosureTermSpec;
  }
  if (!isRecord(estimates) || Object.keys(estimates).length === 0) throw bad('estimates must be a non-empty mapping', 'estimates');
  const known = new Set(Object.keys(outTerms));
  const outEst: Record<string, ClosureEstimateSpec> = {};
  for (const [id, e] of Object.entries(estimates)) {
    const key = `estimates.${id}`;
    if (known.has(id)) throw bad(`${key} has the name of a term or an earlier estimate`, key);
    if (!isRecord(e)) throw bad(`${key} must be a mapping with 'sum' or 'combine'`, key);
    if (e.label !== undefined && typeof e.label !== 'string') throw bad(`${key}.label must be a string`, `${key}.label`);
    if ((e.sum === undefined) === (e.combine === undefined)) throw bad(`${key} needs exactly one of 'sum' or 'combine'`, key);
    if (e.sum !== undefined) {
      if (!Array.isArray(e.sum) || e.sum.length === 0) throw bad(`${key}.sum must be a non-empty list`, `${key}.sum`);
      e.sum.forEach((entry: unknown, k: number) => {
        const ref = parseEntry(entry, `${key}.sum[${k}]`).ref;
        if (!known.has(ref)) throw bad(`${key}.sum[${k}] refers to unknown '${ref}'`, `${key}.sum[${k}]`, 'refer to a term or an estimate defined above');
      });
    } else {
      if (!Array.isArray(e.combine) || e.combine.length < 2) throw bad(`${key}.combine must list at least 2 estimates`, `${key}.combine`);
      e.combine.forEach((ref: unknown, k: number) => {
        if (typeof ref !== 'string' || !known.has(ref) || ref in outTerms) {
          throw bad(`${key}.combine[${k}] must name an estimate defined above`, `${key}.combine[${k}]`);
        }
      });
    }
    known.add(id);
    outEst[id] = e as unknown as ClosureEstimateSpec;
  }
  const outGaps: [string, string][] = [];
  if (gaps !== undefined) {
    if (!Array.isArray(gaps)) throw bad('gaps must be a list of [a, b] pairs', 'gaps');
    gaps.forEach((g: unknown, k: number) => {
      if (!Array.isArray(g) || g.length !== 2 || !g.every((x) => typeof x === 'string' && known.has(x))) {
        throw bad(`gaps[${k}] must be a pair of known estimate or term names`, `gaps[${k}]`);
      }
      outGaps.push([g[0] as string, g[1] as string]);
    });
  }
  let mc: ClosureSpec['monteCarlo'];
  if (monteCarlo !== undefined) {
    if (!isRecord(monteCarlo)) throw bad('monteCarlo must be a mapping', 'monteCarlo');
    const { samples, seed } = monteCarlo;
    if (samples !== undefined && !(Number.isInteger(samples) && (samples as number) >= 2)) throw bad('monteCarlo.samples must be an integer ≥ 2', 'monteCarlo.samples');
    if (seed !== undefined && !Number.isInteger(seed)) throw bad('monteCarlo.seed must be an integer', 'monteCarlo.seed');
    mc = { samples: samples as number | undefined, seed: seed as number | undefined };
  }
  if (description !== undefined && typeof description !== 'string') throw bad('description must be a string', 'description');
  return { name, units, description, terms: outTerms, estimates: outEst, gaps: outGaps, monteCarlo: mc };
}

function parseEntry(entry: unknown, key: string): { ref: string; coef: number } {
  if (typeof entry === 'string') {
    const s = entry.trim();
    if (s.startsWith('-')) return { ref: s.slice(1).trim(), coef: -1 };
    if (s.startsWith('+')) return { ref: s.slice(1).trim(), coef: 1 };
    return { ref: s, coef: 1 };
  }
  if (isRecord(entry) && typeof entry.ref === 'string' && typeof entry.coef === 'number' && Number.isFinite(entry.coef)) {
    return { ref: entry.ref, coef: entry.coef };
  }
  throw bad(`${key} must be '+name', '-name' or { ref, coef }`, key);
}

/** Solve the small dense system M x = b (Gaussian elimination with partial pivoting). */
function solveSmall(m: number[][], b: number[]): number[] {
  const n = b.length;
  const a = m.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[p]![c]!)) p = r;
    if (a[p]![c] === 0) throw new TanhuiError('NotPositiveDefinite', 'estimates to combine have a singular covariance (a zero-σ or duplicated estimate)');
    [a[c], a[p]] = [a[p]!, a[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = a[r]![c]! / a[c]![c]!;
      for (let k = c; k <= n; k++) a[r]![k]! -= f * a[c]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = a[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= a[r]![k]! * x[k]!;
    x[r] = s / a[r]![r]!;
  }
  return x;
}

/**
 * Evaluate a closure spec: every estimate and gap with analytic σ and Monte Carlo statistics
 * (seeded; defaults 100 000 samples, seed 1). A gap is 'consistent' when |gap| ≤ 2σ.
 */
export function evaluateClosure(specInput: ClosureSpec, options: { samples?: number; seed?: number } = {}): ClosureResult {
  const spec = parseClosureSpec(specInput);
  const ids = Object.keys(spec.terms);
  const nt = ids.length;
  const mu = new Float64Array(nt);
  const sd = new Float64Array(nt);
  ids.forEach((id, k) => {
    const t = spec.terms[id]!;
    const f = UNIT_TO_PGC[t.units ?? spec.units] / UNIT_TO_PGC[spec.units];
    mu[k] = t.value * f;
    sd[k] = t.sigma * f;
  });
  const coef = new Map<string, Float64Array>();
  ids.forEach((id, k) => {
    const c = new Float64Array(nt);
    c[k] = 1;
    coef.set(id, c);
  });
  const dot = (c: Float64Array, v: Float64Array): number => c.reduce((s, x, k) => s + x * v[k]!, 0);
  const cov = (a: Float64Array, b: Float64Array): number => a.reduce((s, x, k) => s + x * b[k]! * sd[k]! * sd[k]!, 0);
  const labels = new Map<string, string>();
  for (const [id, e] of Object.entries(spec.estimates)) {
    const c = new Float64Array(nt);
    if ('sum' in e) {
      e.sum.forEach((entry, k) => {
        const { ref, coef: w } = parseEntry(entry, `estimates.${id}.sum[${k}]`);
        const src = coef.get(ref)!;
        for (let i = 0; i < nt; i++) c[i]! += w * src[i]!;
      });
    } else {
      // BLUE weights w = C⁻¹1 / (1ᵀC⁻¹1) with C the covariance of the combined estimates, which
      // share terms in general (e.g. both use the same river flux).
      const parts = e.combine.map((ref) => coef.get(ref)!);
      const cm = parts.map((a) => parts.map((b) => cov(a, b)));
      const x = solveSmall(cm, parts.map(() => 1));
      const sx = x.reduce((s, v) => s + v, 0);
      parts.forEach((p, k) => {
        for (let i = 0; i < nt; i++) c[i]! += (x[k]! / sx) * p[i]!;
      });
    }
    coef.set(id, c);
    labels.set(id, e.label ?? id);
  }
  const samples = options.samples ?? spec.monteCarlo?.samples ?? 100_000;
  const seed = options.seed ?? spec.monteCarlo?.seed ?? 1;
  if (!(Number.isInteger(samples) && samples >= 2)) throw bad('Monte Carlo samples must be an integer ≥ 2', 'monteCarlo.samples');

  const lines: { id: string; label: string; c: Float64Array }[] = Object.keys(spec.estimates).map((id) => ({ id, label: labels.get(id)!, c: coef.get(id)! }));
  const gapDefs = (spec.gaps ?? []).map(([a, b]) => {
    const ca = coef.get(a)!;
    const cb = coef.get(b)!;
    return { id: `${a} − ${b}`, label: `${labels.get(a) ?? spec.terms[a]?.label ?? a} − ${labels.get(b) ?? spec.terms[b]?.label ?? b}`, c: ca.map((x, k) => x - cb[k]!), a, b };
  });
  const all = [...lines, ...gapDefs];
  // Monte Carlo: one draw of every term per sample, then every line from the same draw.
  const nl = all.length;
  const cmat = new Float64Array(nl * nt);
  all.forEach((l, i) => cmat.set(l.c, i * nt));
  const draws = all.map(() => new Float64Array(samples));
  const rng = createRng(seed);
  const z = new Float64Array(nt);
  for (let s = 0; s < samples; s++) {
    for (let k = 0; k < nt; k++) z[k] = mu[k]! + sd[k]! * rng.normal();
    for (let i = 0; i < nl; i++) {
      let v = 0;
      const o = i * nt;
      for (let k = 0; k < nt; k++) v += cmat[o + k]! * z[k]!;
      draws[i]![s] = v;
    }
  }
  const summarise = (l: { id: string; label: string; c: Float64Array }, i: number): ClosureLine => {
    const d = draws[i]!;
    let m = 0;
    for (let s = 0; s < samples; s++) m += d[s]!;
    m /= samples;
    let v = 0;
    for (let s = 0; s < samples; s++) v += (d[s]! - m) ** 2;
    const sorted = Float64Array.from(d).sort();
    return {
      id: l.id,
      label: l.label,
      value: dot(l.c, mu),
      sigma: Math.sqrt(cov(l.c, l.c)),
      mcMean: m,
      mcSigma: Math.sqrt(v / (samples - 1)),
      mcP025: quantileSorted(sorted, 0.025),
      mcP975: quantileSorted(sorted, 0.975),
      coefficients: l.c,
    };
  };
  const estimates = lines.map((l, i) => summarise(l, i));
  const gaps = gapDefs.map((g, k) => {
    const line = summarise(g, lines.length + k);
    return { ...line, a: g.a, b: g.b, consistent: Math.abs(line.value) <= 2 * line.sigma };
  });
  return {
    name: spec.name,
    units: spec.units,
    terms: ids.map((id, k) => ({ id, label: spec.terms[id]!.label ?? id, value: mu[k]!, sigma: sd[k]!, source: spec.terms[id]!.source })),
    estimates,
    gaps,
    samples,
    seed,
  };
}

/** Linear-interpolated quantile of sorted data (type 7, as numpy's default). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** A plain-text table of terms, estimates (with the terms they use) and gaps. */
export function formatClosureTable(result: ClosureResult, digits = 3): string {
  const f = (x: number): string => (x < 0 ? `\u2212${Math.abs(x).toFixed(digits)}` : x.toFixed(digits));
  const pm = (v: number, s: number): string => `${f(v)} ± ${s.toFixed(digits)}`;
  const out: string[] = [`${result.name} [${result.units}]`, '', 'terms'];
  const w = Math.max(...result.terms.map((t) => t.label.length), ...result.estimates.map((e) => e.label.length), ...result.gaps.map((g) => g.label.length));
  for (const t of result.terms) out.push(`  ${t.label.padEnd(w)}  ${pm(t.value, t.sigma)}`);
  out.push('', `estimates (analytic σ | Monte Carlo mean ± σ, 95% interval; ${result.samples} samples, seed ${result.seed})`);
  const line = (l: ClosureLine): string =>
    `  ${l.label.padEnd(w)}  ${pm(l.value, l.sigma)}  | ${pm(l.mcMean, l.mcSigma)}  [${f(l.mcP025)}, ${f(l.mcP975)}]`;
  for (const e of result.estimates) {
    out.push(line(e));
    const used = result.terms
      .map((t, k) => ({ t, c: e.coefficients[k]! }))
      .filter((x) => Math.abs(x.c) > 1e-12)
      .map((x) => `${x.c < 0 ? '−' : '+'}${Math.abs(Math.abs(x.c) - 1) < 1e-12 ? '' : `${Math.abs(x.c).toFixed(3)}·`}${x.t.id}`);
    out.push(`  ${''.padEnd(w)}  = ${used.join(' ')}`);
  }
  if (result.gaps.length > 0) {
    out.push('', 'closure gaps');
    for (const g of result.gaps) out.push(`${line(g)}  ${g.consistent ? 'closes (|gap| ≤ 2σ)' : 'does NOT close (|gap| > 2σ)'}`);
  }
  return out.join('\n') + '\n';
}
