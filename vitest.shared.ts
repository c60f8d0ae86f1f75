// One vitest configuration for every project: no watch mode (it hangs in a terminal), the
// @tanhui/source condition so workspace libs resolve to src/, and a JSON report per project
// that .ci/run sums into its closing "N passed, N failed" line.
import { fileURLToPath } from 'node:url';
import type { ViteUserConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));
const conditions = ['@tanhui/source', 'module', 'node', 'development|production'];

export function tanhuiVitest(
  project: string,
  overrides: { testTimeout?: number } = {},
): ViteUserConfig {
  return {
    resolve: { conditions },
    ssr: { resolve: { conditions } },
    test: {
      name: project,
      watch: false,
      passWithNoTests: true,
      include: ['src/**/*.test.ts', '*.test.ts', 'bench/**/*.test.ts'],
      testTimeout: overrides.testTimeout ?? 60_000,
      hookTimeout: 120_000,
      pool: 'forks',
      reporters: ['default', ['json', { outputFile: `${root}tmp/vitest-reports/${project}.json` }]],
    },
  };
}
