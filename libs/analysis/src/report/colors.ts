// Colour scales written by hand: a diverging blue–white–red scale for fluxes (sinks blue,
// sources red, as in the seed's maps) and a sequential viridis-like scale for σ and
// uncertainty reduction. Stops from ColorBrewer RdBu and matplotlib viridis, interpolated in sRGB.

type Rgb = [number, number, number];

const RDBU_REVERSED = ['#053061', '#2166ac', '#4393c3', '#92c5de', '#d1e5f0', '#f7f7f7', '#fddbc7', '#f4a582', '#d6604d', '#b2182b', '#67001f'];
const VIRIDIS = ['#440154', '#482878', '#3e4989', '#31688e', '#26828e', '#1f9e89', '#35b779', '#6ece58', '#b5de2b', '#fde725'];

export const MISSING_COLOUR = '#bdbdbd';

function parseHex(h: string): Rgb {
  return [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];
}

function toHex(c: Rgb): string {
  return `#${c.map((v) => Math.round(Math.min(255, Math.max(0, v))).toString(16).padStart(2, '0')).join('')}`;
}

/** Colour at t ∈ [0, 1] along a list of hex stops (clamped). */
export function interpolateStops(stops: readonly string[], t: number): string {
  const x = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const k = Math.min(stops.length - 2, Math.floor(x));
  const f = x - k;
  const a = parseHex(stops[k]!);
  const b = parseHex(stops[k + 1]!);
  return toHex([a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1]), a[2] + f * (b[2] - a[2])]);
}

export interface ColourScale {
  kind: 'diverging' | 'sequential';
  min: number;
  max: number;
  /** Number of discrete classes (maps merge runs of equal colour). */
  classes: number;
  stops: readonly string[];
}

export function divergingScale(maxAbs: number, classes = 15): ColourScale {
  const m = maxAbs > 0 && Number.isFinite(maxAbs) ? maxAbs : 1;
  return { kind: 'diverging', min: -m, max: m, classes, stops: RDBU_REVERSED };
}

export function sequentialScale(min: number, max: number, classes = 12): ColourScale {
  const ok = Number.isFinite(min) && Number.isFinite(max) && max > min;
  return { kind: 'sequential', min: ok ? min : 0, max: ok ? max : 1, classes, stops: VIRIDIS };
}

/** Class index 0 … classes−1 of a value, or −1 for NaN. */
export function colourClass(scale: ColourScale, v: number): number {
  if (!Number.isFinite(v)) return -1;
  const t = (v - scale.min) / (scale.max - scale.min);
  return Math.min(scale.classes - 1, Math.max(0, Math.floor(t * scale.classes)));
}

/** The colour of a class (its centre on the continuous scale). */
export function classColour(scale: ColourScale, k: number): string {
  if (k < 0) return MISSING_COLOUR;
  return interpolateStops(scale.stops, (k + 0.5) / scale.classes);
}

/** A scale fitted to data: symmetric about 0 for diverging, [min, max] of finite values otherwise. */
export function autoScale(values: ArrayLike<number>, kind: 'diverging' | 'sequential', range?: [number, number]): ColourScale {
  if (range) return kind === 'diverging' ? divergingScale(Math.max(Math.abs(range[0]), Math.abs(range[1]))) : sequentialScale(range[0], range[1]);
  let lo = Infinity;
  let hi = -Infinity;
  for (let k = 0; k < values.length; k++) {
    const v = values[k]!;
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return kind === 'diverging' ? divergingScale(Math.max(Math.abs(lo), Math.abs(hi))) : sequentialScale(lo, hi);
}
