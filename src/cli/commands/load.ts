import { Command } from 'commander';
import { z } from 'zod';
import { loadNode } from '../../dataplane/node.js';
import { defaultPinDir, type CliDeps } from '../context.js';
import { outputFormat, printJson, printTable } from '../output.js';

export const loadOptions = z.object({
  uplink: z.string().min(1).max(15).optional(),
  attach: z.enum(['auto', 'tcx', 'tc']).default('auto'),
  pinDir: z.string().startsWith('/sys/fs/bpf/', 'must be under /sys/fs/bpf/'),
  output: outputFormat,
});

export function loadCommand(deps: CliDeps): Command {
  return new Command('load')
    .description('load the dataplane: pin maps, attach tt_from_wep to every cali* and tt_from_hep to the uplink (idempotent)')
    .option('--uplink <ifname>', "the node's uplink interface")
    .option('--attach <mode>', 'auto | tcx | tc (clsact + cls_bpf)', 'auto')
    .option('--pin-dir <dir>', 'bpffs folder for pins', defaultPinDir())
    .option('-o, --output <format>', 'text | json', 'text')
    .action((raw) => {
      const opts = loadOptions.parse(raw);
      const report = loadNode(deps.native(), { pinDir: opts.pinDir, uplink: opts.uplink, attachMode: opts.attach });
      if (opts.output === 'json') return printJson(deps.out, report);
      deps.out(`loaded into ${report.pinDir} (maps ${report.reusedMaps.length > 0 ? `reused: ${report.reusedMaps.join(', ')}` : 'created'})`);
      printTable(
        deps.out,
        ['INTERFACE', 'IFINDEX', 'HOOK', 'PROGRAM', 'MODE', 'ACTION'],
        report.attached.map((a) => [a.ifname, a.ifindex, a.hook, a.program, a.mode, a.replaced ? 'replaced' : 'attached']),
      );
      if (report.pruned.length > 0) deps.out(`forgot interfaces: ${report.pruned.join(', ')}`);
    });
}
