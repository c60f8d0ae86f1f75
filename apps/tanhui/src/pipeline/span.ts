// A lag span's flux mapping: S consecutive windows as one transport run, and the reordering of
// member states from the lagged (window-major) layout to the span's (term-major).
import { TanhuiError } from '@tanhui/core';
import type { StateMapping } from '@tanhui/priors';

/**
 * One mapping for S consecutive windows: the windows' periods one after the other, each window a
 * temporal block of every term. The span's state is term-major (offset_t·S + j·nUnits_t + u),
 * the lagged state window-major (j·nparams + offset_t + u): `toSpanLayout` reorders member states.
 */
export function spanMapping(maps: readonly StateMapping[]): StateMapping {
  const m0 = maps[0];
  if (!m0) throw new TanhuiError('InvalidArgument', 'a span needs at least one window');
  if (maps.length === 1) return m0;
  const S = maps.length;
  const nPeriods = maps.reduce((s, m) => s + m.nPeriods, 0);
  const terms = m0.terms.map((t0, ti) => {
    if (t0.nBlocks !== 1) throw new TanhuiError('InvalidArgument', `term ${t0.name} has ${t0.nBlocks} temporal blocks per window; lagged windows need one`);
    const pattern = new Float64Array(nPeriods * m0.nCells);
    const block = new Int32Array(nPeriods);
    let p0 = 0;
    maps.forEach((m, j) => {
      const t = m.terms[ti];
      if (!t || t.name !== t0.name || t.nUnits !== t0.nUnits || t.nBlocks !== 1 || t.offset !== t0.offset || m.nCells !== m0.nCells || !sameInts(t.unit, t0.unit)) {
        throw new TanhuiError('InvalidArgument', `window ${j} of the span has another state layout than the first`);
      }
      pattern.set(t.pattern, p0 * m0.nCells);
      block.fill(j, p0, p0 + m.nPeriods);
      p0 += m.nPeriods;
    });
    return { name: t0.name, pattern, unit: t0.unit, block, nUnits: t0.nUnits, nBlocks: S, offset: t0.offset * S };
  });
  const labels: string[] = [];
  for (const t of m0.terms) for (let j = 0; j < S; j++) for (let u = 0; u < t.nUnits; u++) labels.push(`${m0.labels[t.offset + u]}@${j}`);
  const xPrior = new Float64Array(S * m0.nState);
  for (const t of m0.terms) for (let j = 0; j < S; j++) xPrior.set(m0.xPrior.subarray(t.offset, t.offset + t.nUnits), t.offset * S + j * t.nUnits);
  return { nPeriods, nCells: m0.nCells, nState: S * m0.nState, terms, xPrior, labels };
}

function sameInts(a: Int32Array, b: Int32Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Reorder K member states [S·nparams][K] from the lagged (window-major) layout to the span's. */
export function toSpanLayout(states: Float64Array, S: number, K: number, window: StateMapping): Float64Array {
  const n = window.nState;
  if (states.length !== S * n * K) throw new TanhuiError('BadShape', `states have ${states.length} values, expected ${S}×${n}×${K}`);
  if (S === 1) return states;
  const out = new Float64Array(states.length);
  for (const t of window.terms) {
    for (let j = 0; j < S; j++) {
      for (let u = 0; u < t.nUnits; u++) {
        const from = (j * n + t.offset + u) * K;
        const to = (t.offset * S + j * t.nUnits + u) * K;
        for (let k = 0; k < K; k++) out[to + k] = states[from + k]!;
      }
    }
  }
  return out;
}
