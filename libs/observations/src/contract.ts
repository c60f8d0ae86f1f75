// The operator ↔ transport contract of libs/core/src/sampling.ts. @tanhui/core does not export
// that module at the moment, so the two interfaces are restated here, field for field (TypeScript
// types are structural: these are the same types as core's and as libs/transport's copy).
// Switch to `import type { SamplePlan, SamplingContext } from '@tanhui/core'` once core
// re-exports sampling.ts.
import type { HybridLevels, LatLonGrid } from '@tanhui/core';

export interface SamplingContext {
  readonly grid: LatLonGrid;
  readonly levels: HybridLevels;
  /** Window start [s since 1970-01-01 UTC]. */
  readonly windowStartSec: number;
  /** Length of one model time step [s]; step n is at windowStartSec + n·stepSeconds. */
  readonly stepSeconds: number;
  /** Number of steps in the window (the last sample time is step nSteps). */
  readonly nSteps: number;
  /** Surface pressure [Pa] at step n (0 … nSteps), flat index j*nlon + i. */
  surfacePressurePa(step: number): Float64Array;
}

/** sample[s] = Σ_{e in row s} weight[e] · c(step[e], cell[e]) (CSR rows, flat 3-D cells). */
export interface SamplePlan {
  readonly nSamples: number;
  readonly rowPtr: Int32Array;
  readonly step: Int32Array;
  readonly cell: Int32Array;
  readonly weight: Float64Array;
}
