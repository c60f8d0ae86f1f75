// Public API of @tanhui/observations: the canonical observation table, format parsers and
// readers, QC and model-data mismatch, super-observations, observation operators (SamplePlan
// builders with adjoints), the site catalogue and synthetic OCO-2-like tracks.
export * from './record';
export * from './source';
export * from './obspack';
export * from './text';
export * from './satellite';
export * from './operators';
export * from './sites';
export * from './readers';
export * from './qc';
export * from './superobs';
export * from './synthetic';
export * from './store';
export * from './summary';
