// (5) write: the window's products and restart state, appended to the run store and committed
// atomically (store/run-store.ts writeWindow); the carried state moves on to the next window.
import type { ZarrStore } from '@tanhui/io';
import type { World } from '../compose';
import { writeWindow, type WindowOutput } from '../store/run-store';
import type { Advanced } from './advance';
import { lagRestartOf, type CarriedState } from './carried';
import { spreadOf, uncertaintyMaps, windowProducts } from './products';
import type { Solved } from './solve';

export function windowOutput(world: World, carried: CarriedState, c: number, a: Advanced, solved: Solved | undefined): WindowOutput {
  const N = world.config.solver.members;
  const { done, info, prior } = a;
  const products = windowProducts(world, prior, done.x, done.Xprime);
  const out: WindowOutput = {
    window: c,
    ...products,
    statePrior: info.statePrior ?? Float64Array.from(world.xPrior),
    statePriorSd: info.priorSpread,
    stateMean: done.x,
    stateSd: spreadOf(done.Xprime, world.nState, N),
    budgetPriorSd: info.budgetPriorSd,
    uncertainty: uncertaintyMaps(world, prior, info.priorSpread, done.Xprime),
    obs: carried.obs,
    restart: {
      moleFraction: a.meanFinal,
      x: done.x,
      ensemble: done.Xprime,
      rng: carried.rng.getState(),
      truthMoleFraction: a.truthFinal,
      lag: world.config.solver.lag > 1 ? lagRestartOf(world, carried.lag) : undefined,
    },
    chi2: info.chi2,
    nAssimilated: solved?.nAssimilated ?? 0,
    nRejected: solved?.nRejected ?? 0,
  };
  carried.moleFraction = a.meanFinal;
  carried.x = done.x;
  carried.truthMoleFraction = a.truthFinal;
  return out;
}

export async function write(store: ZarrStore, world: World, out: WindowOutput): Promise<void> {
  await writeWindow(store, world, out);
}
