/** Lab fixtures for end-to-end tests: unique names, counters read through the CLI. */
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { tortieOk } from './cli.js';
import type { LabNode } from '../../src/lab/topology.js';

export function uniqueLabName(prefix: string): string {
  return `${prefix}${randomBytes(3).toString('hex')}`.slice(0, 8);
}

export type Counters = Record<string, number>;

export function readCounters(node: LabNode): Counters {
  const rows = JSON.parse(tortieOk(['bpf', 'counters', 'dump', '-o', 'json', '--pin-dir', node.pinDir], { netns: node.netns })) as Array<{
    reason: string;
    count: number;
  }>;
  return Object.fromEntries(rows.map((r) => [r.reason, r.count]));
}

export function delta(before: Counters, after: Counters, reason: string): number {
  return (after[reason] ?? 0) - (before[reason] ?? 0);
}

export interface FloodResult {
  transmitted: number;
  received: number;
  output: string;
}

/** Starts `ping -i interval -c count` from a netns; resolves with the summary when it ends. */
export function pingFlood(netns: string, to: string, count: number, intervalS = 0.002): { done: Promise<FloodResult> } {
  const child = spawn('ip', ['netns', 'exec', netns, 'ping', '-n', '-q', '-i', String(intervalS), '-c', String(count), '-W', '1', to]);
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const done = new Promise<FloodResult>((resolve) => {
    child.on('close', () => {
      const m = /(\d+) packets transmitted, (\d+) received/.exec(output);
      resolve({ transmitted: Number(m?.[1] ?? 0), received: Number(m?.[2] ?? 0), output });
    });
  });
  return { done };
}

/** Polls `check` until it holds or `timeoutMs` passes (for what the kernel does asynchronously). */
export async function waitFor(check: () => boolean, timeoutMs = 3000, stepMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
  return check();
}
