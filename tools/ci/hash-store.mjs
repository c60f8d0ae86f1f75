#!/usr/bin/env node
// SHA-256 of every array of a Zarr v2 store, one line per array:
//   default      its .zarray and chunk files, in name order: the check that a refactor leaves a
//                run store byte-identical;
//   --decoded    its decoded values (type, shape, then the values in C order), read by zarrita
//                with numcodecs' own codecs (not @tanhui/io's): the check that values are
//                unchanged when only the codec or the chunking changed.
// Usage: node tools/ci/hash-store.mjs [--decoded] STORE.zarr > hashes.txt
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const decoded = args.includes('--decoded');
const store = args.find((a) => a !== '--decoded');
if (!store || !existsSync(store)) {
  console.error('usage: hash-store.mjs [--decoded] STORE.zarr');
  process.exit(2);
}
const zarr = decoded ? await import('zarrita') : null;
const { FileSystemStore } = decoded ? await import('@zarrita/storage') : {};

async function decodedHash(path) {
  const arr = await zarr.open.v2(zarr.root(new FileSystemStore(store)).resolve(path), { kind: 'array' });
  const h = createHash('sha256');
  h.update(`${arr.dtype} [${arr.shape.join(',')}]`);
  if (arr.shape.every((n) => n > 0)) {
    const { data } = await zarr.get(arr);
    if (ArrayBuffer.isView(data)) h.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    else for (let i = 0; i < data.length; i++) h.update(`${String(data.get ? data.get(i) : data[i])}\0`);
  }
  return h.digest('hex');
}

async function walk(rel) {
  for (const name of readdirSync(join(store, rel)).sort()) {
    const path = rel ? `${rel}/${name}` : name;
    const dir = join(store, path);
    if (!statSync(dir).isDirectory()) continue;
    if (!existsSync(join(dir, '.zarray'))) {
      await walk(path); // a group
      continue;
    }
    if (decoded) {
      console.log(`${await decodedHash(path)}  ${path}`);
      continue;
    }
    const h = createHash('sha256');
    for (const f of readdirSync(dir).sort()) {
      if (f === '.zattrs') continue;
      h.update(f);
      h.update(readFileSync(join(dir, f)));
    }
    console.log(`${h.digest('hex')}  ${path}`);
  }
}
await walk('');
