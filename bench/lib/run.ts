/** What every traffic benchmark shares: its options, the measurement, and the two ratio tables. */
import { interleave, type Scenario } from './scenario.js';
import { ratioTable } from './stats.js';
import { iperf3, killServers, sockperfRr } from './traffic.js';

/** `--name N` or `--name=N` on the command line, else env BENCH_NAME, else the default. */
export function benchOption(name: string, dflt: number): number {
  const argv = process.argv;
  const i = argv.indexOf(`--${name}`);
  const raw = i > 0 ? argv[i + 1] : (argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? process.env[`BENCH_${name.toUpperCase()}`]);
  if (raw === undefined) return dflt;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, not ${JSON.stringify(raw)}`);
  return n;
}

export interface TrafficBenchOptions {
  title: string;
  scenarios: Scenario[];
  /** scenario index and the short label its ratio column gets */
  baselines: Array<{ index: number; label: string }>;
  rounds: number;
  seconds: number;
  log: (line: string) => void;
}

/** Interleaved rounds of iperf3 + pinned request/response, then the tables. */
export async function runTrafficBench(o: TrafficBenchOptions): Promise<void> {
  o.log(`${o.title}: ${o.rounds} interleaved rounds, ${o.seconds} s per measurement`);
  const results = await interleave(
    o.scenarios,
    o.rounds,
    async (ep) => ({
      gbps: await iperf3(ep.client, ep.server, ep.serverIp, o.seconds),
      rrUs: await sockperfRr(ep.client, ep.server, ep.serverIp, o.seconds),
    }),
    o.log,
  );
  const series = (key: 'gbps' | 'rrUs') => o.scenarios.map((s) => ({ name: s.name, values: results.get(s.name)!.map((r) => r[key]) }));
  const baselines = o.baselines.map((b) => ({ name: o.scenarios[b.index]!.name, label: b.label }));
  o.log('');
  for (const l of ratioTable('iperf3 single stream', 'Gbit/s', series('gbps'), baselines, true)) o.log(l);
  for (const l of ratioTable('TCP request/response, half round trip, same CPU', 'us', series('rrUs'), baselines, false)) o.log(l);
}

/** On Ctrl-C / SIGTERM: ends the traffic servers still running, runs `cleanup`, then exits. */
export function cleanupOnSignal(cleanup: () => void): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      // First the servers: a process left inside a deleted netns keeps that netns alive.
      killServers();
      cleanup();
      process.exit(130);
    });
  }
}
