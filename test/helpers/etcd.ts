/**
 * A real, private etcd for one test file (or benchmark): 127.0.0.1, free ports, a temporary data dir
 * (on tmpfs when there is one: etcd fsyncs every write). It can be stopped and restarted on the same
 * ports and data, or moved out of reach for a while, to test disconnects. Only the process started
 * here is ever signalled, by its PID; the data dir is always removed (also if the test process exits).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ETCD_BINARY = '/usr/bin/etcd';

export interface EtcdServerOptions {
  /** extra etcd flags, e.g. ['--max-txn-ops', '1024'] */
  extraArgs?: string[];
  /** serve clients over https and require a client certificate signed by `caFile` */
  tls?: { caFile: string; certFile: string; keyFile: string };
  /** ms to wait for etcd to answer after a (re)start; default 20 s */
  readyTimeoutMs?: number;
}

export interface EtcdServer {
  /** http(s)://127.0.0.1:<client port> */
  readonly endpoint: string;
  readonly dataDir: string;
  /** PID of the running etcd, or undefined while stopped */
  readonly pid: number | undefined;
  /** Stops etcd (SIGTERM, then SIGKILL after 5 s); the data stays. */
  stop(): Promise<void>;
  /** Starts etcd again on the same ports and data dir; resolves once it answers. */
  restart(): Promise<void>;
  /**
   * Runs `fn` while etcd serves on a different client port only: clients of `endpoint` are
   * disconnected, while `fn` can still write (and compact) through the endpoint it is given.
   * Afterwards etcd is back on `endpoint`.
   */
  whileUnreachable<T>(fn: (otherEndpoint: string) => Promise<T>): Promise<T>;
  /** Stops etcd and removes the data dir. Safe to call twice. */
  cleanup(): Promise<void>;
}

const running = new Set<ChildProcess>();
const dataDirs = new Set<string>();
let exitHookInstalled = false;

/** Last resort if a test forgets cleanup() or the worker exits early: synchronous, our PIDs only. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) if (child.pid !== undefined) tryKill(child.pid, 'SIGKILL');
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });
}

function tryKill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** etcd's /health says {"health":"true"} once it serves requests. */
async function healthy(port: number, tls: EtcdServerOptions['tls']): Promise<boolean> {
  try {
    if (tls === undefined) {
      const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1_000) });
      return ((await response.json()) as { health?: string }).health === 'true';
    }
    // fetch cannot present a client certificate; node:https can.
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port,
          path: '/health',
          timeout: 1_000,
          ca: readFileSync(tls.caFile),
          cert: readFileSync(tls.certFile),
          key: readFileSync(tls.keyFile),
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve(text));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout'))).on('error', reject).end();
    });
    return (JSON.parse(body) as { health?: string }).health === 'true';
  } catch {
    return false; // not listening yet
  }
}

export async function startEtcd(options: EtcdServerOptions = {}): Promise<EtcdServer> {
  if (!existsSync(ETCD_BINARY)) {
    throw new Error(`${ETCD_BINARY} is missing: apt-get install -y etcd-server etcd-client (scripts/setup.sh does it)`);
  }
  installExitHook();
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const dataDir = mkdtempSync(join(base, 'tortie-etcd-'));
  dataDirs.add(dataDir);
  const name = `tortie-test-${randomBytes(4).toString('hex')}`;
  const readyTimeoutMs = options.readyTimeoutMs ?? 20_000;
  let clientPort = 0;
  let peerPort = 0;
  let child: ChildProcess | undefined;
  let stderrTail = '';

  const scheme = options.tls ? 'https' : 'http';
  const tlsArgs = options.tls
    ? ['--cert-file', options.tls.certFile, '--key-file', options.tls.keyFile, '--trusted-ca-file', options.tls.caFile, '--client-cert-auth']
    : [];
  const args = (port: number) => {
    const client = `${scheme}://127.0.0.1:${port}`;
    const peer = `http://127.0.0.1:${peerPort}`;
    return [
      '--name', name,
      '--data-dir', dataDir,
      '--listen-client-urls', client,
      '--advertise-client-urls', client,
      '--listen-peer-urls', peer,
      '--initial-advertise-peer-urls', peer,
      '--initial-cluster', `${name}=${peer}`,
      '--initial-cluster-token', name,
      '--initial-cluster-state', 'new',
      '--logger', 'zap',
      '--log-level', 'warn',
      ...tlsArgs,
      ...(options.extraArgs ?? []),
    ];
  };

  const launch = async (port: number): Promise<void> => {
    stderrTail = '';
    const proc = spawn(ETCD_BINARY, args(port), { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    running.add(proc);
    proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderrTail = (stderrTail + chunk).slice(-4_000);
    });
    let exited = false;
    proc.once('exit', () => {
      exited = true;
      running.delete(proc);
    });
    proc.once('error', (err) => {
      exited = true;
      stderrTail += `\n${err.message}`;
    });
    const deadline = Date.now() + readyTimeoutMs;
    while (Date.now() < deadline) {
      if (exited) throw new Error(`etcd exited during startup (port ${port}):\n${stderrTail}`);
      if (await healthy(port, options.tls)) return;
      await sleep(50);
    }
    await stopChild();
    throw new Error(`etcd did not answer on port ${port} within ${readyTimeoutMs} ms:\n${stderrTail}`);
  };

  const stopChild = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (proc === undefined || proc.pid === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    tryKill(proc.pid, 'SIGTERM');
    const killer = setTimeout(() => tryKill(proc.pid!, 'SIGKILL'), 5_000);
    await exited;
    clearTimeout(killer);
  };

  // A free port can be taken by someone else before etcd binds it: pick new ones and try again.
  for (let attempt = 1; ; attempt++) {
    clientPort = await freePort();
    peerPort = await freePort();
    try {
      await launch(clientPort);
      break;
    } catch (err) {
      if (attempt >= 3) {
        rmSync(dataDir, { recursive: true, force: true });
        dataDirs.delete(dataDir);
        throw err;
      }
      // Same path next time: etcd creates the data dir itself.
      rmSync(dataDir, { recursive: true, force: true });
    }
  }

  const endpoint = `${scheme}://127.0.0.1:${clientPort}`;
  let cleanedUp = false;
  return {
    endpoint,
    dataDir,
    get pid() {
      return child?.pid;
    },
    stop: stopChild,
    async restart() {
      await stopChild();
      await launch(clientPort);
    },
    async whileUnreachable<T>(fn: (otherEndpoint: string) => Promise<T>): Promise<T> {
      await stopChild();
      const otherPort = await freePort();
      try {
        await launch(otherPort);
        return await fn(`${scheme}://127.0.0.1:${otherPort}`);
      } finally {
        await stopChild();
        await launch(clientPort);
      }
    },
    async cleanup() {
      if (cleanedUp) return;
      cleanedUp = true;
      await stopChild();
      rmSync(dataDir, { recursive: true, force: true });
      dataDirs.delete(dataDir);
    },
  };
}
