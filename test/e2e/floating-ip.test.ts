/**
 * Floating IPs end to end (issue 5): two Tortie nodes, a host outside the cluster on the same wire,
 * pod11 with floating IP 172.18.22.113, a pod on node2 with an address outside every pool
 * (ipAddrsNoIpam), and the pool with natOutgoing. Every sender has tx checksum offload off
 * (kernel-facts.md Q5), so a wrong checksum after translation is a dropped packet, not a pass.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { native } from '../../src/native/index.js';
import { labDown, labUp } from '../../src/lab/index.js';
import {
  addNonIpamPod,
  addOutsideHost,
  applyOnAllNodes,
  floatingResourcesYaml,
  routeFromOutside,
  type OutsideHost,
} from '../../src/lab/floating.js';
import { inNetns, nsenter, withNetns } from '../../src/lab/netns.js';
import type { LabNode, LabPod, LabSpec } from '../../src/lab/topology.js';
import { masqueradedPackets } from '../../src/dataplane/nat-outgoing.js';
import { tryRun } from '../../src/util/exec.js';
import { tortieOk } from '../helpers/cli.js';
import { delta, readCounters, uniqueLabName } from '../helpers/lab.js';

const FIP = '172.18.22.113';
const NOIPAM_IP = '172.19.0.5';
const OUTSIDE_IP = '192.168.122.200';
const PYTHON = '/usr/bin/python3';

/*
 * One script, several roles. Servers print `ready`, then `peer IP:PORT` per connection or datagram
 * (and `close IP:PORT` when a TCP peer leaves); they answer with the peer address they saw, then
 * echo. Clients print `seen=IP:PORT` (the server's view of them) after checking the echo.
 */
const PY = String.raw`
import os, socket, sys, threading, time
role = sys.argv[1]
def say(*a): print(*a, flush=True)
def recv_exact(s, n):
    buf = b''
    while len(buf) < n:
        d = s.recv(n - len(buf))
        if not d: raise EOFError('closed after %d of %d bytes' % (len(buf), n))
        buf += d
    return buf
def recv_line(s):
    buf = b''
    while not buf.endswith(b'\n'):
        d = s.recv(1)
        if not d: raise EOFError('closed before the peer line')
        buf += d
    return buf.decode().strip()
if role == 'tcp-server':
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((sys.argv[2], int(sys.argv[3]))); s.listen(64); say('ready')
    def serve(c, a):
        say('peer %s:%d' % a)
        try:
            c.sendall(('%s:%d\n' % a).encode())
            while True:
                d = c.recv(65536)
                if not d: break
                c.sendall(d)
        except OSError: pass
        finally:
            c.close(); say('close %s:%d' % a)
    while True:
        c, a = s.accept(); threading.Thread(target=serve, args=(c, a), daemon=True).start()
elif role == 'udp-server':
    pad = b'.' * (int(sys.argv[4]) if len(sys.argv) > 4 else 0) # appended to every answer
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((sys.argv[2], int(sys.argv[3]))); say('ready')
    while True:
        d, a = s.recvfrom(65536); say('peer %s:%d' % a); s.sendto(('%s:%d\n' % a).encode() + d + pad, a)
elif role == 'tcp-client':
    dst, port, sport, size, hold, wait = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]), float(sys.argv[7])
    s = socket.socket(); s.settimeout(wait)
    if sport: s.bind(('0.0.0.0', sport))
    s.connect((dst, port))
    seen = recv_line(s)
    data = os.urandom(size)
    threading.Thread(target=s.sendall, args=(data,), daemon=True).start()
    if recv_exact(s, size) != data: sys.exit('echo differs')
    time.sleep(hold)
    s.sendall(b'last'); recv_exact(s, 4)
    s.close(); say('seen=' + seen)
elif role == 'udp-client':
    dst, port, sport, size = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
    if sport: s.bind(('0.0.0.0', sport))
    data = os.urandom(size)
    for attempt in range(3):
        s.sendto(data, (dst, port))
        try: reply, frm = s.recvfrom(65536)
        except socket.timeout: continue
        seen, _, echo = reply.partition(b'\n')
        if echo[:len(data)] != data or echo[len(data):].strip(b'.'): sys.exit('echo differs')
        say('seen=%s from=%s:%d' % (seen.decode(), frm[0], frm[1])); sys.exit(0)
    sys.exit('no answer')
elif role == 'udp-refused':
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(1.5)
    s.connect((sys.argv[2], int(sys.argv[3])))
    for attempt in range(3):
        s.send(b'anyone?')
        try: s.recv(100); say('answered'); sys.exit(1)
        except ConnectionRefusedError: say('refused'); sys.exit(0)
        except socket.timeout: pass
    say('timeout'); sys.exit(1)
elif role == 'ttl-probe':
    import struct
    def csum(b):
        t = sum(struct.unpack('!%dH' % (len(b) // 2), b)); t = (t >> 16) + (t & 0xffff); t += t >> 16
        return ~t & 0xffff
    ident = os.getpid() & 0xffff
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP); s.settimeout(1)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 1)
    body = b'ttl-probe!'
    s.sendto(struct.pack('!BBHHH', 8, 0, csum(struct.pack('!BBHHH', 8, 0, 0, ident, 1) + body), ident, 1) + body, (sys.argv[2], 0))
    deadline = time.time() + 3
    while time.time() < deadline:
        try: d, a = s.recvfrom(2048)
        except socket.timeout: continue
        icmp = d[(d[0] & 15) * 4:]
        if icmp[0] != 11 or len(icmp) < 36: continue
        quoted = icmp[8:]
        qicmp = quoted[(quoted[0] & 15) * 4:]
        if struct.unpack('!H', qicmp[4:6])[0] != ident: continue
        say('time-exceeded from=%s quoted-dst=%s' % (a[0], socket.inet_ntoa(quoted[16:20]))); sys.exit(0)
    say('no time exceeded'); sys.exit(1)
`;

function pyArgv(netns: string, args: Array<string | number>): [string, string[]] {
  const [cmd, ...rest] = nsenter(netns);
  return [cmd!, [...rest, PYTHON, '-u', '-c', PY, ...args.map(String)]];
}

interface Server {
  child: ChildProcess;
  lines: string[];
}

/** Servers still running, ended by PID in `stopServer` (and in afterAll, whatever happened). */
const servers = new Set<ChildProcess>();

async function startServer(netns: string, role: 'tcp-server' | 'udp-server', ip: string, port: number, extra: number[] = []): Promise<Server> {
  const child = spawn(...pyArgv(netns, [role, ip, port, ...extra]));
  servers.add(child);
  const lines: string[] = [];
  let err = '';
  child.stdout!.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter((l) => l.length > 0)));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  try {
    await new Promise<void>((resolve, reject) => {
      const started = Date.now();
      const poll = setInterval(() => {
        if (lines.includes('ready')) {
          clearInterval(poll);
          resolve();
        } else if (child.exitCode !== null || Date.now() - started > 5000) {
          clearInterval(poll);
          reject(new Error(`${role} in ${netns} did not start: ${err}`));
        }
      }, 20);
    });
  } catch (e) {
    stopServer({ child, lines });
    throw e;
  }
  return { child, lines };
}

function stopServer(server: Server): void {
  if (server.child.exitCode === null && server.child.signalCode === null && server.child.pid) process.kill(server.child.pid, 'SIGKILL');
  servers.delete(server.child);
}

async function withServer<T>(netns: string, role: 'tcp-server' | 'udp-server', ip: string, port: number, fn: (s: Server) => Promise<T> | T): Promise<T> {
  const server = await startServer(netns, role, ip, port);
  try {
    return await fn(server);
  } finally {
    stopServer(server);
  }
}

interface ClientResult {
  ok: boolean;
  /** the client's address as the server saw it */
  seen: string;
  output: string;
}

function parseClient(status: number | null, stdout: string, stderr: string): ClientResult {
  const seen = /seen=(\S+)/.exec(stdout)?.[1] ?? '';
  return { ok: status === 0 && seen !== '', seen, output: `${stdout}${stderr}`.trim() };
}

/** Runs a client role; asynchronous, so the servers' output keeps being read meanwhile. */
function client(netns: string, args: Array<string | number>): Promise<ClientResult> {
  return new Promise((resolve) => {
    const child = spawn(...pyArgv(netns, args));
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.pid && child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 20_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(parseClient(code, out, err));
    });
  });
}

/** A TCP exchange of `size` random bytes from `netns` to ip:port (source port `sport`, 0: any). */
const tcp = (netns: string, ip: string, port: number, size = 100_000, sport = 0, holdS = 0, timeoutS = 8) =>
  client(netns, ['tcp-client', ip, port, sport, size, holdS, timeoutS]);
const udp = (netns: string, ip: string, port: number, size = 1000, sport = 0) => client(netns, ['udp-client', ip, port, sport, size]);

/** The server's lines once one starting with `prefix` arrived (its output is read asynchronously). */
async function serverSaw(server: Server, prefix: string, timeoutMs = 5000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  while (!server.lines.some((l) => l.startsWith(prefix)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return server.lines;
}

const hostOf = (addrPort: string) => addrPort.slice(0, addrPort.lastIndexOf(':'));
const portOf = (addrPort: string) => Number(addrPort.slice(addrPort.lastIndexOf(':') + 1));

/** ping from a netns; the whole output comes back for the failure message. */
function pingFrom(netns: string, to: string, count: number): { ok: boolean; output: string } {
  const res = tryRun([...nsenter(netns), 'ping', '-n', '-c', String(count), '-i', '0.2', '-W', '1', to]);
  return { ok: res.ok, output: `ping ${to} from ${netns}: ${res.stdout}${res.stderr}` };
}

/** Expects `ping` to get every echo answered. */
function expectPing(netns: string, to: string, count: number, what: string): void {
  const res = pingFrom(netns, to, count);
  expect(res.ok && res.output.includes(`${count} received`), `${what}\n${res.output}`).toBe(true);
}

function txOff(netns: string, dev: string): void {
  inNetns(netns, ['ethtool', '-K', dev, 'tx', 'off']);
}

interface NatDump {
  mappings: Array<{ external: string; internal: string; snat: boolean }>;
  connections: Array<{ proto: string; internal: string; peer: string; external: string }>;
  fragments: Array<{ proto: string; internal: string; peer: string; ipId: number; source: string }>;
}

function floatingIpSuite(mode: 'ipip' | 'vxlan'): void {
  describe(`floating IPs, ${mode}`, () => {
    const name = uniqueLabName(mode === 'ipip' ? 'fi' : 'fv');
    const decap = mode === 'ipip' ? 'DecapIpip' : 'DecapVxlan';
    let spec: LabSpec;
    let n1: LabNode;
    let n2: LabNode;
    let fipPod: LabPod; // pod11, with the floating IP
    let outside: OutsideHost;
    let noipam: LabPod;

    beforeAll(() => {
      spec = labUp(native, { name, nodes: 2, podsPerNode: 2, mode, attachMode: 'auto' }).spec;
      [n1, n2] = spec.nodes as [LabNode, LabNode];
      fipPod = n1.pods[0]!;
      outside = addOutsideHost(spec, OUTSIDE_IP);
      noipam = addNonIpamPod(spec, n2, 'noipam', NOIPAM_IP);
      const yaml = floatingResourcesYaml(spec, {
        floatingIps: { [fipPod.name]: [FIP] },
        natOutgoing: true,
        extraPods: [{ node: n2, pod: noipam }],
      });
      const reports = applyOnAllNodes(native, spec, yaml);
      for (const [node, report] of reports) {
        expect(report.cluster?.natOutgoing, node).toBe(true);
        expect(report.cluster?.warnings, node).toEqual([]);
      }
      // Every sender computes its checksums in software, so a NAT fix-up that is wrong shows.
      for (const pod of [...spec.nodes.flatMap((n) => n.pods), noipam]) txOff(pod.netns, 'eth0');
      txOff(outside.netns, 'eth0');
      for (const node of spec.nodes) {
        txOff(node.netns, node.uplink);
        for (const pod of node.pods) txOff(node.netns, pod.hostIf);
      }
      txOff(n2.netns, noipam.hostIf);
      routeFromOutside(outside, `${FIP}/32`, n1);
    });

    afterAll(() => {
      for (const child of servers) if (child.pid && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
      servers.clear();
      labDown(native, name);
    });

    it('a probe whose TTL runs out at node1 gets time exceeded quoting the floating IP, not the pod behind it', () => {
      routeFromOutside(outside, `${FIP}/32`, n1);
      const before = readCounters(n1);
      const res = tryRun([...pyArgv(outside.netns, ['ttl-probe', FIP]).flat()]);
      expect(res.stdout.trim(), res.stderr).toBe(`time-exceeded from=${n1.wireIp} quoted-dst=${FIP}`);
      expect(delta(before, readCounters(n1), 'PassedTtl')).toBe(1);
      expect(delta(before, readCounters(n1), 'NatDnat')).toBe(0);
    });

    it('the outside host reaches the floating IP through node1, and through node2 (transit)', async () => {
      routeFromOutside(outside, `${FIP}/32`, n1);
      let before = readCounters(n1);
      expectPing(outside.netns, FIP, 3, 'ping via node1');
      await withServer(fipPod.netns, 'tcp-server', '0.0.0.0', 8000, async (srv) => {
        const r = await tcp(outside.netns, FIP, 8000, 300_000);
        expect(r.ok, r.output).toBe(true);
        expect(hostOf(r.seen), 'the pod sees the real client').toBe(OUTSIDE_IP);
        expect((await serverSaw(srv, `peer ${OUTSIDE_IP}:`)).some((l) => l.startsWith(`peer ${OUTSIDE_IP}:`))).toBe(true);
      });
      // 3 echo requests + the TCP segments from the outside host, each translated once on node1
      expect(delta(before, readCounters(n1), 'NatDnat')).toBeGreaterThanOrEqual(3 + 10);

      routeFromOutside(outside, `${FIP}/32`, n2);
      before = readCounters(n1);
      const before2 = readCounters(n2);
      expectPing(outside.netns, FIP, 3, 'ping via node2');
      await withServer(fipPod.netns, 'tcp-server', '0.0.0.0', 8001, async () => {
        const r = await tcp(outside.netns, FIP, 8001, 300_000);
        expect(r.ok, r.output).toBe(true);
        expect(hostOf(r.seen)).toBe(OUTSIDE_IP);
      });
      const after2 = readCounters(n2);
      const after1 = readCounters(n1);
      expect(delta(before2, after2, 'FwdTransit'), 'node2 sent it on to node1').toBeGreaterThanOrEqual(3 + 10);
      expect(delta(before, after1, decap), `node1 decapsulated it (${decap})`).toBeGreaterThanOrEqual(3 + 10);
      expect(delta(before, after1, 'NatDnat')).toBeGreaterThanOrEqual(3 + 10);
      routeFromOutside(outside, `${FIP}/32`, n1);
    });

    it('the outside host sees the floating IP as the source of the pod’s own connections (TCP and UDP)', async () => {
      routeFromOutside(outside, `${FIP}/32`, n1);
      const before = readCounters(n1);
      await withServer(outside.netns, 'tcp-server', OUTSIDE_IP, 8002, async (srv) => {
        const r = await tcp(fipPod.netns, OUTSIDE_IP, 8002, 300_000);
        expect(r.ok, r.output).toBe(true);
        expect(hostOf(r.seen)).toBe(FIP);
        expect((await serverSaw(srv, 'peer ')).find((l) => l.startsWith('peer '))).toMatch(new RegExp(`^peer ${FIP.replace(/\./g, '\\.')}:\\d+$`));
      });
      await withServer(outside.netns, 'udp-server', OUTSIDE_IP, 8003, async (srv) => {
        const r = await udp(fipPod.netns, OUTSIDE_IP, 8003, 1200);
        expect(r.ok, r.output).toBe(true);
        expect(hostOf(r.seen)).toBe(FIP);
        expect(r.output).toContain(`from=${OUTSIDE_IP}:8003`);
        expect((await serverSaw(srv, `peer ${FIP}:`)).some((l) => l.startsWith(`peer ${FIP}:`))).toBe(true);
      });
      expect(delta(before, readCounters(n1), 'NatSnat')).toBeGreaterThanOrEqual(10);
    });

    it('hairpin: the pod reaches its own floating IP and sees it as the source', async () => {
      const before = readCounters(n1);
      expectPing(fipPod.netns, FIP, 3, 'hairpin ping');
      await withServer(fipPod.netns, 'tcp-server', '0.0.0.0', 8004, async () => {
        const r = await tcp(fipPod.netns, FIP, 8004, 200_000);
        expect(r.ok, r.output).toBe(true);
        expect(hostOf(r.seen)).toBe(FIP);
      });
      // requests and replies both go through the hairpin: 6 echoes + the TCP segments both ways
      expect(delta(before, readCounters(n1), 'NatHairpin')).toBeGreaterThanOrEqual(6 + 10);
    });

    it('a pod on the same node, a pod on node2, node1 itself and node2 itself reach the floating IP', async () => {
      const clients: Array<{ who: string; netns: string; ip: string }> = [
        { who: 'same-node pod', netns: n1.pods[1]!.netns, ip: n1.pods[1]!.ip },
        { who: 'node2 pod', netns: n2.pods[0]!.netns, ip: n2.pods[0]!.ip },
        { who: 'node1 host', netns: n1.netns, ip: n1.wireIp },
        { who: 'node2 host', netns: n2.netns, ip: n2.wireIp },
      ];
      for (const c of clients) expectPing(c.netns, FIP, 2, `ping from ${c.who}`);
      await withServer(fipPod.netns, 'tcp-server', '0.0.0.0', 8005, async () => {
        for (const c of clients) {
          const r = await tcp(c.netns, FIP, 8005, 200_000);
          expect(r.ok, `${c.who}: ${r.output}`).toBe(true);
          expect(hostOf(r.seen), `${c.who} as the pod sees it`).toBe(c.ip);
        }
      });
    });

    it('a small request to the floating IP, an answer in fragments: every fragment of it leaves with the floating IP', async () => {
      const other = n1.pods[1]!;
      const server = await startServer(fipPod.netns, 'udp-server', '0.0.0.0', 8009, [4000]); // > the pods' MTU: fragmented
      try {
        const before = readCounters(n1);
        const r = await udp(other.netns, FIP, 8009, 200);
        expect(r.ok, r.output).toBe(true);
        expect(r.output).toContain(`from=${FIP}:8009`);
        expect(hostOf(r.seen), 'the pod sees the real client').toBe(other.ip);
        expect(delta(before, readCounters(n1), 'NatSnat'), 'each fragment of the answer translated').toBeGreaterThanOrEqual(3);
        const dump = JSON.parse(tortieOk(['bpf', 'nat', 'dump', '-o', 'json', '--pin-dir', n1.pinDir], { netns: n1.netns })) as NatDump;
        expect(dump.fragments).toContainEqual(expect.objectContaining({ proto: 'udp', internal: fipPod.ip, peer: other.ip, source: FIP }));
      } finally {
        stopServer(server);
      }
    });

    it('`tortie bpf nat dump` lists the mapping and the connections; counters show NAT', async () => {
      routeFromOutside(outside, `${FIP}/32`, n1);
      await withServer(fipPod.netns, 'tcp-server', '0.0.0.0', 8006, async () => {
        expect((await tcp(outside.netns, FIP, 8006, 1000)).ok).toBe(true);
      });
      const dump = JSON.parse(tortieOk(['bpf', 'nat', 'dump', '-o', 'json', '--pin-dir', n1.pinDir], { netns: n1.netns })) as NatDump;
      expect(dump.mappings).toEqual([{ external: FIP, internal: fipPod.ip, snat: true }]);
      expect(dump.connections).toContainEqual(
        expect.objectContaining({ proto: 'tcp', internal: `${fipPod.ip}:8006`, peer: expect.stringMatching(new RegExp(`^${OUTSIDE_IP}:\\d+$`)), external: FIP }),
      );
      // node2 has no floating IP of its own
      const dump2 = JSON.parse(tortieOk(['bpf', 'nat', 'dump', '-o', 'json', '--pin-dir', n2.pinDir], { netns: n2.netns })) as NatDump;
      expect(dump2.mappings).toEqual([]);
      const rows = JSON.parse(tortieOk(['bpf', 'counters', 'dump', '-o', 'json', '--pin-dir', n1.pinDir], { netns: n1.netns })) as Array<{
        reason: string;
        category: string;
        count: number;
      }>;
      const nat = Object.fromEntries(rows.filter((r) => r.category === 'Nat').map((r) => [r.reason, r.count]));
      expect(Object.keys(nat).sort()).toEqual(['NatDnat', 'NatHairpin', 'NatIcmpError', 'NatSnat']);
      expect(nat['NatDnat']).toBeGreaterThan(0);
      expect(nat['NatSnat']).toBeGreaterThan(0);
    });

    it('a non-IPAM address on node2 (ipAddrsNoIpam) is reached from node1’s pods and host', async () => {
      const before = readCounters(n2);
      const from: Array<{ who: string; netns: string; seen: string }> = [
        { who: 'node1 pod without FIP', netns: n1.pods[1]!.netns, seen: n1.pods[1]!.ip },
        // 172.19.0.5 is in no pool, so pod11's packets leave with its floating IP, as to any outside address
        { who: 'node1 pod with FIP', netns: fipPod.netns, seen: FIP },
        { who: 'node1 host', netns: n1.netns, seen: n1.wireIp },
      ];
      for (const c of from) expectPing(c.netns, NOIPAM_IP, 2, `ping from ${c.who}`);
      await withServer(noipam.netns, 'tcp-server', NOIPAM_IP, 8007, async () => {
        for (const c of from) {
          const r = await tcp(c.netns, NOIPAM_IP, 8007, 200_000);
          expect(r.ok, `${c.who}: ${r.output}`).toBe(true);
          expect(hostOf(r.seen), `${c.who} as the pod sees it`).toBe(c.seen);
        }
      });
      // No pool covers it, so node1 sends it unencapsulated and node2 delivers it from the wire.
      expect(delta(before, readCounters(n2), 'FwdFromRemote')).toBeGreaterThanOrEqual(4);
      expect(inNetns(n1.netns, ['ip', 'route', 'show', `${NOIPAM_IP}/32`])).toContain(`via ${n2.wireIp} dev eth0`);
    });

    it('natOutgoing: pods without floating IPs share the node address, same source port at once; the FIP pod keeps its FIP', async () => {
      routeFromOutside(outside, `${FIP}/32`, n1);
      const masqBefore = withNetns(native, n2.netns, () => masqueradedPackets()) ?? 0;
      await withServer(outside.netns, 'tcp-server', OUTSIDE_IP, 8008, async (srv) => {
        const pods = [n1.pods[1]!, n2.pods[0]!, n2.pods[1]!, fipPod];
        // Each binds source port 40000 and keeps its connection open 1.5 s after the first echo.
        const results = await Promise.all(pods.map((p) => tcp(p.netns, OUTSIDE_IP, 8008, 50_000, 40000, 1.5)));
        results.forEach((r, i) => expect(r.ok, `${pods[i]!.name}: ${r.output}`).toBe(true));
        const [p12, p21, p22, p11] = results as [ClientResult, ClientResult, ClientResult, ClientResult];
        expect(hostOf(p12.seen)).toBe(n1.wireIp);
        expect(hostOf(p21.seen)).toBe(n2.wireIp);
        expect(hostOf(p22.seen)).toBe(n2.wireIp);
        expect(portOf(p21.seen), 'two pods of node2 got two ports').not.toBe(portOf(p22.seen));
        expect(p11.seen, 'the FIP pod leaves with its floating IP, port kept').toBe(`${FIP}:40000`);
        // All four were connected at the same time: every accept comes before the first close. (The
        // server's lines may trail the clients' exits on a busy machine: wait for all four closes.)
        const deadline = Date.now() + 10_000;
        while (srv.lines.filter((l) => l.startsWith('close ')).length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        const firstClose = srv.lines.findIndex((l) => l.startsWith('close '));
        const peers = srv.lines.filter((l, i) => l.startsWith('peer ') && (firstClose < 0 || i < firstClose));
        expect(peers, srv.lines.join('\n')).toHaveLength(4);
      });
      const masqAfter = withNetns(native, n2.netns, () => masqueradedPackets());
      expect(masqAfter, 'the nftables masquerade rule on node2 counted the pods’ packets').toBeGreaterThan(masqBefore);
    });

    /*
     * An outside client reaching pods by their pod IPs (a router sending the block to node1, as with
     * BGP-advertised pod CIDRs) while the pool has natOutgoing: had BPF delivered the client's SYN,
     * conntrack would pick the pod's reply up as a new flow and masquerade it (the client then
     * answers with a RST). Such flows go through the kernel, so conntrack knows them.
     */
    it('an outside client reaches pods by their pod IPs while natOutgoing is on (through conntrack)', async () => {
      routeFromOutside(outside, n1.block, n1);
      const before = readCounters(n1);
      try {
        await withServer(n1.pods[1]!.netns, 'tcp-server', '0.0.0.0', 8009, async () => {
          const r = await tcp(outside.netns, n1.pods[1]!.ip, 8009, 10_000, 0, 0, 2);
          expect(r.ok, `pod without FIP: ${r.output}`).toBe(true);
          expect(hostOf(r.seen)).toBe(OUTSIDE_IP);
        });
        await withServer(fipPod.netns, 'tcp-server', '0.0.0.0', 8010, async () => {
          const r = await tcp(outside.netns, fipPod.ip, 8010, 10_000, 0, 0, 2);
          expect(r.ok, `FIP pod by its pod IP: ${r.output}`).toBe(true);
          expect(hostOf(r.seen)).toBe(OUTSIDE_IP);
        });
        expect(delta(before, readCounters(n1), 'PassedConntrack')).toBeGreaterThanOrEqual(6);
      } finally {
        inNetns(outside.netns, ['ip', 'route', 'del', n1.block]);
      }
    });

    it('ICMP errors cross the NAT both ways with their quoted headers translated', async () => {
      routeFromOutside(outside, `${FIP}/32`, n1);
      let before = readCounters(n1);
      // The pod's UDP to a closed port outside: the error quotes FIP -> outside and must reach the
      // pod's socket as pod -> outside.
      const fromPod = await client(fipPod.netns, ['udp-refused', OUTSIDE_IP, 8999]);
      expect(fromPod.output, 'pod -> outside closed port').toBe('refused');
      expect(delta(before, readCounters(n1), 'NatIcmpError')).toBeGreaterThanOrEqual(1);
      // The outside host's UDP to a closed port of the pod's floating IP: the pod's error quotes
      // outside -> pod and must reach the outside socket as outside -> FIP, from the FIP.
      before = readCounters(n1);
      const fromOutside = await client(outside.netns, ['udp-refused', FIP, 8999]);
      expect(fromOutside.output, 'outside -> FIP closed port').toBe('refused');
      expect(delta(before, readCounters(n1), 'NatIcmpError')).toBeGreaterThanOrEqual(1);
    });
  });
}

floatingIpSuite('ipip');
floatingIpSuite('vxlan');
