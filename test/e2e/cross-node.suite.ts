/**
 * Two Tortie nodes on a wire, two pods each: pods reach pods on the other node in both directions
 * (ping and TCP), the nodes reach remote pods, pods reach the other node's host IP, and a capture on
 * the wire shows the pool's encapsulation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { native } from '../../src/native/index.js';
import { labDown, labUp } from '../../src/lab/index.js';
import { ping, tcpEcho } from '../../src/lab/probe.js';
import type { LabMode, LabNode, LabSpec } from '../../src/lab/topology.js';
import { startCapture } from '../helpers/capture.js';
import { tortieOk } from '../helpers/cli.js';
import { delta, readCounters, uniqueLabName } from '../helpers/lab.js';

const WIRE_SIGNATURE: Record<'ipip' | 'vxlan' | 'direct', RegExp> = {
  ipip: /proto IPIP \(4\)/,
  vxlan: /VXLAN, flags \[I\] \(0x08\), vni 4096/,
  direct: /10\.24\.1\.2 > 10\.24\.2\.2: ICMP echo request/,
};

const SEND_REASON = { ipip: 'EncapIpip', vxlan: 'EncapVxlan', direct: 'FwdRemote' } as const;
const RECEIVE_REASON = { ipip: 'DecapIpip', vxlan: 'DecapVxlan', direct: 'FwdFromRemote' } as const;

export function crossNodeSuite(mode: 'ipip' | 'vxlan' | 'direct'): void {
  const name = uniqueLabName('x');
  let spec: LabSpec;
  let n1: LabNode;
  let n2: LabNode;

  beforeAll(() => {
    spec = labUp(native, { name, nodes: 2, podsPerNode: 2, mode: mode as LabMode, attachMode: 'auto' }).spec;
    [n1, n2] = spec.nodes as [LabNode, LabNode];
  });

  afterAll(() => {
    labDown(native, name);
  });

  describe(`cross node, ${mode}`, () => {
    it('pods ping pods on the other node, both directions, through BPF', () => {
      const before = [readCounters(n1), readCounters(n2)];
      for (const a of n1.pods) {
        for (const b of n2.pods) {
          expect(ping(a.netns, b.ip, { count: 2 }).ok, `${a.name} -> ${b.name}`).toBe(true);
          expect(ping(b.netns, a.ip, { count: 2 }).ok, `${b.name} -> ${a.name}`).toBe(true);
        }
      }
      const after = [readCounters(n1), readCounters(n2)];
      // 4 pairs x 2 directions x 2 echoes: each node sends 8 requests + 8 replies across
      expect(delta(before[0]!, after[0]!, SEND_REASON[mode])).toBeGreaterThanOrEqual(16);
      expect(delta(before[1]!, after[1]!, RECEIVE_REASON[mode])).toBeGreaterThanOrEqual(16);
    });

    it('`bpf fwd dump` shows the remote pods resolved to the other node, for the current epoch', () => {
      const fwd = JSON.parse(tortieOk(['bpf', 'fwd', 'dump', '-o', 'json', '--pin-dir', n1.pinDir], { netns: n1.netns })) as Array<{
        dest: string;
        next_hop: string;
        current: boolean;
      }>;
      for (const pod of n2.pods) expect(fwd).toContainEqual(expect.objectContaining({ dest: pod.ip, next_hop: n2.wireIp, current: true }));
    });

    it('TCP between pods on different nodes, both directions', async () => {
      expect(await tcpEcho(n2.pods[0]!.netns, n2.pods[0]!.ip, n1.pods[0]!.netns, 7201, 1_000_000)).toBe(true);
      expect(await tcpEcho(n1.pods[1]!.netns, n1.pods[1]!.ip, n2.pods[1]!.netns, 7202, 1_000_000)).toBe(true);
    });

    it('a node reaches pods on the other node (host-originated), and pods reach the other node', () => {
      expect(ping(n1.netns, n2.pods[0]!.ip, { count: 2 }).ok).toBe(true);
      expect(ping(n2.netns, n1.pods[1]!.ip, { count: 2 }).ok).toBe(true);
      expect(ping(n1.pods[0]!.netns, n2.wireIp, { count: 2 }).ok).toBe(true);
      expect(ping(n2.pods[1]!.netns, n1.wireIp, { count: 2 }).ok).toBe(true);
    });

    it(`the wire carries ${mode === 'direct' ? 'plain pod packets' : `${mode} frames`}`, async () => {
      const capture = await startCapture(spec.switchNetns, n1.name, 'icmp or ip proto 4 or udp port 4789', 2);
      expect(ping(n1.pods[0]!.netns, n2.pods[0]!.ip).ok).toBe(true);
      const text = (await capture.lines).join('\n');
      expect(text).toMatch(WIRE_SIGNATURE[mode]);
      if (mode !== 'direct') expect(text).toMatch(/192\.168\.122\.11\S* > 192\.168\.122\.12/);
    });
  });
}
