import { defineConfig } from 'vitest/config';
import { tanhuiVitest } from '../../vitest.shared';

export default defineConfig(tanhuiVitest('analysis', { testTimeout: 120_000 }));
