// Worker entry: registers tsx (execArgv --import does not apply to a worker's entry on
// Node 20), then runs the TypeScript worker body.
import { register } from 'tsx/esm/api';

register();
await import('./mapping-worker.ts');
