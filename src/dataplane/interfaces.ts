/** Network interfaces of the calling thread's network namespace. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { NativeBinding } from '../native/binding.js';

export interface Iface {
  name: string;
  ifindex: number;
}

/** /proc/thread-self/net/dev follows this thread's netns, unlike /sys/class/net (bound to the sysfs mount). */
export function listInterfaces(native: NativeBinding): Iface[] {
  const lines = readFileSync('/proc/thread-self/net/dev', 'utf8').split('\n').slice(2);
  const out: Iface[] = [];
  for (const line of lines) {
    const name = line.split(':')[0]?.trim();
    if (!name) continue;
    const ifindex = native.ifNameToIndex(name);
    if (ifindex > 0) out.push({ name, ifindex });
  }
  return out.sort((a, b) => a.ifindex - b.ifindex);
}

export const WORKLOAD_PREFIX = 'cali';

export function isWorkloadInterface(name: string, prefix = WORKLOAD_PREFIX): boolean {
  return name.startsWith(prefix) && name.length > prefix.length;
}

/** IPv4 addresses of an interface (first is primary), read with iproute2 in the thread's netns. */
export function ipv4AddressesOf(ifname: string): Array<{ address: string; prefixLen: number }> {
  const out = execFileSync('ip', ['-j', '-4', 'addr', 'show', 'dev', ifname], { encoding: 'utf8' });
  const links = JSON.parse(out || '[]') as Array<{ addr_info?: Array<{ local: string; prefixlen: number }> }>;
  return (links[0]?.addr_info ?? []).map((a) => ({ address: a.local, prefixLen: a.prefixlen }));
}

export interface LinkInfo {
  mac: string;
  mtu: number;
}

/** MAC address and MTU of an interface, read with iproute2 in the thread's netns. */
export function linkInfoOf(ifname: string): LinkInfo {
  const out = execFileSync('ip', ['-j', 'link', 'show', 'dev', ifname], { encoding: 'utf8' });
  const link = (JSON.parse(out || '[]') as Array<{ address: string; mtu: number }>)[0];
  if (!link) throw new Error(`interface ${ifname} does not exist in this network namespace`);
  return { mac: link.address, mtu: link.mtu };
}
