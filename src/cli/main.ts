#!/usr/bin/env node
/** The `tortie` command. The only place that sets the exit code. */
import { Command } from 'commander';
import type { NativeBinding } from '../native/binding.js';
import { applyCommand } from './commands/apply.js';
import { bpfCommand } from './commands/bpf.js';
import { daemonCommand } from './commands/daemon.js';
import { labCommand } from './commands/lab.js';
import { loadCommand } from './commands/load.js';
import { neighCommand } from './commands/neigh.js';
import { statusCommand } from './commands/status.js';
import { unloadCommand } from './commands/unload.js';
import type { CliDeps } from './context.js';
import { reportError } from './errors.js';

export function buildProgram(deps: CliDeps): Command {
  return new Command('tortie')
    .description('Calico-compatible eBPF dataplane for Kubernetes nodes')
    .showHelpAfterError()
    .addCommand(loadCommand(deps))
    .addCommand(unloadCommand(deps))
    .addCommand(statusCommand(deps))
    .addCommand(applyCommand(deps))
    .addCommand(bpfCommand(deps))
    .addCommand(neighCommand(deps))
    .addCommand(labCommand(deps))
    .addCommand(daemonCommand(deps));
}

async function main(): Promise<void> {
  // Imported up front but failures are reported on first use, so `tortie --help` works without the addon.
  let binding: NativeBinding | undefined;
  let loadError: unknown;
  try {
    binding = (await import('../native/index.js')).native;
  } catch (err) {
    loadError = err;
  }
  const deps: CliDeps = {
    native: () => {
      if (!binding) throw loadError;
      return binding;
    },
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  };
  try {
    await buildProgram(deps).parseAsync(process.argv);
  } catch (err) {
    process.exitCode = reportError(err, deps.err);
  }
}

await main();
