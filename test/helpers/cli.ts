/** Runs the built `tortie` CLI (dist/) as a user would, optionally inside a node's netns. */
import { spawnSync } from 'node:child_process';
import { builtCliEntry } from '../../src/cli/entry.js';
import { nsenter } from '../../src/lab/netns.js';

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The bundled CLI (dist/bundle/tortie.mjs), as users run it. */
export function cliPath(): string {
  return builtCliEntry();
}

export function tortie(args: string[], opts: { netns?: string; input?: string } = {}): CliResult {
  const argv = [...(opts.netns ? nsenter(opts.netns) : []), process.execPath, cliPath(), ...args];
  const res = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', input: opts.input, timeout: 60_000 });
  return { status: res.status, stdout: res.stdout ?? '', stderr: res.stderr ?? '' };
}

/** Like tortie() but fails the test with the command's stderr when it exits non-zero. */
export function tortieOk(args: string[], opts: { netns?: string } = {}): string {
  const res = tortie(args, opts);
  if (res.status !== 0) throw new Error(`tortie ${args.join(' ')} exited ${res.status}:\n${res.stderr}${res.stdout}`);
  return res.stdout;
}
