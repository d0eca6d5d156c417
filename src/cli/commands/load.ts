import { Command } from 'commander';
import { z } from 'zod';
import { loadNode } from '../../dataplane/node.js';
import { defaultNodeName, defaultPinDir, type CliDeps } from '../context.js';
import { outputFormat, printJson, printTable } from '../output.js';

export const loadOptions = z.object({
  uplink: z.string().min(1).max(15).optional(),
  attach: z.enum(['auto', 'tcx', 'tc']).default('auto'),
  pinDir: z.string().startsWith('/sys/fs/bpf/', 'must be under /sys/fs/bpf/'),
  node: z.string().min(1),
  vtepMac: z
    .string()
    .regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i, 'must be a MAC like 66:2d:bf:44:a6:8b')
    .optional(),
  vxlanVni: z.coerce.number().int().min(1).max(0xffffff).default(4096),
  vxlanPort: z.coerce.number().int().min(1).max(65535).default(4789),
  output: outputFormat,
});

export function loadCommand(deps: CliDeps): Command {
  return new Command('load')
    .description('load the dataplane: pin maps, attach tt_from_wep to every cali* and tt_from_hep to the uplink (idempotent)')
    .option('--uplink <ifname>', "the node's uplink interface")
    .option('--attach <mode>', 'auto | tcx | tc (clsact + cls_bpf)', 'auto')
    .option('--pin-dir <dir>', 'bpffs folder for pins', defaultPinDir())
    .option('--node <name>', 'this node’s Calico name (derives its VXLAN tunnel MAC)', defaultNodeName())
    .option('--vtep-mac <mac>', 'this node’s VXLAN tunnel MAC (default: derived from the node name, as Felix does)')
    .option('--vxlan-vni <vni>', 'VXLAN network identifier', '4096')
    .option('--vxlan-port <port>', 'VXLAN UDP port', '4789')
    .option('-o, --output <format>', 'text | json', 'text')
    .action((raw) => {
      const opts = loadOptions.parse(raw);
      const report = loadNode(deps.native(), {
        pinDir: opts.pinDir,
        uplink: opts.uplink,
        attachMode: opts.attach,
        nodeName: opts.node,
        vtepMac: opts.vtepMac,
        vxlanVni: opts.vxlanVni,
        vxlanPort: opts.vxlanPort,
      });
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
