// `tanhui budget CLOSURE.yaml`: top-down vs bottom-up closure of a region's land sink (the
// seed's China budget). The arithmetic (analytic Gaussian σ and seeded Monte Carlo) is
// @tanhui/analysis' evaluateClosure; this file reads the YAML and names the file in every error.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import YAML from 'yaml';
import { evaluateClosure, formatClosureTable, parseClosureSpec, type ClosureResult } from '@tanhui/analysis';
import { isTanhuiError, TanhuiError } from '@tanhui/core';

export interface BudgetOptions {
  /** Monte Carlo samples (default: the file's monteCarlo.samples, else 100 000). */
  samples?: number;
  /** Monte Carlo seed (default: the file's monteCarlo.seed, else 1). */
  seed?: number;
}

/** Read, check and evaluate a closure file. Rejects with a TanhuiError naming the file. */
export async function closureFromFile(file: string, options: BudgetOptions = {}): Promise<ClosureResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new TanhuiError('MissingFile', 'closure file not found or unreadable', { context: { file }, cause });
  }
  let raw: unknown;
  try {
    raw = YAML.parse(text, { prettyErrors: true, uniqueKeys: true });
  } catch (cause) {
    const msg = cause instanceof Error ? cause.message.split('\n')[0]! : String(cause);
    throw new TanhuiError('InvalidConfig', `not valid YAML: ${msg}`, { context: { file }, cause });
  }
  if (raw === null || raw === undefined) throw new TanhuiError('InvalidConfig', 'the closure file is empty', { context: { file }, hint: 'see docs/analysis-commands.md for the format' });
  try {
    return evaluateClosure(parseClosureSpec(raw), options);
  } catch (err) {
    if (isTanhuiError(err)) throw new TanhuiError(err.code, err.message, { hint: err.hint, context: { ...err.context, file }, cause: err });
    throw err;
  }
}

function intOption(name: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new TanhuiError('InvalidArgument', `${name} must be an integer ≥ ${min}, got '${v}'`, { context: { key: name } });
  return n;
}

export function registerBudget(program: Command): void {
  program
    .command('budget')
    .description('budget closure (top-down vs bottom-up) with Gaussian and Monte Carlo σ, from a YAML file')
    .argument('<closure>', 'closure file (YAML: terms with value ± sigma, estimates, gaps; see libs/analysis/docs/china-closure.yaml)')
    .option('--samples <n>', 'Monte Carlo samples (default: the file\'s monteCarlo.samples or 100000)')
    .option('--seed <n>', 'Monte Carlo seed (default: the file\'s monteCarlo.seed or 1)')
    .option('--digits <n>', 'decimals in the table', '3')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, opts: { samples?: string; seed?: string; digits: string; json?: boolean }) => {
      const samples = intOption('--samples', opts.samples, 2);
      const seed = intOption('--seed', opts.seed, 0);
      const digits = intOption('--digits', opts.digits, 0)!;
      const result = await closureFromFile(file, { samples, seed });
      if (opts.json) {
        const plain = { ...result, estimates: result.estimates.map((e) => ({ ...e, coefficients: Array.from(e.coefficients) })), gaps: result.gaps.map((g) => ({ ...g, coefficients: Array.from(g.coefficients) })) };
        process.stdout.write(`${JSON.stringify(plain, null, 2)}\n`);
      } else process.stdout.write(formatClosureTable(result, digits));
    });
}
