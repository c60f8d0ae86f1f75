import { describe, expect, it } from 'vitest';
import { compareRuns } from './compare';
import { formatBudgetTable, formatComparisonTable } from './tables';

describe('text tables', () => {
  it('budget table shows prior ± σ, posterior ± σ and the uncertainty reduction', () => {
    const t = formatBudgetTable([{ region: 'China', prior: -0.2, priorSigma: 0.4, posterior: -0.35, posteriorSigma: 0.1 }]);
    const lines = t.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(/^China\s+\u22120\.200 ± 0\.400\s+\u22120\.350 ± 0\.100\s+0\.75$/);
  });

  it('comparison table shows A − B ± σ', () => {
    const run = (label: string, post: number, sigma: number) => ({
      label, posteriorFluxMolM2S: [0], regions: ['China'], priorPgC: [0], priorSigmaPgC: [0.4], posteriorPgC: [post], posteriorSigmaPgC: [sigma],
    });
    const t = formatComparisonTable(compareRuns(run('case2', -0.4, 0.3), run('case1', -0.1, 0.4)));
    expect(t).toContain('case2 − case1');
    expect(t).toMatch(/\u22120\.300 ± 0\.500/);
  });
});
