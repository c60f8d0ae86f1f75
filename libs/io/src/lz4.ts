// LZ4 block compression in TypeScript, in numcodecs' "lz4" chunk layout (a 4-byte little-endian
// decoded size, then one LZ4 block): what zarr-python/xarray write and read as {"id": "lz4"}.
// Why not numcodecs' WebAssembly build (zarrita's default): its embind wrapper copies every
// chunk through std::string in and out, which caps it near 250–400 MB/s here; plain typed-array
// code avoids the copies, and float64 fields (mostly incompressible mantissas) are skipped over
// quickly by LZ4's own acceleration (the step grows after 64 misses).
// Format: https://github.com/lz4/lz4/blob/dev/doc/lz4_Block_format.md

const MIN_MATCH = 4;
/** The last 5 bytes are always literals; the last match starts ≥ 12 bytes before the end. */
const LAST_LITERALS = 5;
const MF_LIMIT = 12;
const HASH_LOG = 12;
/**
 * Each 1 MiB segment is searched for matches over its first 64 KiB; when those save under 2 % of
 * it (float64 noise: 4–5-byte matches of exponent bytes save ~1 byte each), the rest of the segment is passed on as literals
 * without searching. The block stays valid LZ4 (literals may run any length); only the ratio of
 * such segments can be a little worse than LZ4's, and encoding them costs a copy.
 */
const SEGMENT_LOG = 20;
const PROBE = 1 << 16;
const MAX_OFFSET = 65535;
const SKIP_TRIGGER = 6;

/** Upper bound of the compressed block size for `n` input bytes (LZ4_compressBound). */
export function lz4Bound(n: number): number {
  return n + Math.floor(n / 255) + 16;
}

let table = new Int32Array(1 << HASH_LOG);

const read32 = (s: Uint8Array, i: number): number => s[i]! | (s[i + 1]! << 8) | (s[i + 2]! << 16) | (s[i + 3]! << 24);

const hash = (v: number): number => Math.imul(v, 2654435761) >>> (32 - HASH_LOG);

/** Compress `src` into one LZ4 block written to `dst` from `at`; returns the end offset. */
function compressBlock(src: Uint8Array, dst: Uint8Array, at: number, acceleration: number): number {
  const n = src.length;
  let op = at;
  let anchor = 0;
  if (n >= MF_LIMIT + 1) {
    table.fill(-1);
    const matchLimit = n - LAST_LITERALS;
    const ipLimit = n - MF_LIMIT;
    let ip = 0;
    table[hash(read32(src, 0))] = 0;
    ip = 1;
    let segment = 0;
    let decided = false;
    let saved = 0;
    outer: for (;;) {
      // Find a match (the step grows with the misses: incompressible data is crossed fast).
      let ref = -1;
      let attempts = acceleration << SKIP_TRIGGER;
      for (;;) {
        if (ip > ipLimit) break outer;
        if (ip >>> SEGMENT_LOG !== segment) {
          segment = ip >>> SEGMENT_LOG;
          decided = false;
          saved = 0;
        }
        if (!decided && ip - segment * (1 << SEGMENT_LOG) >= PROBE) {
          decided = true;
          if (saved * 50 < PROBE) {
            ip = (segment + 1) * (1 << SEGMENT_LOG); // incompressible so far: literals as they are
            continue;
          }
        }
        const seq = read32(src, ip);
        const h = hash(seq);
        ref = table[h]!;
        table[h] = ip;
        if (ref >= 0 && ip - ref <= MAX_OFFSET && read32(src, ref) === seq) break;
        ip += attempts++ >> SKIP_TRIGGER;
      }
      // Extend backwards over equal bytes before the match.
      while (ip > anchor && ref > 0 && src[ip - 1] === src[ref - 1]) {
        ip--;
        ref--;
      }
      // Literals since the anchor.
      const litLen = ip - anchor;
      const token = op++;
      if (litLen >= 15) {
        dst[token] = 15 << 4;
        let l = litLen - 15;
        for (; l >= 255; l -= 255) dst[op++] = 255;
        dst[op++] = l;
      } else dst[token] = litLen << 4;
      // Short literal runs byte by byte: a subarray view costs more than copying them.
      if (litLen > 32) dst.set(src.subarray(anchor, ip), op);
      else for (let k = 0; k < litLen; k++) dst[op + k] = src[anchor + k]!;
      op += litLen;
      // Match length beyond the first 4 bytes.
      let mp = ip + MIN_MATCH;
      let rp = ref + MIN_MATCH;
      while (mp < matchLimit && src[mp] === src[rp]) {
        mp++;
        rp++;
      }
      saved += mp - ip - 3; // a sequence costs a token and an offset
      const offset = ip - ref;
      dst[op++] = offset & 255;
      dst[op++] = offset >>> 8;
      const ml = mp - ip - MIN_MATCH;
      if (ml >= 15) {
        dst[token]! |= 15;
        let l = ml - 15;
        for (; l >= 255; l -= 255) dst[op++] = 255;
        dst[op++] = l;
      } else dst[token]! |= ml;
      ip = mp;
      anchor = ip;
      if (ip > ipLimit) break;
      // Index the position two bytes back, as LZ4 does, for the next search.
      table[hash(read32(src, ip - 2))] = ip - 2;
    }
  }
  // Last literals.
  const litLen = n - anchor;
  if (litLen >= 15) {
    dst[op++] = 15 << 4;
    let l = litLen - 15;
    for (; l >= 255; l -= 255) dst[op++] = 255;
    dst[op++] = l;
  } else dst[op++] = litLen << 4;
  dst.set(src.subarray(anchor, n), op);
  return op + litLen;
}

/** numcodecs' lz4 chunk: decoded size (u32 little-endian) + one LZ4 block. */
export function lz4Encode(src: Uint8Array, acceleration = 1): Uint8Array {
  if (src.length > 0x7e000000) throw new RangeError(`lz4: ${src.length} bytes exceed the LZ4 block limit`);
  const dst = new Uint8Array(4 + lz4Bound(src.length));
  dst[0] = src.length & 255;
  dst[1] = (src.length >>> 8) & 255;
  dst[2] = (src.length >>> 16) & 255;
  dst[3] = (src.length >>> 24) & 255;
  if (table.length !== 1 << HASH_LOG) table = new Int32Array(1 << HASH_LOG);
  const end = compressBlock(src, dst, 4, Math.max(1, Math.floor(acceleration)));
  return dst.subarray(0, end);
}

/** Decoded size of a numcodecs lz4 chunk (its header). */
export function lz4DecodedSize(chunk: Uint8Array): number {
  if (chunk.length < 5) throw new Error('lz4: chunk shorter than its header');
  return (chunk[0]! | (chunk[1]! << 8) | (chunk[2]! << 16) | (chunk[3]! << 24)) >>> 0;
}

/** Decode a numcodecs lz4 chunk; throws on a corrupt block (never reads or writes out of bounds). */
export function lz4Decode(chunk: Uint8Array): Uint8Array {
  const out = new Uint8Array(lz4DecodedSize(chunk));
  lz4DecodeInto(chunk, out);
  return out;
}

/** Decode a numcodecs lz4 chunk into `out` (exactly its decoded size, e.g. a view of the caller's array). */
export function lz4DecodeInto(chunk: Uint8Array, out: Uint8Array): void {
  const n = lz4DecodedSize(chunk);
  if (out.length !== n) throw new Error(`lz4: chunk decodes to ${n} bytes, the destination holds ${out.length}`);
  let ip = 4;
  let op = 0;
  const end = chunk.length;
  const bad = (why: string) => new Error(`lz4: corrupt block (${why})`);
  for (;;) {
    if (ip >= end) throw bad('truncated token');
    const token = chunk[ip++]!;
    let litLen = token >>> 4;
    if (litLen === 15) {
      let b: number;
      do {
        if (ip >= end) throw bad('truncated literal length');
        b = chunk[ip++]!;
        litLen += b;
      } while (b === 255);
    }
    if (ip + litLen > end || op + litLen > n) throw bad('literals beyond the block');
    if (litLen > 32) out.set(chunk.subarray(ip, ip + litLen), op);
    else for (let k = 0; k < litLen; k++) out[op + k] = chunk[ip + k]!;
    ip += litLen;
    op += litLen;
    if (ip === end) break; // the last sequence has literals only
    if (ip + 2 > end) throw bad('truncated offset');
    const offset = chunk[ip]! | (chunk[ip + 1]! << 8);
    ip += 2;
    if (offset === 0 || offset > op) throw bad('offset before the start');
    let ml = (token & 15) + MIN_MATCH;
    if ((token & 15) === 15) {
      let b: number;
      do {
        if (ip >= end) throw bad('truncated match length');
        b = chunk[ip++]!;
        ml += b;
      } while (b === 255);
    }
    if (op + ml > n) throw bad('match beyond the decoded size');
    let from = op - offset;
    if (offset >= ml && ml > 32) {
      out.copyWithin(op, from, from + ml);
      op += ml;
    } else {
      // Overlapping (offset < length repeats the last `offset` bytes): byte by byte.
      for (const stop = op + ml; op < stop; ) out[op++] = out[from++]!;
    }
  }
  if (op !== n) throw bad(`decoded ${op} bytes, header says ${n}`);
}
