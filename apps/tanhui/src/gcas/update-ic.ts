// `tanhui gcas update-ic`: GCASv2's Update_iconc.exe (ALGORITHM.md §1 step 6): the forward run's
// EN001 restart field (the optimised concentration, first day after the window, 00 UTC) is copied
// into every EN001…ENnnn of the ensemble run's restart file of that date. Like GCAS, the file is
// changed in place (every other byte kept); here through a copy renamed over it, so a failure
// leaves the old file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TanhuiError } from '@tanhui/core';
import { CLASSIC_TYPE_SIZE, NC_CLASSIC_TYPE, readClassicHeader, type ClassicHeader, type ClassicVariable } from '@tanhui/io';
import { gcasDay, readGcasNamelist } from './namelist';

function restartFile(mozartdir: string, run: string, casename: string, day: string): string {
  return `${mozartdir}/${run}/rest/${casename}.mz4.r.${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6, 8)}-00000.nc`;
}

/** `count` values of a float or double variable from byte `offset` (big-endian). */
function readField(fd: number, v: ClassicVariable, count: number, offset: number): Float64Array {
  const b = Buffer.alloc(count * CLASSIC_TYPE_SIZE[v.type]);
  fs.readSync(fd, b, 0, b.length, offset);
  return Float64Array.from({ length: count }, (_, k) => (v.type === NC_CLASSIC_TYPE.double ? b.readDoubleBE(k * 8) : b.readFloatBE(k * 4)));
}

export async function runUpdateIc(namelist: string): Promise<{ file: string; from: string; tracers: number }> {
  const nml = readGcasNamelist(namelist);
  const day = gcasDay(nml, nml.rundays);
  const from = restartFile(nml.mozartdir, 'run_forward', nml.casename, day);
  const to = restartFile(nml.mozartdir, 'run_ensemble', nml.casename, day);
  for (const f of [from, to]) if (!fs.existsSync(f)) throw new TanhuiError('MissingFile', `restart file of ${day} not found`, { context: { file: f } });
  const fieldOf = (file: string): { header: ClassicHeader; fd: number } => {
    const header = readClassicHeader(file);
    if (!header || header.numrecs === null) throw new TanhuiError('UnsupportedFormat', 'not a NetCDF classic (CDF-1/2/5) file', { context: { file } });
    return { header, fd: fs.openSync(file, 'r') };
  };
  const src = fieldOf(from);
  let field: Float64Array;
  let elems: number;
  try {
    const v = src.header.vars.find((x) => x.name === 'EN001');
    if (!v) throw new TanhuiError('MissingVariable', "forward restart file has no variable 'EN001'", { context: { file: from, variable: 'EN001' } });
    if (v.type !== NC_CLASSIC_TYPE.double && v.type !== NC_CLASSIC_TYPE.float) throw new TanhuiError('BadValue', 'EN001 is not float or double', { context: { file: from, variable: 'EN001' } });
    elems = v.dimLens.filter((_, k) => !(v.record && k === 0)).reduce((a, b) => a * b, 1);
    field = readField(src.fd, v, elems, v.begin);
  } finally {
    fs.closeSync(src.fd);
  }
  const dst = fieldOf(to);
  fs.closeSync(dst.fd);
  const { vars, recordBytes: recsize } = dst.header;
  const numrecs = dst.header.numrecs ?? 0;
  const tmp = path.join(path.dirname(to), `.${path.basename(to)}.tmp-${process.pid}`);
  fs.copyFileSync(to, tmp);
  try {
    const fd = fs.openSync(tmp, 'r+');
    try {
      for (let n = 1; n <= nml.ensemble; n++) {
        const name = `EN${String(n).padStart(3, '0')}`;
        const v = vars.find((x) => x.name === name);
        if (!v) throw new TanhuiError('MissingVariable', `ensemble restart file has no variable '${name}' (ensemble = ${nml.ensemble})`, { context: { file: to, variable: name } });
        const e = v.dimLens.filter((_, k) => !(v.record && k === 0)).reduce((a, b) => a * b, 1);
        if (e !== elems || (v.type !== NC_CLASSIC_TYPE.double && v.type !== NC_CLASSIC_TYPE.float)) {
          throw new TanhuiError('BadShape', `${name} has ${e} values of type ${v.type}, the forward EN001 ${elems}`, { context: { file: to, variable: name } });
        }
        const b = Buffer.alloc(e * CLASSIC_TYPE_SIZE[v.type]);
        for (let k = 0; k < e; k++) {
          if (v.type === NC_CLASSIC_TYPE.double) b.writeDoubleBE(field[k], k * 8);
          else b.writeFloatBE(field[k], k * 4);
        }
        const records = v.record ? numrecs : 1;
        for (let r = 0; r < records; r++) fs.writeSync(fd, b, 0, b.length, v.begin + r * (v.record ? recsize : 0));
      }
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, to);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  return { file: to, from, tracers: nml.ensemble };
}
