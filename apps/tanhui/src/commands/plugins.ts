// `tanhui plugins`: every registered plug-in, one line each, by kind.
import type { Command } from 'commander';
import { observationReaders } from '@tanhui/observations';
import { priorReaders } from '@tanhui/priors';
import { metReaders } from '@tanhui/transport';
import { solvers, transportKinds } from '../plugins/index';

/** The listing: a heading per kind of plug-in, then `  name  description` lines. */
export function pluginListing(): string {
  const sections: Array<[string, string, Array<{ name: string; description: string; aliases?: readonly string[]; family?: string }>]> = [
    ['transport kinds', 'transport.kind', transportKinds.entries()],
    ['solvers', 'solver.method', solvers.entries()],
    ['observation formats', 'observations.files[].format', observationReaders.entries()],
    ['prior formats', 'prior.components[].format', priorReaders.entries()],
    ['met sources of the built-in model', 'met.source; besides synthetic and files', metReaders.entries()],
  ];
  const lines: string[] = [];
  for (const [title, key, entries] of sections) {
    lines.push(`${title} (${key}):`);
    const width = Math.max(...entries.map((e) => e.name.length));
    for (const e of entries) {
      const extra = [e.family ? `${e.family === 'ensemble' ? 'tanhui run' : 'tanhui invert'}` : '', e.aliases?.length ? `alias ${e.aliases.join(', ')}` : ''].filter(Boolean).join('; ');
      lines.push(`  ${e.name.padEnd(width)}  ${e.description}${extra ? ` [${extra}]` : ''}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function registerPlugins(program: Command): void {
  program
    .command('plugins')
    .description('list the registered transport kinds, solvers and observation and prior formats')
    .action(() => {
      process.stdout.write(pluginListing());
    });
}
