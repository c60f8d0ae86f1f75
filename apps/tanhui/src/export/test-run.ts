// A small OSSE (2 windows of 2 days, stations and satellite, region scaling) whose store the
// store and export tests open: every array kind, σ maps, flags of every value.
export const SMALL_RUN_YAML = `time: {windows: 2, windowDays: 2}
truth: {anomalies: [{name: china, component: bio, latMin: 20, latMax: 50, lonMin: 75, lonMax: 135, delta: 0.5}]}
observations: {stations: {intervalHours: 12}, satellite: {soundingsPerDay: 200}}
stateVector: {mapping: region-scaling}
solver: {members: 16}
executor: {workers: 1}
`;
