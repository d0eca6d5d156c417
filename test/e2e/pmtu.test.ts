/**
 * A frame too big to encapsulate is never silently lost: the pod (even at MTU 1500) gets ICMP
 * frag-needed with the MTU left after the tunnel header, and path MTU discovery does the rest.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { native } from '../../src/native/index.js';
import { labDown, labUp } from '../../src/lab/index.js';
import { inNetns } from '../../src/lab/netns.js';
import { ping, tcpEcho } from '../../src/lab/probe.js';
import type { LabNode, LabSpec } from '../../src/lab/topology.js';
import { tryRun } from '../../src/util/exec.js';
import { delta, readCounters, uniqueLabName } from '../helpers/lab.js';

for (const [mode, mtu] of [
  ['ipip', 1480],
  ['vxlan', 1450],
] as const) {
  describe(`path MTU through ${mode} with a pod at MTU 1500`, () => {
    const name = uniqueLabName('m');
    let spec: LabSpec;
    let n1: LabNode;
    let n2: LabNode;

    beforeAll(() => {
      spec = labUp(native, { name, nodes: 2, podsPerNode: 1, mode, attachMode: 'auto' }).spec;
      [n1, n2] = spec.nodes as [LabNode, LabNode];
      // A pod whose MTU was not lowered for the tunnel (the mistake PMTU discovery must survive).
      inNetns(n1.pods[0]!.netns, ['ip', 'link', 'set', 'eth0', 'mtu', '1500']);
      inNetns(n1.netns, ['ip', 'link', 'set', n1.pods[0]!.hostIf, 'mtu', '1500']);
    });

    afterAll(() => {
      labDown(native, name);
    });

    it(`a 1500-byte DF ping gets "frag needed, mtu ${mtu}" and is counted`, () => {
      const pod = n1.pods[0]!;
      const before = readCounters(n1);
      const res = tryRun(['ip', 'netns', 'exec', pod.netns, 'ping', '-n', '-c', '2', '-i', '0.2', '-W', '1', '-M', 'do', '-s', '1472', n2.pods[0]!.ip]);
      expect(res.ok).toBe(false);
      expect(res.stdout + res.stderr).toMatch(new RegExp(`mtu ?= ?${mtu}`));
      expect(delta(before, readCounters(n1), 'FragNeeded')).toBeGreaterThanOrEqual(1);
      // The pod's kernel learnt the path MTU from our ICMP.
      const cached = inNetns(pod.netns, ['ip', 'route', 'get', n2.pods[0]!.ip]);
      expect(cached).toMatch(new RegExp(`mtu ${mtu}`));
    });

    it('a DF ping that fits the path MTU goes through', () => {
      const res = tryRun(['ip', 'netns', 'exec', n1.pods[0]!.netns, 'ping', '-n', '-c', '2', '-i', '0.2', '-W', '1', '-M', 'do', '-s', String(mtu - 28), n2.pods[0]!.ip]);
      expect(res.ok, res.stdout + res.stderr).toBe(true);
    });

    it('TCP from the 1500-MTU pod works (PMTU discovery shrinks the segments)', async () => {
      expect(ping(n1.pods[0]!.netns, n2.pods[0]!.ip).ok).toBe(true);
      expect(await tcpEcho(n2.pods[0]!.netns, n2.pods[0]!.ip, n1.pods[0]!.netns, 7501, 2_000_000)).toBe(true);
    });
  });
}
