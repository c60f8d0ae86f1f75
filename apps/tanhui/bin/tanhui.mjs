#!/usr/bin/env node
// Runs the built CLI, dist/cli/main.mjs (`nx build @tanhui/tanhui`, see ../build.mjs), when it is
// there and no source it was built from changed since; otherwise the TypeScript sources through
// tsx, with workspace libs resolved to their src/ by the @tanhui/source condition (a fresh
// checkout, an edit not built yet). TANHUI_FROM_SOURCE=1 forces the sources. An installed
// package (npm pack) has no sources: it always runs dist/.
import { readFileSync, statSync } from 'node:fs';

const dist = new URL('../dist/', import.meta.url);

/** True when dist/ holds a build of the sources as they are now (or there are no sources). */
function builtIsCurrent() {
  let built;
  try {
    built = statSync(new URL('cli/main.mjs', dist)).mtimeMs;
  } catch {
    return false;
  }
  if (!exists(new URL('../src/main.ts', import.meta.url))) return true; // an installed package
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(new URL('build-inputs.json', dist), 'utf8'));
  } catch {
    return false;
  }
  // A source edited (or checked out) after the build, or gone, means the build is stale.
  const root = new URL(`${manifest.root}/`, new URL('..', dist));
  for (const file of manifest.inputs) {
    try {
      if (statSync(new URL(file, root)).mtimeMs > built) return false;
    } catch {
      return false;
    }
  }
  return true;
}

function exists(url) {
  try {
    statSync(url);
    return true;
  } catch {
    return false;
  }
}

// With --debug, stack traces point into the TypeScript sources through the build's source maps.
if (process.argv.includes('--debug')) process.setSourceMapsEnabled(true);

let cli;
if (process.env.TANHUI_FROM_SOURCE !== '1' && builtIsCurrent()) {
  cli = await import(new URL('cli/main.mjs', dist).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('../src/main.ts');
}
process.exitCode = await cli.main(process.argv);
