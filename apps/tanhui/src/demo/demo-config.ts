// The demo's configuration: the synthetic world of the README's first command. Written to
// DIR/demo.yaml and run exactly as `tanhui run DIR/demo.yaml` would.
export const DEMO_YAML = `# tanhui demo: an OSSE on the built-in synthetic world (no data needed).
# Truth = the BEPS-like prior with two documented anomalies of the biosphere flux:
#   a stronger sink over China (bio flux x 1.5 in 20-50N, 75-135E) and
#   a tropical source (bio flux x -0.5, i.e. sign flipped and halved, in 15S-10N, 80-35W).
# Observations: the truth run sampled at the catalogue's real station coordinates (daily) and
# along synthetic OCO-2-like tracks, plus noise of each observation's error sigma.
name: tanhui-demo
grid:
  preset: 6x4
  levels: generic25
time:
  start: 2020-06-01T00:00:00Z
  windowDays: 7
  windows: 4
met:
  source: synthetic
stateVector:
  mapping: region-scaling
  regions: transcom
  sigmaLand: 0.8
  sigmaOcean: 0.4
solver:
  method: ensrf
  members: 32
  algorithm: serial
  localization: none
  seed: 20201
observations:
  stations:
    enabled: true
    sites: default
    intervalHours: 24
  satellite:
    enabled: true
    soundingsPerDay: 60
  noiseSeed: 7
executor:
  engine: piscina
  workers: 0
  retries: 2
truth:
  anomalies:
    - { name: stronger sink over China, component: bio, latMin: 20, latMax: 50, lonMin: 75, lonMax: 135, delta: 0.5 }
    - { name: tropical source, component: bio, latMin: -15, latMax: 10, lonMin: -80, lonMax: -35, delta: -1.5 }
output:
  store: demo.zarr
`;
