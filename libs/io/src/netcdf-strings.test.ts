import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataset } from './gdal-reader';
import { parseNcdumpStrings } from './netcdf-strings';
import { classicFileSizes } from './netcdf3-size';
import { hasNcgen, makeTempDir, ncgen, removeTempDirs } from './__fixtures__/env';

let tmp: string;
beforeAll(() => {
  tmp = makeTempDir();
});
afterAll(removeTempDirs);

describe('parseNcdumpStrings', () => {
  it('handles escapes, fills and adjacent literals', () => {
    const text = 'netcdf x {\ndata:\n\n site =\n  "mlo",\n  "a\\"b\\\\c",\n  _,\n  "tab\\there" "+more",\n  "caf\\303\\251" ;\n}\n';
    expect(parseNcdumpStrings(text, 'site')).toEqual(['mlo', 'a"b\\c', '', 'tab\there+more', 'caf\u00c3\u00a9']);
  });
});

describe.skipIf(!hasNcgen)('char and string variables written by ncgen', () => {
  it('reads char(n, len) and NetCDF4 string variables as strings', async () => {
    const cdl = path.join(tmp, 's.cdl');
    // Expected values are the literals below.
    fs.writeFileSync(
      cdl,
      'netcdf s {\ndimensions:\n n = 3 ;\n len = 8 ;\nvariables:\n char site(n, len) ;\n string name(n) ;\n int k(n) ;\ndata:\n site = "mlo", "spo_x", "a,b;c" ;\n name = "Mauna Loa", "", "Waliguan \\"WLG\\"" ;\n k = 1, 2, 3 ;\n}\n',
    );
    const file = path.join(tmp, 's.nc');
    const { execFileSync } = await import('node:child_process');
    execFileSync('ncgen', ['-k', 'nc4', '-o', file, cdl]);
    const ds = await openDataset(file);
    try {
      expect(ds.variable('site')).toMatchObject({ dtype: 'string', dims: ['n'], shape: [3] });
      expect(await ds.readStrings('site')).toEqual(['mlo', 'spo_x', 'a,b;c']);
      expect(await ds.readStrings('name')).toEqual(['Mauna Loa', '', 'Waliguan "WLG"']);
      await expect(ds.readStrings('k')).rejects.toMatchObject({ code: 'InvalidArgument' });
    } finally {
      ds.close();
    }
  });
});

describe.skipIf(!hasNcgen)('NetCDF classic truncation check', () => {
  it('an intact file passes; each byte short of the end fails', async () => {
    const file = path.join(tmp, 'c.nc');
    ncgen('interop_classic.cdl', file, 'classic');
    const bytes = fs.readFileSync(file);
    expect(classicFileSizes(file)).toEqual({ actual: bytes.length, minimum: bytes.length });
    for (const cut of [1, 4, 5, 100, bytes.length - 10]) {
      const f = path.join(tmp, `cut${cut}.nc`);
      fs.writeFileSync(f, bytes.subarray(0, bytes.length - cut));
      const s = classicFileSizes(f)!;
      expect(s.actual < s.minimum, `cut ${cut}`).toBe(true);
    }
    expect(classicFileSizes(path.join(tmp, 's.cdl'))).toBeNull();
  });
});
