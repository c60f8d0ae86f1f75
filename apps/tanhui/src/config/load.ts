// Reading and validating a run configuration file. Failures are TanhuiErrors naming the file
// and the key: `InvalidConfig: expected an integer ≥ 2, got 1 (file run.yaml, key solver.members)`.
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { TanhuiError } from '@tanhui/core';
import { parseDocument, stringify } from 'yaml';
import type { z } from 'zod';
import { RunConfigSchema, type RunConfig } from './schema';
import '../plugins/index';

export interface LoadedConfig {
  config: RunConfig;
  /** Absolute path of the YAML file ('' when built in memory). */
  file: string;
  /** Directory relative paths in the config are resolved against. */
  baseDir: string;
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return `'${v.length > 40 ? `${v.slice(0, 40)}…` : v}'`;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return Array.isArray(v) ? 'a list' : 'a mapping';
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v: unknown = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

/** The keys allowed at a path of the schema (for 'unknown key' messages). */
function keysAt(path: ReadonlyArray<PropertyKey>): string[] {
  // Walk through defaults/optionals/arrays to the object schema at `path`.
  const unwrap = (s: unknown): unknown => {
    let cur = s as { _zod?: { def?: { innerType?: unknown; type?: string; element?: unknown; in?: unknown; schema?: unknown } } };
    for (let guard = 0; guard < 20 && cur?._zod?.def; guard++) {
      const d = cur._zod.def;
      if (d.innerType) cur = d.innerType as typeof cur;
      else if (d.type === 'pipe' && d.in) cur = d.in as typeof cur;
      else break;
    }
    return cur;
  };
  let s = unwrap(RunConfigSchema) as { shape?: Record<string, unknown>; _zod?: { def?: { element?: unknown } } };
  for (const p of path) {
    if (typeof p === 'number') s = unwrap(s._zod?.def?.element) as typeof s;
    else s = unwrap(s.shape?.[String(p)]) as typeof s;
    if (!s) return [];
  }
  return s.shape ? Object.keys(s.shape) : [];
}

/** One issue as (key, message), the message saying what was expected and what was found. */
export function formatIssue(issue: z.core.$ZodIssue, input: unknown): { key: string; message: string } {
  const base = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys;
    const key = base ? `${base}.${keys[0]}` : String(keys[0]);
    const allowed = keysAt(issue.path);
    const expected = allowed.length > 0 ? `expected one of ${allowed.join(', ')}` : "see 'tanhui config --schema'";
    return { key, message: `unknown key${keys.length > 1 ? `s ${keys.join(', ')}` : ''}; ${expected}` };
  }
  // Messages that already say what was found (unknown plug-in names).
  if (issue.code === 'custom' && (issue.params as { plain?: boolean } | undefined)?.plain) return { key: base || '(root)', message: issue.message };
  const got = valueAt(input, issue.path);
  let msg = issue.message;
  if (msg.startsWith('Invalid input')) msg = msg.replace(/^Invalid input: /, '');
  return { key: base || '(root)', message: `${msg}, got ${describeValue(got)}` };
}

/** Validate a plain object (already parsed from YAML) into the effective config. */
export function validateConfig(input: unknown, file = ''): RunConfig {
  const r = RunConfigSchema.safeParse(input ?? {});
  if (r.success) return r.data;
  const first = r.error.issues[0]!;
  const { key, message } = formatIssue(first, input);
  const more = r.error.issues.length > 1 ? ` (+${r.error.issues.length - 1} more problem${r.error.issues.length > 2 ? 's' : ''})` : '';
  throw new TanhuiError('InvalidConfig', `${message}${more}`, { context: { ...(file ? { file } : {}), key } });
}

/** Parse YAML text and validate it. */
export function parseConfigText(text: string, file = ''): RunConfig {
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line;
    throw new TanhuiError('InvalidConfig', `not valid YAML${line ? ` at line ${line}` : ''}: ${e.message.split('\n')[0]}`, { context: file ? { file } : {} });
  }
  const obj: unknown = doc.toJS();
  if (obj !== null && obj !== undefined && (typeof obj !== 'object' || Array.isArray(obj))) {
    throw new TanhuiError('InvalidConfig', 'expected a YAML mapping at the top level', { context: file ? { file } : {} });
  }
  return validateConfig(obj ?? {}, file);
}

/** Read, parse and validate a config file. Rejects (never throws synchronously). */
export async function loadConfig(path: string): Promise<LoadedConfig> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new TanhuiError('MissingFile', 'cannot read the configuration file', { context: { file: path }, cause, hint: 'check the path' });
  }
  return { config: parseConfigText(text, path), file, baseDir: dirname(file) };
}

/** Resolve a path from the config against the config file's directory. */
export function resolvePath(loaded: Pick<LoadedConfig, 'baseDir'>, p: string): string {
  return isAbsolute(p) ? p : resolve(loaded.baseDir, p);
}

/** The effective config as YAML (every default filled in). */
export function configToYaml(config: RunConfig): string {
  return stringify(config, { lineWidth: 0 });
}
