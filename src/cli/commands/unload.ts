import { Command } from 'commander';
import { z } from 'zod';
import { unloadNode } from '../../dataplane/node.js';
import { defaultPinDir, type CliDeps } from '../context.js';

export const unloadOptions = z.object({
  pinDir: z.string().startsWith('/sys/fs/bpf/', 'must be under /sys/fs/bpf/'),
});

export function unloadCommand(deps: CliDeps): Command {
  return new Command('unload')
    .description('remove every program, link, filter and pin Tortie made')
    .option('--pin-dir <dir>', 'bpffs folder for pins', defaultPinDir())
    .action((raw) => {
      const opts = unloadOptions.parse(raw);
      const report = unloadNode(deps.native(), opts.pinDir);
      deps.out(`detached from ${report.detached.length} interface(s)${report.detached.length ? `: ${report.detached.join(', ')}` : ''}`);
      deps.out(`removed ${report.unpinned.length} pin(s) under ${opts.pinDir}`);
    });
}
