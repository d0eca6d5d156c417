/** A spawned `tortie daemon`'s output and its stop, shared by the e2e tests and the benchmark. */
import type { ChildProcess } from 'node:child_process';

/** One line of the daemon's JSON log. */
export interface LogLine {
  ts: string;
  level: string;
  msg: string;
  fields: Record<string, unknown>;
}

/** Collects the daemon's stdout as parsed log lines (anything else, and stderr, into `other`). */
export function followDaemonOutput(child: ChildProcess, logs: LogLine[], other: string[]): void {
  let partial = '';
  child.stdout!.on('data', (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        other.push(line);
      }
    }
  });
  child.stderr!.on('data', (d: Buffer) => other.push(d.toString()));
}

/** SIGTERM, and SIGKILL if it has not exited after `graceMs`; resolves with the exit code. */
export async function stopChild(child: ChildProcess, exited: Promise<number | null>, graceMs = 5000): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return exited;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}
