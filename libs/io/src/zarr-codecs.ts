// Chunk compressors for the Zarr store. zarrita's own gzip/zlib codecs only decode, so
// node:zlib-backed ones are registered in zarr.registry (encode + decode) for anyone who uses
// zarr.set; zstd comes from zarrita's registry (numcodecs, WebAssembly).
import * as zlib from 'node:zlib';
import * as zarr from 'zarrita';

export type Compressor = 'none' | 'zlib' | 'gzip' | 'zstd';

interface BytesCodec {
  encode(bytes: Uint8Array): Promise<Uint8Array> | Uint8Array;
  decode(bytes: Uint8Array): Promise<Uint8Array> | Uint8Array;
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

let registered = false;

/** Register node:zlib-backed zlib/gzip codecs (encode + decode) in zarrita's registry. Idempotent. */
export function registerNodeZlibCodecs(): void {
  if (registered) return;
  registered = true;
  const reg = zarr.registry as unknown as Map<string, () => unknown>;
  reg.set('zlib', () => NodeZlibCodec);
  reg.set('numcodecs.zlib', () => NodeZlibCodec);
  reg.set('gzip', () => NodeGzipCodec);
  reg.set('numcodecs.gzip', () => NodeGzipCodec);
}

export const DEFAULT_LEVEL: Record<Compressor, number> = { none: 0, zlib: 1, gzip: 1, zstd: 3 };

/** A codec instance for one compressor and level. */
export async function bytesCodec(compressor: Compressor, level: number): Promise<BytesCodec> {
  switch (compressor) {
    case 'none':
      return { encode: (b) => b, decode: (b) => b };
    case 'zlib':
      return NodeZlibCodec.fromConfig({ level });
    case 'gzip':
      return NodeGzipCodec.fromConfig({ level });
    case 'zstd': {
      const loader = (zarr.registry as unknown as Map<string, () => Promise<unknown>>).get('zstd');
      if (!loader) throw new Error('zstd codec is not registered in zarrita');
      const Zstd = (await loader()) as { fromConfig(c: { level: number }): BytesCodec };
      return Zstd.fromConfig({ level });
    }
  }
}
