// Running the user's model command for one window and mode, through the executor, with its
// stdout/stderr in the run folder. A manifest records the inputs' sha256 once the outputs were
// read successfully: a rerun (a resumed, killed run) with the same inputs and command reuses the
// outputs instead of running the model again.
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TanhuiError } from '@tanhui/core';
import { writeFileAtomic } from '@tanhui/io';
import { sha256File } from '../compose';
import type { SessionEnv } from '../plugins/transport';
import type { ExternalCommandInput, ExternalCommandOutput } from '../workers/tasks';
import { MANIFEST, MODEL_LOG } from './layout';

interface Manifest {
  command: string;
  inputs: Record<string, string>;
  outputs: Record<string, { size: number; mtimeMs: number }>;
}

export interface ModelRun {
  dir: string;
  /** The expanded command line (run by /bin/sh in `dir`). */
  command: string;
  /** Input file names in dir. */
  inputs: readonly string[];
  label: string;
  index: number;
}

export interface PreparedRun {
  /** True when the manifest matched: the outputs of an earlier, complete run are reused. */
  reused: boolean;
  /** Call after the outputs were read without error: records them as complete. */
  complete(outputs: readonly string[]): void;
}

function readManifest(dir: string): Manifest | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

function unchanged(m: Manifest, command: string, inputs: Record<string, string>, dir: string): boolean {
  if (m.command !== command) return false;
  const names = Object.keys(inputs);
  if (names.length !== Object.keys(m.inputs).length || names.some((n) => m.inputs[n] !== inputs[n])) return false;
  return Object.entries(m.outputs).every(([f, o]) => {
    const p = join(dir, f);
    if (!existsSync(p)) return false;
    const s = statSync(p);
    return s.size === o.size && s.mtimeMs === o.mtimeMs;
  });
}

/** The last `n` lines of a log file (for the error of a failed model). */
export function lastLines(file: string, n: number): string[] {
  if (!existsSync(file)) return [];
  const lines = readFileSync(file, 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.slice(-n);
}

/**
 * Run the model unless complete outputs of the same inputs exist. `staleOutputs` lists the
 * files of an earlier attempt to delete first, so that a missing output is seen as missing.
 */
export async function runModel(env: SessionEnv, run: ModelRun, staleOutputs: () => string[]): Promise<PreparedRun> {
  const inputs = Object.fromEntries(run.inputs.map((f) => [f, sha256File(join(run.dir, f))]));
  const manifestFile = join(run.dir, MANIFEST);
  const complete = (outputs: readonly string[]): void => {
    const m: Manifest = { command: run.command, inputs, outputs: {} };
    for (const f of outputs) {
      const s = statSync(join(run.dir, f));
      m.outputs[f] = { size: s.size, mtimeMs: s.mtimeMs };
    }
    writeFileAtomic(manifestFile, `${JSON.stringify(m, null, 1)}\n`);
  };
  const m = readManifest(run.dir);
  if (m && unchanged(m, run.command, inputs, run.dir)) {
    env.progress.step(run.index, 'external-model-reused', { dir: run.dir });
    return { reused: true, complete: () => undefined };
  }
  rmSync(manifestFile, { force: true });
  for (const f of staleOutputs()) rmSync(join(run.dir, f), { force: true });
  const logFile = join(run.dir, MODEL_LOG);
  rmSync(logFile, { force: true });
  env.progress.step(run.index, 'external-model-start', { dir: run.dir, command: run.command });
  const t0 = performance.now();
  const out = await env.executor.run<ExternalCommandInput, ExternalCommandOutput>('externalCommand', { command: run.command, cwd: run.dir, logFile }, { label: `${run.label} model` });
  if (out.exitCode !== 0) {
    const tail = lastLines(logFile, 20);
    const how = out.signal ? `was killed by ${out.signal}` : `exited with code ${out.exitCode}`;
    // First line: what failed and where its log is; then the log's tail (the model's own words).
    throw new TanhuiError('ExternalModelFailed', `the model command of ${run.label} ${how} (log ${logFile}); its last ${tail.length} log lines:\n${tail.map((l) => `  | ${l}`).join('\n')}`);
  }
  env.progress.step(run.index, 'external-model-done', { dir: run.dir, seconds: (performance.now() - t0) / 1000 });
  return { reused: false, complete };
}

/**
 * Kind precomputed: the outputs in outDir are usable only when its manifest lists exactly the
 * inputs tanhui wrote now (in inputDir) and the outputs are still there, of the same size.
 * Returns the output names.
 */
export function checkPrecomputed(outDir: string, inputDir: string, inputs: readonly string[], label: string): string[] {
  const m = readManifest(outDir);
  const manifestFile = join(outDir, MANIFEST);
  if (!m) {
    throw new TanhuiError('MissingFile', `no complete model run for ${label}: no manifest`, { context: { file: manifestFile, key: 'transport.path' }, hint: "precomputed outputs are an earlier mozart4/tm5 run's workdir" });
  }
  const names = new Set([...inputs, ...Object.keys(m.inputs)]);
  for (const f of names) {
    const now = inputs.includes(f) ? sha256File(join(inputDir, f)) : undefined;
    if (now !== m.inputs[f]) {
      throw new TanhuiError('BadValue', `the precomputed run of ${label} was made from other inputs: ${f} ${now === undefined ? 'is not an input now' : m.inputs[f] === undefined ? 'was not an input then' : 'differs'}`, {
        context: { file: manifestFile, key: 'transport.path' },
        hint: 'use the config of the run that made them (ensemble, priors, initial field; with another solver: twoStep combine and one window)',
      });
    }
  }
  for (const [f, o] of Object.entries(m.outputs)) {
    const p = join(outDir, f);
    if (!existsSync(p) || statSync(p).size !== o.size) throw new TanhuiError('MissingFile', `output ${f} of the precomputed run is missing or changed`, { context: { file: p } });
  }
  return Object.keys(m.outputs);
}

