// EnSRF family: serial, bulk, ensemble-space, localisation, lag.
export * from './types';
export * from './student-t';
export * from './localization';
export type { ObsSequence } from './sequence';
export * from './rows';
export * from './serial';
export * from './bulk';
export * from './ensemble-space';
export * from './lag';
export { checkEnsembleConvention } from './validate';
