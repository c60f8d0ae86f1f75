// Benchmark of @tanhui/io: Zarr store writes/reads of a 3-D float64 field (window × lat × lon
// on the 1°×1° grid) for each compressor, appending windows one at a time, and GDAL reads of a
// NetCDF file with and without CF decoding. Prints ratios measured in this one run (the
// machine is shared and noisy) next to wall and CPU times.
// Run: node --conditions=@tanhui/source --import tsx tools/bench/io/main.ts [windows]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ZarrStore, openDataset, type Compressor } from '@tanhui/io';

const W = Number(process.argv[2] ?? 24);
const NLAT = 180;
const NLON = 360;
const cell = NLAT * NLON;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tanhui-bench-io-'));

// A smooth field with noise: compressible like real fluxes, not trivially so.
const field = new Float64Array(W * cell);
let seed = 12345;
for (let k = 0; k < field.length; k++) {
  seed = (seed * 1103515245 + 12345) >>> 0;
  const j = Math.floor((k % cell) / NLON);
  field[k] = 1e-8 * Math.cos((j / NLAT) * Math.PI) + 1e-10 * (seed / 2 ** 32);
}
const mb = field.byteLength / 2 ** 20;

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
async function timed<T>(f: () => Promise<T>): Promise<{ wall: number; cpu: number; value: T }> {
  const c0 = cpuMs();
  const t0 = performance.now();
  const value = await f();
  return { wall: performance.now() - t0, cpu: cpuMs() - c0, value };
}
function du(p: string): number {
  let n = 0;
  for (const e of fs.readdirSync(p, { withFileTypes: true, recursive: true })) if (e.isFile()) n += fs.statSync(path.join(e.parentPath, e.name)).size;
  return n;
}

console.log(`field ${W}×${NLAT}×${NLON} float64 = ${mb.toFixed(1)} MiB, chunks 1×${NLAT}×${NLON}`);
const rows: { c: Compressor; write: number; read: number; append: number; size: number }[] = [];
for (const c of ['none', 'zlib', 'zstd'] as Compressor[]) {
  const root = path.join(dir, `${c}.zarr`);
  const w = await timed(async () => {
    const s = await ZarrStore.create(root);
    await s.writeArray('flux', field, { shape: [W, NLAT, NLON], dims: ['time', 'lat', 'lon'], chunks: [1, NLAT, NLON], compressor: c });
    return s;
  });
  const r = await timed(() => w.value.readArray('flux'));
  const back = r.value.data as Float64Array;
  for (let k = 0; k < field.length; k += 9973) if (back[k] !== field[k]) throw new Error(`read-back mismatch at ${k}`);
  // Append the same windows one at a time to a fresh store (the run loop's pattern).
  const rootA = path.join(dir, `${c}_append.zarr`);
  const a = await timed(async () => {
    const s = await ZarrStore.create(rootA);
    await s.writeArray('flux', field.subarray(0, cell), { shape: [1, NLAT, NLON], dims: ['time', 'lat', 'lon'], chunks: [1, NLAT, NLON], compressor: c });
    for (let t = 1; t < W; t++) await s.appendAlong('flux', 'time', field.subarray(t * cell, (t + 1) * cell));
  });
  rows.push({ c, write: w.wall, read: r.wall, append: a.wall, size: du(root) });
  console.log(
    `${c.padEnd(5)} write ${w.wall.toFixed(0)} ms (cpu ${w.cpu.toFixed(0)}) = ${((mb / w.wall) * 1000).toFixed(0)} MiB/s; ` +
      `read ${r.wall.toFixed(0)} ms (cpu ${r.cpu.toFixed(0)}) = ${((mb / r.wall) * 1000).toFixed(0)} MiB/s; ` +
      `append ${W} windows ${a.wall.toFixed(0)} ms; on disk ${(du(root) / 2 ** 20).toFixed(1)} MiB`,
  );
}
const none = rows[0];
for (const r of rows.slice(1)) {
  console.log(`${r.c} vs none: write ×${(r.write / none.write).toFixed(2)}, read ×${(r.read / none.read).toFixed(2)}, size ×${(r.size / none.size).toFixed(3)}; append-by-window vs one write ×${(r.append / r.write).toFixed(2)}`);
}

// GDAL: read a real packed NetCDF3 file when present.
const era = path.resolve('../shared/data/public/met/eraint_uvz.nc');
if (fs.existsSync(era)) {
  const ds = await openDataset(era);
  const raw = await timed(() => ds.read('u', { decode: false }));
  const dec = await timed(() => ds.read('u'));
  const n = dec.value.data.length;
  console.log(`GDAL eraint u (${n} int16): raw ${raw.wall.toFixed(1)} ms, CF-decoded ${dec.wall.toFixed(1)} ms (×${(dec.wall / raw.wall).toFixed(2)}), ${((n / dec.wall) * 1000 / 1e6).toFixed(1)} M values/s decoded`);
  ds.close();
} else {
  console.log('GDAL part skipped: ../shared/data absent');
}
fs.rmSync(dir, { recursive: true, force: true });
