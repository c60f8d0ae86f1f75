import { describe, expect, it } from 'vitest';
import { isTanhuiError } from '@tanhui/core';
import { parseConfigText, validateConfig } from './load';
import { configJsonSchema } from './schema';
import { SITES } from '@tanhui/observations';
import { DEMO_YAML } from '../demo/demo-config';

function errorOf(text: string): { line: string; code: string } {
  try {
    parseConfigText(text, 'run.yaml');
  } catch (err) {
    if (!isTanhuiError(err)) throw err;
    return { line: err.toLine(), code: err.code };
  }
  throw new Error('expected a config error');
}

describe('run configuration', () => {
  it('fills every section with defaults from an empty file', () => {
    const c = parseConfigText('');
    expect(c.grid.preset).toBe('6x4');
    expect(c.time.windows).toBe(4);
    expect(c.solver).toMatchObject({ method: 'ensrf', members: 32, lag: 1, rejectionThreshold: 3 });
    expect(c.executor).toMatchObject({ engine: 'piscina', retries: 2 });
    expect(c.prior.components.map((p) => p.name)).toEqual(['bio', 'ocean', 'fossil', 'fire']);
    expect(c.observations.errorClasses.mbl).toBe(0.75);
    expect(c.truth).toBeUndefined();
  });

  it('keeps given values and fills the rest', () => {
    const c = parseConfigText('solver:\n  members: 8\nexecutor: {workers: 2}\n');
    expect(c.solver.members).toBe(8);
    expect(c.solver.algorithm).toBe('serial');
    expect(c.executor.workers).toBe(2);
  });

  it('names the key and the expectation of a bad value', () => {
    const e = errorOf('solver:\n  members: 1\n');
    expect(e.code).toBe('InvalidConfig');
    expect(e.line).toContain('key solver.members');
    expect(e.line).toContain('expected an integer ≥ 2, got 1');
    expect(e.line).toContain('file run.yaml');
    expect(errorOf('solver: {method: kalman}').line).toMatch(/unknown solver 'kalman' \(known: ensrf-serial, ensrf-bulk, ensemble-space, batch, 4dvar, gcas-local\).*key solver.method/);
    expect(errorOf('time: {start: yesterday}').line).toMatch(/ISO 8601.*key time.start/);
    expect(errorOf("met: {source: files}").line).toMatch(/expected 'path' when source is 'files'.*key met.path/);
  });

  it('rejects unknown keys and lists the allowed ones', () => {
    const e = errorOf('solver:\n  membrs: 3\n');
    expect(e.line).toContain('key solver.membrs');
    expect(e.line).toMatch(/unknown key; expected one of method, members/);
    expect(errorOf('colour: red').line).toMatch(/key colour.*|unknown key.*key colour/);
    expect(errorOf('prior:\n  components:\n    - {name: bio, optimise: true, colour: 1}\n').line).toContain('key prior.components.0.colour');
  });

  it('reports YAML syntax errors with the line', () => {
    expect(errorOf('grid: [1, 2\nsolver: 3\n').line).toMatch(/InvalidConfig: not valid YAML/);
    expect(errorOf('- a\n- b\n').line).toMatch(/mapping at the top level/);
  });

  it('validates objects the same way as YAML text', () => {
    expect(() => validateConfig({ executor: { retries: -1 } })).toThrow(/expected an integer ≥ 0/);
  });

  it('exports a JSON schema listing every section with its defaults', () => {
    const s = configJsonSchema() as { properties: Record<string, { properties?: Record<string, { default?: unknown }> }> };
    for (const k of ['grid', 'time', 'met', 'prior', 'observations', 'stateVector', 'solver', 'executor', 'output', 'truth']) {
      expect(s.properties[k], k).toBeDefined();
    }
    expect(s.properties.solver!.properties!.members!.default).toBe(32);
    expect(s.properties.executor!.properties!.retries!.default).toBe(2);
  });
});

describe('observations.holdout', () => {
  it('accepts every format its readers know (zarr priors, GCASv2 OCO-2 files)', () => {
    const c = parseConfigText(
      'prior:\n  components:\n    - {name: bio, source: file, path: bio.zarr, format: zarr, optimise: true}\nobservations:\n  files:\n    - {path: oco2.nc, format: gcas}\n',
    );
    expect(c.prior.components[0]!.format).toBe('zarr');
    expect(c.observations.files[0]!.format).toBe('gcas');
    expect(errorOf('observations:\n  files:\n    - {path: x.nc, format: csv}\n').line).toMatch(/unknown observation format 'csv' \(known: auto, text, obspack, oco2-lite, gcas, tccon\).*observations\.files\.0\.format/);
  });

  it('defaults to no held-out site and rejects a non-list', () => {
    expect(parseConfigText('').observations.holdout).toEqual([]);
    expect(errorOf('observations: {holdout: mlo}').line).toMatch(/expected a list of site codes.*key observations\.holdout/);
  });

  it('the demo holds out 3–4 catalogue stations and keeps the rest assimilated', () => {
    const c = parseConfigText(DEMO_YAML, 'demo.yaml');
    const held = c.observations.holdout.map((s) => s.toLowerCase());
    expect(held.length).toBeGreaterThanOrEqual(3);
    expect(held.length).toBeLessThanOrEqual(4);
    const codes = new Set(SITES.map((s) => s.code));
    for (const h of held) expect(codes.has(h)).toBe(true);
    expect(c.observations.stations.sites).toBe('default');
    expect(SITES.length - held.length).toBeGreaterThan(30);
  });
});
