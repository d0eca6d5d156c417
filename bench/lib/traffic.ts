/** iperf3 throughput and sockperf TCP request/response between two network namespaces. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

/** Servers started and not yet seen to exit, so that a signal handler can end them by PID. */
const live = new Set<ChildProcess>();

function startServer(netns: string, argv: string[]): ChildProcess {
  // `ip netns exec` and `taskset` exec their command, so the child's PID is the server's own.
  const child = spawn('ip', ['netns', 'exec', netns, ...argv], { stdio: 'ignore' });
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

async function stop(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const done = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  await done;
}

/** Synchronous, for signal handlers: SIGKILL to every server this process started that is still running. */
export function killServers(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Single-stream TCP throughput from `client` to `serverIp` in `server`, in Gbit/s. `bindIp`: the
 * address the server listens on when the client reaches it through another one (a floating IP).
 */
export async function iperf3(client: string, server: string, serverIp: string, seconds: number, bindIp = serverIp): Promise<number> {
  const srv = startServer(server, ['iperf3', '-s', '-1', '-B', bindIp, '-p', '5201']);
  try {
    await pause(300);
    const res = spawnSync('ip', ['netns', 'exec', client, 'iperf3', '-c', serverIp, '-p', '5201', '-t', String(seconds), '-J'], {
      encoding: 'utf8',
      timeout: (seconds + 20) * 1000,
    });
    const report = JSON.parse(res.stdout) as { end?: { sum_received?: { bits_per_second: number } }; error?: string };
    if (!report.end?.sum_received) throw new Error(`iperf3 failed: ${report.error ?? res.stderr}`);
    return report.end.sum_received.bits_per_second / 1e9;
  } finally {
    await stop(srv);
  }
}

/**
 * TCP ping-pong latency: the median (50th percentile) of half round trips as sockperf reports them, client and server pinned to CPU 0:
 * across vCPUs the wake-up cost of this VM dominates (kernel-facts.md Q6).
 */
export async function sockperfRr(client: string, server: string, serverIp: string, seconds: number, bindIp = serverIp): Promise<number> {
  const srv = startServer(server, ['taskset', '-c', '0', 'sockperf', 'sr', '--tcp', '-i', bindIp, '-p', '11111']);
  try {
    await pause(300);
    const res = spawnSync(
      'ip',
      ['netns', 'exec', client, 'taskset', '-c', '0', 'sockperf', 'pp', '--tcp', '-i', serverIp, '-p', '11111', '-t', String(seconds)],
      { encoding: 'utf8', timeout: (seconds + 20) * 1000 },
    );
    const m = /percentile 50\.000 =\s*([\d.]+)/.exec(res.stdout);
    if (!m) throw new Error(`sockperf failed: ${res.stdout.slice(-400)} ${res.stderr}`);
    return Number(m[1]);
  } finally {
    await stop(srv);
  }
}
