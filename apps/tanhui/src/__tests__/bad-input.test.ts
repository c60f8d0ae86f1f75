// Bad config keys, missing input files, a grid mismatch between prior and transport and an
// empty observation window: each gives one line on stderr, a non-zero exit, no store.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../main';
import { expectRunRejected, runCli, tempDir, writeConfig } from './helpers';

const here = dirname(fileURLToPath(import.meta.url));
const bepsFile = resolve(here, '../../../../../shared/data/gcasv2/emissions.beps.multiyearmean.nc');

async function expectOneLineFailure(yaml: string, pattern: RegExp): Promise<void> {
  const dir = tempDir('bad');
  const cfg = writeConfig(dir, `${yaml}\noutput: {store: out.zarr}\n`);
  await expectRunRejected(cfg, join(dir, 'out.zarr'), pattern);
}

describe('bad input → one line, non-zero exit, store untouched', () => {
  it('a misspelt config key', async () => {
    await expectOneLineFailure('solver: {membrs: 8}', /InvalidConfig: unknown key; expected one of method, members.*key solver\.membrs/);
  });

  it('a bad config value', async () => {
    await expectOneLineFailure('time: {windows: 0}', /InvalidConfig: expected an integer ≥ 1, got 0.*key time\.windows/);
  });

  it('a missing prior file', async () => {
    await expectOneLineFailure(
      'prior:\n  components:\n    - {name: bio, source: file, path: nowhere/emissions.bio.nc, optimise: true}',
      /MissingFile: prior file for component bio not found \(file nowhere\/emissions\.bio\.nc, key prior\.components\.0\.path\)/,
    );
  });

  it('a missing observation file', async () => {
    await expectOneLineFailure('observations: {files: [{path: no/obs.nc}]}', /MissingFile: observation file not found \(file no\/obs\.nc/);
  });

  it.skipIf(!existsSync(bepsFile))('a prior on another grid than the transport model (real GCASv2 BEPS file, 1°×1°)', async () => {
    await expectOneLineFailure(
      `prior:\n  components:\n    - {name: bio, source: file, path: ${bepsFile}, format: gcas, optimise: true}\n    - {name: ocean, optimise: true}`,
      /GridMismatch: prior bio is on a 360×180 lat-lon grid, the transport model on a 60×45 lat-lon grid/,
    );
  });

  it('an observation window without observations', async () => {
    await expectOneLineFailure(
      'time: {windows: 2, windowDays: 1}\nobservations: {stations: {sites: [mlo], intervalHours: 48}, satellite: {enabled: false}}',
      /EmptyInput: no usable observation in window 1 \(2020-06-01\)/,
    );
  });

  it('a held-out site without observations', async () => {
    await expectOneLineFailure('observations: {stations: {sites: [mlo, brw]}, satellite: {enabled: false}, holdout: [brw, xyz]}', /InvalidConfig: held-out site 'xyz' has no observations in this run.*key observations\.holdout\.1/);
  });

  it('every observation of a window held out', async () => {
    await expectOneLineFailure('observations: {stations: {sites: [mlo, brw]}, satellite: {enabled: false}, holdout: [MLO, brw]}', /EmptyInput: no usable observation outside the held-out sites in window 1/);
  });

  it('synthetic observations without a truth', async () => {
    await expectOneLineFailure('time: {windows: 1, windowDays: 1}', /InvalidConfig: synthetic stations and satellite tracks take their values from a truth run.*key truth/);
  });

  it('a locked store', async () => {
    const dir = tempDir('locked');
    const cfg = writeConfig(dir, 'output: {store: out.zarr}\ntruth: {anomalies: []}\ntime: {windows: 1, windowDays: 1}\nobservations: {satellite: {enabled: false}}\n');
    const { acquireStoreLock } = await import('../store/lock');
    const lock = acquireStoreLock(join(dir, 'out.zarr'), 'another run');
    try {
      const r = await runCli(['run', cfg]);
      expect(r.code).toBe(EXIT.locked);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/StoreLocked: the store is locked by pid/);
      expect(existsSync(join(dir, 'out.zarr'))).toBe(false);
    } finally {
      lock.release();
    }
  });
});
