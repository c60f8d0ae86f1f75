#!/usr/bin/env node
// SHA-256 of every array of a Zarr v2 store (its .zarray and chunk files, in name order), one
// line per array: the check that a refactor leaves a run store byte-identical.
// Usage: node tools/ci/hash-store.mjs STORE.zarr > hashes.txt
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const store = process.argv[2];
if (!store || !existsSync(store)) {
  console.error('usage: hash-store.mjs STORE.zarr');
  process.exit(2);
}
function walk(rel) {
  for (const name of readdirSync(join(store, rel)).sort()) {
    const path = rel ? `${rel}/${name}` : name;
    const dir = join(store, path);
    if (!statSync(dir).isDirectory()) continue;
    if (!existsSync(join(dir, '.zarray'))) {
      walk(path); // a group
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
walk('');
