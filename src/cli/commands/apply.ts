/** `tortie apply -f FILE`: Calico v3 resources for this node into the maps. All valid or nothing applied. */
import { Command } from 'commander';
import { z } from 'zod';
import { calcNodeEndpoints } from '../../calc/endpoints.js';
import { applyResources } from '../../dataplane/apply.js';
import { loadResourceFile, validateAll } from '../../model/load.js';
import { defaultNodeName, defaultPinDir, type CliDeps } from '../context.js';
import { UsageError } from '../errors.js';
import { outputFormat, printJson } from '../output.js';

export const applyOptions = z.object({
  filename: z.string().min(1),
  node: z.string().min(1),
  pinDir: z.string().startsWith('/sys/fs/bpf/', 'must be under /sys/fs/bpf/'),
  attach: z.enum(['auto', 'tcx', 'tc']),
  output: outputFormat,
});

export function applyCommand(deps: CliDeps): Command {
  return new Command('apply')
    .description('apply Calico v3 resources (YAML or JSON): WorkloadEndpoints of this node; IPPools, Nodes and IPAM blocks (which replace the routing state)')
    .requiredOption('-f, --filename <file>', 'file of resources')
    .option('--node <name>', 'this node’s Calico name', defaultNodeName())
    .option('--pin-dir <dir>', 'bpffs folder for pins', defaultPinDir())
    .option('--attach <mode>', 'auto | tcx | tc, for interfaces not attached yet', 'auto')
    .option('-o, --output <format>', 'text | json', 'text')
    .action(async (raw) => {
      const opts = applyOptions.parse(raw);
      const parsed = await loadResourceFile(opts.filename);
      const resources = validateAll(parsed);
      const calc = calcNodeEndpoints(resources, opts.node);
      if (calc.conflicts.length > 0) {
        const lines = calc.conflicts.map((c) => `  - ${c.ip} is claimed by ${c.endpoints.join(' and ')}`);
        throw new UsageError(`conflicting endpoint IPs; nothing was applied:\n${lines.join('\n')}`);
      }
      const applied = applyResources(deps.native(), { pinDir: opts.pinDir, nodeName: opts.node, attachMode: opts.attach }, resources);
      const report = applied.endpoints;
      const otherNodes = resources.filter((r) => r.kind === 'WorkloadEndpoint').length - calc.endpoints.length;
      if (opts.output === 'json') return printJson(deps.out, { ...applied, otherNodes, skipped: parsed.skipped });
      for (const p of report.programmed) deps.out(`endpoint ${p.name}: ${p.ips.join(', ')} on ${p.ifname} (ifindex ${p.ifindex})`);
      for (const p of report.pending) deps.err(`warning: endpoint ${p.name}: interface ${p.ifname} does not exist here; not programmed`);
      if (report.removedIps.length > 0) deps.out(`removed stale IPs: ${report.removedIps.join(', ')}`);
      if (otherNodes > 0) deps.out(`${otherNodes} endpoint(s) of other nodes ignored`);
      if (applied.cluster) {
        const c = applied.cluster;
        deps.out(`routes: ${c.routes} programmed, ${c.removedRoutes} removed; ${c.vteps} VTEP MAC(s); ${c.kernelRoutes} kernel route(s) for the host`);
        for (const w of c.warnings) deps.err(`warning: ${w}`);
      }
      deps.out(`applied ${report.programmed.length} endpoint(s) for node ${opts.node}`);
    });
}
