/**
 * A private etcd inside a lab namespace (the router, which every node reaches over the wire), for
 * daemons that run in node namespaces and cannot reach the host's 127.0.0.1. Written to with
 * etcdctl in the same namespace. Only the etcd started here is signalled, by its PID; the data dir
 * is removed by cleanup().
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nsenter } from '../../src/lab/netns.js';

const ETCD = '/usr/bin/etcd';
const ETCDCTL = '/usr/bin/etcdctl';

export interface NetnsEtcd {
  /** http://<ip>:<port>, reachable from the lab's nodes */
  endpoint: string;
  /** etcd's PID while it runs (nsenter execs it), else undefined */
  pid(): number | undefined;
  put(key: string, value: string): void;
  del(key: string): void;
  stop(): Promise<void>;
  restart(): Promise<void>;
  cleanup(): Promise<void>;
}

export async function startEtcdInNetns(netns: string, ip: string, port = 2379): Promise<NetnsEtcd> {
  if (!existsSync(ETCD)) throw new Error(`${ETCD} is missing: apt-get install -y etcd-server etcd-client (scripts/setup.sh does it)`);
  const dataDir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'tortie-etcd-'));
  const endpoint = `http://${ip}:${port}`;
  const peer = 'http://127.0.0.1:2380'; // the lab namespace's own loopback
  const args = [
    '--name', 'lab', '--data-dir', dataDir,
    '--listen-client-urls', endpoint, '--advertise-client-urls', endpoint,
    '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', `lab=${peer}`,
    '--log-level', 'warn',
  ];
  let child: ChildProcess | undefined;
  let stderr = '';
  const ctl = (...a: string[]) => spawnSync(nsenter(netns)[0]!, [...nsenter(netns).slice(1), ETCDCTL, `--endpoints=${endpoint}`, ...a], { encoding: 'utf8', timeout: 10_000 });

  const launch = async () => {
    const argv = [...nsenter(netns), ETCD, ...args];
    const proc = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    proc.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`etcd exited during startup:\n${stderr}`);
      if (ctl('endpoint', 'health').status === 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`etcd did not become healthy in 20 s:\n${stderr}`);
  };

  const stop = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    const killer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killer);
  };

  const must = (res: ReturnType<typeof ctl>, what: string) => {
    if (res.status !== 0) throw new Error(`etcdctl ${what} failed: ${res.stderr}`);
  };

  try {
    await launch();
  } catch (err) {
    await stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    endpoint,
    pid: () => (child && child.exitCode === null ? child.pid : undefined),
    put: (key, value) => must(ctl('put', key, '--', value), `put ${key}`),
    del: (key) => must(ctl('del', key), `del ${key}`),
    stop,
    restart: launch,
    cleanup: async () => {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
