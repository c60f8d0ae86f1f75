// Chunk compressors for the Zarr store. zarrita's own gzip/zlib codecs only decode, so
// node:zlib-backed ones are registered in zarr.registry (encode + decode) for anyone who uses
// zarr.set; lz4 is our TypeScript LZ4 (lz4.ts, numcodecs' chunk layout), registered in place of
// numcodecs' WebAssembly one, which is 3–4× slower to decode float64 chunks here; zstd comes
// from zarrita's registry (numcodecs, WebAssembly).
import * as zlib from 'node:zlib';
import * as zarr from 'zarrita';
import { lz4Decode, lz4DecodeInto, lz4Encode } from './lz4';

export type Compressor = 'none' | 'zlib' | 'gzip' | 'zstd' | 'lz4';
/** The compressors this store writes. */
export const WRITABLE_COMPRESSORS: readonly Compressor[] = ['none', 'zlib', 'gzip', 'zstd', 'lz4'];

interface BytesCodec {
  encode(bytes: Uint8Array): Promise<Uint8Array> | Uint8Array;
  decode(bytes: Uint8Array): Promise<Uint8Array> | Uint8Array;
  /** Decode straight into `out` (exactly the decoded size), where the codec can. */
  decodeInto?(bytes: Uint8Array, out: Uint8Array): void;
}

class NodeZlibCodec {
  readonly kind = 'bytes_to_bytes';
  constructor(private readonly level: number) {}
  static fromConfig(config: { level?: number } = {}): NodeZlibCodec {
    return new NodeZlibCodec(config.level ?? 1);
  }
  encode(bytes: Uint8Array): Uint8Array {
    return new Uint8Array(zlib.deflateSync(bytes, { level: this.level }));
  }
  decode(bytes: Uint8Array): Uint8Array {
    return new Uint8Array(zlib.inflateSync(bytes));
  }
}

class NodeGzipCodec {
  readonly kind = 'bytes_to_bytes';
  constructor(private readonly level: number) {}
  static fromConfig(config: { level?: number } = {}): NodeGzipCodec {
    return new NodeGzipCodec(config.level ?? 1);
  }
  encode(bytes: Uint8Array): Uint8Array {
    return new Uint8Array(zlib.gzipSync(bytes, { level: this.level }));
  }
  decode(bytes: Uint8Array): Uint8Array {
    return new Uint8Array(zlib.gunzipSync(bytes));
  }
}

class Lz4Codec {
  readonly kind = 'bytes_to_bytes';
  constructor(private readonly acceleration: number) {}
  static fromConfig(config: { acceleration?: number } = {}): Lz4Codec {
    return new Lz4Codec(config.acceleration ?? 1);
  }
  encode(bytes: Uint8Array): Uint8Array {
    return lz4Encode(bytes, this.acceleration);
  }
  decode(bytes: Uint8Array): Uint8Array {
    return lz4Decode(bytes);
  }
  decodeInto(bytes: Uint8Array, out: Uint8Array): void {
    lz4DecodeInto(bytes, out);
  }
}

let registered = false;

/** Register node:zlib-backed zlib/gzip codecs and our lz4 (encode + decode) in zarrita's registry. Idempotent. */
export function registerNodeZlibCodecs(): void {
  if (registered) return;
  registered = true;
  const reg = zarr.registry as unknown as Map<string, () => unknown>;
  reg.set('zlib', () => NodeZlibCodec);
  reg.set('numcodecs.zlib', () => NodeZlibCodec);
  reg.set('gzip', () => NodeGzipCodec);
  reg.set('numcodecs.gzip', () => NodeGzipCodec);
  reg.set('lz4', () => Lz4Codec);
  reg.set('numcodecs.lz4', () => Lz4Codec);
}

/** Level per compressor (lz4: its acceleration, 1 = LZ4's default). */
export const DEFAULT_LEVEL: Record<Compressor, number> = { none: 0, zlib: 1, gzip: 1, zstd: 3, lz4: 1 };

/** A codec instance for one compressor and level. */
export async function bytesCodec(compressor: Compressor, level: number): Promise<BytesCodec> {
  switch (compressor) {
    case 'none':
      return {
        encode: (b) => b,
        decode: (b) => b,
        decodeInto: (b, out) => {
          if (b.length !== out.length) throw new Error(`chunk has ${b.length} bytes, expected ${out.length}`);
          out.set(b);
        },
      };
    case 'zlib':
      return NodeZlibCodec.fromConfig({ level });
    case 'gzip':
      return NodeGzipCodec.fromConfig({ level });
    case 'lz4':
      return Lz4Codec.fromConfig({ acceleration: level });
    case 'zstd': {
      const loader = (zarr.registry as unknown as Map<string, () => Promise<unknown>>).get('zstd');
      if (!loader) throw new Error('zstd codec is not registered in zarrita');
      const Zstd = (await loader()) as { fromConfig(c: { level: number }): BytesCodec };
      return Zstd.fromConfig({ level });
    }
  }
}
