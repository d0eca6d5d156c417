/** `tortie lab up|down|check`: the demo topology in network namespaces. */
import { Command } from 'commander';
import { z } from 'zod';
import { labDown, labUp, readLabSpec } from '../../lab/index.js';
import { ping, tcpEcho } from '../../lab/probe.js';
import type { LabSpec } from '../../lab/topology.js';
import type { CliDeps } from '../context.js';
import { UsageError } from '../errors.js';
import { printTable } from '../output.js';

const labName = z.string().regex(/^[a-z0-9]{1,8}$/, 'use 1-8 lower-case letters or digits (it prefixes namespace names)');

export const labUpOptions = z.object({
  name: labName,
  nodes: z.coerce.number().int().min(1).max(8),
  pods: z.coerce.number().int().min(1).max(16),
  mode: z.enum(['none', 'ipip', 'vxlan', 'direct', 'crosssubnet']),
  attach: z.enum(['auto', 'tcx', 'tc']),
  kernelNode: z.boolean().default(false),
});

function describe(deps: CliDeps, spec: LabSpec): void {
  printTable(
    deps.out,
    ['NODE', 'DATAPLANE', 'UPLINK', 'POD', 'POD NETNS', 'POD IP', 'HOST IF'],
    spec.nodes.flatMap((n) => n.pods.map((p) => [n.name, n.dataplane, `${n.uplink} ${n.wireIp}`, p.name, p.netns, p.ip, p.hostIf])),
  );
}

/** Pings every pod from every other pod and runs one TCP echo; returns the number of failures. */
export async function checkLab(deps: CliDeps, spec: LabSpec): Promise<number> {
  const pods = spec.nodes.flatMap((n) => n.pods);
  let failures = 0;
  const rows = pods.map((from) => [
    from.name,
    ...pods.map((to) => {
      if (from === to) return '-';
      const res = ping(from.netns, to.ip);
      if (!res.ok) failures++;
      return res.ok ? `ok ${res.rttMs}ms` : 'FAIL';
    }),
  ]);
  deps.out('ping (row pings column):');
  printTable(deps.out, ['FROM \\ TO', ...pods.map((p) => `${p.name} ${p.ip}`)], rows);
  if (pods.length >= 2) {
    const [a, b] = [pods[0]!, pods[pods.length - 1]!];
    const ok = await tcpEcho(b.netns, b.ip, a.netns);
    if (!ok) failures++;
    deps.out(`tcp ${a.name} -> ${b.name} ${b.ip}:7777 echo: ${ok ? 'ok' : 'FAIL'}`);
  }
  return failures;
}

export function labCommand(deps: CliDeps): Command {
  const lab = new Command('lab').description('a node with pods in network namespaces, as Calico builds them, running Tortie');
  lab
    .command('up')
    .description('build the lab, load the dataplane in each node and apply the pods’ WorkloadEndpoints')
    .option('--name <name>', 'lab name (prefixes every namespace)', 'demo')
    .option('--nodes <n>', 'number of nodes', '1')
    .option('--pods <n>', 'pods per node', '3')
    .option('--mode <mode>', 'encapsulation between nodes: none | ipip | vxlan | direct | crosssubnet', 'none')
    .option('--attach <mode>', 'auto | tcx | tc', 'auto')
    .option('--kernel-node', 'the last node runs Calico’s kernel vxlan.calico dataplane instead (vxlan mode)')
    .action((raw) => {
      const opts = labUpOptions.parse(raw);
      const report = labUp(deps.native(), { ...opts, podsPerNode: opts.pods, attachMode: opts.attach });
      describe(deps, report.spec);
      for (const l of report.loads) {
        const c = l.applied.cluster;
        deps.out(
          `${l.node}: ${l.report.attached.length} hook(s) attached (${l.report.attached[0]?.mode ?? '-'}), ` +
            `${l.applied.endpoints.programmed.length} endpoint(s), ${c?.routes ?? 0} route(s), ${c?.vteps ?? 0} VTEP(s)`,
        );
        for (const w of c?.warnings ?? []) deps.err(`${l.node}: warning: ${w}`);
      }
      deps.out(`resources: ${report.resourcesFile}`);
    });
  lab
    .command('check')
    .description('ping between every pair of pods and run a TCP echo')
    .option('--name <name>', 'lab name', 'demo')
    .action(async (raw) => {
      const name = labName.parse(raw.name);
      const spec = readLabSpec(name);
      if (!spec) throw new UsageError(`lab ${name} is not up`);
      const failures = await checkLab(deps, spec);
      if (failures > 0) throw new Error(`${failures} connectivity check(s) failed`);
      deps.out('all pods reach each other');
    });
  lab
    .command('down')
    .description('unload the dataplane from the lab nodes and delete every namespace of the lab')
    .option('--name <name>', 'lab name', 'demo')
    .action((raw) => {
      const name = labName.parse(raw.name);
      const report = labDown(deps.native(), name);
      deps.out(`removed ${report.namespaces.length} namespace(s) and ${report.pinDirs.length} pin folder(s)`);
    });
  return lab;
}
