// Builds the CLI and the worker task module into dist/ with esbuild (`nx build @tanhui/tanhui`):
//   dist/cli/main.mjs        the CLI; each command is a lazily imported chunk beside it
//   dist/workers/tasks.mjs   the Piscina task module (one file: a worker loads nothing else)
//   dist/workers/bootstrap.mjs  the worker entry, copied as is
//   dist/build-inputs.json   the sources of the build, so bin/tanhui.mjs can tell a stale build
// Workspace libs (@tanhui/*, not published) are bundled from their sources; every other package
// stays an import of node_modules (gdal-async is native, zarrita's codecs carry WebAssembly,
// piscina starts threads from its own files) and must be a dependency in package.json, which is
// what `npm pack` ships. Both outputs sit one folder below dist/, as the sources sit one below
// src/, so `new URL('../workers/…', import.meta.url)` in the sources finds the same files.
import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const app = dirname(fileURLToPath(import.meta.url));
const root = resolve(app, '../..');
const pkg = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'));
const out = join(app, 'dist');
// Build beside dist/ and swap at the end, so a process running the old build never sees half a new one.
const tmp = join(app, `dist.partial-${process.pid}`);

/** Bare imports other than @tanhui/* and JSON stay external; their package names are collected. */
const externals = new Set();
const externalPackages = {
  name: 'external-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      // JSON data (world-atlas) is bundled: an external JSON import would need its import attribute.
      if (args.path.startsWith('node:') || args.path.startsWith('@tanhui/') || args.path.endsWith('.json')) return undefined;
      const parts = args.path.split('/');
      const name = args.path.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
      externals.add(name);
      return { path: args.path, external: true };
    });
  },
};

const common = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Workspace libs resolve to their TypeScript sources, as in vitest and tsx.
  conditions: ['@tanhui/source'],
  outExtension: { '.js': '.mjs' },
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
  plugins: [externalPackages],
  absWorkingDir: app,
};

rmSync(tmp, { recursive: true, force: true });
const [cli, workers] = await Promise.all([
  esbuild.build({ ...common, entryPoints: { main: 'src/main.ts' }, outdir: join(tmp, 'cli'), splitting: true, chunkNames: '[name]-[hash]' }),
  esbuild.build({ ...common, entryPoints: { tasks: 'src/workers/tasks.ts' }, outdir: join(tmp, 'workers') }),
]);
copyFileSync(join(app, 'src/workers/bootstrap.mjs'), join(tmp, 'workers/bootstrap.mjs'));

const declared = new Set(Object.keys(pkg.dependencies ?? {}));
const missing = [...externals].filter((n) => !declared.has(n)).sort();
if (missing.length > 0) {
  rmSync(tmp, { recursive: true, force: true });
  console.error(`build: ${missing.join(', ')} imported but not in apps/tanhui/package.json dependencies (npm pack would ship a CLI that cannot start)`);
  process.exit(1);
}

const inputs = new Set();
for (const r of [cli, workers]) for (const f of Object.keys(r.metafile.inputs)) if (!f.includes('node_modules/')) inputs.add(relative(root, resolve(app, f)));
inputs.add(relative(root, join(app, 'src/workers/bootstrap.mjs')));
writeFileSync(join(tmp, 'build-inputs.json'), `${JSON.stringify({ root: relative(app, root), inputs: [...inputs].sort() }, null, 1)}\n`);

// Swap: the old dist/ moves aside first, so dist/ is always either the old or the new build.
const old = `${out}.old-${process.pid}`;
mkdirSync(dirname(out), { recursive: true });
try {
  renameSync(out, old);
} catch {
  // no previous build
}
renameSync(tmp, out);
rmSync(old, { recursive: true, force: true });
// On stderr, as esbuild's own messages: `npm pack --json` (prepack builds) keeps stdout JSON.
console.error(`build: dist/cli (${Object.keys(cli.metafile.outputs).filter((f) => f.endsWith('.mjs')).length} files), dist/workers/tasks.mjs; ${inputs.size} sources; external: ${[...externals].sort().join(', ')}`);
