// Our LZ4 against an independent implementation: numcodecs' WebAssembly build of the reference
// C library (what zarr-python writes), in both directions, on inputs that reach each branch of
// the block format (empty, shorter than the match limit, long literal runs, long and overlapping
// matches, incompressible bytes, float64 fields).
import Lz4Wasm from 'numcodecs/lz4';
import { describe, expect, it } from 'vitest';
import { lz4Decode, lz4Encode } from './lz4';

const wasm = Lz4Wasm.fromConfig({ id: 'lz4', acceleration: 1 });
let seed = 7;
const byte = (): number => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed >>> 24;
};

const inputs: Record<string, Uint8Array> = {
  empty: new Uint8Array(0),
  'one byte': new Uint8Array([42]),
  '12 bytes (below the match limit)': new Uint8Array(12).fill(3),
  '13 equal bytes': new Uint8Array(13).fill(3),
  'a 300 000-byte run (match length ≫ 255, offset 1 overlaps)': new Uint8Array(300000).fill(9),
  'incompressible 1 MB': Uint8Array.from({ length: 1 << 20 }, byte),
  'random runs and noise': Uint8Array.from({ length: 200000 }, (_, i) => (i % 97 < 40 ? 7 : byte())),
  'period 3 (overlapping copies)': Uint8Array.from({ length: 70000 }, (_, i) => i % 3),
  'offsets beyond 64 KiB': (() => {
    const block = Uint8Array.from({ length: 70000 }, byte);
    const a = new Uint8Array(140000);
    a.set(block, 0);
    a.set(block, 70000);
    return a;
  })(),
  'a noisy 1 MiB segment, then 1 MiB of zeros, then noise again': (() => {
    const a = Uint8Array.from({ length: 3 << 20 }, byte);
    a.fill(0, 1 << 20, 2 << 20);
    return a;
  })(),
  'float64 field': new Uint8Array(Float64Array.from({ length: 100000 }, (_, i) => 1e-8 * Math.cos(i / 300) + (i % 5 === 0 ? 0 : 1e-12 * byte())).buffer),
};

describe('lz4 (numcodecs chunk layout)', () => {
  for (const [name, input] of Object.entries(inputs)) {
    it(`round-trips and agrees with the reference C library: ${name}`, async () => {
      const ours = lz4Encode(input);
      expect(Buffer.from(lz4Decode(ours)).equals(Buffer.from(input))).toBe(true);
      // The reference decoder reads our chunks, and we read its chunks.
      expect(Buffer.from(await wasm.decode(ours)).equals(Buffer.from(input))).toBe(true);
      const theirs = await wasm.encode(input);
      expect(Buffer.from(lz4Decode(theirs)).equals(Buffer.from(input))).toBe(true);
      // Header: the decoded size, little-endian.
      expect(new DataView(ours.buffer, ours.byteOffset).getUint32(0, true)).toBe(input.length);
    });
  }

  it('compresses what is compressible about as well as the reference', async () => {
    for (const name of ['a 300 000-byte run (match length ≫ 255, offset 1 overlaps)', 'random runs and noise', 'period 3 (overlapping copies)']) {
      const input = inputs[name]!;
      const ref = (await wasm.encode(input)).length;
      expect(lz4Encode(input).length).toBeLessThanOrEqual(Math.ceil(ref * 1.1));
      expect(lz4Encode(input).length).toBeLessThan(input.length * 0.7);
    }
  });

  it('skips searching incompressible segments, not the compressible ones after them', () => {
    const input = inputs['a noisy 1 MiB segment, then 1 MiB of zeros, then noise again']!;
    const size = lz4Encode(input).length;
    // Two noisy MiB stay as they are (plus the length bytes); the zero MiB shrinks to ~4 KiB.
    expect(size).toBeGreaterThan(2 << 20);
    expect(size).toBeLessThan((2 << 20) + 32 * 1024);
  });

  it('rejects corrupt chunks instead of reading out of bounds', () => {
    const good = lz4Encode(inputs['random runs and noise']!);
    expect(() => lz4Decode(good.subarray(0, 3))).toThrow(/shorter than its header/);
    expect(() => lz4Decode(good.subarray(0, good.length - 10))).toThrow(/corrupt block/);
    const wrongSize = good.slice();
    wrongSize[0] ^= 1;
    expect(() => lz4Decode(wrongSize)).toThrow(/corrupt block/);
    // An offset pointing before the start of the output.
    expect(() => lz4Decode(new Uint8Array([8, 0, 0, 0, 0x04, 0xff, 0xff, 0x00]))).toThrow(/corrupt block/);
  });
});
