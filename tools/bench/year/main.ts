// Year benchmark (issue 22): the GCAS-size configuration (3°×2°×25, N = 50 and N = 150, bio +
// ocean optimised per grid cell, fire fixed, the catalogue's stations, OCO-2-like tracks at
// ~35 000 soundings per week, weekly windows, 2 workers) run for 3 windows and extrapolated to
// 52; per stage (prepare, simulate, solve, advance, write) its share of a window; CPU time
// beside wall time; last line `projected year: X min` (N = 50). Tools may not import the app
// (module boundaries), so this runs the app's hidden `bench-year` command in a child process.
// Run: make bench-year, or node --conditions=@tanhui/source --import tsx tools/bench/year/main.ts [--quick]
//   --quick: 6°×4°, N = 16, 2 windows (a check that it runs, ~1 min); other arguments are
//   passed on (e.g. --members 50 --windows 2).
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const pass = args.filter((a) => a !== '--quick');
const defaults = quick ? ['--members', '16', '--windows', '2', '--grid', '6x4', '--soundings-per-week', '3500'] : [];
const r = spawnSync(process.execPath, [resolve(root, 'apps/tanhui/bin/tanhui.mjs'), 'bench-year', ...defaults, ...pass], { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
