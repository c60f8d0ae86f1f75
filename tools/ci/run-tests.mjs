// The README's test command: module-boundary lint, type checks and every vitest project via Nx,
// then one closing line "N passed, N failed" summed over the projects' JSON reports.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { summarize } from './summarize.mjs';

rmSync('tmp/vitest-reports', { recursive: true, force: true });
const nx = spawnSync(
  'npx',
  ['nx', 'run-many', '-t', 'lint', 'typecheck', 'test', '--outputStyle=stream', '--parallel=2', '--skip-nx-cache'],
  { stdio: 'inherit', env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', CI: 'true' } },
);
const { passed, failed } = summarize('tmp/vitest-reports');
const nxFailed = nx.status !== 0;
if (nxFailed && failed === 0) console.log('lint, typecheck or a test run failed (see above)');
console.log(`${passed} passed, ${failed + (nxFailed && failed === 0 ? 1 : 0)} failed`);
process.exit(nxFailed || failed > 0 ? 1 : 0);
