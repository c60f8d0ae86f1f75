// The K = N + extras tracers of a request as one run's inputs: for kinds that build the run
// themselves (external models, response functions) rather than in the built-in workers.
import { ensembleFlux } from '@tanhui/priors';
import type { EnsembleRequest } from './transport';

/** Tracer fluxes [period][cell][K] (members from their states, then the extras) and initial fields [cell][K]. */
export function tracerInputs(r: Omit<EnsembleRequest, 'memberFinals' | 'extraFinals'>): { flux: Float64Array; initial: Float64Array; K: number } {
  const E = r.extras?.length ?? 0;
  const K = r.N + E;
  const nf = r.mapping.nPeriods * r.mapping.nCells;
  const member = ensembleFlux(r.mapping, r.fixed, r.states, r.N);
  const flux = new Float64Array(nf * K);
  for (let pc = 0; pc < nf; pc++) {
    for (let k = 0; k < r.N; k++) flux[pc * K + k] = member[pc * r.N + k]!;
    for (let e = 0; e < E; e++) flux[pc * K + r.N + e] = r.extras![e]!.flux[pc]!;
  }
  const nCell = r.initialPerMember ? r.initial.length / r.N : r.initial.length;
  const initial = new Float64Array(nCell * K);
  for (let c = 0; c < nCell; c++) {
    for (let k = 0; k < r.N; k++) initial[c * K + k] = r.initialPerMember ? r.initial[c * r.N + k]! : r.initial[c]!;
    for (let e = 0; e < E; e++) initial[c * K + r.N + e] = r.extras![e]!.initial[c]!;
  }
  return { flux, initial, K };
}
