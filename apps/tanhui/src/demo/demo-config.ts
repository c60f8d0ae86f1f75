// The demo's configuration: the synthetic world of the README's first command. Written to
// DIR/demo.yaml and run exactly as `tanhui run DIR/demo.yaml` would.
export const DEMO_YAML = `# tanhui demo: an OSSE on the built-in synthetic world (no data needed).
# Truth = the BEPS-like prior with documented anomalies of the biosphere flux (truth bio flux =
# prior bio flux x (1 + sum of the deltas of the boxes containing the cell)):
#   a stronger sink over China (x 1.5 in 20-50N, 75-135E),
#   a tropical source in South America (x -0.5: sign flipped and halved, 15S-10N, 80-35W),
#   a weaker boreal sink (x 0.8 north of 55N), a stronger North American temperate sink
#   (x 1.4), a stronger European sink (x 1.3), weaker African uptake (x 0.6), and stronger
#   uptake in Australia (x 1.5) and Tropical Asia (x 1.4) -- so every land region differs.
# Observations: the truth run sampled at the catalogue's real station coordinates (daily) and
# along synthetic OCO-2-like tracks, plus noise of each observation's error sigma. Four
# well-spread land-influenced stations (Lin'an, Pallas, Park Falls, Cape Point) are held out.
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
  twoStep: combine
  seed: 20201
observations:
  stations:
    enabled: true
    sites: default
    intervalHours: 24
  satellite:
    enabled: true
    soundingsPerDay: 60
  # Held out for validation: sampled by the prior and posterior runs, never assimilated
  # (use flag 1 in the run store); the demo prints their BIAS and RMSE, prior -> posterior.
  holdout: [lan, pal, lef, cpt]
  noiseSeed: 7
executor:
  engine: piscina
  workers: 0
  retries: 2
truth:
  anomalies:
    - { name: stronger sink over China, component: bio, latMin: 20, latMax: 50, lonMin: 75, lonMax: 135, delta: 0.5 }
    - { name: tropical source, component: bio, latMin: -15, latMax: 10, lonMin: -80, lonMax: -35, delta: -1.5 }
    - { name: weaker boreal sink, component: bio, latMin: 55, latMax: 90, lonMin: -180, lonMax: 180, delta: -0.2 }
    - { name: stronger North American temperate sink, component: bio, latMin: 25, latMax: 50, lonMin: -130, lonMax: -60, delta: 0.4 }
    - { name: stronger European sink, component: bio, latMin: 35, latMax: 50, lonMin: -10, lonMax: 40, delta: 0.3 }
    - { name: weaker African uptake, component: bio, latMin: -35, latMax: 15, lonMin: -20, lonMax: 52, delta: -0.4 }
    - { name: stronger Australian uptake, component: bio, latMin: -45, latMax: -10, lonMin: 110, lonMax: 155, delta: 0.5 }
    - { name: stronger Tropical Asian uptake, component: bio, latMin: -10, latMax: 25, lonMin: 90, lonMax: 150, delta: 0.4 }
output:
  store: demo.zarr
`;
