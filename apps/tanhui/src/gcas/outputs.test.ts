// GCAS's posterior 1° ensemble (ensrf2emission.f90 :50-62, 308-317) against its closed form.
import { describe, expect, it } from 'vitest';
import { posteriorEnsemble1deg } from './outputs';

describe('posterior 1° ensemble', () => {
  it('is each member’s 1° prior × XNEW/bgens of its coarse cell, 0 where bgens = 0', () => {
    // 2 members, 1 component, 2 coarse cells, 3 fine cells (fine 0, 1 → coarse 0; fine 2 → coarse 1)
    const cellOf = Int32Array.of(0, 0, 1);
    const prior1 = Float64Array.of(1, 2, 3, 4, 5, 6); // [n][fine]
    const bgens = Float64Array.of(10, 0, 20, 30); // [n][cell]
    const xnew = Float64Array.of(5, 40, 7, 60); // [cell][n]
    const post = posteriorEnsemble1deg(prior1, xnew, bgens, cellOf, 2, 1, 2);
    expect(Array.from(post)).toEqual([1 * (5 / 10), 2 * (5 / 10), 0, 4 * (40 / 20), 5 * (40 / 20), 6 * (60 / 30)]);
  });
});
