/**
 * The uplink's kernel neighbour table is mirrored into tt_neigh with its states, and kept current
 * from netlink events by `tortie neigh sync --watch` (the lab runs one per node).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { native } from '../../src/native/index.js';
import { labDown, labUp } from '../../src/lab/index.js';
import { inNetns } from '../../src/lab/netns.js';
import { ping } from '../../src/lab/probe.js';
import type { LabNode } from '../../src/lab/topology.js';
import { tortieOk } from '../helpers/cli.js';
import { uniqueLabName, waitFor } from '../helpers/lab.js';

const name = uniqueLabName('n');
let n1: LabNode;
let n2: LabNode;

beforeAll(() => {
  const spec = labUp(native, { name, nodes: 2, podsPerNode: 1, mode: 'vxlan', attachMode: 'auto' }).spec;
  [n1, n2] = spec.nodes as [LabNode, LabNode];
});

afterAll(() => {
  labDown(native, name);
});

function mirror(): string[] {
  return tortieOk(['bpf', 'neigh', 'dump', '--pin-dir', n1.pinDir], { netns: n1.netns })
    .split('\n')
    .filter((l) => l.includes(' dev eth0 '));
}

function kernel(): string[] {
  return inNetns(n1.netns, ['ip', 'neigh', 'show', 'dev', 'eth0'])
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      // `ip neigh show dev eth0` omits the device: put it back to compare line for line.
      const [ip, ...rest] = l.trim().split(/\s+/);
      return [ip, 'dev', 'eth0', ...rest.filter((w) => w !== 'router')].join(' ');
    });
}

const sorted = (lines: string[]) => [...lines].sort();

describe('neighbour mirror', () => {
  it('prints like `ip neigh` and holds the same entries and states as the kernel', async () => {
    expect(ping(n1.pods[0]!.netns, n2.pods[0]!.ip).ok).toBe(true);
    expect(await waitFor(() => JSON.stringify(sorted(mirror())) === JSON.stringify(sorted(kernel())))).toBe(true);
    expect(mirror().some((l) => /^192\.168\.122\.12 dev eth0 lladdr [0-9a-f:]{17} (REACHABLE|STALE|DELAY|PROBE)$/.test(l))).toBe(true);
  });

  it('follows netlink events: new entries, state changes and deletions', async () => {
    const ip = '192.168.122.77';
    inNetns(n1.netns, ['ip', 'neigh', 'add', ip, 'lladdr', '02:00:00:00:00:77', 'dev', 'eth0', 'nud', 'permanent']);
    expect(await waitFor(() => mirror().includes(`${ip} dev eth0 lladdr 02:00:00:00:00:77 PERMANENT`))).toBe(true);
    inNetns(n1.netns, ['ip', 'neigh', 'replace', ip, 'lladdr', '02:00:00:00:00:78', 'dev', 'eth0', 'nud', 'stale']);
    expect(await waitFor(() => mirror().includes(`${ip} dev eth0 lladdr 02:00:00:00:00:78 STALE`))).toBe(true);
    inNetns(n1.netns, ['ip', 'neigh', 'del', ip, 'dev', 'eth0']);
    expect(await waitFor(() => !mirror().some((l) => l.startsWith(`${ip} `)))).toBe(true);
  });

  it('holds the remote VTEP MACs (Calico’s derivation from the node name) as static entries', () => {
    const vteps = tortieOk(['bpf', 'neigh', 'dump', '-o', 'json', '--pin-dir', n1.pinDir], { netns: n1.netns });
    const entries = JSON.parse(vteps) as Array<{ dst: string; dev: string; lladdr: string; state: string }>;
    // node2's VTEP MAC: 0x66 + the first 5 bytes of sha1("node2")
    expect(entries).toContainEqual({ dst: n2.wireIp, dev: 'vtep', ifindex: 0, lladdr: '66:2d:bf:44:a6:8b', state: 'PERMANENT' });
  });
});
