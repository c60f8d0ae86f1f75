// SVG building blocks for the report: escaping, number formatting, "nice" axis ticks.

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Numbers for labels: U+2212 minus, trailing zeros trimmed, exponent form for extremes. */
export function fmt(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return '—';
  if (v === 0) return '0';
  const a = Math.abs(v);
  const s = a >= 1e5 || a < 1e-3 ? a.toExponential(digits - 1) : String(Number(a.toPrecision(digits)));
  return v < 0 ? `\u2212${s}` : s;
}

export const r2 = (v: number): string => String(Math.round(v * 100) / 100);

/** About `count` round tick values covering [lo, hi] (1, 2, 5 × 10ⁿ steps). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(Number.isFinite(lo) && Number.isFinite(hi))) return [];
  if (hi === lo) {
    const d = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
    lo -= d;
    hi += d;
  }
  const raw = (hi - lo) / Math.max(1, count);
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  // The smallest of 1, 2, 5, 10 × 10ⁿ that is at least the raw step.
  const step = (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  // A range just under one step apart gets one tick only: ask for finer steps.
  return out.length < 3 && count < 40 ? niceTicks(lo, hi, count * 2) : out;
}

/** Linear map from [d0, d1] to [r0, r1]. */
export function linear(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

/** Extent of finite values across arrays, padded by a fraction; [0, 1] when nothing is finite. */
export function extent(arrays: readonly ArrayLike<number>[], pad = 0.05): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const a of arrays) {
    for (let k = 0; k < a.length; k++) {
      const v = a[k]!;
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (lo > hi) return [0, 1];
  const d = hi > lo ? (hi - lo) * pad : Math.abs(hi) * 0.1 || 1;
  return [lo - d, hi + d];
}

/** 'YYYY-MM-DD' (UTC) of seconds since 1970. */
export function isoDate(sec: number): string {
  return new Date(sec * 1000).toISOString().slice(0, 10);
}
