// Williamson et al. (1992) test case 1 and Lauritzen et al. (2012) deformational flows with the
// built-in model: error norms after one period at 6°×4°, 3°×2° and 1.5°×1°, and the observed
// convergence orders. Run: node --conditions=@tanhui/source --import tsx tools/bench/transport/williamson.ts
import { LatLonGrid } from '@tanhui/core';
import { BuiltinTransportModel, cosineBell, DeformationalFlow, errorNorms, gaussianHills, SolidBodyRotation, type Meteorology } from '@tanhui/transport';

const DEG = Math.PI / 180;
const DAY = 86400;

export function runCase(met: Meteorology, stepSeconds: number, init: (lon: number, lat: number) => number, periodSec: number, reduced = 0.1) {
  const model = new BuiltinTransportModel(met, { stepSeconds, reducedGridMinWidth: reduced });
  const g = model.grid;
  const c0 = new Float64Array(g.size);
  for (let j = 0; j < g.nlat; j++) for (let i = 0; i < g.nlon; i++) c0[j * g.nlon + i] = init(g.lonCentersDeg[i]! * DEG, g.latCentersDeg[j]! * DEG);
  const out = model.forward({ window: { startSec: 0, endSec: periodSec }, nTracers: 1, initialMoleFraction: c0, fluxes: { periodSeconds: periodSec, data: new Float64Array(g.size) } });
  return errorNorms(g, out.finalMoleFraction, c0);
}

const grids: [number, number, number][] = [[6, 4, 4 * 3600], [3, 2, 2 * 3600], [1.5, 1, 3600]];
const fmt = (x: number) => x.toExponential(3);
if (process.argv[1]?.endsWith('williamson.ts')) {
  const which = process.argv[2] ?? 'all';
  const cases: { name: string; make: (g: LatLonGrid) => Meteorology; init: (lon: number, lat: number) => number; dtFactor?: number }[] = [
    { name: 'TC1 α=0', make: (g) => new SolidBodyRotation(g, { alphaRad: 0 }), init: (l, p) => cosineBell(l, p) },
    { name: 'TC1 α=π/2−0.05', make: (g) => new SolidBodyRotation(g, { alphaRad: Math.PI / 2 - 0.05 }), init: (l, p) => cosineBell(l, p) },
    { name: 'Lauritzen non-divergent', make: (g) => new DeformationalFlow(g, { divergent: false }), init: gaussianHills },
    // The divergent flow compresses the air ~40-fold: mass fluxes follow the air only step by step.
    { name: 'Lauritzen divergent', make: (g) => new DeformationalFlow(g, { divergent: true }), init: gaussianHills, dtFactor: 0.25 },
  ];
  const maxGrids = Number(process.argv[3] ?? 3);
  for (const c of cases) {
    if (which !== 'all' && !c.name.startsWith(which)) continue;
    console.log(`\n${c.name}   (one period of 12 days)`);
    console.log('grid        dt[h]   l1         l2         linf       order(l2)');
    let prev: number | null = null;
    for (const [dlon, dlat, dt] of grids.slice(0, maxGrids)) {
      const g = LatLonGrid.regular(dlon, dlat);
      const t0 = performance.now();
      const step = dt * (c.dtFactor ?? 1);
      const e = runCase(c.make(g), step, c.init, 12 * DAY);
      const order = prev === null ? '' : Math.log2(prev / e.l2).toFixed(2);
      console.log(`${dlon}°×${dlat}°`.padEnd(12) + `${step / 3600}`.padEnd(8) + `${fmt(e.l1)}  ${fmt(e.l2)}  ${fmt(e.linf)}  ${order}   (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
      prev = e.l2;
    }
  }
}
