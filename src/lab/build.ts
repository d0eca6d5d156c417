/** Builds and tears down the lab's namespaces and links (no BPF here: see lab/index.ts). */
import { derivedVtepMac } from '../model/node.js';
import { HOST_MAC } from '../dataplane/abi.js';
import { runJson } from '../util/exec.js';
import { addNetns, deleteNetns, inNetns, listNetns, sysctl } from './netns.js';
import type { LabNode, LabPod, LabSpec } from './topology.js';

function ipn(ns: string, ...args: string[]): void {
  inNetns(ns, ['ip', ...args]);
}

/** The wire: one bridge per subnet in the switch namespace, and a router joining the subnets. */
function buildWire(spec: LabSpec): void {
  addNetns(spec.switchNetns);
  addNetns(spec.routerNetns);
  sysctl(spec.routerNetns, 'net.ipv4.ip_forward', 1);
  spec.subnets.forEach((subnet, i) => {
    ipn(spec.switchNetns, 'link', 'add', subnet.bridge, 'type', 'bridge');
    ipn(spec.switchNetns, 'link', 'set', subnet.bridge, 'up');
    const leg = `r${i}`;
    ipn(spec.routerNetns, 'link', 'add', leg, 'type', 'veth', 'peer', 'name', `rtr${i}`, 'netns', spec.switchNetns);
    ipn(spec.switchNetns, 'link', 'set', `rtr${i}`, 'master', subnet.bridge, 'up');
    ipn(spec.routerNetns, 'addr', 'add', `${subnet.routerIp}/24`, 'dev', leg);
    ipn(spec.routerNetns, 'link', 'set', leg, 'up');
  });
}

function buildNode(spec: LabSpec, node: LabNode): void {
  addNetns(node.netns);
  // As on a Calico node: forwarding on, reverse-path filtering off.
  sysctl(node.netns, 'net.ipv4.ip_forward', 1);
  sysctl(node.netns, 'net.ipv4.conf.all.rp_filter', 0);
  sysctl(node.netns, 'net.ipv4.conf.default.rp_filter', 0);
  // node eth0 <-> port <node name> on its subnet's bridge
  ipn(node.netns, 'link', 'add', node.uplink, 'type', 'veth', 'peer', 'name', node.name, 'netns', spec.switchNetns);
  ipn(spec.switchNetns, 'link', 'set', node.name, 'master', node.subnet.bridge, 'up');
  ipn(node.netns, 'addr', 'add', `${node.wireIp}/${node.wirePrefixLen}`, 'dev', node.uplink);
  ipn(node.netns, 'link', 'set', node.uplink, 'up');
  ipn(node.netns, 'route', 'add', 'default', 'via', node.subnet.routerIp, 'dev', node.uplink);
  for (const pod of node.pods) buildPod(spec, node, pod);
  if (node.dataplane === 'kernel-vxlan') buildKernelVxlan(spec, node);
  if (node.dataplane === 'kernel') buildKernelRoutes(spec, node);
}

/** Calico's classic routed mode (BGP-learnt routes in real life): each remote block via its node. */
function buildKernelRoutes(spec: LabSpec, node: LabNode): void {
  for (const peer of spec.nodes) {
    if (peer !== node) ipn(node.netns, 'route', 'add', peer.block, 'via', peer.wireIp, 'dev', node.uplink, 'onlink');
  }
}

/** What Calico's CNI does for a pod (DoNetworking). Tortie nodes keep proxy_arp off: BPF answers ARP. */
export function buildPod(spec: LabSpec, node: LabNode, pod: LabPod): void {
  const kernel = node.dataplane !== 'tortie';
  addNetns(pod.netns);
  ipn(node.netns, 'link', 'add', pod.hostIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', pod.netns);
  ipn(node.netns, 'link', 'set', pod.hostIf, 'address', HOST_MAC, 'mtu', String(spec.podMtu), 'up');
  sysctl(node.netns, `net.ipv4.conf.${pod.hostIf}.proxy_arp`, kernel ? 1 : 0);
  if (kernel) sysctl(node.netns, `net.ipv4.neigh.${pod.hostIf}.proxy_delay`, 0);
  sysctl(node.netns, `net.ipv4.conf.${pod.hostIf}.forwarding`, 1);
  ipn(pod.netns, 'link', 'set', 'eth0', 'mtu', String(spec.podMtu), 'up');
  ipn(pod.netns, 'addr', 'add', `${pod.ip}/32`, 'dev', 'eth0');
  ipn(pod.netns, 'route', 'add', '169.254.1.1', 'dev', 'eth0', 'scope', 'link');
  ipn(pod.netns, 'route', 'add', 'default', 'via', '169.254.1.1', 'dev', 'eth0');
  ipn(node.netns, 'route', 'add', `${pod.ip}/32`, 'dev', pod.hostIf, 'scope', 'link');
}

/** Calico's classic VXLAN node, as felix programs it (calico-formats.md §5.2): the interop peer. */
function buildKernelVxlan(spec: LabSpec, node: LabNode): void {
  const dev = 'vxlan.calico';
  ipn(node.netns, 'link', 'add', dev, 'type', 'vxlan', 'id', '4096', 'dstport', '4789', 'dev', node.uplink, 'local', node.wireIp, 'nolearning');
  ipn(node.netns, 'link', 'set', dev, 'address', derivedVtepMac(node.name), 'mtu', '1450', 'up');
  ipn(node.netns, 'addr', 'add', `${node.tunnelIp}/32`, 'dev', dev);
  for (const peer of spec.nodes) {
    if (peer === node) continue;
    const mac = derivedVtepMac(peer.name);
    ipn(node.netns, 'neigh', 'add', peer.tunnelIp, 'lladdr', mac, 'dev', dev, 'nud', 'permanent');
    inNetns(node.netns, ['bridge', 'fdb', 'add', mac, 'dev', dev, 'dst', peer.wireIp, 'self', 'permanent']);
    ipn(node.netns, 'route', 'add', peer.block, 'via', peer.tunnelIp, 'dev', dev, 'onlink');
  }
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
    buildWire(spec);
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
