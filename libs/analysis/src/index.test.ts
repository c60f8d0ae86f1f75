// The public API as a visible decision: adding or removing an export changes this list.
import { describe, expect, it } from 'vitest';
import * as api from './index';

describe('@tanhui/analysis public API', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(api).sort()).toEqual([
      'BUDGET_AGGREGATES', 'GC_M2_YR_PER_MOL_M2_S', 'LATITUDE_BANDS', 'MISSING_COLOUR', 'PGC_YR_PER_MOL_S',
      'anomalies', 'anomalyCorrelations', 'asRegionMapInput', 'autoScale', 'budgetBarsSvg', 'budgetCovarianceFromState', 'budgetRegionsOf',
      'cellAggregationMatrix', 'checkRegionMap', 'classColour', 'coastlinePath', 'colourClass', 'compareRuns',
      'convolveFootprint', 'correlationMap', 'coverageByRegion', 'coverageMap', 'divergingScale', 'ensembleBudget',
      'ensemblePeriodBudgets', 'esc', 'evaluateClosure', 'fitStats', 'fluxMapPanels', 'footprintFromMassFluxSensitivity',
      'footprintFromMoleSensitivity', 'formatBiasRmse', 'formatBudgetTable', 'formatClosureTable', 'formatComparisonTable',
      'formatSigned', 'formatValidationTable', 'geoPath', 'interpolateStops', 'landOceanRegionMap', 'latitudeBand',
      'latitudeBandRegionMap', 'lineChartSvg', 'mapFrame', 'mapSvg', 'mean', 'monthlyAnomalies', 'niceTicks', 'obsFitSvg',
      'parseClosureSpec', 'pearson', 'periodMeans', 'projectX', 'projectY', 'propagateCovariance', 'quantileSorted',
      'rasterRects', 'regionSigmas', 'regionWeights', 'regionalSeries', 'regionalTotalsPgC', 'renderReport',
      'sampleCovariance', 'sampleStd', 'sequentialScale', 'sigmaOfCombination', 'stackedBudgetsPgCYr', 'stateAggregationMatrix', 'sumOfRegions',
      'surfaceLayerFootprint', 'syntheticReportData', 'uncertaintyReduction', 'validate', 'worldLand',
    ]);
  });
});
