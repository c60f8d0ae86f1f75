// executor.engine slurm against the real local cluster (tools/ci/slurm-up.sh), in one file so the
// tests run one after another (they share the cluster's CPUs, and one sets the node down):
// - the demo's arrays equal the Piscina run's; a task cancelled with scancel is retried with its
//   reason in the log; run --submit; SIGTERM cancels the arrays; bad input (a partition that does
//   not exist, sbatch not on PATH, a task that writes no result, a truncated result) gives one
//   line, exit ≠ 0, and the store keeps its last complete window;
// - task states produced for real: TIMEOUT (a task over its time limit of 1 minute, Slurm's
//   smallest: ~1-2 min) and NODE_FAIL (the node set DOWN under a running task). OUT_OF_MEMORY
//   needs a cgroup-enforcing cluster (TaskPlugin=task/cgroup), which this one-node test cluster
//   is not: it is parsed (slurm-files.test.ts) but not produced here;
// - kill -9 of the orchestrator at 10 random points, each followed at once by a rerun (the next
//   trial's run): none refused by the store lock, reruns reuse finished results and adopt the
//   killed run's arrays, and the final store equals an uninterrupted run's, array for array.
// Skipped, saying why, where the cluster cannot be started.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '@tanhui/core';
import { ZarrStore } from '@tanhui/io';
import { composeWorld } from '../compose';
import { loadConfig } from '../config/load';
import { SlurmExecutor } from '../executor/slurm-executor';
import { demoYaml, localSlurm, runningBatchJob } from '../executor/slurm-testing';
import { EXIT } from '../main';
import { runCycling } from '../pipeline/run';
import { SilentProgress } from '../progress';
import { runCli, tempDir, writeConfig } from './helpers';

const cluster = localSlurm();
if (!cluster.ok) console.log(`Slurm tests skipped: ${cluster.why}`);
const HASH = fileURLToPath(new URL('../../../../tools/ci/hash-store.mjs', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/tanhui.mjs', import.meta.url));
const hashes = (store: string): string => execFileSync(process.execPath, [HASH, store], { encoding: 'utf8' });

const SMALL = (executor: string, windows = 2): string => `time: {windows: ${windows}, windowDays: 1}
solver: {members: 4}
executor: ${executor}
observations: {stations: {sites: [mlo, brw, spo, wlg], intervalHours: 6}, satellite: {enabled: false}}
truth: {anomalies: []}
output: {store: run.zarr}
`;
const SLURM_SMALL = '{engine: slurm, workers: 2, slurm: {pollSeconds: 0.5}}';
const windowsComplete = async (store: string): Promise<number> => Number((await ZarrStore.open(store)).getAttrs('').windows_complete);

describe.skipIf(!cluster.ok)('executor.engine slurm on the local cluster', () => {
  it('the demo config (2 windows) gives the same arrays on Slurm as on Piscina (shared run)', async () => {
    const dir = tempDir('slurm-demo');
    writeConfig(dir, await demoYaml([['windows: 4', 'windows: 2'], ['store: demo.zarr', 'store: piscina.zarr']]), 'piscina.yaml');
    writeConfig(dir, await demoYaml([['windows: 4', 'windows: 2'], ['engine: piscina', 'engine: slurm'], ['store: demo.zarr', 'store: slurm.zarr']]), 'slurm.yaml');
    const s = await runCli(['run', join(dir, 'slurm.yaml')]);
    expect(s.code, s.stderr).toBe(0);
    const p = await runCli(['run', join(dir, 'piscina.yaml')]);
    expect(p.code, p.stderr).toBe(0);
    const hs = hashes(join(dir, 'slurm.zarr'));
    expect(hs.split('\n').filter(Boolean).length).toBeGreaterThan(40);
    expect(hs).toBe(hashes(join(dir, 'piscina.zarr')));
    // Batch folders are removed once their results are read.
    expect(readdirSync(join(dir, 'slurm.zarr.slurm'))).toEqual([]);
  }, 600_000);

  it('retries an array task cancelled with scancel, with the Slurm state in the log, and ends with the Piscina run’s arrays', async () => {
    const dir = tempDir('slurm-scancel');
    const cfg = writeConfig(dir, SMALL('{engine: slurm, workers: 2, slurm: {pollSeconds: 0.3}}', 1));
    const log: string[] = [];
    const world = await composeWorld(await loadConfig(cfg));
    const work = join(dir, 'work');
    const ex = new SlurmExecutor({ workDir: work, tasks: 2, retries: 2, pollSeconds: 0.3, log: (l) => log.push(l) });
    // Hold task 1 of the first array for 30 s so it is still there to cancel.
    process.env.TANHUI_SLURM_SLEEP = `${Date.UTC(2020, 5, 1) / 1000}:30`;
    let cancelled = '';
    const killer = (async () => {
      const job = await runningBatchJob(work, 1);
      if (!job) return;
      delete process.env.TANHUI_SLURM_SLEEP; // the retry runs at once
      spawnSync('scancel', [`${job}_1`]);
      cancelled = `${job}_1`;
    })();
    try {
      await runCycling(world, { progress: new SilentProgress(), provenance: { tanhui_command: 'test' }, executor: ex });
    } finally {
      delete process.env.TANHUI_SLURM_SLEEP;
      await killer;
      await ex.close();
    }
    expect(cancelled).not.toBe('');
    const line = log.find((l) => l.includes(`(job ${cancelled})`));
    expect(line).toMatch(/Slurm state CANCELLED, reason \S+, exit code \S+; log .*task-1\.\d+\.log; retrying \(attempt 2 of 3\)/);
    expect(ex.stats().retries).toBe(1);
    writeConfig(dir, SMALL('{engine: piscina, workers: 2, sharedRun: false}', 1).replace('run.zarr', 'ref.zarr'), 'ref.yaml');
    expect((await runCli(['run', join(dir, 'ref.yaml')])).code).toBe(0);
    expect(hashes(join(dir, 'run.zarr'))).toBe(hashes(join(dir, 'ref.zarr')));
  }, 600_000);

  it('run --submit --dry-run prints the orchestrator script; --submit runs the whole run as a batch job that submits the arrays', async () => {
    const dir = tempDir('slurm-submit');
    const cfg = writeConfig(dir, SMALL(SLURM_SMALL, 1));
    const dry = await runCli(['run', cfg, '--submit', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^#!\/bin\/bash\n#SBATCH --job-name=tanhui-tanhui-run\n#SBATCH --output=\S+run\.zarr\.slurm\/orchestrator-%j\.log\n/);
    expect(dry.stdout).toMatch(/\n\S+node \S+bin\/tanhui\.mjs run \S+run\.yaml &\n/);
    expect(existsSync(join(dir, 'run.zarr.slurm'))).toBe(false); // a dry run writes nothing
    const r = await runCli(['run', cfg, '--submit']);
    expect(r.code, r.stderr).toBe(0);
    const job = /submitted batch job (\d+)/.exec(r.stdout)![1]!;
    for (let t = 0; t < 1200; t++) {
      const st = spawnSync('scontrol', ['show', 'job', '-o', job], { encoding: 'utf8' }).stdout;
      if (/JobState=(COMPLETED|FAILED|CANCELLED|TIMEOUT)/.test(st)) {
        expect(st).toMatch(/JobState=COMPLETED/);
        break;
      }
      await new Promise((res) => setTimeout(res, 250));
    }
    expect(await windowsComplete(join(dir, 'run.zarr'))).toBe(1);
    expect(readFileSync(join(dir, 'run.zarr.slurm', `orchestrator-${job}.log`), 'utf8')).toMatch(/run store: \S+run\.zarr \(1\/1 windows\)/);
  }, 600_000);

  it('SIGTERM of the orchestrator cancels its array (scancel) and the store keeps its last complete window', async () => {
    const dir = tempDir('slurm-sigterm');
    const cfg = writeConfig(dir, SMALL(SLURM_SMALL, 1));
    const child = spawn(process.execPath, [BIN, 'run', cfg], { stdio: 'ignore', env: { ...process.env, TANHUI_SLURM_SLEEP: 'all:300' } });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const job = (await runningBatchJob(join(dir, 'run.zarr.slurm'))) ?? '';
    expect(job).not.toBe('');
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    // scancel was sent before the exit: the tasks end as CANCELLED (scontrol keeps them MinJobAge s).
    let states = '';
    for (let t = 0; t < 100; t++) {
      states = spawnSync('scontrol', ['show', 'job', '-o', job], { encoding: 'utf8' }).stdout;
      if (!/JobState=(RUNNING|PENDING|COMPLETING)/.test(states)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(states).toMatch(/JobState=CANCELLED/);
    expect(states).not.toMatch(/JobState=(RUNNING|PENDING)/);
    expect(await windowsComplete(join(dir, 'run.zarr'))).toBe(0);
    expect(existsSync(join(dir, 'run.zarr.lock'))).toBe(false);
  }, 300_000);

  it('a partition that does not exist: one line naming it, exit 3, nothing written', async () => {
    const dir = tempDir('slurm-partition');
    const cfg = writeConfig(dir, SMALL('{engine: slurm, workers: 2, slurm: {partition: nosuch}}'));
    const r = await runCli(['run', cfg]);
    expect(r.code).toBe(EXIT.badInput);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('tanhui: '));
    expect(lines).toEqual([expect.stringMatching(/^tanhui: InvalidConfig: sbatch refused the job array: invalid partition specified: nosuch \(key executor\.slurm\.partition\)/)]);
    expect(await windowsComplete(join(dir, 'run.zarr'))).toBe(0);
  }, 120_000);

  it('sbatch not on PATH: one line, exit 3', () => {
    const dir = tempDir('slurm-path');
    const cfg = writeConfig(dir, SMALL(SLURM_SMALL));
    const r = spawnSync(process.execPath, [BIN, 'run', cfg], { encoding: 'utf8', env: { ...process.env, PATH: '/nonexistent' } });
    expect(r.status).toBe(EXIT.badInput);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('tanhui: '));
    expect(lines).toEqual([expect.stringMatching(/^tanhui: InvalidConfig: sbatch not found on PATH \(executor\.engine slurm needs the Slurm client commands; PATH=\/nonexistent\)/)]);
  }, 120_000);

  for (const [seam, pattern] of [
    ['TANHUI_SLURM_NO_RESULT', /Slurm state COMPLETED, reason None, exit code 0:0: the task wrote no result; log \S+task-\d\.\d+\.log$/],
    ['TANHUI_SLURM_TRUNCATE_RESULT', /the task result \S+result-\d\.bin is truncated \((\d+ of \d+ bytes|\d+ bytes, its header alone needs \d+)\); log \S+task-\d\.\d+\.log$/],
  ] as const) {
    it(`${seam === 'TANHUI_SLURM_NO_RESULT' ? 'a task that writes no result' : 'a truncated result'} in window 2: retried, then one line, exit 5, window 1 kept`, async () => {
      const dir = tempDir('slurm-result');
      const cfg = writeConfig(dir, SMALL('{engine: slurm, workers: 2, retries: 1, slurm: {pollSeconds: 0.3}}'));
      process.env[seam] = String(Date.UTC(2020, 5, 2) / 1000);
      let r: Awaited<ReturnType<typeof runCli>>;
      try {
        r = await runCli(['run', cfg]);
      } finally {
        delete process.env[seam];
      }
      expect(r.code).toBe(EXIT.workerFailed);
      const lines = r.stderr.split('\n').filter((l) => l.startsWith('tanhui: '));
      expect(lines).toHaveLength(1);
      expect(lines[0]!.replace(/ — .*$/, '')).toMatch(/^tanhui: WorkerFailed: task window 2 members \d–\d failed after 2 attempt\(s\) on Slurm: /);
      expect(lines[0]!.replace(/ — .*$/, '')).toMatch(pattern);
      expect(r.stderr).toMatch(/retrying \(attempt 2 of 2\)/);
      expect(await windowsComplete(join(dir, 'run.zarr'))).toBe(1);
    }, 300_000);
  }
});

async function withEnv<T>(name: string, value: string, fn: () => Promise<T>): Promise<T> {
  process.env[name] = value;
  try {
    return await fn();
  } finally {
    delete process.env[name];
  }
}

describe.skipIf(!cluster.ok)('Slurm task states', () => {
  it('TIMEOUT: a task over its time limit fails with the state, reason, exit code and log', async () => {
    const dir = tempDir('slurm-timeout');
    const cfg = writeConfig(dir, SMALL("{engine: slurm, workers: 1, retries: 0, slurm: {timeLimit: '1', pollSeconds: 1}}", 1));
    const r = await withEnv('TANHUI_SLURM_SLEEP', 'all:900', () => runCli(['run', cfg]));
    expect(r.code).toBe(EXIT.workerFailed);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('tanhui: '));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/WorkerFailed: task window 1 members 0–3 failed after 1 attempt\(s\) on Slurm: Slurm state TIMEOUT, reason TimeLimit, exit code 0:15; log \S+\/log\/task-0\.\d+\.log/);
    const log = /log (\S+\.log)/.exec(lines[0]!)![1]!;
    expect(readFileSync(log, 'utf8')).toMatch(/DUE TO TIME LIMIT/);
  }, 600_000);

  it('NODE_FAIL: the node set down under a running task; the task is retried once the node is back', async () => {
    const dir = tempDir('slurm-nodefail');
    const cfg = writeConfig(dir, SMALL('{engine: slurm, workers: 1, retries: 1, slurm: {pollSeconds: 0.5}}', 1));
    const work = join(dir, 'run.zarr.slurm');
    const node = hostname().split('.')[0]!;
    let downed = false;
    const downer = (async () => {
      if (!(await runningBatchJob(work))) return;
      delete process.env.TANHUI_SLURM_SLEEP;
      spawnSync('scontrol', ['update', `nodename=${node}`, 'state=down', 'reason=tanhui-test']);
      downed = true;
      await new Promise((res) => setTimeout(res, 1500));
      spawnSync('scontrol', ['update', `nodename=${node}`, 'state=resume']);
    })();
    let r: Awaited<ReturnType<typeof runCli>>;
    try {
      r = await withEnv('TANHUI_SLURM_SLEEP', 'all:60', () => runCli(['run', cfg]));
    } finally {
      await downer;
      spawnSync('scontrol', ['update', `nodename=${node}`, 'state=resume']);
    }
    expect(downed).toBe(true);
    expect(r.stderr).toMatch(/Slurm state NODE_FAIL, reason \S+, exit code \S+; log \S+task-0\.\d+\.log; retrying \(attempt 2 of 2\)/);
    expect(r.code, r.stderr).toBe(0);
  }, 600_000);
});

const CONFIG = (executor: string, store: string): string => `time: {windows: 12, windowDays: 1}
solver: {members: 8}
executor: ${executor}
observations: {stations: {sites: [mlo, brw, spo, wlg, cgo, alt], intervalHours: 6}, satellite: {enabled: false}}
truth: {anomalies: []}
output: {store: ${store}}
`;

describe.skipIf(!cluster.ok)('kill -9 of the Slurm orchestrator', () => {
  it('10 kills at random points, each with an immediate rerun: none refused, the final store equals an uninterrupted run', async () => {
    const dir = tempDir('slurm-kill');
    const cfg = writeConfig(dir, CONFIG('{engine: slurm, workers: 2, slurm: {pollSeconds: 0.5}}', 'run.zarr'));
    const rand = mulberry32(Number(process.env.TANHUI_KILL_SEED ?? 19));
    const exits: Array<number | null> = [];
    let stderr = '';
    let duringArray = 0;
    let kills = 0;
    // Every task sleeps 2 s (the worker's test seam), so the run outlasts ten kills on a quiet
    // machine too (at most 6 s apart; finished tasks are reused, so each rerun makes progress).
    const start = (): { child: ChildProcess; exited: Promise<number | null> } => {
      const child = spawn(process.execPath, [BIN, 'run', cfg], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TANHUI_SLURM_SLEEP: 'all:2' } });
      child.stderr!.on('data', (d: Buffer) => (stderr += String(d)));
      return { child, exited: new Promise((r) => child.once('exit', (code) => r(code))) };
    };
    let run = start();
    for (let trial = 0; trial < 10; trial++) {
      const delayMs = 500 + rand() * 5500;
      const early = await Promise.race([run.exited, new Promise<'killed'>((r) => setTimeout(() => r('killed'), delayMs))]);
      if (early !== 'killed') {
        exits.push(early); // finished (or failed) before its kill
        break;
      }
      const queued = spawnSync('squeue', ['-h', '-n', 'tanhui', '-o', '%i'], { encoding: 'utf8' }).stdout.trim();
      if (queued !== '') duringArray++;
      run.child.kill('SIGKILL');
      kills++;
      // The rerun starts at once, before the killed process is reaped.
      const next = start();
      await run.exited;
      run = next;
    }
    exits.push(await run.exited);
    expect(stderr).not.toMatch(/StoreLocked/);
    expect(exits.filter((c) => c !== 0), stderr.split('\n').filter((l) => l.startsWith('tanhui: ')).join('\n')).toEqual([]);
    expect(kills).toBe(10);
    expect(duringArray).toBeGreaterThan(0);
    writeConfig(dir, CONFIG('{engine: piscina, workers: 2}', 'ref.zarr'), 'ref.yaml');
    expect((await runCli(['run', join(dir, 'ref.yaml')])).code).toBe(0);
    expect(hashes(join(dir, 'run.zarr'))).toBe(hashes(join(dir, 'ref.zarr')));
    console.log(`kill -9 trials: ${duringArray} of the kills while an array was queued or running; ${(stderr.match(/task results reused/g) ?? []).length} batches reused finished results, ${(stderr.match(/adopted/g) ?? []).length} adopted tasks of a killed run`);
  }, 900_000);
});
