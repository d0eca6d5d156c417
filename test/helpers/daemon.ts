/**
 * Real `tortie daemon` processes for end-to-end tests, one per lab node, started inside the node's
 * netns with nsenter (so bpffs pins stay visible). Their JSON log lines are collected; only the
 * processes started here are ever signalled, by PID, and all of them are stopped by stopAll().
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { nsenter } from '../../src/lab/netns.js';
import type { LabNode } from '../../src/lab/topology.js';
import { cliPath } from './cli.js';
import { followDaemonOutput, stopChild, type LogLine } from './daemon-io.js';

export type { LogLine };

export interface DaemonProcess {
  node: LabNode;
  port: number;
  child: ChildProcess;
  logs: LogLine[];
  /** stderr and non-JSON stdout, for failure messages */
  other: string[];
  exited: Promise<number | null>;
}

const running = new Set<ChildProcess>();

/**
 * A port for the daemon's HTTP server. It listens inside the node's own (fresh) netns, where
 * nothing else listens, so any port is free there; random so that two daemons never share one.
 */
export function randomPort(): number {
  return randomInt(20_000, 60_000);
}

export function writeDaemonConfig(
  dir: string,
  node: LabNode,
  datastore: Record<string, unknown>,
  port: number,
  extra: Record<string, unknown> = {},
): string {
  const path = join(dir, `${node.name}.yaml`);
  const config = { nodeName: node.name, uplink: node.uplink, pinDir: node.pinDir, datastore, listen: `127.0.0.1:${port}`, debounceMs: 50, logLevel: 'debug', ...extra };
  writeFileSync(path, stringify(config));
  return path;
}

export function startDaemon(node: LabNode, configFile: string, port: number, extraArgs: string[] = []): DaemonProcess {
  const argv = [...nsenter(node.netns), process.execPath, cliPath(), 'daemon', '--config', configFile, ...extraArgs];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const proc: DaemonProcess = {
    node,
    port,
    child,
    logs: [],
    other: [],
    exited: new Promise((resolve) => child.on('exit', (code) => (running.delete(child), resolve(code)))),
  };
  followDaemonOutput(child, proc.logs, proc.other);
  return proc;
}

/** SIGTERM, and SIGKILL if it has not exited after `graceMs`; resolves with the exit code. */
export async function stopDaemon(proc: DaemonProcess, graceMs = 5000): Promise<number | null> {
  return stopChild(proc.child, proc.exited, graceMs);
}

export async function stopAll(): Promise<void> {
  await Promise.all(
    [...running].map(async (child) => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
      clearTimeout(timer);
    }),
  );
}

export async function waitForLog(proc: DaemonProcess, pred: (l: LogLine) => boolean, what: string, timeoutMs = 10_000, from = 0): Promise<LogLine> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hit = proc.logs.slice(from).find(pred);
    if (hit) return hit;
    if (Date.now() > deadline || proc.child.exitCode !== null) {
      throw new Error(`${proc.node.name}: no log line "${what}" within ${timeoutMs} ms (exit ${proc.child.exitCode});\n` +
        `${proc.logs.slice(-15).map((l) => JSON.stringify(l)).join('\n')}\n${proc.other.join('')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** GET http://127.0.0.1:<port><path> from inside the node's netns. */
export function httpGet(proc: DaemonProcess, path: string): { status: number; body: string } {
  const script = `fetch(process.argv[1]).then(async (r) => { process.stdout.write(r.status + '\\n' + await r.text()); }, (e) => { process.stdout.write('0\\n' + e.message); })`;
  const argv = [...nsenter(proc.node.netns), process.execPath, '-e', script, `http://127.0.0.1:${proc.port}${path}`];
  const res = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 10_000 });
  const [status, ...body] = (res.stdout ?? '').split('\n');
  return { status: Number(status), body: body.join('\n') };
}

export async function waitReady(proc: DaemonProcess, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (httpGet(proc, '/readyz').status === 200) return;
    if (proc.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${proc.node.name}: daemon not ready (exit ${proc.child.exitCode}):\n${proc.logs.slice(-10).map((l) => JSON.stringify(l)).join('\n')}\n${proc.other.join('')}`);
}

/** One sample of a metric with these labels (exact match on each given label), or undefined. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_:]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

/** Replaces a file the way editors and ConfigMap volumes do: write aside, then rename over it. */
export function replaceFile(path: string, text: string): void {
  const aside = `${path}.tmp-${randomInt(1e9)}`;
  writeFileSync(aside, text);
  renameSync(aside, path);
}
