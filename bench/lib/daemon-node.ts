/**
 * One simulated cluster node for daemon benchmarks: a node namespace whose uplink (a veth, `eth0`)
 * carries the node's IP, wired to a second namespace (the "wire") where etcd and the benchmark's own
 * sockets live, and a real `tortie daemon` process in the node namespace. Nothing is created in the
 * host namespace. Only the daemon started here is ever signalled, by its PID; teardown removes the
 * pins and both namespaces, also after a failure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { NativeBinding } from '../../src/native/binding.js';
import { addNetns, deleteNetns, nsenter } from '../../src/lab/netns.js';
import { removeAllPins } from '../../src/dataplane/node.js';
import { run } from '../../src/util/exec.js';
import { DAEMON_PROCESS_ENV } from '../../src/daemon/process-env.js';
import { cliPath } from '../../test/helpers/cli.js';
import { followDaemonOutput, stopChild, type LogLine } from '../../test/helpers/daemon-io.js';

export interface NodeNet {
  /** the node's namespace (the daemon runs here) */
  node: string;
  /** the other end of the uplink: etcd and the benchmark's sockets */
  wire: string;
  uplink: string;
  nodeIp: string;
  wireIp: string;
}

/**
 * Two namespaces joined by a veth: `eth0` in `node` with `nodeCidr` (e.g. 172.16.0.43/12), `wire0`
 * in `wire` with `wireIp` in the same subnet, so every other node of that subnet is on-link.
 */
export function buildNodeNet(prefix: string, nodeCidr: string, wireIp: string): NodeNet {
  const [nodeIp, len] = nodeCidr.split('/') as [string, string];
  const net: NodeNet = { node: prefix, wire: `${prefix}-w`, uplink: 'eth0', nodeIp, wireIp };
  try {
    addNetns(net.node);
    addNetns(net.wire);
    run(['ip', '-n', net.node, 'link', 'add', net.uplink, 'type', 'veth', 'peer', 'name', 'wire0', 'netns', net.wire]);
    run(['ip', '-n', net.node, 'addr', 'add', nodeCidr, 'dev', net.uplink]);
    run(['ip', '-n', net.wire, 'addr', 'add', `${wireIp}/${len}`, 'dev', 'wire0']);
    run(['ip', '-n', net.node, 'link', 'set', net.uplink, 'up']);
    run(['ip', '-n', net.wire, 'link', 'set', 'wire0', 'up']);
    run(['ip', '-n', net.node, 'route', 'add', 'default', 'via', wireIp, 'dev', net.uplink]);
  } catch (err) {
    destroyNodeNet(net);
    throw err;
  }
  return net;
}

/** Workload interfaces as the CNI plugin leaves them: `cali…` veths, up (the peers stay in the node namespace). */
export function addWorkloadLinks(netns: string, names: readonly string[]): void {
  const lines = names.flatMap((name, i) => [`link add ${name} type veth peer name ttbp${i}`, `link set ${name} up`, `link set ttbp${i} up`]);
  if (lines.length > 0) run(['ip', '-n', netns, '-batch', '-'], { input: `${lines.join('\n')}\n` });
}

export function destroyNodeNet(net: NodeNet): void {
  deleteNetns(net.node);
  deleteNetns(net.wire);
}

/**
 * Moves the calling thread — Node's main thread, so every socket and child process JavaScript creates
 * from now on — into namespace `name`; the returned function moves it back.
 */
export function enterNetns(native: NativeBinding, name: string): () => void {
  const home = native.netnsOpen('/proc/thread-self/ns/net');
  const target = native.netnsOpen(`/run/netns/${name}`);
  try {
    native.netnsSet(target);
  } finally {
    native.close(target);
  }
  let back = false;
  return () => {
    if (back) return;
    back = true;
    native.netnsSet(home);
    native.close(home);
  };
}

export type { LogLine };

export interface DaemonRun {
  child: ChildProcess;
  pid: number;
  /** Date.now() right before the spawn */
  startedAt: number;
  logs: LogLine[];
  other: string[];
  exited: Promise<number | null>;
}

export interface SpawnOptions {
  /** write a V8 CPU profile there, from "dataplane loaded" to the exit (bench-hook.ts) */
  cpuProfile?: string;
  /** --expose-gc, and a full collection on SIGUSR2 (bench-hook.ts) */
  gcOnSignal?: boolean;
  /** more flags for node, e.g. --max-old-space-size=256 */
  nodeArgs?: readonly string[];
}

/** `tortie daemon --config FILE` in `netns`, through nsenter (which execs: the PID is node's own). */
export function spawnDaemon(netns: string, configFile: string, opts: SpawnOptions = {}): DaemonRun {
  const hook = fileURLToPath(new URL('./bench-hook.js', import.meta.url));
  const nodeArgs = [...(opts.cpuProfile || opts.gcOnSignal ? ['--import', hook] : []), ...(opts.gcOnSignal ? ['--expose-gc'] : []), ...(opts.nodeArgs ?? [])];
  // As deployed (deploy/daemonset.yaml): the daemon's process settings.
  const env: NodeJS.ProcessEnv = { ...process.env, ...DAEMON_PROCESS_ENV };
  if (opts.cpuProfile) env.TORTIE_BENCH_CPU_PROFILE = opts.cpuProfile;
  if (opts.gcOnSignal) env.TORTIE_BENCH_GC_ON_SIGUSR2 = '1';
  const argv = [...nsenter(netns), process.execPath, ...nodeArgs, cliPath(), 'daemon', '--config', configFile];
  const startedAt = Date.now();
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env });
  if (child.pid === undefined) throw new Error('could not start the daemon');
  const proc: DaemonRun = {
    child,
    pid: child.pid,
    startedAt,
    logs: [],
    other: [],
    exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
  };
  followDaemonOutput(child, proc.logs, proc.other);
  return proc;
}

/** SIGTERM to our daemon, SIGKILL after `graceMs`. */
export async function stopDaemon(proc: DaemonRun, graceMs = 5000): Promise<number | null> {
  return stopChild(proc.child, proc.exited, graceMs);
}

/** The first log line matching `pred`, ms after the spawn (log timestamps have ms resolution). */
export function logAt(proc: DaemonRun, pred: (l: LogLine) => boolean): { line: LogLine; ms: number } | undefined {
  const line = proc.logs.find(pred);
  return line && { line, ms: Date.parse(line.ts) - proc.startedAt };
}

/** VmRSS and VmHWM (peak) of a process, in bytes. */
export function processMemory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/** CPU time a process has used so far (user + system), in ms; 0 if it is gone. */
export function processCpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    // fields after the command name: state is 1st, utime 12th, stime 13th (proc(5)), in clock ticks
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}
/** USER_HZ: 100 on every Linux this runs on (sysconf(_SC_CLK_TCK)). */
const CLOCK_TICKS = 100;

/** Unpins everything under `pinDir` (the daemon's programs, maps and links). */
export function removePins(native: NativeBinding, pinDir: string): void {
  removeAllPins(native, pinDir);
}
