// Report of a synthesis-inversion store (`tanhui invert`, format 'tanhui-inversion-store/1',
// written by apps/tanhui/src/pipeline/invert.ts): budgets of the run period with σ from the full
// posterior covariance, truth for OSSEs, and provenance. That store keeps no flux maps and no
// observation table, so the page has no maps, fits or validation.
import YAML from 'yaml';
import type { BudgetRow, ReportData } from '@tanhui/analysis';
import { LatLonGrid, TanhuiError, type GridPreset } from '@tanhui/core';
import { ZarrStore } from '@tanhui/io';

export const INVERSION_STORE_FORMAT = 'tanhui-inversion-store/1';

export async function isInversionStore(path: string): Promise<boolean> {
  if (!ZarrStore.exists(path)) return false;
  return (await ZarrStore.open(path)).getAttrs('').tanhui_store_format === INVERSION_STORE_FORMAT;
}

export async function inversionReportData(path: string): Promise<ReportData> {
  const store = await ZarrStore.open(path);
  const attrs = store.getAttrs('');
  const need = async (name: string): Promise<Float64Array | string[]> => {
    if (!store.hasArray(name)) throw new TanhuiError('MissingVariable', `the inversion store has no array '${name}'`, { context: { file: path, variable: name } });
    return (await store.readArray(name)).data as Float64Array | string[];
  };
  const names = (await need('region_name')) as string[];
  const kinds = (await need('region_kind')) as string[];
  const [prior, priorSd, post, postSd] = (await Promise.all(['budget_prior', 'budget_prior_sd', 'budget_posterior', 'budget_posterior_sd'].map(need))) as Float64Array[];
  const truth = store.hasArray('truth/budget') ? ((await need('truth/budget')) as Float64Array) : undefined;
  const order = names.map((_, r) => r);
  const agg = ['Global land', 'Global ocean'].map((n) => names.indexOf(n)).filter((r) => r >= 0);
  const shown = [...agg, ...order.filter((r) => kinds[r] === 'land' && !names[r]!.startsWith('Global'))];
  const rows: BudgetRow[] = shown.map((r) => ({ region: names[r]!, prior: prior![r]!, priorSigma: priorSd![r]!, posterior: post![r]!, posteriorSigma: postSd![r]! }));
  const cfg = attrs.config as { grid?: { preset?: string } } | undefined;
  const preset = (cfg?.grid?.preset ?? '6x4') as GridPreset;
  const provenance: Record<string, string> = {};
  const str = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
  for (const key of ['title', 'tanhui_version', 'git_commit', 'tanhui_command', 'config_sha256', 'J_chi2_per_obs', 'dofs', 'nobs']) if (attrs[key] !== undefined) provenance[key.replace(/_/g, ' ')] = str(attrs[key]);
  provenance['inversion store'] = path;
  if (truth) provenance['truth (OSSE), PgC yr⁻¹'] = shown.map((r) => `${names[r]}: truth ${truth[r]!.toFixed(3)}, prior ${prior![r]!.toFixed(3)}, posterior ${post![r]!.toFixed(3)} ± ${postSd![r]!.toFixed(3)}`).join('\n');
  if (attrs.config !== undefined) provenance['effective config'] = YAML.stringify(attrs.config).trim();
  return {
    title: `tanhui report — ${typeof attrs.title === 'string' ? attrs.title : 'synthesis inversion'}`,
    grid: LatLonGrid.preset(['6x4', '3x2', '1x1'].includes(preset) ? preset : '6x4'),
    maps: [],
    budgets: { units: 'PgC yr⁻¹', rows },
    provenance,
  };
}
