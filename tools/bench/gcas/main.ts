// Benchmark of `tanhui gcas ensrf` beside GCASv2's own Ensrf.exe (issue 20) on a case written by
// make_case.py (GCAS's layout, synthetic values). Production size: --days 7 --members 50
// --resb 3 --grid 144x96x56 --soundings 5000 (8.85 GB of h0 files, 35 000 soundings + 392
// surface obs); default: the same grid, N and state, 2 days (2.5 GB). Prints the stage times,
// wall and peak RSS (/usr/bin/time) of `tanhui gcas ensrf` (the CLI, bin/tanhui.mjs), and of
// GCASv2 with --gcasv2 GITDIR (a GCASv2 checkout, e.g. the fetched mirror: its src/ is compiled
// with gfortran -O2 into a temp dir by gcasv2.sh, which installs gfortran and libnetcdff-dev
// with apt-get; nothing of it is kept). The case is deleted afterwards (--keep keeps it).
// Run: nice -n 10 node --conditions=@tanhui/source --import tsx tools/bench/gcas/main.ts [--days 7] [--gcasv2 DIR]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name: string, def: string): string => (args.indexOf(name) >= 0 ? args[args.indexOf(name) + 1] : def);
const days = Number(opt('--days', '2'));
const members = Number(opt('--members', '50'));
const resb = Number(opt('--resb', '3'));
const [nlon, nlat, nlev] = opt('--grid', '144x96x56').split('x').map(Number);
const soundings = Number(opt('--soundings', '5000'));
const gcasv2 = args.indexOf('--gcasv2') >= 0 ? opt('--gcasv2', '') : '';
const keep = args.includes('--keep');

const root = mkdtempSync(join(opt('--tmp', '/tmp'), 'tanhui-gcas-bench-'));
try {
  let t = performance.now();
  execFileSync('/usr/bin/python3', [join(here, 'make_case.py'), root, '--days', `${days}`, '--members', `${members}`, '--resb', `${resb}`,
    '--nlon', `${nlon}`, '--nlat', `${nlat}`, '--nlev', `${nlev}`, '--soundings', `${soundings}`], { stdio: 'inherit' });
  const hist = join(root, 'mozart4/run_ensemble/hist');
  const h0GB = readdirSync(hist).reduce((a, f) => a + statSync(join(hist, f)).size, 0) / 1e9;
  console.log(`case: ${days} days, N = ${members}, state ${360 / resb}×${180 / resb}×3, transport ${nlon}×${nlat}×${nlev}, ${soundings}/day soundings, h0 ${h0GB.toFixed(2)} GB (written in ${((performance.now() - t) / 1000).toFixed(0)} s)`);

  // Both programs read the files just written (from the page cache when they fit), as a cycle
  // reads MOZART's fresh output.
  const bin = join(here, '../../../apps/tanhui/bin/tanhui.mjs');
  const run = spawnSync('/usr/bin/time', ['-f', 'TANHUI wall %e s rss %M KB', process.execPath, bin, 'gcas', 'ensrf', join(root, 'asmlt/ensrf.nml')], { encoding: 'utf8' });
  process.stdout.write(run.stdout);
  for (const line of run.stderr.trim().split('\n')) console.log(`  tanhui ${line}`);
  const tm = /TANHUI wall ([\d.]+) s rss ([\d.]+) KB/.exec(run.stderr);
  if (run.status !== 0 || !tm) throw new Error(`tanhui gcas ensrf failed (exit ${run.status})`);
  const wall = Number(tm[1]);
  console.log(`tanhui gcas ensrf: wall ${wall.toFixed(2)} s, peak RSS ${(Number(tm[2]) / 1024 ** 2).toFixed(2)} GiB`);

  if (gcasv2) {
    const g = spawnSync('bash', [join(here, 'gcasv2.sh'), gcasv2, root], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    process.stdout.write(g.stdout);
    const m = /GCASV2 wall ([\d.]+) s rss ([\d.]+) KB/.exec(g.stdout);
    if (g.status !== 0 || !m) console.log(`GCASv2 Ensrf.exe failed (exit ${g.status})`);
    else {
      const gw = Number(m[1]);
      console.log(`GCASv2 Ensrf.exe: wall ${gw.toFixed(2)} s, peak RSS ${(Number(m[2]) / 1024 ** 2).toFixed(2)} GiB; tanhui/GCASv2 wall ratio ${(wall / gw).toFixed(2)}`);
    }
  }
} finally {
  if (!keep) rmSync(root, { recursive: true, force: true });
  else console.log(`case kept in ${root}`);
}
