#!/usr/bin/env node
// Launcher of the stand-in model from any folder (a model command runs in its run folder): runs
// main.ts with tsx and the workspace libraries' sources (the @tanhui/source condition), passing
// the arguments, output and exit status through. See main.ts for the arguments.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const tsx = pathToFileURL(require.resolve('tsx')).href;
const main = fileURLToPath(new URL('./main.ts', import.meta.url));
const child = spawn(process.execPath, ['--conditions=@tanhui/source', '--import', tsx, main, ...process.argv.slice(2)], { stdio: 'inherit' });
for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => child.kill(s));
child.on('exit', (code, signal) => (signal ? process.kill(process.pid, signal) : process.exit(code ?? 1)));
