/**
 * One `tortie neigh sync --watch` per lab node, in the background, so each node's neighbour
 * mirror follows the kernel as a DaemonSet would. PIDs are kept in the lab's state folder so that
 * `lab down` ends exactly the processes it started.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliEntryPath } from '../cli/entry.js';
import { nsenter } from './netns.js';
import type { LabNode } from './topology.js';

const PID_FILE = 'watchers.json';

/** The built CLI, or null before `npm run build` (then no watcher runs). */
export function cliEntry(): string | null {
  const path = cliEntryPath();
  return existsSync(path) ? path : null;
}

export function startNeighWatchers(stateDir: string, nodes: readonly LabNode[]): number[] {
  const cli = cliEntry();
  if (!cli) return [];
  const pids: number[] = [];
  for (const node of nodes) {
    const [cmd, ...args] = [...nsenter(node.netns), process.execPath, cli, 'neigh', 'sync', '--watch', '--pin-dir', node.pinDir];
    const child = spawn(cmd!, args, { detached: true, stdio: 'ignore' });
    child.unref();
    if (child.pid) pids.push(child.pid);
  }
  writeFileSync(join(stateDir, PID_FILE), JSON.stringify(pids));
  return pids;
}

export function stopNeighWatchers(stateDir: string): number {
  const file = join(stateDir, PID_FILE);
  if (!existsSync(file)) return 0;
  const pids = JSON.parse(readFileSync(file, 'utf8')) as number[];
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  return pids.length;
}
