// Public API of @tanhui/analysis: validation, regional budgets, network experiments, footprints,
// budget closure and the HTML report. Everything takes plain in-memory data; reading run stores
// is the caller's job (apps/tanhui).
export * from './regions';
export * from './stats';
export * from './linalg';
export * from './validation';
export * from './budgets';
export * from './compare';
export * from './tables';
export * from './footprint';
export * from './closure';
export * from './report/colors';
export * from './report/geo';
export { esc, niceTicks } from './report/svg';
export * from './report/charts';
export * from './report/report';
export * from './report/synthetic';
