// One vitest configuration for every project: no watch mode (it hangs in a terminal), the
// @tanhui/source condition so workspace libs resolve to src/, and a JSON report per project
// that .ci/run sums into its closing "N passed, N failed" line.
import { fileURLToPath } from 'node:url';
import type { ViteUserConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));
/** Project folder by vitest project name, so `vitest run --config <dir>/vitest.config.ts` works from the root too. */
function projectDir(project: string): string {
  if (project === 'tanhui') return `${root}apps/tanhui`;
  if (project === 'tools') return `${root}tools`;
  return `${root}libs/${project}`;
}

const conditions = ['@tanhui/source', 'module', 'node', 'development|production'];

export function tanhuiVitest(
  project: string,
  overrides: { testTimeout?: number } = {},
): ViteUserConfig {
  return {
    root: projectDir(project),
    resolve: { conditions },
    ssr: { resolve: { conditions } },
    test: {
      name: project,
      watch: false,
      passWithNoTests: true,
      include: ['src/**/*.test.ts', '*.test.ts', 'bench/**/*.test.ts', 'checks/**/*.test.ts'],
      testTimeout: overrides.testTimeout ?? 60_000,
      hookTimeout: 120_000,
      pool: 'forks',
      reporters: ['default', ['json', { outputFile: `${root}tmp/vitest-reports/${project}.json` }]],
    },
  };
}
