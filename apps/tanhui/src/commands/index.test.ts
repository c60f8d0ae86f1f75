// registerCommands loads only what a command line needs: the named command, nothing for a bare
// --version, every command (in --help order) otherwise.
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerCommands } from './index';

async function names(argv?: string[]): Promise<string[]> {
  const program = new Command('tanhui');
  await registerCommands(program, argv);
  return program.commands.map((c) => c.name());
}

describe('registerCommands', () => {
  it('registers every command without argv, for --help, a bare program and an unknown name', async () => {
    const all = await names();
    expect(all).toEqual(expect.arrayContaining(['config', 'run', 'demo', 'invert', 'info', 'obs', 'prior', 'solve', 'budget', 'footprint', 'report', 'validate', 'compare', 'bench-orchestrator']));
    expect(await names(['node', 'tanhui', '--help'])).toEqual(all);
    expect(await names(['node', 'tanhui'])).toEqual(all);
    expect(await names(['node', 'tanhui', 'solv'])).toEqual(all);
  });

  it('registers only the named command, and none for --version', async () => {
    expect(await names(['node', 'tanhui', 'solve', '--problem', 'p.zarr'])).toEqual(['solve']);
    expect(await names(['node', 'tanhui', '--debug', 'info', 'x.nc'])).toEqual(['info']);
    expect(await names(['node', 'tanhui', 'bench-orchestrator'])).toEqual(['bench-orchestrator']);
    expect(await names(['node', 'tanhui', '--version'])).toEqual([]);
    expect(await names(['node', 'tanhui', '-V'])).toEqual([]);
  });
});
