/** Builds and tears down the lab's namespaces and links (no BPF here: see lab/index.ts). */
import { addNetns, deleteNetns, inNetns, listNetns, sysctl } from './netns.js';
import type { LabNode, LabPod, LabSpec } from './topology.js';
import { HOST_MAC } from '../dataplane/abi.js';
import { runJson } from '../util/exec.js';

const BRIDGE = 'br0';

function ipn(ns: string, ...args: string[]): void {
  inNetns(ns, ['ip', ...args]);
}

function buildSwitch(spec: LabSpec): void {
  addNetns(spec.switchNetns);
  ipn(spec.switchNetns, 'link', 'add', BRIDGE, 'type', 'bridge');
  ipn(spec.switchNetns, 'link', 'set', BRIDGE, 'up');
}

function buildNode(spec: LabSpec, node: LabNode): void {
  addNetns(node.netns);
  // As on a Calico node: forwarding on, reverse-path filtering off.
  sysctl(node.netns, 'net.ipv4.ip_forward', 1);
  sysctl(node.netns, 'net.ipv4.conf.all.rp_filter', 0);
  sysctl(node.netns, 'net.ipv4.conf.default.rp_filter', 0);
  // The wire: node eth0 <-> port <node name> on the switch bridge.
  ipn(node.netns, 'link', 'add', node.uplink, 'type', 'veth', 'peer', 'name', node.name, 'netns', spec.switchNetns);
  ipn(spec.switchNetns, 'link', 'set', node.name, 'master', BRIDGE, 'up');
  ipn(node.netns, 'addr', 'add', `${node.wireIp}/${node.wirePrefixLen}`, 'dev', node.uplink);
  ipn(node.netns, 'link', 'set', node.uplink, 'up');
  for (const pod of node.pods) buildPod(spec, node, pod);
}

/** What Calico's CNI does for a pod (DoNetworking), minus proxy_arp: Tortie answers ARP in BPF. */
function buildPod(spec: LabSpec, node: LabNode, pod: LabPod): void {
  addNetns(pod.netns);
  ipn(node.netns, 'link', 'add', pod.hostIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', pod.netns);
  ipn(node.netns, 'link', 'set', pod.hostIf, 'address', HOST_MAC, 'mtu', String(spec.podMtu), 'up');
  sysctl(node.netns, `net.ipv4.conf.${pod.hostIf}.proxy_arp`, 0);
  sysctl(node.netns, `net.ipv4.conf.${pod.hostIf}.forwarding`, 1);
  ipn(pod.netns, 'link', 'set', 'eth0', 'mtu', String(spec.podMtu), 'up');
  ipn(pod.netns, 'addr', 'add', `${pod.ip}/32`, 'dev', 'eth0');
  ipn(pod.netns, 'route', 'add', '169.254.1.1', 'dev', 'eth0', 'scope', 'link');
  ipn(pod.netns, 'route', 'add', 'default', 'via', '169.254.1.1', 'dev', 'eth0');
  ipn(node.netns, 'route', 'add', `${pod.ip}/32`, 'dev', pod.hostIf, 'scope', 'link');
}

export function podMac(pod: LabPod): string {
  const links = runJson<Array<{ address: string }>>(['ip', '-n', pod.netns, '-j', 'link', 'show', 'eth0']);
  return links[0]!.address;
}

export function buildTopology(spec: LabSpec): void {
  if (listNetns(spec.prefix).length > 0) {
    throw new Error(`lab ${spec.name} is already up (namespaces ${spec.prefix}*): run \`tortie lab down --name ${spec.name}\` first`);
  }
  try {
    buildSwitch(spec);
    for (const node of spec.nodes) buildNode(spec, node);
  } catch (err) {
    destroyTopology(spec.prefix);
    throw err;
  }
}

/** Deletes every namespace of the lab; their links go with them. */
export function destroyTopology(prefix: string): string[] {
  const names = listNetns(prefix);
  for (const name of names) deleteNetns(name);
  return names;
}
