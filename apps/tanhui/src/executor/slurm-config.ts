// The Slurm executor of a composed world (executor.engine: slurm): its config section mapped to
// SlurmExecutorOptions; batch folders under `<store>.slurm` unless executor.slurm.workDir says.
import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import type { World } from '../compose';
import { SlurmSection } from '../config/schema';
import { SlurmExecutor } from './slurm-executor';

export function slurmWorkDir(world: Pick<World, 'storePath' | 'config'>): string {
  const s = world.config.executor.slurm;
  if (s?.workDir) return isAbsolute(s.workDir) ? s.workDir : resolve(s.workDir);
  return `${world.storePath.replace(/\/+$/, '')}.slurm`;
}

export function slurmExecutorFor(world: World): SlurmExecutor {
  const e = world.config.executor;
  const s = e.slurm ?? SlurmSection.parse({});
  return new SlurmExecutor({
    workDir: slurmWorkDir(world),
    tasks: e.workers > 0 ? e.workers : availableParallelism(),
    retries: e.retries,
    partition: s.partition,
    account: s.account,
    qos: s.qos,
    timeLimit: s.timeLimit,
    cpusPerTask: s.cpusPerTask,
    memory: s.memory,
    extraArgs: s.extraArgs,
    pollSeconds: s.pollSeconds,
    setup: s.setup,
    workerCommand: s.workerCommand,
    keepFiles: s.keepFiles,
  });
}
