#!/usr/bin/env node
// Runs the CLI from its TypeScript sources (no build step): tsx compiles on the fly and the
// @tanhui/source condition makes workspace libs resolve to their src/index.ts.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv);
