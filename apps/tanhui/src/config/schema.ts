// The run configuration: one YAML file per run, validated here. Every key has a default, so an
// empty file is a valid (synthetic-world) run; unknown keys are errors, never ignored.
// Messages name the key and what was expected (see formatIssue in ./load.ts).
import { z } from 'zod';
import { solverName, solvers } from '../plugins/solver';
import { transportKinds } from '../plugins/transport';
import { obsFormats } from '@tanhui/observations';
import { priorReaders } from '@tanhui/priors';

/** A name checked against a registry at parse time (readers register from their own modules). */
const registered = (what: string, names: () => string[]) =>
  z.string({ error: `expected a ${what} name` }).superRefine((v, ctx) => {
    const known = names();
    if (!known.includes(v)) ctx.addIssue({ code: 'custom', message: `unknown ${what} '${v}' (known: ${known.join(', ')})`, params: { plain: true } });
  });
const posInt = (what: string) => z.number({ error: `expected ${what}` }).int({ error: `expected ${what}` });
const posNum = (what: string) => z.number({ error: `expected ${what}` }).positive({ error: `expected ${what}` });
const iso = z
  .string({ error: 'expected an ISO 8601 UTC date-time such as 2020-06-01T00:00:00Z' })
  .refine((s) => /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z?)?$/.test(s) && Number.isFinite(Date.parse(s.length === 10 ? `${s}T00:00:00Z` : s.endsWith('Z') ? s : `${s}Z`)), {
    error: 'expected an ISO 8601 UTC date-time such as 2020-06-01T00:00:00Z',
  });

export const GridSection = z
  .strictObject({
    /** Model grid: 6x4 (60×45), 3x2 (120×90, TM5 glb3x2) or 1x1. */
    preset: z.enum(['6x4', '3x2', '1x1'], { error: "expected one of '6x4', '3x2', '1x1'" }).default('6x4'),
    /** Hybrid sigma-pressure levels; generic25 is the 25-layer set of @tanhui/core. */
    levels: z.enum(['generic25'], { error: "expected 'generic25'" }).default('generic25'),
  })
  .describe('model grid and vertical levels');

export const TimeSection = z
  .strictObject({
    /** First window start (UTC). */
    start: iso.default('2020-06-01T00:00:00Z'),
    /** Window length in days (GCAS: 7). */
    windowDays: posNum('a positive number of days').default(7),
    /** Number of assimilation windows. */
    windows: posInt('an integer ≥ 1').min(1, { error: 'expected an integer ≥ 1' }).max(10000, { error: 'expected at most 10000 windows' }).default(4),
    /** Transport time step [s]; 0 lets the transport model choose. */
    stepSeconds: z.number({ error: 'expected a number of seconds ≥ 0' }).min(0, { error: 'expected a number of seconds ≥ 0' }).default(0),
  })
  .describe('assimilation windows');

const metName = z.string({ error: 'expected a variable name' }).min(1, { error: 'expected a variable name' });
const metFiles = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)], { error: 'expected a path pattern or a list of paths' });
export const MetSection = z
  .strictObject({
    /** synthetic: the built-in climate of @tanhui/transport; files: met fields read from `path`. */
    source: z.enum(['synthetic', 'files', 'era5', 'merra2', 'geosfp'], { error: "expected 'synthetic', 'files', 'era5', 'merra2' or 'geosfp'" }).default('synthetic'),
    /** era5 | merra2 | geosfp: the met files as downloaded, a path pattern with {yyyy} {mm} {dd}
     * {hh} {doy} fields (one file per day, or per hour with {hh}) or a list (docs/meteorology.md). */
    files: metFiles.optional(),
    /** ERA5: the files with lnsp (or sp) when the wind files have neither. */
    surfaceFiles: metFiles.optional(),
    /** MERRA-2 / GEOS-FP tavg3_3d_trb_Ne (KH) and tavg3_3d_mst_Ne (CMFMC) files. */
    diffusionFiles: metFiles.optional(),
    convectionFiles: metFiles.optional(),
    /** Source interface (0 = surface) of each model interface; default 137→25, 72→25. */
    levelMap: z.array(z.number({ error: 'expected interface numbers' }).int({ error: 'expected interface numbers' }).min(0, { error: 'expected interface numbers ≥ 0' })).optional(),
    /** Hours between files of a pattern with {hh} (default 1). */
    fileHours: z.number({ error: 'expected a number of hours' }).positive({ error: 'expected a number of hours > 0' }).default(1),
    /** Folder of the prepared-met cache (Zarr, keyed by the input files and the grid); relative to the config. */
    cache: z.string({ error: 'expected a path' }).default('.tanhui-met-cache'),
    /** NetCDF file on the model grid covering every window (see the README's met section). */
    path: z.string({ error: 'expected a path' }).optional(),
    /** Variable names in the file, where they differ from the defaults (u, v, ps, time, lat,
     * lon; optional kz, entu, detu, entd, detd, read when present). */
    variables: z
      .strictObject({
        u: metName.optional(),
        v: metName.optional(),
        ps: metName.optional(),
        time: metName.optional(),
        lat: metName.optional(),
        lon: metName.optional(),
        kz: metName.optional(),
        entu: metName.optional(),
        detu: metName.optional(),
        entd: metName.optional(),
        detd: metName.optional(),
      })
      .prefault({}),
    /** file: hybrid coefficients from the file (hyai, hybi, P0), which must equal grid.levels;
     * grid: the file has none and its level axis is grid.levels, surface first. */
    levels: z.enum(['file', 'grid'], { error: "expected 'file' or 'grid'" }).default('file'),
    /** Correct the winds' mass fluxes so that the model surface pressure follows the file's. */
    pressureFixer: z.boolean({ error: 'expected true or false' }).default(true),
  })
  .refine((m) => m.source !== 'files' || (m.path !== undefined && m.path !== ''), { error: "expected 'path' when source is 'files'", path: ['path'] })
  .refine((m) => ['synthetic', 'files'].includes(m.source) || m.files !== undefined, { error: "expected 'files' (a path pattern or a list) for era5, merra2 and geosfp", path: ['files'] })
  .describe('meteorology driving the transport');

const ComponentName = z.enum(['bio', 'ocean', 'fossil', 'fire'], { error: "expected one of 'bio', 'ocean', 'fossil', 'fire'" });
export const PriorComponent = z
  .strictObject({
    name: ComponentName,
    /** synthetic: the built-in BEPS-like world of @tanhui/priors; file: read from `path`. */
    source: z.enum(['synthetic', 'file'], { error: "expected 'synthetic' or 'file'" }).default('synthetic'),
    path: z.string({ error: 'expected a path' }).optional(),
    /** 'auto' or a registered prior format (`tanhui plugins`). */
    format: registered('prior format', () => ['auto', ...priorReaders.names()]).default('auto'),
    /** Whether the state vector scales this component (bio and ocean in GCAS/CarbonTracker). */
    optimise: z.boolean({ error: 'expected true or false' }).default(false),
  })
  .refine((c) => c.source !== 'file' || (c.path !== undefined && c.path !== ''), { error: "expected 'path' when source is 'file'", path: ['path'] });

export const PriorSection = z
  .strictObject({
    components: z
      .array(PriorComponent, { error: 'expected a list of components' })
      .min(1, { error: 'expected at least one component' })
      .default([
        { name: 'bio', source: 'synthetic', format: 'auto', optimise: true },
        { name: 'ocean', source: 'synthetic', format: 'auto', optimise: true },
        { name: 'fossil', source: 'synthetic', format: 'auto', optimise: false },
        { name: 'fire', source: 'synthetic', format: 'auto', optimise: false },
      ]),
    /** Skip the plausibility check of file components' global totals (idealised experiments). Left out when unset, so stores' config hashes are unchanged. */
    allowImplausible: z.boolean({ error: 'expected true or false' }).optional(),
  })
  .refine((p) => p.components.some((c) => c.optimise), { error: 'expected at least one component with optimise: true', path: ['components'] })
  .describe('prior flux components (mol m⁻² s⁻¹)');

export const ObservationsSection = z
  .strictObject({
    stations: z
      .strictObject({
        enabled: z.boolean({ error: 'expected true or false' }).default(true),
        /** 'default' = the catalogue's main sites; or a list of site codes (MLO, WLG, …). */
        sites: z.union([z.literal('default'), z.array(z.string()).min(1, { error: 'expected at least one site code' })], { error: "expected 'default' or a list of site codes" }).default('default'),
        /** One sample every intervalHours at each site. */
        intervalHours: posNum('a positive number of hours').default(24),
      })
      .prefault({}),
    satellite: z
      .strictObject({
        /** Synthetic OCO-2-like XCO2 tracks (ascending node ~13:30 local). */
        enabled: z.boolean({ error: 'expected true or false' }).default(true),
        /** Soundings kept per day (after super-observation thinning). */
        soundingsPerDay: posInt('a positive integer').min(1, { error: 'expected a positive integer' }).default(60),
      })
      .prefault({}),
    /** Observation files (ObsPack, text, OCO-2 Lite, TCCON) read with @tanhui/observations. */
    files: z
      .array(
        z.strictObject({
          path: z.string({ error: 'expected a path' }),
          /** 'auto' or a registered observation format (`tanhui plugins`). */
          format: registered('observation format', obsFormats).default('auto'),
        }),
        { error: 'expected a list of {path, format}' },
      )
      .default([]),
    /** Model-data mismatch per class [ppm] (CarbonTracker classes) and for XCO2. */
    errorClasses: z
      .strictObject({
        mbl: posNum('a positive number of ppm').default(0.75),
        land: posNum('a positive number of ppm').default(2.5),
        mixed: posNum('a positive number of ppm').default(1.5),
        aircraft: posNum('a positive number of ppm').default(2.0),
        tower: posNum('a positive number of ppm').default(3.0),
        xco2: posNum('a positive number of ppm').default(1.5),
      })
      .prefault({}),
    /** Held-out sites (codes, case-insensitive): their observations are sampled by the prior
     * and posterior runs and written to the run store with use flag 1, but never assimilated;
     * `tanhui validate` and `tanhui report` validate the run against them. */
    holdout: z.array(z.string({ error: 'expected a site code' }).min(1, { error: 'expected a site code' }), { error: 'expected a list of site codes' }).default([]),
    /** Seed of the observation noise drawn in synthetic (OSSE) runs. */
    noiseSeed: posInt('an integer ≥ 0').min(0, { error: 'expected an integer ≥ 0' }).default(7),
  })
  .describe('observations and their errors');

export const StateVectorSection = z
  .strictObject({
    /** grid-scaling: a scaling factor per grid cell and optimised component (GCAS). */
    mapping: z.enum(['grid-scaling', 'region-scaling', 'region-month'], { error: "expected one of 'grid-scaling', 'region-scaling', 'region-month'" }).default('region-scaling'),
    /** Region map: the built-in TransCOM-like map, or a file read with @tanhui/io. */
    regions: z.union([z.literal('transcom'), z.strictObject({ path: z.string(), variable: z.string().optional() })], { error: "expected 'transcom' or {path, variable}" }).default('transcom'),
    /** Prior σ of the scaling factors [1] on land and ocean. */
    sigmaLand: posNum('a positive number').default(0.8),
    sigmaOcean: posNum('a positive number').default(0.4),
    /** Spatial correlation length [km] of the prior covariance (0 = uncorrelated). */
    correlationLengthKm: z.number({ error: 'expected a number of km ≥ 0' }).min(0, { error: 'expected a number of km ≥ 0' }).default(0),
  })
  .describe('state vector and prior covariance');

export const SolverSection = z
  .strictObject({
    /** A registered solver (`tanhui plugins`): ensrf-serial, ensrf-bulk, ensemble-space, gcas-local (run),
     * batch, 4dvar (invert); 'ensrf' selects ensrf-<algorithm>. */
    method: z.string({ error: 'expected a solver name' }).min(1, { error: 'expected a solver name' }).default('ensrf'),
    /** Ensemble size N (EnSRF). */
    members: posInt('an integer ≥ 2').min(2, { error: 'expected an integer ≥ 2' }).max(10000, { error: 'expected at most 10000 members' }).default(32),
    algorithm: z.enum(['serial', 'bulk', 'ensemble-space'], { error: "expected one of 'serial', 'bulk', 'ensemble-space'" }).default('serial'),
    localization: z.enum(['none', 'CT2007', 'gaspari-cohn'], { error: "expected one of 'none', 'CT2007', 'gaspari-cohn'" }).default('none'),
    localizationLengthKm: posNum('a positive number of km').default(2000),
    /** Lagged windows (CarbonTracker/CTDAS nlag): the state holds `lag` windows, the ensemble is
     * transported over all of them, each observation is assimilated once (when its window enters)
     * and the oldest window leaves with its final posterior each cycle (apps/tanhui README). */
    lag: posInt('an integer from 1 to 52').min(1, { error: 'expected an integer from 1 to 52' }).max(52, { error: 'expected an integer from 1 to 52' }).default(1),
    /** Prior mean of a window entering a lag ≥ 3 state after the first cycle: 'ctdas' (CTDAS
     * make_new_ensemble, CarbonTracker's dynamical model: the mean of the prior and the current
     * means of the two newest windows) or 'prior' (the prior mean). No effect with lag < 3. */
    lagEnteringMean: z.enum(['ctdas', 'prior'], { error: "expected 'ctdas' or 'prior'" }).default('ctdas')
      .describe("prior mean of a window entering a lag >= 3 state: 'ctdas' = (prior + the two newest windows' means)/3, or 'prior'"),
    /** Observations with |innovation| > rejectionThreshold·σ are flagged (not dropped). */
    rejectionThreshold: posNum('a positive number').default(3),
    /** GCAS step (b), the posterior-mean transport run: 'rerun' runs transport again; 'combine'
     * combines the member runs (exact for linear transport: the posterior-mean increment lies
     * in the span of the prior deviations), saving one transport run per window. */
    twoStep: z.enum(['rerun', 'combine'], { error: "expected 'rerun' or 'combine'" }).default('rerun'),
    /** Seed of the named PRNG that draws the ensembles. */
    seed: posInt('an integer ≥ 0').min(0, { error: 'expected an integer ≥ 0' }).default(20201),
    /** 4D-Var: iteration limit and gradient-norm reduction. */
    maxIterations: posInt('a positive integer').min(1, { error: 'expected a positive integer' }).default(50),
    gradientReduction: posNum('a positive number').default(1e-6),
    /** gcas-local: GCAS's obs per cell (20), λ clamp of the posterior mean ([0.1, 10], mirrored) and continuity band (±150 %; 0 = off). */
    gcas: z
      .strictObject({
        maxObsPerCell: posInt('an integer from 1 to 1000').min(1, { error: 'expected an integer from 1 to 1000' }).max(1000, { error: 'expected an integer from 1 to 1000' }).default(20),
        clamp: z.boolean({ error: 'expected true or false' }).default(true),
        continuityLimit: z.number({ error: 'expected a number ≥ 0' }).min(0, { error: 'expected a number ≥ 0' }).default(1.5),
      })
      .prefault({})
      .describe("gcas-local solver: GCAS's obs per cell, the clamp of the posterior mean and the continuity band"),
  })
  // With lag > 1 the member runs end at the span's end, not at the end of the window that leaves:
  // the two-step field must come from a posterior-mean rerun.
  .refine((s) => s.lag === 1 || s.twoStep === 'rerun', { error: "expected 'rerun' with lag > 1 (the member runs span lag windows; 'combine' needs lag 1)", path: ['twoStep'] })
  .superRefine((s, ctx) => {
    if (!solvers.has(solverName(s))) ctx.addIssue({ code: 'custom', path: ['method'], message: solvers.unknownMessage(s.method), params: { plain: true } });
    // gcas-local selects obs by distance: it needs the positions gaspari-cohn localization gives.
    if (solverName(s) === 'gcas-local' && s.localization !== 'gaspari-cohn') ctx.addIssue({ code: 'custom', path: ['localization'], message: "solver 'gcas-local' needs localization 'gaspari-cohn' (e.g. localizationLengthKm: 3000, GCAS's cut-off)", params: { plain: true } });
  })
  .describe('solver and its options');

/**
 * The transport model: `kind` names a registered transport kind (`tanhui plugins`), whose own
 * schema validates the rest of the section (kinds register from their own files, so the section
 * is checked against the registry at parse time).
 */
export const TransportSection = z
  .looseObject({ kind: z.string({ error: 'expected a transport kind name' }).default('builtin') })
  .transform((v, ctx) => {
    if (!transportKinds.has(v.kind)) {
      ctx.addIssue({ code: 'custom', path: ['kind'], message: transportKinds.unknownMessage(v.kind), params: { plain: true } });
      return z.NEVER;
    }
    const entry = transportKinds.get(v.kind);
    const r = entry.schema.safeParse(v);
    if (r.success) return r.data as { kind: string } & Record<string, unknown>;
    for (const i of r.error.issues) {
      if (i.code === 'unrecognized_keys') {
        const shape = (entry.schema as unknown as { shape?: Record<string, unknown> }).shape;
        const allowed = shape ? Object.keys(shape).join(', ') : 'kind';
        ctx.addIssue({ code: 'custom', path: [...i.path, i.keys[0]!], message: `unknown key for transport kind '${v.kind}'; expected one of ${allowed}`, params: { plain: true } });
      } else ctx.addIssue({ code: 'custom', path: i.path, message: i.message.replace(/^Invalid input: /, '') });
    }
    return z.NEVER;
  })
  .describe('transport model: a registered kind (builtin, response-functions, …) and its options');

/** executor.engine slurm: where and how the job arrays run (docs/slurm.md). */
export const SlurmSection = z
  .strictObject({
    partition: z.string({ error: 'expected a partition name' }).min(1, { error: 'expected a partition name' }).optional(),
    account: z.string({ error: 'expected an account name' }).optional(),
    qos: z.string({ error: 'expected a QOS name' }).optional(),
    /** sbatch --time of each task: minutes, MM:SS, HH:MM:SS or D-HH:MM:SS. */
    timeLimit: z
      .string({ error: "expected a Slurm time such as '30' or '2:00:00'" })
      .regex(/^(\d+-)?\d+(:\d{1,2}){0,2}$/, { error: "expected a Slurm time such as '30' or '2:00:00'" })
      .optional(),
    cpusPerTask: posInt('an integer ≥ 1').min(1, { error: 'expected an integer ≥ 1' }).default(1),
    /** sbatch --mem of each task, e.g. '4G'. */
    memory: z.string({ error: "expected a size such as '4G'" }).regex(/^\d+[KMGT]?$/, { error: "expected a size such as '4G'" }).optional(),
    /** More sbatch arguments, e.g. ['--constraint=skylake']. */
    extraArgs: z.array(z.string({ error: 'expected a string' }), { error: 'expected a list of strings' }).default([]),
    /** Seconds between scontrol queries of a running array (results are watched every 50 ms–1 s). */
    pollSeconds: posNum('a positive number of seconds').default(2),
    /** Shared-filesystem folder of the batch folders; default `<store>.slurm` beside the store. */
    workDir: z.string({ error: 'expected a folder path' }).optional(),
    /** Shell lines each task runs first (e.g. 'module load nodejs/20'). */
    setup: z.string({ error: 'expected shell lines' }).optional(),
    /** The worker command before `--task FILE`; default this node binary and this tanhui (`… worker`). */
    workerCommand: z.array(z.string({ error: 'expected a string' })).min(1, { error: 'expected a non-empty list' }).optional(),
    /** Keep each batch folder (task files, inputs, results, logs) after its results were read. */
    keepFiles: z.boolean({ error: 'expected true or false' }).default(false),
  })
  .describe('Slurm job arrays (executor.engine slurm)');

const slurmDefaults = (v: unknown): unknown =>
  // The shared run needs one machine's shared memory: with slurm, member groups by default.
  v !== null && typeof v === 'object' && (v as { engine?: unknown }).engine === 'slurm' && (v as { sharedRun?: unknown }).sharedRun === undefined ? { ...v, sharedRun: false } : v;

export const ExecutorSection = z.preprocess(slurmDefaults, z
  .strictObject({
    /** piscina: worker threads on this machine; inline: in the main thread (debugging); slurm: job arrays on a cluster. */
    engine: z.enum(['piscina', 'inline', 'slurm'], { error: "expected 'piscina', 'inline' or 'slurm'" }).default('piscina'),
    /** Worker threads; 0 = one per core. With slurm: array tasks per window (0 = cores of this host). */
    workers: posInt('an integer ≥ 0').min(0, { error: 'expected an integer ≥ 0' }).default(0),
    /**
     * One transport run per window shared by all workers (default): its tracers in blocks that
     * the workers claim step by step, so a worker that runs faster takes more. false: fixed
     * member groups, one transport run each (`membersPerTask`). Same values either way.
     */
    sharedRun: z.boolean({ error: 'expected true or false' }).default(true),
    /** Tracer blocks per worker of the shared run (more: finer balance, more per-block overhead;
     * blocks are kept at ≥ 16 tracers when there are enough). */
    blocksPerWorker: posInt('an integer ≥ 1').min(1, { error: 'expected an integer ≥ 1' }).default(2),
    /** With sharedRun false: ensemble members per task (tracers of one transport run); 0 = members / workers. */
    membersPerTask: posInt('an integer ≥ 0').min(0, { error: 'expected an integer ≥ 0' }).default(0),
    /** Retries of a task whose worker threw or died. */
    retries: posInt('an integer ≥ 0').min(0, { error: 'expected an integer ≥ 0' }).max(10, { error: 'expected at most 10' }).default(2),
    slurm: SlurmSection.optional(),
  })
  .superRefine((e, ctx) => {
    if (e.engine === 'slurm' && e.sharedRun) ctx.addIssue({ code: 'custom', path: ['sharedRun'], message: 'the shared run needs the shared memory of one machine: use sharedRun false with engine slurm', params: { plain: true } });
  }))
  .describe('how the ensemble is fanned out');

export const INITIAL_FIELD_UNITS = ['ppm', 'mol mol-1'] as const;

export const InitialFieldSection = z
  .discriminatedUnion(
    'source',
    [
      z.strictObject({
        /** uniform: every cell of the first window starts at `ppm` (the default, 400 ppm). */
        source: z.literal('uniform'),
        /** Uniform dry-air CO2 mole fraction [ppm] of the first window's initial field. */
        ppm: z.number({ error: 'expected a number of ppm from 100 to 1000' }).min(100, { error: 'expected a number of ppm from 100 to 1000' }).max(1000, { error: 'expected a number of ppm from 100 to 1000' }).default(400).describe('uniform CO2 [ppm] of every cell'),
      }),
      z.strictObject({
        /** file: the first window starts from a 3-D field read from a NetCDF file (a CarbonTracker/GCAS
         * restart or a previous run's final field) on exactly the model grid and levels. */
        source: z.literal('file'),
        /** NetCDF file; relative paths are relative to the config file. */
        file: z.string({ error: 'expected a path' }).min(1, { error: 'expected a path' }).describe('NetCDF file (or Zarr v2 directory) on the model grid and levels; relative to the config file'),
        /** Variable with dims (lev, lat, lon) or (time, lev, lat, lon). */
        variable: z.string({ error: 'expected a variable name' }).min(1, { error: 'expected a variable name' }).default('co2').describe('variable with dims (lev, lat, lon) or (time, lev, lat, lon)'),
        /** Units of the values; default: the variable's `units` attribute (ppm, ppmv, umol mol-1,
         * micromol mol-1, mol mol-1, mol/mol, 1e-6, 1). */
        units: z.enum(INITIAL_FIELD_UNITS, { error: "expected 'ppm' or 'mol mol-1'" }).optional().describe("units of the values; default: the variable's units attribute"),
        /** Record to use when the variable has a time dimension (UTC); default: its only record,
         * or the record at time.start. */
        time: iso.optional().describe('record to use (UTC) when the variable has a time dimension; default: its only record, or the one at time.start'),
        /** Which end of the level axis is the surface. auto: from the level coordinate (pressure
         * units or a sigma/hybrid/pressure standard_name: largest value = surface; height units:
         * smallest = surface; else its CF `positive` attribute); without one, surface first. */
        levelOrder: z.enum(['auto', 'surface-first', 'top-first'], { error: "expected 'auto', 'surface-first' or 'top-first'" }).default('auto')
          .describe('which end of the level axis is the surface; auto: from the level coordinate — pressure units or sigma/hybrid/pressure standard_name (largest = surface), height units (smallest = surface), else its CF positive attribute; without one, surface first'),
      }),
    ],
    { error: "expected source 'uniform' (with ppm) or 'file' (with file, variable, units, time, levelOrder)" },
  )
  .describe('CO2 field at the start of the first window (run: the ensemble, posterior-mean and OSSE truth runs; invert: the background)');

export const OutputSection = z
  .strictObject({
    /** The run store (Zarr v2 directory); relative paths are relative to the config file. */
    store: z.string({ error: 'expected a path' }).min(1, { error: 'expected a path' }).default('run.zarr'),
  })
  .describe('run store');

const Anomaly = z.strictObject({
  name: z.string({ error: 'expected a name' }),
  component: ComponentName.default('bio'),
  /** Box [degrees]; longitudes −180…180. */
  latMin: z.number().min(-90).max(90),
  latMax: z.number().min(-90).max(90),
  lonMin: z.number().min(-180).max(180),
  lonMax: z.number().min(-180).max(180),
  /** Added to the component's scaling factor inside the box (truth = prior × (1 + delta)). */
  delta: z.number({ error: 'expected a number' }),
});

export const TruthSection = z
  .strictObject({
    /** Regional anomalies that turn the prior into the truth of an OSSE. */
    anomalies: z.array(Anomaly, { error: 'expected a list of anomalies' }).default([]),
  })
  .describe('synthetic truth for OSSEs (demo); absent = real observations only');

export const RunConfigSchema = z
  .strictObject({
    name: z.string({ error: 'expected a string' }).default('tanhui-run'),
    grid: GridSection.prefault({}),
    time: TimeSection.prefault({}),
    transport: TransportSection.prefault({}),
    met: MetSection.prefault({}),
    prior: PriorSection.prefault({}),
    observations: ObservationsSection.prefault({}),
    stateVector: StateVectorSection.prefault({}),
    solver: SolverSection.prefault({}),
    executor: ExecutorSection.prefault({}),
    output: OutputSection.prefault({}),
    initialField: InitialFieldSection.prefault({ source: 'uniform' }),
    truth: TruthSection.optional(),
  })
  .describe('tanhui run configuration');

export type RunConfig = z.output<typeof RunConfigSchema>;
export type RunConfigInput = z.input<typeof RunConfigSchema>;

/** The JSON schema of the configuration file (input side: every key optional with its default). */
export function configJsonSchema(): Record<string, unknown> {
  // The transport section as the union of every registered kind's own schema.
  const kinds = transportKinds.entries().map((k) => k.schema) as unknown as [z.ZodObject, ...z.ZodObject[]];
  const transport = kinds.length > 1 ? z.union(kinds) : kinds[0]!;
  const withKinds = RunConfigSchema.extend({ transport: transport.optional() });
  return z.toJSONSchema(withKinds, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
