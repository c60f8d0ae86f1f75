// Public API of the tanhui app (for tests and embedding): the CLI entry point.
export { main, buildProgram, EXIT } from './main';
