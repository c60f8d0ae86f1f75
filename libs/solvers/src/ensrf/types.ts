// EnSRF state in CTDAS's layout (CarbonTracker Data Assimilation Shell, optimizer.py), so a
// user can switch solvers without reshaping anything:
//   x [nparams]            state mean (with lag: nlag·nparams rows, window-major)
//   Xprime [nparams×N]     deviations, row-major; P = X′X′ᵀ/(N−1)
//   Hx [nobs], HXprime [nobs×N], obs [nobs], R [nobs] (variances)
//   mayReject, mayLocalize [nobs] (0/1), flags [nobs] (0 use, 2 rejected, others skipped)
//
// Mean conventions (both give P = X′X′ᵀ/(N−1) with N = nmembers):
//   meanIsMember0 = true  (CTDAS): member 0 is the mean run, so column 0 of X′ and HX′ is zero;
//   meanIsMember0 = false: x is the ensemble mean and every row of X′ sums to zero.
// The update formulas are the same; the convention decides how ensembles are drawn and is
// checked on input (see checkEnsembleConvention).

export interface EnsembleProblem {
  nparams: number;
  nmembers: number;
  nobs: number;
  x: Float64Array;
  Xprime: Float64Array;
  Hx: Float64Array;
  HXprime: Float64Array;
  obs: Float64Array;
  R: Float64Array;
  mayReject?: ArrayLike<number>;
  mayLocalize?: ArrayLike<number>;
  flags?: ArrayLike<number>;
}

export type Localization =
  | { kind: 'none' }
  /** CarbonTracker 2007: zero the gain where the ensemble correlation is not significant. */
  | { kind: 'CT2007'; /** Two-sided 95% threshold; default Student-t quantile with N dof. */ tValue?: number }
  /** Gaspari–Cohn taper on great-circle distance (GCAS). */
  | {
      kind: 'gaspari-cohn';
      /** Length scale c [km]: the weight is GC(d/c), zero beyond 2c. */
      lengthScaleKm: number;
      obsLat: Float64Array;
      obsLon: Float64Array;
      /** Parameter locations [deg]; row r uses entry r mod length (so lagged windows repeat). */
      paramLat: Float64Array;
      paramLon: Float64Array;
    };

export interface EnsrfOptions {
  /** Reject when |innovation| > threshold·sqrt(R) for obs with mayReject (default 3). */
  rejectionThreshold?: number;
  /** CTDAS convention (column 0 of X′ is the mean, zero); default true. */
  meanIsMember0?: boolean;
  localization?: Localization;
  /** Update the input arrays instead of copies (x, Xprime, Hx, HXprime, flags). */
  inPlace?: boolean;
  /** Options of the gcas-local solver (the others ignore them). */
  gcas?: import('../gcas/solver').GcasSolverOptions;
}

export interface EnsrfResult {
  x: Float64Array;
  Xprime: Float64Array;
  Hx: Float64Array;
  HXprime: Float64Array;
  /** 0 assimilated, 2 rejected here or before, others as given. */
  flags: Int32Array;
  /** HPHᵀ + R of each assimilated observation at its turn (NaN when not assimilated). */
  HPHR: Float64Array;
}
