/**
 * `tortie apply -f` as a user runs it: Calico YAML or JSON in, maps and kernel routes out; a bad
 * field anywhere is reported with its path and nothing at all is applied.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { native } from '../../src/native/index.js';
import { labDown, labUp } from '../../src/lab/index.js';
import { inNetns } from '../../src/lab/netns.js';
import type { LabNode } from '../../src/lab/topology.js';
import { tortie, tortieOk } from '../helpers/cli.js';
import { uniqueLabName } from '../helpers/lab.js';

const name = uniqueLabName('a');
let node: LabNode;
let dir: string;

beforeAll(() => {
  node = labUp(native, { name, nodes: 2, podsPerNode: 1, mode: 'ipip', attachMode: 'auto' }).spec.nodes[0]!;
  dir = mkdtempSync(join(tmpdir(), 'tortie-apply-'));
});

afterAll(() => {
  labDown(native, name);
  rmSync(dir, { recursive: true, force: true });
});

const dump = (what: string) => JSON.parse(tortieOk(['bpf', what, 'dump', '-o', 'json', '--pin-dir', node.pinDir], { netns: node.netns })) as unknown[];

const pool = (ipipMode: string) => `apiVersion: projectcalico.org/v3
kind: IPPool
metadata: { name: p1 }
spec: { cidr: 10.24.0.0/16, ipipMode: ${ipipMode}, blockSize: 26 }
`;
const nodes = `---
apiVersion: projectcalico.org/v3
kind: Node
metadata: { name: node1 }
spec: { bgp: { ipv4Address: 192.168.122.11/24 } }
---
apiVersion: projectcalico.org/v3
kind: Node
metadata: { name: node2 }
spec: { bgp: { ipv4Address: 192.168.122.12/24 } }
---
apiVersion: crd.projectcalico.org/v1
kind: IPAMBlock
metadata: { name: 10-24-9-0-26 }
spec: { cidr: 10.24.9.0/26, affinity: "host:node2", allocations: [${Array(64).fill('null').join(',')}], unallocated: [], attributes: [] }
`;

describe('tortie apply', () => {
  it('rejects a file with one bad field, names the field, and applies nothing from it', () => {
    const before = { endpoints: dump('endpoints'), routes: dump('routes') };
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      `${pool('Always')}---
apiVersion: projectcalico.org/v3
kind: WorkloadEndpoint
metadata: { name: node1-k8s-extra-eth0, namespace: default }
spec: { node: node1, interfaceName: calixxxxxxxxxxx, ipNetworks: [10.24.1.77/24] }
`,
    );
    const res = tortie(['apply', '-f', file, '--node', 'node1', '--pin-dir', node.pinDir], { netns: node.netns });
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/spec\.ipNetworks\[0\]: "10\.24\.1\.77\/24" must be a single address/);
    expect(res.stderr).toMatch(/nothing was applied/);
    expect({ endpoints: dump('endpoints'), routes: dump('routes') }).toEqual(before);
  });

  it('applies pools, nodes and blocks: routes, and kernel routes for the host', () => {
    const file = join(dir, 'cluster.yaml');
    writeFileSync(file, pool('Always') + nodes);
    const out = tortieOk(['apply', '-f', file, '--node', 'node1', '--pin-dir', node.pinDir], { netns: node.netns });
    expect(out).toMatch(/routes: \d+ programmed/);
    const routes = dump('routes') as Array<{ dest: string; type: string; flags: string[]; next_hop: string }>;
    expect(routes).toContainEqual({ dest: '10.24.9.0/26', type: 'remote-block', flags: ['in-pool', 'ipip'], next_hop: '192.168.122.12' });
    // The lab's own blocks are not in this file any more: a cluster file replaces the routing state.
    expect(routes.some((r) => r.dest === '10.24.2.0/26')).toBe(false);
    expect(inNetns(node.netns, ['ip', 'route', 'show', 'proto', '116'])).toMatch(/10\.24\.9\.0\/26 nhid \d+ via 192\.168\.122\.12 dev eth0 onlink mtu 1480/);
    // status counts them as the kernel lists them
    const status = JSON.parse(tortieOk(['status', '-o', 'json', '--pin-dir', node.pinDir], { netns: node.netns })) as { kernel: { routes: number; nexthops: number } };
    const listed = (what: string[]) => inNetns(node.netns, ['ip', ...what, 'show', 'proto', '116']).trim().split('\n').filter(Boolean).length;
    expect(status.kernel).toEqual({ routes: listed(['route']), nexthops: listed(['nexthop']) });
    expect(status.kernel.nexthops).toBeGreaterThan(0);
  });

  it('accepts the same resources as JSON, and a pool switched to Never routes without encapsulation', () => {
    const file = join(dir, 'cluster.json');
    writeFileSync(
      file,
      JSON.stringify([
        { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'p1' }, spec: { cidr: '10.24.0.0/16', ipipMode: 'Never' } },
        { apiVersion: 'projectcalico.org/v3', kind: 'Node', metadata: { name: 'node2' }, spec: { bgp: { ipv4Address: '192.168.122.12/24' } } },
        { apiVersion: 'crd.projectcalico.org/v1', kind: 'IPAMBlock', metadata: { name: 'b' }, spec: { cidr: '10.24.9.0/26', affinity: 'host:node2', allocations: Array(64).fill(null), unallocated: [], attributes: [] } },
      ]),
    );
    tortieOk(['apply', '-f', file, '--node', 'node1', '--pin-dir', node.pinDir], { netns: node.netns });
    const routes = dump('routes') as Array<{ dest: string; flags: string[] }>;
    expect(routes.find((r) => r.dest === '10.24.9.0/26')?.flags).toEqual(['in-pool']);
    expect(inNetns(node.netns, ['ip', 'route', 'show', 'proto', '116'])).toMatch(/10\.24\.9\.0\/26 nhid \d+ via 192\.168\.122\.12 dev eth0 onlink mtu 1500/);
  });
});
