/**
 * CrossSubnet: node1 and node2 share a subnet, node3 is behind a router. Pool ipipMode CrossSubnet:
 * node1 <-> node2 pod traffic is routed plain, node1 <-> node3 is IPIP (and crosses the router).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { native } from '../../src/native/index.js';
import { labDown, labUp } from '../../src/lab/index.js';
import { ping, tcpEcho } from '../../src/lab/probe.js';
import type { LabNode, LabSpec } from '../../src/lab/topology.js';
import { startCapture } from '../helpers/capture.js';
import { uniqueLabName } from '../helpers/lab.js';
import { tortieOk } from '../helpers/cli.js';

const name = uniqueLabName('c');
let spec: LabSpec;
let n1: LabNode;
let n2: LabNode;
let n3: LabNode;

beforeAll(() => {
  spec = labUp(native, { name, nodes: 3, podsPerNode: 1, mode: 'crosssubnet', attachMode: 'auto' }).spec;
  [n1, n2, n3] = spec.nodes as [LabNode, LabNode, LabNode];
});

afterAll(() => {
  labDown(native, name);
});

describe('cross subnet (ipipMode: CrossSubnet)', () => {
  it('routes say: same subnet unencapsulated, other subnet IPIP', () => {
    const routes = JSON.parse(tortieOk(['bpf', 'routes', 'dump', '-o', 'json', '--pin-dir', n1.pinDir], { netns: n1.netns })) as Array<{
      dest: string;
      type: string;
      flags: string[];
      next_hop: string;
    }>;
    const block2 = routes.find((r) => r.dest === n2.block);
    const block3 = routes.find((r) => r.dest === n3.block);
    expect(block2).toMatchObject({ type: 'remote-block', next_hop: n2.wireIp });
    expect(block2!.flags).toContain('same-subnet');
    expect(block2!.flags).not.toContain('ipip');
    expect(block3).toMatchObject({ type: 'remote-block', next_hop: n3.wireIp });
    expect(block3!.flags).toContain('ipip');
  });

  it('pod traffic to the same subnet is plain on the wire', async () => {
    const capture = await startCapture(spec.switchNetns, n1.name, 'icmp or ip proto 4', 2);
    expect(ping(n1.pods[0]!.netns, n2.pods[0]!.ip).ok).toBe(true);
    const text = (await capture.lines).join('\n');
    expect(text).toMatch(new RegExp(`${n1.pods[0]!.ip.replace(/\./g, '\\.')} > ${n2.pods[0]!.ip.replace(/\./g, '\\.')}: ICMP echo request`));
    expect(text).not.toMatch(/proto IPIP/);
  });

  it('pod traffic to the other subnet is IPIP, through the router, both ways', async () => {
    const capture = await startCapture(spec.switchNetns, n1.name, 'icmp or ip proto 4', 2);
    expect(ping(n1.pods[0]!.netns, n3.pods[0]!.ip).ok).toBe(true);
    const text = (await capture.lines).join('\n');
    expect(text).toMatch(/proto IPIP \(4\)/);
    expect(text).toMatch(new RegExp(`${n1.wireIp.replace(/\./g, '\\.')} > ${n3.wireIp.replace(/\./g, '\\.')}`));
    expect(ping(n3.pods[0]!.netns, n1.pods[0]!.ip).ok).toBe(true);
    expect(await tcpEcho(n3.pods[0]!.netns, n3.pods[0]!.ip, n2.pods[0]!.netns, 7301)).toBe(true);
  });

  it('nodes reach pods in the other subnet', () => {
    expect(ping(n1.netns, n3.pods[0]!.ip, { count: 2 }).ok).toBe(true);
    expect(ping(n3.netns, n2.pods[0]!.ip, { count: 2 }).ok).toBe(true);
  });
});
