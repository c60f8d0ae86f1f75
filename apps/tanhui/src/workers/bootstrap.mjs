// Entry of every Piscina worker thread (plain JS so it needs no loader). It
// 1. refuses gdal-async in this thread (gdal-async loads in one thread per process: the main one),
// 2. registers tsx when the task module is TypeScript run from source (Node 20 does not apply
//    `--import tsx` from a worker's execArgv, so it is registered here, inside the worker),
// 3. imports the task module named in workerData and dispatches { task, input } to its exports.
import { workerData } from 'node:worker_threads';

const dlopen = process.dlopen.bind(process);
process.dlopen = (module, filename, ...rest) => {
  if (/gdal/i.test(String(filename))) {
    throw new Error(`worker threads must not load gdal-async (${filename}); read files in the main thread`);
  }
  return dlopen(module, filename, ...rest);
};

const target = workerData && workerData.tanhuiTaskModule;
if (typeof target !== 'string') throw new Error('tanhui worker started without workerData.tanhuiTaskModule');

const tasks = (async () => {
  if (target.endsWith('.ts') || target.endsWith('.mts')) {
    const { register } = await import('tsx/esm/api');
    register();
  }
  return import(target);
})();

export default async function dispatch(message) {
  const mod = await tasks;
  const fn = mod[message.task];
  if (typeof fn !== 'function') throw new Error(`no task named '${message.task}' in ${target}`);
  return fn(message.input);
}
