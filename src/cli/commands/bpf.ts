/** `tortie bpf <map> dump`: read-only views of every pinned map. */
import { Command } from 'commander';
import { z } from 'zod';
import { EpFlags, IfFlags, NAT_CT_FRAGMENTS, NatDir, NEIGH_VTEP_IFINDEX, NudState, Reason, REASON_INFO, RouteFlags, RouteType, type ReasonName } from '../../dataplane/abi.js';
import { openNodeMaps, type NodeMaps } from '../../dataplane/pinned-maps.js';
import { formatRouteFlags } from '../../calc/route-format.js';
import { defaultPinDir, type CliDeps } from '../context.js';
import { outputFormat, printJson, printTable } from '../output.js';

const dumpOptions = z.object({ pinDir: z.string(), output: outputFormat });
type DumpOptions = z.infer<typeof dumpOptions>;

function withMaps<T>(deps: CliDeps, pinDir: string, fn: (maps: NodeMaps) => T): T {
  const maps = openNodeMaps(deps.native(), pinDir);
  try {
    return fn(maps);
  } finally {
    maps.close();
  }
}

export function flagNames(flags: number, table: Record<string, number>): string[] {
  return Object.entries(table)
    .filter(([, bit]) => (flags & bit) !== 0)
    .map(([name]) => name.replace(/[A-Z]/g, (c, i: number) => (i ? '-' : '') + c.toLowerCase()));
}

function dumpEndpoints(deps: CliDeps, opts: DumpOptions): void {
  const native = deps.native();
  withMaps(deps, opts.pinDir, (maps) => {
    const rows = maps.endpoints
      .entries()
      .map(([k, v]) => ({ ip: k.addr, ifindex: v.ifindex, interface: native.ifIndexToName(v.ifindex), mac: v.mac, flags: v.flags }))
      .sort((a, b) => compareIPv4(a.ip, b.ip));
    if (opts.output === 'json') return printJson(deps.out, rows.map((r) => ({ ...r, flags: flagNames(r.flags, EpFlags) })));
    printTable(
      deps.out,
      ['IP', 'IFINDEX', 'INTERFACE', 'MAC', 'FLAGS'],
      rows.map((r) => [r.ip, r.ifindex, r.interface || '?', r.mac, flagNames(r.flags, EpFlags).join(',') || '-']),
    );
  });
}

export function counterRows(maps: NodeMaps): Array<{ reason: ReasonName; id: number; category: string; type: string; count: number }> {
  return (Object.entries(Reason) as Array<[ReasonName, number]>).map(([reason, id]) => {
    const perCpu = maps.counters.lookup(id) ?? [];
    const count = Number(perCpu.reduce((a, b) => a + b, 0n));
    return { reason, id, category: REASON_INFO[reason].category, type: REASON_INFO[reason].caption, count };
  });
}

function dumpCounters(deps: CliDeps, opts: DumpOptions): void {
  withMaps(deps, opts.pinDir, (maps) => {
    const rows = counterRows(maps);
    if (opts.output === 'json') return printJson(deps.out, rows);
    const sorted = [...rows].sort((a, b) => a.category.localeCompare(b.category) || a.type.localeCompare(b.type));
    printTable(deps.out, ['CATEGORY', 'TYPE', 'PACKETS'], sorted.map((r) => [r.category, r.type, r.count]));
    // NAT rows count translations of packets already counted by their verdict.
    deps.out(`total packets: ${rows.filter((r) => r.category !== 'Nat').reduce((a, r) => a + r.count, 0)}`);
  });
}

function flushCounters(deps: CliDeps, opts: DumpOptions): void {
  withMaps(deps, opts.pinDir, (maps) => {
    for (const id of Object.values(Reason)) maps.counters.updateAll(id, 0n);
  });
  deps.out('counters reset');
}

function dumpIfstate(deps: CliDeps, opts: DumpOptions): void {
  withMaps(deps, opts.pinDir, (maps) => {
    const rows = maps.ifstate
      .entries()
      .sort(([a], [b]) => a - b)
      .map(([ifindex, v]) => ({ ifindex, name: v.name, flags: flagNames(v.flags, IfFlags) }));
    if (opts.output === 'json') return printJson(deps.out, rows);
    for (const r of rows) deps.out(`${String(r.ifindex).padStart(5)} : {flags: ${r.flags.join(',')}, name: ${r.name}}`);
  });
}

const routeTypeName = (type: number) =>
  (Object.entries(RouteType).find(([, v]) => v === type)?.[0] ?? `type-${type}`).replace(/[A-Z]/g, (c, i: number) => (i ? '-' : '') + c.toLowerCase());

function dumpRoutes(deps: CliDeps, opts: DumpOptions): void {
  withMaps(deps, opts.pinDir, (maps) => {
    const rows = maps.routes
      .entries()
      .sort(([a], [b]) => compareIPv4(a.addr, b.addr) || a.prefixLen - b.prefixLen)
      .map(([k, v]) => ({ dest: `${k.addr}/${k.prefixLen}`, type: routeTypeName(v.type), flags: formatRouteFlags(v.flags), nextHop: v.nextHop }));
    if (opts.output === 'json') return printJson(deps.out, rows.map((r) => ({ dest: r.dest, type: r.type, flags: r.flags, next_hop: r.nextHop })));
    for (const r of rows) {
      const nh = r.nextHop !== '0.0.0.0' ? ` nh ${r.nextHop}` : '';
      deps.out(`${r.dest.padStart(18)}: ${[r.type, ...r.flags].join(' ')}${nh}`);
    }
  });
}

export function nudName(state: number): string {
  return (Object.entries(NudState) as Array<[string, number]>)
    .filter(([, bit]) => (state & bit) !== 0)
    .map(([name]) => name)
    .join(',') || 'NONE';
}

function dumpNeigh(deps: CliDeps, opts: DumpOptions): void {
  const native = deps.native();
  withMaps(deps, opts.pinDir, (maps) => {
    const rows = maps.neigh
      .entries()
      .sort(([a], [b]) => a.ifindex - b.ifindex || compareIPv4(a.addr, b.addr))
      .map(([k, v]) => {
        const dev = k.ifindex === NEIGH_VTEP_IFINDEX ? 'vtep' : native.ifIndexToName(k.ifindex) || `if${k.ifindex}`;
        const hasMac = v.mac !== '00:00:00:00:00:00';
        return { dst: k.addr, dev, ifindex: k.ifindex, lladdr: hasMac ? v.mac : null, state: nudName(v.state) };
      });
    if (opts.output === 'json') return printJson(deps.out, rows);
    // The same shape as `ip neigh`: IP dev IF lladdr MAC STATE
    for (const r of rows) deps.out(`${r.dst} dev ${r.dev}${r.lladdr ? ` lladdr ${r.lladdr}` : ''} ${r.state}`);
  });
}

/** Floating IPs as one row per external IP (with the internal IP's SNAT choice), then the connection memory. */
function dumpNat(deps: CliDeps, opts: DumpOptions): void {
  withMaps(deps, opts.pinDir, (maps) => {
    const entries = maps.nat.entries();
    const snatOf = new Map(entries.filter(([k]) => k.dir === NatDir.Snat).map(([k, v]) => [k.addr, v.addr]));
    const mappings = entries
      .filter(([k]) => k.dir === NatDir.Dnat)
      .map(([k, v]) => ({ external: k.addr, internal: v.addr, snat: snatOf.get(v.addr) === k.addr }))
      .sort((a, b) => compareIPv4(a.external, b.external));
    const ct = maps.natCt.entries();
    const connections = ct
      .filter(([k]) => (k.proto & NAT_CT_FRAGMENTS) === 0)
      .map(([k, v]) => ({ proto: protoName(k.proto), internal: `${k.intAddr}:${k.intPort}`, peer: `${k.peerAddr}:${k.peerPort}`, external: v.extAddr }))
      .sort((a, b) => a.internal.localeCompare(b.internal) || a.peer.localeCompare(b.peer));
    // A pod's datagrams that left in fragments: the source the first one left with, for the others.
    const fragments = ct
      .filter(([k]) => (k.proto & NAT_CT_FRAGMENTS) !== 0)
      .map(([k, v]) => ({ proto: protoName(k.proto & ~NAT_CT_FRAGMENTS), internal: k.intAddr, peer: k.peerAddr, ipId: k.intPort, source: v.extAddr }))
      .sort((a, b) => a.internal.localeCompare(b.internal) || a.peer.localeCompare(b.peer) || a.ipId - b.ipId);
    if (opts.output === 'json') return printJson(deps.out, { mappings, connections, fragments });
    for (const m of mappings) deps.out(`${m.external} <-> ${m.internal}${m.snat ? '' : ' (inbound only)'}`);
    if (connections.length > 0) deps.out('connections (replies leave with the floating IP the peer used):');
    for (const c of connections) deps.out(`  ${c.proto} ${c.internal} <- ${c.peer} via ${c.external}`);
    if (fragments.length > 0) deps.out('datagrams in fragments (the later fragments leave with the first one’s source):');
    for (const f of fragments) deps.out(`  ${f.proto} ${f.internal} -> ${f.peer} id ${f.ipId} from ${f.source}`);
  });
}

const protoName = (proto: number) => ({ 1: 'icmp', 6: 'tcp', 17: 'udp' } as Record<number, string>)[proto] ?? `proto-${proto}`;

/** Cached next hops; entries of an older epoch are shown as stale (the programs ignore them). */
function dumpFwdCache(deps: CliDeps, opts: DumpOptions): void {
  withMaps(deps, opts.pinDir, (maps) => {
    const epoch = maps.epoch.lookup(0) ?? 0n;
    const rows = maps.fwdCache
      .entries()
      .sort(([a], [b]) => compareIPv4(a.addr, b.addr))
      .map(([k, v]) => ({
        dest: k.addr,
        next_hop: v.nextHop,
        lladdr: v.nhMac,
        vtep: v.flags & RouteFlags.Vxlan ? v.vtepMac : null,
        flags: formatRouteFlags(v.flags),
        current: v.epoch === epoch,
      }));
    if (opts.output === 'json') return printJson(deps.out, rows);
    for (const r of rows) {
      const vtep = r.vtep ? ` vtep ${r.vtep}` : '';
      deps.out(`${r.dest} via ${r.next_hop} lladdr ${r.lladdr}${vtep} ${r.flags.join(' ')}${r.current ? '' : ' (stale)'}`);
    }
  });
}

function compareIPv4(a: string, b: string): number {
  const n = (ip: string) => ip.split('.').reduce((acc, p) => acc * 256 + Number(p), 0);
  return n(a) - n(b);
}

function dumpCommand(deps: CliDeps, name: string, what: string, fn: (deps: CliDeps, opts: DumpOptions) => void): Command {
  return new Command(name).description(what).addCommand(
    new Command('dump')
      .description(`print ${what}`)
      .option('--pin-dir <dir>', 'bpffs folder for pins', defaultPinDir())
      .option('-o, --output <format>', 'text | json', 'text')
      .action((raw) => fn(deps, dumpOptions.parse(raw))),
  );
}

export function bpfCommand(deps: CliDeps): Command {
  const counters = dumpCommand(deps, 'counters', 'packet counters by reason (summed over CPUs)', dumpCounters);
  counters.addCommand(
    new Command('flush')
      .description('reset every counter to zero')
      .option('--pin-dir <dir>', 'bpffs folder for pins', defaultPinDir())
      .action((raw) => flushCounters(deps, dumpOptions.parse({ ...raw, output: 'text' }))),
  );
  return new Command('bpf')
    .description('inspect the BPF maps')
    .addCommand(dumpCommand(deps, 'endpoints', 'local workload endpoints', dumpEndpoints))
    .addCommand(dumpCommand(deps, 'routes', 'routes: pools, blocks, hosts, with flags and next hop', dumpRoutes))
    .addCommand(dumpCommand(deps, 'neigh', 'neighbours: the uplink mirror and VTEP MACs, like `ip neigh`', dumpNeigh))
    .addCommand(dumpCommand(deps, 'nat', 'floating IPs (external <-> internal) and the NAT connection memory', dumpNat))
    .addCommand(dumpCommand(deps, 'fwd', 'the forwarding cache: resolved next hops of remote destinations', dumpFwdCache))
    .addCommand(counters)
    .addCommand(dumpCommand(deps, 'ifstate', 'interfaces Tortie manages', dumpIfstate));
}
