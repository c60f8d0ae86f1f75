// The package as a user gets it: `npm pack` in apps/tanhui (its prepack script builds dist/),
// `npm install` of the tarball into an empty folder (workspace libs bundled, runtime packages
// from the registry, gdal-async built against Debian's GDAL), then the installed `tanhui`:
// `demo` writes a store whose arrays are byte-identical to the demo run from the TypeScript
// sources, and `info` reads a NetCDF-4 file through the freshly built gdal-async.
// Slow (npm install compiles gdal-async, about 2 min): the one test of the packed CLI.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const app = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const root = path.resolve(app, '../..');

/** The environment without npm's own variables: an `npm` run under `npx nx …` inherits
 * npm_config_local_prefix and friends, which would point an install at the workspace. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  return { ...env, ...extra };
}

function run(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function hashes(store: string): string {
  return execFileSync(process.execPath, [path.join(root, 'tools/ci/hash-store.mjs'), store], { encoding: 'utf8' });
}

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tanhui-pack-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('npm pack', () => {
  it('gives a tarball that installs into an empty folder and runs tanhui demo there, as the sources do', async () => {
    const packed = await run('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: app });
    expect(packed.code, packed.stderr).toBe(0);
    const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const files = info!.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['bin/tanhui.mjs', 'dist/cli/main.mjs', 'dist/workers/tasks.mjs', 'dist/workers/bootstrap.mjs', 'package.json']));
    expect(files.filter((f) => f.startsWith('src/') || f.endsWith('.ts'))).toEqual([]);

    const inst = path.join(tmp, 'empty');
    fs.mkdirSync(inst);
    // What a user writes: a folder of their own that allows gdal-async's build script.
    fs.writeFileSync(path.join(inst, 'package.json'), `${JSON.stringify({ name: 'tanhui-user', private: true, allowScripts: { 'gdal-async': true } })}\n`);
    const installed = await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', path.join(tmp, info!.filename)], {
      cwd: inst,
      env: cleanEnv({ npm_config_build_from_source: 'true', npm_config_shared_gdal: 'true' }),
    });
    expect(installed.code, installed.stderr).toBe(0);
    const pkg = JSON.parse(fs.readFileSync(path.join(inst, 'node_modules/@tanhui/tanhui/package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(pkg.dependencies).filter((d) => d.startsWith('@tanhui/'))).toEqual([]);
    expect(fs.existsSync(path.join(inst, 'node_modules/tsx'))).toBe(false); // so nothing runs from TypeScript

    const tanhui = path.join(inst, 'node_modules/.bin/tanhui');
    const demo = await run(tanhui, ['demo', '--out', 'out'], { cwd: inst });
    expect(demo.code, demo.stderr).toBe(0);
    expect(demo.stdout).toMatch(/run store: .*demo\.zarr \(4\/4 windows\)/);
    expect(fs.existsSync(path.join(inst, 'out/report.html'))).toBe(true);

    // The same demo from the TypeScript sources (workers through tsx): the same bytes.
    const fromSource = await run(process.execPath, [path.join(app, 'bin/tanhui.mjs'), 'demo', '--out', path.join(tmp, 'source')], {
      cwd: tmp,
      env: cleanEnv({ TANHUI_FROM_SOURCE: '1' }),
    });
    expect(fromSource.code, fromSource.stderr).toBe(0);
    const built = hashes(path.join(inst, 'out/demo.zarr'));
    expect(built.trim().split('\n').length).toBeGreaterThan(20);
    expect(built).toBe(hashes(path.join(tmp, 'source/demo.zarr')));

    // gdal-async, compiled by the install, reads a NetCDF-4 file written by ncgen.
    const cdl = path.join(tmp, 't.cdl');
    fs.writeFileSync(cdl, 'netcdf t {\ndimensions:\n x = 3 ;\nvariables:\n double flux(x) ;\n  flux:units = "mol m-2 s-1" ;\ndata:\n flux = 1, 2, 3 ;\n}\n');
    execFileSync('ncgen', ['-4', '-o', path.join(tmp, 't.nc'), cdl]);
    const nc = await run(tanhui, ['info', path.join(tmp, 't.nc')], { cwd: inst });
    expect(nc.code, nc.stderr).toBe(0);
    expect(nc.stdout).toMatch(/format: netcdf/);
    expect(nc.stdout).toMatch(/float64 flux\(x=3\)\s+\[mol m-2 s-1\]/);
  }, 20 * 60_000);
});
