// The gcas-local solver in `tanhui run` on the synthetic world (an OSSE: truth = prior with the
// demo's regional anomalies): the posterior global land flux is closer to the truth than the
// prior, and the run store opens in the report (the same reader `tanhui report` uses).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { composeWorld } from '../compose';
import { loadConfig } from '../config/load';
import { runCycling } from '../pipeline/run';
import { readRunReport } from '../pipeline/report';
import { SilentProgress } from '../progress';
import { tempDir, TRUTH_YAML, writeConfig } from '../__tests__/helpers';

describe('gcas-local solver in tanhui run', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  it('moves the global land flux toward the truth and writes a store the report reads', async () => {
    const dir = tempDir('gcas-local');
    dirs.push(dir);
    const cfg = writeConfig(
      dir,
      `time: {windows: 2, windowDays: 2}
stateVector: {mapping: grid-scaling, regions: transcom, correlationLengthKm: 1000}
solver: {method: gcas-local, members: 24, twoStep: combine, localization: gaspari-cohn, localizationLengthKm: 3000}
executor: {workers: 2}
observations: {stations: {intervalHours: 12}, satellite: {soundingsPerDay: 120}}
output: {store: gcas.zarr}
${TRUTH_YAML}`,
    );
    await runCycling(await composeWorld(await loadConfig(cfg)), { progress: new SilentProgress(), provenance: { tanhui_command: 'test' } });
    const rep = await readRunReport(join(dir, 'gcas.zarr'));
    expect(rep.windows).toBe(2);
    const land = rep.rows.find((r) => r.name === 'Global land')!;
    console.log(`gcas-local OSSE, global land PgC/yr: prior ${land.prior.toFixed(3)}, posterior ${land.posterior.toFixed(3)}, truth ${land.truth.toFixed(3)}`);
    expect(Math.abs(land.truth - land.prior)).toBeGreaterThan(1);
    expect(Math.abs(land.posterior - land.truth)).toBeLessThan(Math.abs(land.prior - land.truth));
  });

  it('refuses a config without gaspari-cohn localization (positions) when it is loaded', async () => {
    const dir = tempDir('gcas-local-bad');
    dirs.push(dir);
    const cfg = writeConfig(dir, `time: {windows: 1, windowDays: 2}\nsolver: {method: gcas-local, members: 8}\noutput: {store: bad.zarr}\n${TRUTH_YAML}`);
    await expect(loadConfig(cfg)).rejects.toThrow(/gcas-local.*gaspari-cohn/);
  });
});
