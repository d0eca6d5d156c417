/**
 * A Tortie node and a node running Calico's classic kernel VXLAN dataplane (vxlan.calico with
 * permanent ARP and FDB entries, proxy_arp on its cali interfaces) exchange pod traffic both ways.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { native } from '../../src/native/index.js';
import { labDown, labUp } from '../../src/lab/index.js';
import { ping, tcpEcho } from '../../src/lab/probe.js';
import type { LabNode, LabSpec } from '../../src/lab/topology.js';
import { startCapture } from '../helpers/capture.js';
import { delta, readCounters, uniqueLabName } from '../helpers/lab.js';

const name = uniqueLabName('v');
let spec: LabSpec;
let tortieNode: LabNode;
let kernelNode: LabNode;

beforeAll(() => {
  spec = labUp(native, { name, nodes: 2, podsPerNode: 2, mode: 'vxlan', kernelNode: true, attachMode: 'auto' }).spec;
  [tortieNode, kernelNode] = spec.nodes as [LabNode, LabNode];
});

afterAll(() => {
  labDown(native, name);
});

describe('VXLAN interop with a kernel vxlan.calico node', () => {
  it('the peer really is the kernel dataplane', () => {
    expect(kernelNode.dataplane).toBe('kernel-vxlan');
  });

  it('pods ping each other both ways; Tortie encapsulates and decapsulates in BPF', () => {
    const before = readCounters(tortieNode);
    for (const a of tortieNode.pods) {
      for (const b of kernelNode.pods) {
        expect(ping(a.netns, b.ip, { count: 2 }).ok, `${a.name} -> ${b.name}`).toBe(true);
        expect(ping(b.netns, a.ip, { count: 2 }).ok, `${b.name} -> ${a.name}`).toBe(true);
      }
    }
    const after = readCounters(tortieNode);
    expect(delta(before, after, 'EncapVxlan')).toBeGreaterThanOrEqual(16);
    expect(delta(before, after, 'DecapVxlan')).toBeGreaterThanOrEqual(16);
  });

  it('TCP both ways', async () => {
    expect(await tcpEcho(kernelNode.pods[0]!.netns, kernelNode.pods[0]!.ip, tortieNode.pods[0]!.netns, 7401, 1_000_000)).toBe(true);
    expect(await tcpEcho(tortieNode.pods[1]!.netns, tortieNode.pods[1]!.ip, kernelNode.pods[1]!.netns, 7402, 1_000_000)).toBe(true);
  });

  it('the nodes reach each other’s pods', () => {
    expect(ping(tortieNode.netns, kernelNode.pods[0]!.ip, { count: 2 }).ok).toBe(true);
    expect(ping(kernelNode.netns, tortieNode.pods[0]!.ip, { count: 2 }).ok).toBe(true);
  });

  it('both directions are VNI 4096 VXLAN on the wire', async () => {
    const capture = await startCapture(spec.switchNetns, tortieNode.name, 'udp port 4789', 2);
    expect(ping(tortieNode.pods[0]!.netns, kernelNode.pods[1]!.ip).ok).toBe(true);
    const text = (await capture.lines).join('\n');
    expect(text.match(/VXLAN, flags \[I\] \(0x08\), vni 4096/g)?.length).toBe(2);
    expect(text).toMatch(new RegExp(`${tortieNode.wireIp.replace(/\./g, '\\.')}\\.\\d+ > ${kernelNode.wireIp.replace(/\./g, '\\.')}\\.4789`));
    expect(text).toMatch(new RegExp(`${kernelNode.wireIp.replace(/\./g, '\\.')}\\.\\d+ > ${tortieNode.wireIp.replace(/\./g, '\\.')}\\.4789`));
  });
});
