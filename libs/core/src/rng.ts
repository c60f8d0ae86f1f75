// Seeded, named pseudo-random numbers so that a run is reproducible bit for bit: the one RNG
// module of tanhui. `createRng` (xoshiro128**) draws everything statistical: ensembles,
// observation noise, Monte Carlo. `mulberry32` is a small uniform stream kept for the synthetic
// world (met waves, station and sounding layouts) and test inputs: switching those to xoshiro
// would change every stored synthetic run without making it any more random.
//
// Algorithm "xoshiro128**" (Blackman & Vigna 2018, 32-bit words; exact integer arithmetic
// with Math.imul and >>> so every engine gives the same stream). Seeding: the integer seed is
// expanded to the 128-bit state with splitmix32 (Vigna's SplitMix, 32-bit variant: add
// 0x9e3779b9, then the murmur3 finaliser). Uniforms in [0,1) take 53 bits from two outputs
// ((a>>>5)·2²⁶ + (b>>>6)) / 2⁵³. Normals use Marsaglia's polar method (no trigonometry;
// the spare deviate is part of the state). `getState()` / `createRng(state)` resume a stream
// exactly.

export const RNG_ALGORITHM = 'xoshiro128**+polar';

export interface RngState {
  algorithm: typeof RNG_ALGORITHM;
  /** Four unsigned 32-bit words. */
  s: [number, number, number, number];
  /** Spare normal deviate of the polar method, or null. */
  spare: number | null;
}

export interface Rng {
  /** Next unsigned 32-bit integer. */
  nextUint32(): number;
  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number;
  /** Standard normal deviate. */
  normal(): number;
  /** Fill an array with standard normal deviates. */
  fillNormal(out: Float64Array): Float64Array;
  /** Serialisable state; createRng(state) continues the stream exactly. */
  getState(): RngState;
}

function splitmix32(seed: number): () => number {
  let z = seed >>> 0;
  return () => {
    z = (z + 0x9e3779b9) >>> 0;
    let t = z;
    t = Math.imul(t ^ (t >>> 16), 0x85ebca6b);
    t = Math.imul(t ^ (t >>> 13), 0xc2b2ae35);
    return (t ^ (t >>> 16)) >>> 0;
  };
}

/** A generator from an integer seed (any safe integer) or from a saved state. */
export function createRng(seedOrState: number | RngState = 0): Rng {
  let s0: number;
  let s1: number;
  let s2: number;
  let s3: number;
  let spare: number | null = null;
  if (typeof seedOrState === 'number') {
    if (!Number.isSafeInteger(seedOrState)) throw new RangeError(`seed must be a safe integer, got ${seedOrState}`);
    // Fold the high bits in so seeds above 2³² differ too.
    const hi = Math.floor(seedOrState / 2 ** 32) >>> 0;
    const sm = splitmix32((seedOrState >>> 0) ^ Math.imul(hi, 0x27d4eb2d));
    s0 = sm();
    s1 = sm();
    s2 = sm();
    s3 = sm();
    if ((s0 | s1 | s2 | s3) === 0) s0 = 1;
  } else {
    if (seedOrState.algorithm !== RNG_ALGORITHM) {
      throw new RangeError(`RNG state is for ${String(seedOrState.algorithm)}, expected ${RNG_ALGORITHM}`);
    }
    [s0, s1, s2, s3] = seedOrState.s.map((v) => v >>> 0) as [number, number, number, number];
    spare = seedOrState.spare;
  }

  const nextUint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return result;
  };
  const uniform = (): number => {
    const a = nextUint32() >>> 5;
    const b = nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  };
  const normal = (): number => {
    if (spare !== null) {
      const v = spare;
      spare = null;
      return v;
    }
    for (;;) {
      const u = 2 * uniform() - 1;
      const v = 2 * uniform() - 1;
      const q = u * u + v * v;
      if (q > 0 && q < 1) {
        const f = Math.sqrt((-2 * Math.log(q)) / q);
        spare = v * f;
        return u * f;
      }
    }
  };
  return {
    nextUint32,
    uniform,
    normal,
    fillNormal(out: Float64Array): Float64Array {
      for (let i = 0; i < out.length; i++) out[i] = normal();
      return out;
    },
    getState: () => ({ algorithm: RNG_ALGORITHM, s: [s0 >>> 0, s1 >>> 0, s2 >>> 0, s3 >>> 0], spare }),
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Uniforms in [0, 1) from a 32-bit seed (mulberry32, Tommy Ettinger's public-domain generator). */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
