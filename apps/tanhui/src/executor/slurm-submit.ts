// `tanhui run CONFIG --submit [--dry-run]`: the whole run as one Slurm batch job (the
// orchestrator), which with executor.engine slurm submits its own job arrays, one per window.
// The script asks for SIGTERM 120 s before its time limit (`--signal=B:TERM@120`), so the
// orchestrator cancels its arrays and the store keeps its last complete window; resubmitting
// resumes. docs/slurm.md has the same as a PBS script.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TanhuiError } from '@tanhui/core';
import { writeFileAtomic } from '@tanhui/io';
import { resolvePath, type LoadedConfig } from '../config/load';
import { SlurmSection } from '../config/schema';
import { slurmCommand } from './slurm-commands';

const BIN = fileURLToPath(new URL('../../bin/tanhui.mjs', import.meta.url));

function q(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The orchestrator's sbatch script for a loaded config. */
export function orchestratorScript(loaded: LoadedConfig, runArgs: readonly string[] = [], command = 'run'): { script: string; file: string; log: string } {
  const { config } = loaded;
  const store = resolvePath(loaded, config.output.store);
  const s = config.executor.slurm ?? SlurmSection.parse({});
  const work = s.workDir ? resolvePath(loaded, s.workDir) : `${store.replace(/\/+$/, '')}.slurm`;
  const log = join(work, 'orchestrator-%j.log');
  // The orchestrator itself is light with engine slurm (it solves; the arrays run transport); with
  // piscina or inline the whole ensemble runs inside it, on as many cores as there are workers.
  const cpus = config.executor.engine === 'slurm' ? 1 : Math.max(1, config.executor.workers);
  const sb = (o: string): string => `#SBATCH ${o}`;
  const lines = [
    '#!/bin/bash',
    sb(`--job-name=${q(`tanhui-${config.name}`)}`),
    sb(`--output=${q(log)}`),
    sb(`--cpus-per-task=${cpus}`),
    ...(s.partition ? [sb(`--partition=${q(s.partition)}`)] : []),
    ...(s.account ? [sb(`--account=${q(s.account)}`)] : []),
    ...(s.qos ? [sb(`--qos=${q(s.qos)}`)] : []),
    ...(s.memory ? [sb(`--mem=${q(s.memory)}`)] : []),
    sb('--signal=B:TERM@120'),
    `# Written by \`tanhui ${command} ${loaded.file} --submit\`: the orchestrator of the run as a batch job.`,
    '# With executor.engine slurm it submits one job array per window itself; resubmit to resume.',
    ...(s.setup ? [s.setup] : []),
    `cd ${q(process.cwd())}`,
    // Not exec: bash stays the batch step's leader and forwards Slurm's SIGTERM to tanhui.
    `${[process.execPath, BIN, command, loaded.file, ...runArgs].map(q).join(' ')} &`,
    'pid=$!',
    "trap 'kill -TERM $pid; wait $pid' TERM",
    'wait $pid',
    '',
  ];
  return { script: lines.join('\n'), file: join(work, 'orchestrator.sbatch'), log };
}

/** Print (dry run) or submit the orchestrator script; returns what to tell the user. */
export async function submitRun(loaded: LoadedConfig, dryRun: boolean, runArgs: readonly string[] = []): Promise<string> {
  const { script, file, log } = orchestratorScript(loaded, runArgs);
  if (dryRun) return script;
  mkdirSync(dirname(file), { recursive: true });
  writeFileAtomic(file, script);
  const r = await slurmCommand('sbatch', ['--parsable', file]);
  const jobId = r.stdout.trim().split(';')[0]!;
  if (r.code !== 0 || !/^\d+$/.test(jobId)) {
    const msg = (r.stderr.split('\n').find((l) => l.startsWith('sbatch: error: ')) ?? r.stderr.trim()).replace(/^sbatch: error: /, '');
    throw new TanhuiError('InvalidConfig', `sbatch refused the run's batch job: ${msg || `exit code ${r.code}`}`, { context: { file: loaded.file, key: 'executor.slurm' } });
  }
  return `submitted batch job ${jobId} (script ${file}); its log: ${log.replace('%j', jobId)}; follow it with squeue -j ${jobId}`;
}
