/**
 * Floating-IP additions to a running lab, shared by test/e2e/floating-ip.test.ts and
 * bench/floating-ip.ts: an "outside" host on the wire (not a node), a pod whose address is outside
 * every pool and block (ipAddrsNoIpam), and the lab's resources re-applied with a floating IP.
 * Everything created here is named `tt-<lab>-...`, so `labDown` removes it with the lab.
 */
import { stringify } from 'yaml';
import type { NativeBinding } from '../native/binding.js';
import { HOST_MAC } from '../dataplane/abi.js';
import { applyResources, type ApplyReport } from '../dataplane/apply.js';
import { parseResources, validateAll } from '../model/load.js';
import type { Resource } from '../model/resources.js';
import { podMac } from './build.js';
import { addNetns, inNetns, sysctl, withNetns } from './netns.js';
import { calicoNode, ipamBlock, ipPool, workloadEndpoint } from './resources.js';
import { vethNameForWorkload, type LabNode, type LabPod, type LabSpec } from './topology.js';

export interface OutsideHost {
  netns: string;
  ip: string;
  /** its port on the switch bridge */
  switchPort: string;
}

/** A host on the nodes' subnet that is not part of the cluster: eth0 with `ip`/24, plugged into br0. */
export function addOutsideHost(spec: LabSpec, ip = '192.168.122.200'): OutsideHost {
  const netns = `${spec.prefix}outside`;
  const switchPort = 'outside';
  const subnet = spec.subnets[0]!;
  addNetns(netns);
  inNetns(spec.switchNetns, ['ip', 'link', 'add', switchPort, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
  inNetns(spec.switchNetns, ['ip', 'link', 'set', switchPort, 'master', subnet.bridge, 'up']);
  inNetns(netns, ['ip', 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
  inNetns(netns, ['ip', 'link', 'set', 'eth0', 'up']);
  return { netns, ip, switchPort };
}

/** Points the outside host's route for `cidr` at a node (replacing any earlier one). */
export function routeFromOutside(outside: OutsideHost, cidr: string, via: LabNode): void {
  inNetns(outside.netns, ['ip', 'route', 'replace', cidr, 'via', via.wireIp, 'dev', 'eth0']);
}

/**
 * A pod built as Calico's CNI builds one (like lab/build.ts's pods), with an address that no pool
 * or block covers. Not in `node.pods`: its WorkloadEndpoint comes from `floatingResources`.
 */
export function addNonIpamPod(spec: LabSpec, node: LabNode, podName: string, ip: string): LabPod {
  const pod: LabPod = {
    name: podName,
    namespace: 'default',
    netns: `${node.netns}-${podName}`,
    ip,
    hostIf: vethNameForWorkload('default', podName),
  };
  addNetns(pod.netns);
  inNetns(node.netns, ['ip', 'link', 'add', pod.hostIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', pod.netns]);
  inNetns(node.netns, ['ip', 'link', 'set', pod.hostIf, 'address', HOST_MAC, 'mtu', String(spec.podMtu), 'up']);
  sysctl(node.netns, `net.ipv4.conf.${pod.hostIf}.proxy_arp`, 0);
  sysctl(node.netns, `net.ipv4.conf.${pod.hostIf}.forwarding`, 1);
  inNetns(pod.netns, ['ip', 'link', 'set', 'eth0', 'mtu', String(spec.podMtu), 'up']);
  inNetns(pod.netns, ['ip', 'addr', 'add', `${ip}/32`, 'dev', 'eth0']);
  inNetns(pod.netns, ['ip', 'route', 'add', '169.254.1.1', 'dev', 'eth0', 'scope', 'link']);
  inNetns(pod.netns, ['ip', 'route', 'add', 'default', 'via', '169.254.1.1', 'dev', 'eth0']);
  inNetns(node.netns, ['ip', 'route', 'add', `${ip}/32`, 'dev', pod.hostIf, 'scope', 'link']);
  return pod;
}

export interface FloatingOptions {
  /** floating IPs per pod name */
  floatingIps: Record<string, string[]>;
  natOutgoing: boolean;
  /** extra pods (not in any block), each with the node it lives on */
  extraPods?: Array<{ node: LabNode; pod: LabPod }>;
}

/** The lab's resources (as labResourcesYaml writes them) with floating IPs, natOutgoing and extra pods. */
export function floatingResourcesYaml(spec: LabSpec, opts: FloatingOptions): string {
  const pool = ipPool(spec.mode) as { spec: Record<string, unknown> };
  pool.spec['natOutgoing'] = opts.natOutgoing;
  const docs: Array<Record<string, unknown>> = [pool];
  for (const node of spec.nodes) docs.push(calicoNode(spec, node), ipamBlock(spec, node));
  const pods = [...spec.nodes.flatMap((node) => node.pods.map((pod) => ({ node, pod }))), ...(opts.extraPods ?? [])];
  for (const { node, pod } of pods) {
    const wep = workloadEndpoint(node, pod, podMac(pod)) as { spec: Record<string, unknown> };
    const fips = opts.floatingIps[pod.name] ?? [];
    if (fips.length > 0) wep.spec['ipNATs'] = fips.map((externalIP) => ({ internalIP: pod.ip, externalIP }));
    docs.push(wep);
  }
  return docs.map((d) => stringify(d)).join('---\n');
}

/** Validates `yaml` and applies it on every Tortie node, in-process, as `tortie apply` would there. */
export function applyOnAllNodes(native: NativeBinding, spec: LabSpec, yaml: string, source = 'floating.yaml'): Map<string, ApplyReport> {
  const resources: Resource[] = validateAll(parseResources(yaml, source));
  const reports = new Map<string, ApplyReport>();
  for (const node of spec.nodes.filter((n) => n.dataplane === 'tortie')) {
    reports.set(
      node.name,
      withNetns(native, node.netns, () => applyResources(native, { pinDir: node.pinDir, nodeName: node.name, attachMode: 'auto' }, resources)),
    );
  }
  return reports;
}
