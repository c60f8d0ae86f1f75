// Helpers shared by the readers of external model output. @tanhui/io (gdal-async) is loaded
// lazily, inside async functions, so that importing @tanhui/transport in a worker thread never
// loads gdal-async.
import type { VariableData } from '@tanhui/io';

export type Io = typeof import('@tanhui/io');

export async function loadIo(): Promise<Io> {
  return import('@tanhui/io');
}

export interface OpenedFile {
  has(name: string): boolean;
  read(name: string): Promise<VariableData>;
  close(): void;
}

export async function openFile(file: string): Promise<OpenedFile> {
  const io = await loadIo();
  const ds = await io.openDataset(file);
  return {
    has: (name) => ds.hasVariable(name),
    read: (name) => ds.read(name),
    close: () => ds.close(),
  };
}

/**
 * Copy a [level][lat][lon] slab into [level][lat][lon][tracer] position `t`, flipping levels
 * (file top-first → surface-first) and latitudes (north-first → south-first) as needed.
 */
export function placeField(
  src: Float64Array, srcOff: number, nlev: number, nlat: number, nlon: number,
  flipLev: boolean, flipLat: boolean, dst: Float64Array, K: number, t: number,
): void {
  for (let k = 0; k < nlev; k++) {
    const ks = flipLev ? nlev - 1 - k : k;
    for (let j = 0; j < nlat; j++) {
      const js = flipLat ? nlat - 1 - j : j;
      const s = srcOff + (ks * nlat + js) * nlon;
      const d = (k * nlat + j) * nlon;
      for (let i = 0; i < nlon; i++) dst[(d + i) * K + t] = src[s + i]!;
    }
  }
}
