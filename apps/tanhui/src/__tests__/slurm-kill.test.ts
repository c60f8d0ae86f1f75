// kill -9 of a Slurm orchestrator (`tanhui run`, executor.engine slurm) at 10 random points,
// each followed at once by a rerun (the next trial's run): no rerun is refused by the store lock,
// reruns reuse finished task results and adopt the killed run's arrays, and the final store
// equals an uninterrupted (Piscina) run's, array for array. Needs the local cluster
// (tools/ci/slurm-up.sh); skipped, saying why, without it.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '@tanhui/core';
import { localSlurm } from '../executor/slurm-testing';
import { runCli, tempDir, writeConfig } from './helpers';

const cluster = localSlurm();
if (!cluster.ok) console.log(`Slurm kill -9 test skipped: ${cluster.why}`);
const HASH = fileURLToPath(new URL('../../../../tools/ci/hash-store.mjs', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/tanhui.mjs', import.meta.url));
const hashes = (store: string): string => execFileSync(process.execPath, [HASH, store], { encoding: 'utf8' });

const CONFIG = (executor: string, store: string): string => `time: {windows: 6, windowDays: 1}
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
    const start = (): { child: ChildProcess; exited: Promise<number | null> } => {
      const child = spawn(process.execPath, [BIN, 'run', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
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
