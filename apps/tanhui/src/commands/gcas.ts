// `tanhui gcas ensrf NAMELIST`: drop-in replacements for GCASv2's programs, reading and writing
// GCAS's own files (docs/gcas.md). The analysis is @tanhui/solvers' gcas/ (pure); the files are
// apps/tanhui/src/gcas/.
import type { Command } from 'commander';
import { TanhuiError } from '@tanhui/core';

const ENSRF_HELP = `
Reads the namelist (&time_control, &assimilation, &transport_model, &background_flux,
&observations) and the files it names, like GCASv2's Ensrf.exe:
  MOZARTDIR/data/emis/emissions.intermediate.YYYYMMDD.nc     state ensemble (bgens, bgmean_org)
  MOZARTDIR/run_ensemble/hist/CASE.mz4.h0.YYYY-MM-DD-10800.nc  one per window day, EN001…ENnnn_VMR_avrg
  OBSDIR_SRF/srf_YYYYMMDD, OBSDIR_GOSAT/acos_v90_YYYYMMDD.nc, OBSDIR_OCO2/oco2_v11_YYYYMMDD.nc
  PRIORDIR/{bio,ocn,fossil,fire}/emissions.X.YYYYMMDD.nc       1° priors (fluxadjust)
  ../input/region_gcas.nc (next to the namelist's folder; --region-map)  ocean for OCO-2 σ
  OPT_DIR/CASE/emissions.opt.lambda.nc                          previous λ when da_step > 1
Writes into OPT_DIR/CASE/: emissions.opt.lambda.nc (records 1…da_step), emissions.opt.compare.YYYYMMDD.nc,
Obs_sim_YYYYMMDD.txt, emissions.opt.YYYYMMDD.nc per window day, uncertainties.posterior.YYYYMMDD.nc
(when uncertainties.prior.YYYYMMDD.nc is there); into MOZARTDIR/data/emis/ emissions.EN001/EN002.surface.T42LR.nc
(optimised / prior total flux for the forward run); with --debug also
debug/ensrf_dump_{obs,sel,state,xnew}.YYYYMMDD.txt.gz. The transport grid is taken from the h0 files
(GCAS hard-codes it by resm); paths longer than 100 characters are fine.

Example (the GCASv2 reference case):
  bash ../shared/gcas/make_inputs.sh /tmp/case
  tanhui gcas ensrf /tmp/case/asmlt/ensrf.step1.nml --debug
  tanhui gcas ensrf /tmp/case/asmlt/ensrf.step2.nml`;

export function registerGcas(program: Command): void {
  const gcas = program.command('gcas').description("GCASv2 compatibility: its programs on its files (Ensrf.exe)");
  gcas
    .command('ensrf')
    .description("GCASv2's Ensrf.exe: local-analysis EnSRF of one window, writing GCAS's output files")
    .argument('<namelist>', 'ensrf.nml')
    .option('--debug', 'also write the four analysis tables (super-obs, obs lists, state means, posterior members)')
    .option('--region-map <file>', 'region_gcas.nc for the OCO-2 ocean test (default ../input/region_gcas.nc beside the namelist folder)')
    .option('--quiet', 'no progress lines')
    .addHelpText('after', ENSRF_HELP)
    .action(async (namelist: string, _opts: unknown, cmd: Command) => {
      // --debug is also the program's own flag (stack traces): read it with the globals.
      const opts = cmd.optsWithGlobals<{ debug?: boolean; regionMap?: string; quiet?: boolean }>();
      const { runGcasEnsrf } = await import('../gcas/outputs');
      const log = opts.quiet ? undefined : (line: string): void => void process.stderr.write(`${line}\n`);
      const r = await runGcasEnsrf(namelist, { debug: opts.debug, regionMap: opts.regionMap, log });
      const total = Object.values(r.timings).reduce((a, b) => a + b, 0);
      process.stdout.write(
        `gcas ensrf ${r.icdate} (da_step ${r.nml.daStep}): ${r.superObs.n} super-obs (surface ${r.nSurface}, column ${r.nColumn}), ` +
          `${r.written.length} files written, ${total.toFixed(2)} s\n`,
      );
    });
  gcas
    .command('gen-ensemble')
    .description("GCASv2's Gen_ensembles.exe: the window's state ensemble, 1° prior ensemble and the N member flux files for MOZART")
    .argument('<namelist>', 'ensrf.nml')
    .option('--seed <n>', "seed of the λ draws (default: the window's first date, YYYYMMDD)")
    .option('--grid-from <file>', "a MOZART h0 file giving the transport grid (default: the ensemble run's h0 file of the first day)")
    .addHelpText(
      'after',
      `
λ = bunc·ξ (ξ ~ N(0,1), tanhui's seeded generator; GCAS seeds from the clock) per coarse cell,
component and member; member flux = prior·(1 + λ). Writes MOZARTDIR/data/emis/emissions.intermediate.YYYYMMDD.nc
(bgens, bgstdev, bgmean, bgmean_org), OPT_DIR/CASE/uncertainties.prior.YYYYMMDD.nc and
MOZARTDIR/data/emis/emissions.ENnnn.surface.T42LR.nc (CO2[8·rundays+1, lat, lon], molecules/cm2/s).`,
    )
    .action(async (namelist: string, opts: { seed?: string; gridFrom?: string }) => {
      const { runGenEnsemble } = await import('../gcas/gen-ensemble');
      const seed = opts.seed === undefined ? undefined : Number(opts.seed);
      if (seed !== undefined && !Number.isInteger(seed)) {
        throw new TanhuiError('InvalidArgument', `--seed must be an integer, got '${opts.seed}'`, { context: { key: 'seed' } });
      }
      const r = await runGenEnsemble(namelist, { seed, gridFrom: opts.gridFrom });
      process.stdout.write(`gcas gen-ensemble: ${r.written.length} files written (state grid ${r.state.bnx}×${r.state.bny}×${r.state.bnvar}, transport grid ${r.grid.lon.length}×${r.grid.lat.length})\n`);
    });
  gcas
    .command('update-ic')
    .description("GCASv2's Update_iconc.exe: the forward run's EN001 restart field into every ensemble tracer of the next window's restart file")
    .argument('<namelist>', 'ensrf.nml')
    .action(async (namelist: string) => {
      const { runUpdateIc } = await import('../gcas/update-ic');
      const r = await runUpdateIc(namelist);
      process.stdout.write(`gcas update-ic: EN001…EN${String(r.tracers).padStart(3, '0')} of ${r.file} set from EN001 of ${r.from}\n`);
    });
}
