/** Network namespaces: create, run in, delete. All through iproute2, so they show in `ip netns`. */
import { existsSync } from 'node:fs';
import type { NativeBinding } from '../native/binding.js';
import { run, tryRun } from '../util/exec.js';

export const NETNS_DIR = '/run/netns';

export function netnsExists(name: string): boolean {
  return existsSync(`${NETNS_DIR}/${name}`);
}

export function listNetns(prefix: string): string[] {
  const out = tryRun(['ip', '-j', 'netns', 'list']);
  if (!out.ok || !out.stdout.trim()) return [];
  return (JSON.parse(out.stdout) as Array<{ name: string }>).map((n) => n.name).filter((n) => n.startsWith(prefix));
}

export function addNetns(name: string): void {
  run(['ip', 'netns', 'add', name]);
  run(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
}

export function deleteNetns(name: string): void {
  if (netnsExists(name)) tryRun(['ip', 'netns', 'delete', name]);
}

/** argv prefix that runs a command in a netns without remounting /sys (bpffs pins stay visible). */
export function nsenter(name: string): string[] {
  return ['nsenter', `--net=${NETNS_DIR}/${name}`, '--'];
}

export function inNetns(name: string, argv: string[], opts: { timeoutMs?: number } = {}): string {
  return run([...nsenter(name), ...argv], opts);
}

export function sysctl(ns: string, key: string, value: string | number): void {
  inNetns(ns, ['sysctl', '-qw', `${key}=${value}`]);
}

export function readSysctl(ns: string, key: string): string {
  return inNetns(ns, ['sysctl', '-n', key]).trim();
}

/** Runs `fn` with the calling thread inside netns `name` (setns), then switches back. */
export function withNetns<T>(native: NativeBinding, name: string, fn: () => T): T {
  const home = native.netnsOpen('/proc/thread-self/ns/net');
  try {
    const target = native.netnsOpen(`${NETNS_DIR}/${name}`);
    try {
      native.netnsSet(target);
    } finally {
      native.close(target);
    }
    try {
      return fn();
    } finally {
      native.netnsSet(home);
    }
  } finally {
    native.close(home);
  }
}
