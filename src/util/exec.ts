/** Running system tools (ip, tc, sysctl) with errors that say what failed. */
import { execFileSync, spawnSync } from 'node:child_process';

export class CommandError extends Error {
  constructor(readonly argv: string[], readonly status: number | null, readonly stderr: string) {
    super(`\`${argv.join(' ')}\` failed (exit ${status}): ${stderr.trim() || '(no output)'}`);
    this.name = 'CommandError';
  }
}

/** Runs a command and returns its stdout; throws CommandError with stderr on failure. */
export function run(argv: string[], opts: { input?: string; timeoutMs?: number } = {}): string {
  const [cmd, ...args] = argv;
  const res = spawnSync(cmd!, args, { encoding: 'utf8', input: opts.input, timeout: opts.timeoutMs ?? 30_000 });
  if (res.error) throw new CommandError(argv, null, res.error.message);
  if (res.status !== 0) throw new CommandError(argv, res.status, res.stderr);
  return res.stdout;
}

/** Like run() but never throws: for best-effort cleanup. */
export function tryRun(argv: string[]): { ok: boolean; stdout: string; stderr: string } {
  const [cmd, ...args] = argv;
  const res = spawnSync(cmd!, args, { encoding: 'utf8', timeout: 30_000 });
  return { ok: res.status === 0, stdout: res.stdout ?? '', stderr: res.stderr ?? '' };
}

export function runJson<T>(argv: string[]): T {
  return JSON.parse(run(argv) || 'null') as T;
}

export { execFileSync };
