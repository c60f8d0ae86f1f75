// The README's test command: module-boundary lint, type checks and every vitest project via Nx,
// then one closing line "N passed, N failed" summed over the projects' JSON reports.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { summarize } from './summarize.mjs';

rmSync('tmp/vitest-reports', { recursive: true, force: true });
const slurm = slurmUp();
const nx = spawnSync(
  'npx',
  ['nx', 'run-many', '-t', 'lint', 'typecheck', 'test', '--outputStyle=stream', '--parallel=2', '--skip-nx-cache'],
  { stdio: 'inherit', env: { ...process.env, ...slurm.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', CI: 'true' } },
);
slurm.down();
const { passed, failed } = summarize('tmp/vitest-reports');
const nxFailed = nx.status !== 0;
if (nxFailed && failed === 0) console.log('lint, typecheck or a test run failed (see above)');
console.log(`${passed} passed, ${failed + (nxFailed && failed === 0 ? 1 : 0)} failed`);
process.exit(nxFailed || failed > 0 ? 1 : 0);

/**
 * The one-node Slurm cluster of the Slurm executor's tests (tools/ci/slurm-up.sh installs and
 * starts it); stopped afterwards if this run started it. Where it cannot start, the tests skip
 * and say why.
 */
function slurmUp() {
  const conf = '/tmp/tanhui-slurm/slurm.conf';
  const up = () => spawnSync('sinfo', ['-h', '-o', '%T'], { encoding: 'utf8', env: { ...process.env, SLURM_CONF: conf } }).stdout?.trim().length > 0;
  const already = up();
  const r = spawnSync('bash', ['tools/ci/slurm-up.sh'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 900_000 });
  const m = /export SLURM_CONF=(\S+)/.exec(r.stdout ?? '');
  if (r.status !== 0 || !m) {
    console.log('Slurm tests will be skipped: tools/ci/slurm-up.sh could not start a local cluster');
    return { env: { TANHUI_SLURM_UNAVAILABLE: 'tools/ci/slurm-up.sh could not start a local cluster' }, down: () => undefined };
  }
  return { env: { SLURM_CONF: m[1] }, down: () => (already ? undefined : spawnSync('bash', ['tools/ci/slurm-down.sh'], { stdio: 'inherit' })) };
}
