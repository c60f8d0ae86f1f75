// `tanhui budget`: closure arithmetic checked against hand computations (a small case with a
// unit conversion and an inverse-variance combination, and the seed's China example), Monte
// Carlo σ within its sampling error, and one clear line for bad files.
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { closureFromFile } from './budget';
import { removeTempDirs, runCli, tempDir } from '../analysis/cli-test-helpers';

afterAll(removeTempDirs);

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const china = join(repoRoot, 'libs/analysis/docs/china-closure.yaml');

const SMALL = `name: small
units: PgC yr-1
terms:
  a: { value: 1.0, sigma: 0.3 }
  b: { value: 500, sigma: 400, units: TgC yr-1 }
  c: { value: 0.2, sigma: 0 }
estimates:
  td: { label: top-down, sum: [+a, -c] }
  bu: { label: bottom-up, sum: [b, c] }
  best: { combine: [td, bu] }
gaps:
  - [td, bu]
monteCarlo: { samples: 40000, seed: 3 }
`;

/** Standard error of a sample standard deviation from n Gaussian draws ≈ σ/√(2n). */
const sdSe = (sigma: number, n: number): number => sigma / Math.sqrt(2 * n);

describe('tanhui budget', () => {
  it('matches a hand-computed small closure (units, signs, shared terms, combination)', async () => {
    const dir = tempDir('budget');
    const f = join(dir, 'small.yaml');
    writeFileSync(f, SMALL);
    const r = await closureFromFile(f);
    const by = (id: string) => r.estimates.find((e) => e.id === id)!;
    // td = 1.0 − 0.2 = 0.8 ± 0.3; bu = 0.5 + 0.2 = 0.7 ± 0.4 (b converted from TgC).
    expect(by('td').value).toBeCloseTo(0.8, 12);
    expect(by('td').sigma).toBeCloseTo(0.3, 12);
    expect(by('bu').value).toBeCloseTo(0.7, 12);
    expect(by('bu').sigma).toBeCloseTo(0.4, 12);
    // Inverse variance: w_td = (1/0.09)/(1/0.09 + 1/0.16) = 0.64, σ² = 1/(1/0.09 + 1/0.16) = 0.0576.
    expect(by('best').value).toBeCloseTo(0.64 * 0.8 + 0.36 * 0.7, 12);
    expect(by('best').sigma).toBeCloseTo(0.24, 12);
    // Gap td − bu = a − b − 2c = 0.1, σ = √(0.09 + 0.16) = 0.5, closes.
    const g = r.gaps[0]!;
    expect(g.value).toBeCloseTo(0.1, 12);
    expect(g.sigma).toBeCloseTo(0.5, 12);
    expect(g.consistent).toBe(true);
    // Monte Carlo agrees within sampling error (4 standard errors).
    const n = r.samples;
    expect(n).toBe(40000);
    for (const l of [...r.estimates, g]) {
      expect(Math.abs(l.mcMean - l.value)).toBeLessThan(4 * (l.sigma / Math.sqrt(n)) + 1e-12);
      expect(Math.abs(l.mcSigma - l.sigma)).toBeLessThan(4 * sdSe(l.sigma, n) + 1e-12);
      // 95 % interval of a Gaussian: value ± 1.96σ.
      expect(l.mcP975 - l.mcP025).toBeCloseTo(2 * 1.959964 * l.sigma, 1);
    }
  });

  it('evaluates the seed China example (libs/analysis/docs/china-closure.yaml) as computed by hand', async () => {
    const r = await closureFromFile(china, { samples: 20000 });
    const by = (id: string) => r.estimates.find((e) => e.id === id)!;
    // top-down = 0.45 + 19 TgC (trade); bottom-up = 0.175 + 0.117 + 0.006 + 0.020 + 0.023.
    expect(by('top_down').value).toBeCloseTo(0.469, 12);
    expect(by('top_down').sigma).toBeCloseTo(Math.hypot(0.25, 0.0095), 12);
    expect(by('bottom_up').value).toBeCloseTo(0.341, 12);
    const sBu = Math.hypot(0.042, 0.049, 0.003, 0.01, 0.01);
    expect(by('bottom_up').sigma).toBeCloseTo(sBu, 12);
    const gap = r.gaps[0]!;
    expect(gap.value).toBeCloseTo(0.469 - 0.341, 12);
    expect(gap.sigma).toBeCloseTo(Math.hypot(0.25, 0.0095, sBu), 12);
    expect(gap.consistent).toBe(true);
    // Combined land sink: inverse-variance weights (the two share no term).
    const wTd = 1 / by('top_down').sigma ** 2;
    const wBu = 1 / sBu ** 2;
    expect(by('land_sink').value).toBeCloseTo((wTd * 0.469 + wBu * 0.341) / (wTd + wBu), 12);
    expect(by('land_sink').sigma).toBeCloseTo(Math.sqrt(1 / (wTd + wBu)), 12);
    // NEP = land sink + river outgassing (62 TgC): the land-sink error carries over.
    expect(by('nep').value).toBeCloseTo(by('land_sink').value + 0.062, 12);
    expect(by('nep').sigma).toBeCloseTo(Math.hypot(by('land_sink').sigma, 0.03), 12);
    expect(Math.abs(gap.mcSigma - gap.sigma)).toBeLessThan(4 * sdSe(gap.sigma, r.samples));
  });

  it('prints the closure table and JSON from the command line', async () => {
    const t = await runCli(['budget', china, '--samples', '5000']);
    expect(t.stderr).toBe('');
    expect(t.code).toBe(0);
    expect(t.stdout).toContain('China land carbon sink closure');
    expect(t.stdout).toMatch(/land sink, top-down\s+0\.469 ± 0\.250/);
    expect(t.stdout).toMatch(/land sink, bottom-up\s+0\.341 ± 0\.066/);
    expect(t.stdout).toContain('closes (|gap| ≤ 2σ)');
    const j = await runCli(['budget', china, '--samples', '100', '--json']);
    expect(j.code).toBe(0);
    const parsed = JSON.parse(j.stdout) as { samples: number; gaps: { value: number }[] };
    expect(parsed.samples).toBe(100);
    expect(parsed.gaps[0]!.value).toBeCloseTo(0.128, 12);
  });

  it('gives one clear line and a non-zero exit for bad input', async () => {
    const dir = tempDir('budget-bad');
    const cases: [string, string, RegExp][] = [
      ['broken.yaml', 'name: x\nterms: [1, 2\n', /InvalidConfig: not valid YAML.*file .*broken\.yaml/],
      ['empty.yaml', '', /InvalidConfig: the closure file is empty/],
      ['missing-term.yaml', SMALL.replace('sum: [+a, -c]', 'sum: [+a, -soil]'), /refers to unknown 'soil' \(file .*missing-term\.yaml, key estimates\.td\.sum\[1\]\)/],
      ['no-sigma.yaml', SMALL.replace('{ value: 1.0, sigma: 0.3 }', '{ value: 1.0 }'), /terms\.a\.sigma must be a number ≥ 0/],
      ['units.yaml', SMALL.replace('units: PgC yr-1', 'units: GtC'), /units must be 'PgC yr-1' or 'TgC yr-1'/],
    ];
    for (const [name, text, re] of cases) {
      writeFileSync(join(dir, name), text);
      const r = await runCli(['budget', join(dir, name)]);
      expect(r.code, name).toBe(3);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(re);
    }
    const missing = await runCli(['budget', join(dir, 'nope.yaml')]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/MissingFile: closure file not found.*nope\.yaml/);
    const badSamples = await runCli(['budget', china, '--samples', '1']);
    expect(badSamples.code).toBe(3);
    expect(badSamples.stderr).toMatch(/--samples must be an integer ≥ 2/);
  });
});
