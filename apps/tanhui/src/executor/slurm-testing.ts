// For tests: the local one-node Slurm cluster of tools/ci/slurm-up.sh. Uses the cluster that
// SLURM_CONF names when it answers (tools/ci/run-tests.mjs starts one for `make test`), else
// starts it (installing Debian's packages when missing). Where that is impossible the Slurm
// tests skip, saying why.
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const UP = fileURLToPath(new URL('../../../../tools/ci/slurm-up.sh', import.meta.url));

function answers(): boolean {
  try {
    const state = execFileSync('sinfo', ['-h', '-o', '%T'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return /^(idle|mixed|allocated)/m.test(state);
  } catch {
    return false;
  }
}

let cached: { ok: true } | { ok: false; why: string } | undefined;

export function localSlurm(): { ok: true } | { ok: false; why: string } {
  if (cached) return cached;
  // tools/ci/run-tests.mjs tried already and failed: don't try (and install) again per test file.
  if (process.env.TANHUI_SLURM_UNAVAILABLE) return (cached = { ok: false, why: process.env.TANHUI_SLURM_UNAVAILABLE });
  if (process.env.SLURM_CONF && answers()) return (cached = { ok: true });
  try {
    const out = execFileSync('bash', [UP], { encoding: 'utf8', timeout: 600_000, stdio: ['ignore', 'pipe', 'pipe'] });
    const conf = /export SLURM_CONF=(\S+)/.exec(out)?.[1];
    if (!conf) return (cached = { ok: false, why: 'tools/ci/slurm-up.sh printed no SLURM_CONF' });
    process.env.SLURM_CONF = conf;
    return (cached = answers() ? { ok: true } : { ok: false, why: 'the local cluster does not answer sinfo' });
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? (err as Error).message).trim().split('\n').pop();
    return (cached = { ok: false, why: `tools/ci/slurm-up.sh failed: ${stderr}` });
  }
}

/** The demo configuration with edits (string replacements on its YAML). */
export async function demoYaml(edits: ReadonlyArray<[string | RegExp, string]>): Promise<string> {
  const { DEMO_YAML } = await import('../demo/demo-config');
  let y = DEMO_YAML;
  for (const [from, to] of edits) {
    const next = y.replace(from, to);
    if (next === y) throw new Error(`demoYaml: '${String(from)}' not found`);
    y = next;
  }
  return y;
}

/**
 * The array job of the first batch under a work folder once it (or its task `task`) runs; polls
 * every 100 ms, undefined after `timeoutMs`.
 */
export async function runningBatchJob(work: string, task?: number, timeoutMs = 120_000): Promise<string | undefined> {
  const { existsSync, readdirSync, readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  for (const end = Date.now() + timeoutMs; Date.now() < end; ) {
    await new Promise((r) => setTimeout(r, 100));
    const batch = existsSync(work) ? readdirSync(work).find((d) => existsSync(join(work, d, 'jobs.json'))) : undefined;
    if (!batch) continue;
    const [job] = JSON.parse(readFileSync(join(work, batch, 'jobs.json'), 'utf8')) as string[];
    const id = task === undefined ? job! : `${job}_${task}`;
    if ((spawnSync('squeue', ['-h', '-j', id, '-o', '%T'], { encoding: 'utf8' }).stdout ?? '').includes('RUNNING')) return job;
  }
  return undefined;
}
