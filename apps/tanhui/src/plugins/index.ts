// The registry lines: every plug-in tanhui ships, by kind. A new one is one file plus one line
// here (or a register* call from the user's or a test's own module). See docs/architecture.md.
import { registerSolver } from './solver';
import { registerTransport } from './transport';
import { builtinTransport } from './transport-builtin';
import { responseFunctionTransport } from './transport-response-functions';
import { mozart4Transport } from './transport-mozart4';
import { tm5Transport } from './transport-tm5';
import { precomputedTransport } from './transport-precomputed';
import { ensembleSpaceSolver, ensrfBulkSolver, ensrfSerialSolver } from './solver-ensrf';
import { batchSolver } from './solver-batch';
import { fourDVarSolver } from './solver-4dvar';
import { gcasLocalSolver } from './solver-gcas';

registerTransport(builtinTransport);
registerTransport(responseFunctionTransport);
registerTransport(mozart4Transport);
registerTransport(tm5Transport);
registerTransport(precomputedTransport);

registerSolver(ensrfSerialSolver);
registerSolver(ensrfBulkSolver);
registerSolver(ensembleSpaceSolver);
registerSolver(batchSolver);
registerSolver(fourDVarSolver);
registerSolver(gcasLocalSolver);

export { transportKinds, registerTransport, type TransportKind, type TransportPlugin, type TransportSession, type EnsembleRequest, type EnsembleResult } from './transport';
export { solvers, registerSolver, solverName, solverOf, type EnsembleSolver, type LinearSolver } from './solver';
export { builtinModelOf, shared } from './transport-builtin';
