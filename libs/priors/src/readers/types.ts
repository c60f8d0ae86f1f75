// Types shared by the prior readers and their callers (pure: no I/O here).
import type { FluxCategory, FluxField } from '../flux';

export type PriorFormat = 'beps' | 'ct-flux1x1' | 'gcas' | 'gfed' | 'zarr';
export const PRIOR_FORMATS: readonly PriorFormat[] = ['beps', 'ct-flux1x1', 'gcas', 'gfed', 'zarr'];

export interface PriorReadOptions {
  /** Flux variable to read (BEPS: default NEP/nep/NEE/nee/flux). */
  variable?: string;
  /** Treat fill values / NaN as zero flux instead of rejecting the file. */
  missingAsZero?: boolean;
  /** Period length [s] when the file cannot tell (a single BEPS time step without bounds). */
  periodSeconds?: number;
  /** GCAS climatologies (date = 0): start of the first period [s since 1970]; default 0. */
  climatologyStartSec?: number;
  /** Override the category inferred from the file (GCAS file names, BEPS = bio). */
  category?: FluxCategory;
}

export interface PriorFile {
  file: string;
  format: PriorFormat;
  /** One component per flux category found (CarbonTracker files hold four). */
  components: FluxField[];
  /** Conventions applied (units assumed, sign flips, time stamp shifts), for the user. */
  notes: string[];
}
