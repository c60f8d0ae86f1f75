// ESLint runs for one reason here: @nx/enforce-module-boundaries keeps the arrows of
// ../shared/DESIGN.md true (app → domain libs, solvers → io → core) and keeps the pure
// libraries free of node:*, gdal-async, zarrita and piscina so they load in any worker.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const depConstraints = [
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:domain', 'type:solver', 'type:io', 'type:core'] },
  { sourceTag: 'type:tools', onlyDependOnLibsWithTags: ['type:domain', 'type:solver', 'type:io', 'type:core'] },
  { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:io', 'type:core'] },
  { sourceTag: 'type:io', onlyDependOnLibsWithTags: ['type:core'] },
  { sourceTag: 'type:solver', onlyDependOnLibsWithTags: ['type:core'] },
  { sourceTag: 'type:core', onlyDependOnLibsWithTags: [] },
];
const pureBans = {
  sourceTag: 'runtime:pure',
  bannedExternalImports: ['node:*', 'fs', 'path', 'os', 'worker_threads', 'child_process', 'gdal-async', 'zarrita', '@zarrita/*', 'piscina', 'pino'],
};
const boundaries = (constraints) => [
  'error',
  { enforceBuildableLibDependency: false, allow: [], banTransitiveDependencies: false, depConstraints: constraints },
];

export default [
  { ignores: ['**/node_modules/**', '**/dist/**', 'tmp/**', 'out/**', '**/*.zarr/**', '.nx/**'] },
  {
    files: ['**/*.ts', '**/*.mts', '**/*.mjs', '**/*.js'],
    languageOptions: { parser: tseslint.parser, ecmaVersion: 2022, sourceType: 'module' },
    plugins: { '@nx': nx },
    rules: { '@nx/enforce-module-boundaries': boundaries([...depConstraints, pureBans]) },
  },
  {
    // Node built-ins are not "external" to the Nx graph, so the pure libraries ban them here.
    files: ['libs/core/src/**/*.ts', 'libs/solvers/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [{ group: ['node:*', 'fs', 'fs/*', 'path', 'os', 'worker_threads', 'child_process', 'module'], message: 'pure libraries import no Node built-ins: they must load in any worker' }],
        },
      ],
    },
  },
  {
    // Tests of pure libraries may read fixtures and start workers; the arrows still hold.
    files: ['**/*.test.ts', '**/__fixtures__/**'],
    rules: { '@nx/enforce-module-boundaries': boundaries(depConstraints) },
  },
  {
    // Vitest configs share the root's vitest.shared.ts; they are configuration, not code.
    files: ['**/vitest.config.ts'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
];
