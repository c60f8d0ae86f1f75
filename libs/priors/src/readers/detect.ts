// Format detection from a file's content: which variables it holds.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TanhuiError } from '@tanhui/core';
import { assertNonEmptyFile, openDataset } from './common';
import type { PriorFormat } from './types';

export async function detectPriorFormat(file: string): Promise<PriorFormat> {
  if (existsSync(join(file, '.zgroup')) || existsSync(join(file, 'zarr.json'))) return 'zarr';
  assertNonEmptyFile(file);
  const ds = await openDataset(file);
  try {
    if (ds.format === 'geotiff') return 'beps';
    const names = new Set(ds.variableNames());
    if (names.has('bio_flux_opt') || names.has('ocn_flux_opt')) return 'ct-flux1x1';
    if (names.has('emissions') && names.has('datesec')) return 'gcas';
    if ([...names].some((n) => /^emissions\/\d\d\//.test(n))) return 'gfed';
    if (['NEP', 'nep', 'NEE', 'nee'].some((n) => names.has(n))) return 'beps';
    throw new TanhuiError('UnsupportedFormat', 'not a recognised prior flux file', {
      context: { file },
      hint: `expected CarbonTracker flux1x1 (bio_flux_opt…), GCAS (emissions, datesec), GFED (emissions/MM/C) or BEPS (NEP); found ${[...names].slice(0, 20).join(', ')}`,
    });
  } finally {
    ds.close();
  }
}
