// Slurm states a task can end in, produced for real on the local cluster: TIMEOUT (a task over
// its time limit of 1 minute, Slurm's smallest: this test takes ~1-2 min) and NODE_FAIL (the node
// set DOWN under a running task). The error names the state, reason, exit code and log.
// OUT_OF_MEMORY needs a cgroup-enforcing cluster (TaskPlugin=task/cgroup), which this one-node
// test cluster is not: it is parsed (slurm-files.test.ts) but not produced here.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localSlurm, runningBatchJob } from '../executor/slurm-testing';
import { EXIT } from '../main';
import { runCli, tempDir, writeConfig } from './helpers';

const cluster = localSlurm();
if (!cluster.ok) console.log(`Slurm state tests skipped: ${cluster.why}`);

const SMALL = (executor: string): string => `time: {windows: 1, windowDays: 1}
solver: {members: 4}
executor: ${executor}
observations: {stations: {sites: [mlo, brw, spo, wlg], intervalHours: 6}, satellite: {enabled: false}}
truth: {anomalies: []}
output: {store: run.zarr}
`;

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
    const cfg = writeConfig(dir, SMALL("{engine: slurm, workers: 1, retries: 0, slurm: {timeLimit: '1', pollSeconds: 1}}"));
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
    const cfg = writeConfig(dir, SMALL('{engine: slurm, workers: 1, retries: 1, slurm: {pollSeconds: 0.5}}'));
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
