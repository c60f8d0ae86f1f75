import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { tanhuiVitest } from '../../vitest.shared';

// root = this folder, so `npx vitest run --config libs/analysis/vitest.config.ts` from the
// repository root finds src/**/*.test.ts too.
export default defineConfig({ ...tanhuiVitest('analysis'), root: fileURLToPath(new URL('.', import.meta.url)) });
