/**
 * A Calico-shaped node with three pods, Tortie loaded (tcx or tc): ARP answered in BPF with proxy_arp
 * off, pods reach each other through tt_from_wep, spoofing is dropped, reloads are harmless and
 * hitless, and unload leaves nothing behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { native } from '../../src/native/index.js';
import { LAB_STATE_DIR, labDown, labUp } from '../../src/lab/index.js';
import { stopNeighWatchers } from '../../src/lab/watchers.js';
import { join } from 'node:path';
import { inNetns, readSysctl, sysctl } from '../../src/lab/netns.js';
import { ping, tcpEcho } from '../../src/lab/probe.js';
import type { LabNode, LabPod, LabSpec } from '../../src/lab/topology.js';
import type { AttachMode } from '../../src/dataplane/attach.js';
import { tryRun, runJson } from '../../src/util/exec.js';
import { tortie, tortieOk } from '../helpers/cli.js';
import { delta, pingFlood, readCounters, uniqueLabName, waitFor } from '../helpers/lab.js';

export function sameNodeSuite(attachMode: AttachMode): void {
const name = uniqueLabName('e');
let spec: LabSpec;
let node: LabNode;
let pods: LabPod[];

beforeAll(() => {
  spec = labUp(native, { name, nodes: 1, podsPerNode: 3, mode: 'none', attachMode }).spec;
  node = spec.nodes[0]!;
  pods = node.pods;
});

afterAll(() => {
  labDown(native, name);
});

describe(`same node, attached with ${attachMode}`, () => {
  it(`every hook is attached with ${attachMode}`, () => {
    const status = JSON.parse(tortieOk(['status', '-o', 'json', '--pin-dir', node.pinDir], { netns: node.netns })) as {
      interfaces: Array<{ name: string; flags: string[]; programs: string[] }>;
    };
    expect(status.interfaces).toHaveLength(4); // 3 cali + the uplink (ingress and egress)
    for (const iface of status.interfaces) {
      expect(iface.flags).toContain(attachMode);
      expect(iface.programs[0]).toContain(`(${attachMode} id`);
    }
  });

  it('cali interfaces have proxy_arp off and no address', () => {
    for (const pod of pods) {
      expect(readSysctl(node.netns, `net.ipv4.conf.${pod.hostIf}.proxy_arp`)).toBe('0');
      const addrs = runJson<Array<{ addr_info: unknown[] }>>(['ip', '-n', node.netns, '-j', '-4', 'addr', 'show', 'dev', pod.hostIf]);
      expect(addrs[0]?.addr_info ?? []).toEqual([]);
    }
  });

  it('every pod learns 169.254.1.1 at ee:ee:ee:ee:ee:ee and reaches every other pod', () => {
    const before = readCounters(node);
    for (const from of pods) {
      for (const to of pods) {
        if (from !== to) expect(ping(from.netns, to.ip, { count: 2 }).ok, `${from.name} -> ${to.name}`).toBe(true);
      }
      const neigh = runJson<Array<{ dst: string; lladdr: string }>>(['ip', '-n', from.netns, '-j', 'neigh', 'show', '169.254.1.1']);
      expect(neigh[0]?.lladdr).toBe('ee:ee:ee:ee:ee:ee');
    }
    const after = readCounters(node);
    // 3 pods x 2 peers x 2 echo requests + as many replies, all forwarded in BPF
    expect(delta(before, after, 'FwdLocal')).toBeGreaterThanOrEqual(24);
  });

  it('TCP between pods', async () => {
    expect(await tcpEcho(pods[1]!.netns, pods[1]!.ip, pods[0]!.netns, 7101)).toBe(true);
    expect(await tcpEcho(pods[0]!.netns, pods[0]!.ip, pods[2]!.netns, 7102)).toBe(true);
  });

  it('answers ARP for any other address with ee:ee:ee:ee:ee:ee, never for the pod itself', () => {
    const before = readCounters(node);
    const other = inNetns(pods[0]!.netns, ['arping', '-c', '1', '-w', '2', '-I', 'eth0', '10.24.1.99']);
    expect(other).toMatch(/reply from 10\.24\.1\.99 \[EE:EE:EE:EE:EE:EE\]/i);
    // Duplicate address detection for its own IP gets no answer.
    const dad = tryRun(['ip', 'netns', 'exec', pods[0]!.netns, 'arping', '-D', '-c', '1', '-w', '2', '-I', 'eth0', pods[0]!.ip]);
    expect(dad.ok).toBe(true); // exit 0 = no reply = address not in use
    const after = readCounters(node);
    expect(delta(before, after, 'ArpReplied')).toBe(1);
  });

  it('drops and counts a spoofed source IP and a spoofed ARP sender', () => {
    const spoofer = pods[0]!;
    inNetns(spoofer.netns, ['ip', 'addr', 'add', '10.24.1.50/32', 'dev', 'eth0']);
    try {
      const before = readCounters(node);
      const res = tryRun(['ip', 'netns', 'exec', spoofer.netns, 'ping', '-c', '3', '-i', '0.2', '-W', '1', '-I', '10.24.1.50', pods[1]!.ip]);
      expect(res.ok).toBe(false);
      expect(res.stdout).toMatch(/3 packets transmitted, 0 received/);
      const arp = tryRun(['ip', 'netns', 'exec', spoofer.netns, 'arping', '-c', '2', '-w', '2', '-s', '10.24.1.50', '-I', 'eth0', '10.24.1.98']);
      expect(arp.ok).toBe(false);
      const after = readCounters(node);
      expect(delta(before, after, 'DropSpoofIp')).toBeGreaterThanOrEqual(3);
      expect(delta(before, after, 'DropSpoofArp')).toBeGreaterThanOrEqual(2);
    } finally {
      inNetns(spoofer.netns, ['ip', 'addr', 'del', '10.24.1.50/32', 'dev', 'eth0']);
    }
  });

  it('drops and counts truncated and malformed frames a pod sends (raw sockets), and keeps working', () => {
    const before = readCounters(node);
    // An Ethernet header alone, half an IPv4 header, a bad IHL, a short ARP: sent raw on the pod's eth0.
    const frames = [
      'eeeeeeeeeeee' + '020000000001' + '0800',
      'eeeeeeeeeeee' + '020000000001' + '0800' + '4500001c00000000',
      'eeeeeeeeeeee' + '020000000001' + '0800' + '4300001c000000004001000000000000000000000000',
      'ffffffffffff' + '020000000001' + '0806' + '000108000604000102000000',
    ];
    const script = [
      'import socket, sys',
      's = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)',
      "s.bind(('eth0', 0))",
      'for f in sys.argv[1:]: s.send(bytes.fromhex(f))',
    ].join('\n');
    inNetns(pods[0]!.netns, ['python3', '-c', script, ...frames]);
    expect(delta(before, readCounters(node), 'DropMalformed')).toBe(frames.length);
    expect(ping(pods[0]!.netns, pods[1]!.ip).ok).toBe(true);
  });

  it('`tortie load` twice is harmless: same maps, one program per hook, traffic flows', () => {
    const args = ['load', '--uplink', node.uplink, '--pin-dir', node.pinDir, '-o', 'json'];
    const first = JSON.parse(tortieOk(args, { netns: node.netns })) as { reusedMaps: string[]; attached: Array<{ replaced: boolean }> };
    const second = JSON.parse(tortieOk(args, { netns: node.netns })) as { reusedMaps: string[]; attached: Array<{ replaced: boolean }> };
    expect(first.reusedMaps.sort()).toEqual(['tt_counters', 'tt_endpoints', 'tt_epoch', 'tt_fwd_cache', 'tt_ifstate', 'tt_nat', 'tt_nat_ct', 'tt_neigh', 'tt_routes']);
    expect(second.attached.every((a) => a.replaced)).toBe(true);
    const endpoints = JSON.parse(tortieOk(['bpf', 'endpoints', 'dump', '-o', 'json', '--pin-dir', node.pinDir], { netns: node.netns })) as unknown[];
    expect(endpoints).toHaveLength(3);
    const status = JSON.parse(tortieOk(['status', '-o', 'json', '--pin-dir', node.pinDir], { netns: node.netns })) as {
      interfaces: Array<{ name: string; flags: string[]; programs: string[] }>;
    };
    // uplink: tt_from_hep + tt_to_hep; workloads: tt_from_wep + tt_to_wep
    for (const iface of status.interfaces) expect(iface.programs, iface.name).toHaveLength(2);
    expect(ping(pods[0]!.netns, pods[2]!.ip).ok).toBe(true);
  });

  it('replacing the programs during a ping flood loses no packet', async () => {
    // With forwarding off the kernel cannot route pod to pod: every echo must go through BPF.
    sysctl(node.netns, 'net.ipv4.ip_forward', 0);
    try {
      const before = readCounters(node);
      const flood = pingFlood(pods[0]!.netns, pods[1]!.ip, 1500);
      let upgrades = 0;
      let finished = false;
      void flood.done.then(() => (finished = true));
      while (!finished) {
        tortieOk(['load', '--uplink', node.uplink, '--pin-dir', node.pinDir], { netns: node.netns });
        upgrades++;
        await new Promise((resolve) => setTimeout(resolve, 20)); // lets the flood's exit be noticed
      }
      const result = await flood.done;
      expect(upgrades).toBeGreaterThanOrEqual(3);
      expect(result.transmitted).toBe(1500);
      expect(result.received, result.output).toBe(1500);
      expect(delta(before, readCounters(node), 'FwdLocal')).toBeGreaterThanOrEqual(3000);
    } finally {
      sysctl(node.netns, 'net.ipv4.ip_forward', 1);
    }
  });

  it('`tortie unload` leaves no program, link, filter, map or pin', async () => {
    const status = JSON.parse(tortieOk(['status', '-o', 'json', '--pin-dir', node.pinDir], { netns: node.netns })) as {
      programs: Array<{ id: number }>;
      maps: Array<{ id: number }>;
    };
    const progIds = status.programs.map((p) => p.id);
    const mapIds = status.maps.map((m) => m.id);
    expect(progIds.length).toBe(4);
    expect(mapIds.length).toBe(9);

    // Like stopping the DaemonSet first: the lab's neighbour watcher holds the maps open.
    stopNeighWatchers(join(LAB_STATE_DIR, name));
    tortieOk(['unload', '--pin-dir', node.pinDir], { netns: node.netns });

    expect(existsSync(node.pinDir)).toBe(false);
    // The kernel frees programs and maps after an RCU grace period: give it a moment.
    await waitFor(() => {
      const progs = runJson<Array<{ id: number }>>(['bpftool', '-j', 'prog', 'show']);
      const maps = runJson<Array<{ id: number }>>(['bpftool', '-j', 'map', 'show']);
      return !progIds.some((id) => progs.some((p) => p.id === id)) && !mapIds.some((id) => maps.some((m) => m.id === id));
    });
    const progs = runJson<Array<{ id: number; name?: string }>>(['bpftool', '-j', 'prog', 'show']);
    for (const id of progIds) expect(progs.some((p) => p.id === id), `program ${id}`).toBe(false);
    const maps = runJson<Array<{ id: number }>>(['bpftool', '-j', 'map', 'show']);
    for (const id of mapIds) expect(maps.some((m) => m.id === id), `map ${id}`).toBe(false);
    const links = runJson<Array<{ prog_id: number }>>(['bpftool', '-j', 'link', 'show']);
    for (const id of progIds) expect(links.some((l) => l.prog_id === id), `link of program ${id}`).toBe(false);
    for (const ifname of [...pods.map((p) => p.hostIf), node.uplink]) {
      for (const hook of ['ingress', 'egress']) {
        const filters = tryRun(['tc', '-n', node.netns, 'filter', 'show', 'dev', ifname, hook]);
        expect(filters.stdout.trim(), `${ifname} ${hook}`).toBe('');
      }
      const qdiscs = inNetns(node.netns, ['tc', 'qdisc', 'show', 'dev', ifname]);
      expect(qdiscs).not.toMatch(/clsact/);
    }
    expect(inNetns(node.netns, ['ip', 'route', 'show', 'proto', '116']).trim()).toBe('');
    expect(inNetns(node.netns, ['ip', 'nexthop', 'show', 'proto', '116']).trim()).toBe('');
    // Without the dataplane, pods cannot even resolve their gateway.
    expect(tortie(['status', '--pin-dir', node.pinDir], { netns: node.netns }).stdout).toMatch(/not loaded/);
  });
});
}
