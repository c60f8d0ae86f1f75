// Benchmark of the orchestrator (apps/tanhui): speed-up of 2 workers over 1 for the ensemble
// step, share of time moving data between threads, peak memory and time of one window at
// N = 150 members on 3°×2°×25. Tools may not import the app (module boundaries), so this runs
// the app's hidden `bench-orchestrator` command in a child process and relays its output.
// Run: node --conditions=@tanhui/source --import tsx tools/bench/orchestrator/main.ts [--quick]
//   extra arguments are passed on (e.g. --big-window-days 7 for a full week at N = 150).
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const pass = args.filter((a) => a !== '--quick');
const defaults = quick ? ['--members', '16', '--window-days', '1', '--grid', '6x4', '--skip-small', '--big-members', '50', '--big-grid', '6x4'] : [];
const r = spawnSync(process.execPath, [resolve(root, 'apps/tanhui/bin/tanhui.mjs'), 'bench-orchestrator', ...defaults, ...pass], { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
