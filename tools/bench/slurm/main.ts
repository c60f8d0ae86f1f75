// Benchmark of the Slurm executor on the local one-node cluster (tools/ci/slurm-up.sh): dispatch
// overhead per window (submit → all results read, minus the tasks' own compute) at 3°×2°,
// N = 150, its parts, `tanhui worker` start-up, and the same run on Piscina. Tools may not import
// the app (module boundaries), so this runs the app's hidden `bench-slurm` command (see
// apps/tanhui/src/executor/slurm-bench.ts) in a child process and relays its output.
// Run: node --conditions=@tanhui/source --import tsx tools/bench/slurm/main.ts [--members 150] [--grid 3x2] [--windows 2] [--window-days 1] [--no-piscina]
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const r = spawnSync(process.execPath, [resolve(root, 'apps/tanhui/bin/tanhui.mjs'), 'bench-slurm', ...process.argv.slice(2)], { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
