// Benchmark of the CLI's start-up: `tanhui --version` (median of 5) and `tanhui solve` on a
// 100-obs, 200-parameter batch problem (median of 5), each three ways in one run, interleaved so
// they share the machine's load:
//   eager  — TypeScript sources through tsx with every command module loaded up front (how the
//            CLI ran before the build step and the lazy command imports)
//   source — TypeScript sources through tsx, lazy command imports (TANHUI_FROM_SOURCE=1)
//   built  — dist/ from apps/tanhui/build.mjs (what bin/tanhui.mjs runs when the build is current)
// and the demo once from the sources and once built (skip with --quick). It builds dist/ first.
// The three solves must write the same xa (checked). Run:
//   node --conditions=@tanhui/source --import tsx tools/bench/cli/main.ts [--quick]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ZarrStore } from '@tanhui/io';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const app = join(root, 'apps/tanhui');
const bin = join(app, 'bin/tanhui.mjs');
const quick = process.argv.includes('--quick');
const REPS = 5;
const NOBS = 100;
const NPARAMS = 200;

type Mode = 'eager' | 'source' | 'built';
const MODES: readonly Mode[] = ['eager', 'source', 'built'];

// The CLI as it was: tsx registered, then every command file imported before main() runs.
const commandFiles = readdirSync(join(app, 'src/commands')).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'index.ts');
const EAGER = [
  "import { register } from 'tsx/esm/api'; register();",
  `await Promise.all(${JSON.stringify(commandFiles.map((f) => pathToFileURL(join(app, 'src/commands', f)).href))}.map((u) => import(u)));`,
  `const { main } = await import(${JSON.stringify(pathToFileURL(join(app, 'src/main.ts')).href)});`,
  'process.exitCode = await main(process.argv);',
].join('\n');

function command(mode: Mode, args: string[]): { argv: string[]; env: NodeJS.ProcessEnv } {
  const env = { ...process.env, TANHUI_FROM_SOURCE: mode === 'built' ? '0' : '1' };
  if (mode === 'eager') return { argv: ['--input-type=module', '-e', EAGER, '--', 'tanhui', ...args], env };
  return { argv: [bin, ...args], env };
}

/** Seconds of one `tanhui ARGS` in a child process; throws on a non-zero exit. */
function time(mode: Mode, args: string[]): number {
  const { argv, env } = command(mode, args);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, argv, { cwd: root, env, encoding: 'utf8' });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`tanhui ${args.join(' ')} (${mode}) exited ${r.status}: ${r.stderr}`);
  return s;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** H, y, R, xb, B_diag of a batch problem, from closed forms (no RNG needed for timing). */
async function writeProblem(file: string): Promise<void> {
  const H = new Float64Array(NOBS * NPARAMS);
  for (let i = 0; i < NOBS; i++) for (let j = 0; j < NPARAMS; j++) H[i * NPARAMS + j] = Math.sin(0.37 * i + 0.11 * j) / Math.sqrt(NPARAMS);
  const y = Float64Array.from({ length: NOBS }, (_, i) => Math.cos(0.5 * i));
  const R = Float64Array.from({ length: NOBS }, (_, i) => 0.5 + (i % 5) / 10);
  const xb = new Float64Array(NPARAMS);
  const B = Float64Array.from({ length: NPARAMS }, (_, j) => 1 + (j % 7) / 7);
  const store = await ZarrStore.create(file);
  await store.writeArray('H', H, { shape: [NOBS, NPARAMS], dims: ['nobs', 'n'] });
  await store.writeArray('y', y, { dims: ['nobs'] });
  await store.writeArray('R', R, { dims: ['nobs'] });
  await store.writeArray('xb', xb, { dims: ['n'] });
  await store.writeArray('B_diag', B, { dims: ['n'] });
}

async function xa(file: string): Promise<Float64Array> {
  return (await (await ZarrStore.open(file)).readArray('xa')).data as Float64Array;
}

const build = spawnSync(process.execPath, [join(app, 'build.mjs')], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const tmp = mkdtempSync(join(tmpdir(), 'tanhui-bench-cli-'));
try {
  const problem = join(tmp, 'problem.zarr');
  await writeProblem(problem);
  const out = (m: Mode) => join(tmp, `xa-${m}.zarr`);
  // One warm-up of each (file cache, tsx's compile cache), then interleaved repetitions.
  for (const m of MODES) {
    time(m, ['--version']);
    time(m, ['solve', '--problem', problem, '--method', 'batch', '--out', out(m), '--overwrite']);
  }
  const version: Record<Mode, number[]> = { eager: [], source: [], built: [] };
  const solve: Record<Mode, number[]> = { eager: [], source: [], built: [] };
  for (let r = 0; r < REPS; r++) {
    for (const m of MODES) version[m].push(time(m, ['--version']));
    for (const m of MODES) solve[m].push(time(m, ['solve', '--problem', problem, '--method', 'batch', '--out', out(m), '--overwrite']));
  }
  const ref = await xa(out('eager'));
  for (const m of MODES) {
    const got = await xa(out(m));
    if (got.length !== NPARAMS || got.some((v, i) => !Object.is(v, ref[i]))) throw new Error(`solve (${m}) wrote another xa than eager`);
  }

  const f = (s: number) => `${s.toFixed(3)} s`;
  console.log(`tanhui CLI start-up (median of ${REPS}; ${NOBS} obs × ${NPARAMS} parameters, batch; node ${process.version})`);
  console.log('                      eager(tsx)   source(tsx)  built        eager/built  source/built');
  for (const [name, t] of [['--version', version], ['solve 100×200', solve]] as const) {
    const e = median(t.eager);
    const s = median(t.source);
    const b = median(t.built);
    console.log(`${name.padEnd(22)}${f(e).padEnd(13)}${f(s).padEnd(13)}${f(b).padEnd(13)}${(e / b).toFixed(1).padStart(6)}x${(s / b).toFixed(1).padStart(13)}x`);
  }
  console.log(`targets: --version ≤ 0.3 s (built ${f(median(version.built))}), solve ≤ 0.6 s (built ${f(median(solve.built))}); xa identical in all three`);

  if (!quick) {
    const demo: Partial<Record<Mode, number>> = {};
    for (const m of ['source', 'built'] as const) demo[m] = time(m, ['demo', '--out', join(tmp, `demo-${m}`)]);
    console.log(`demo (one run each): source(tsx) ${f(demo.source!)}, built ${f(demo.built!)}, ratio ${(demo.source! / demo.built!).toFixed(2)}x`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
