/** The one place errors become messages for people. */
import { z } from 'zod';
import type { Writer } from './output.js';
import { ResourceValidationError } from '../model/load.js';

export class UsageError extends Error {
  override name = 'UsageError';
}

function zodPath(path: ReadonlyArray<PropertyKey>): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') || '(root)';
}

export function reportError(err: unknown, write: Writer): number {
  if (err instanceof z.ZodError) {
    write('error: invalid options:');
    for (const issue of err.issues) write(`  - ${zodPath(issue.path)}: ${issue.message}`);
    return 2;
  }
  if (err instanceof UsageError || err instanceof ResourceValidationError) {
    write(`error: ${err.message}`);
    return 2;
  }
  if (err instanceof Error) {
    write(`error: ${err.message}`);
    const log = (err as { log?: unknown }).log;
    if (Array.isArray(log) && log.length > 0) {
      write('verifier log (tail):');
      for (const line of log.slice(-20)) write(`  ${String(line)}`);
    }
    const hint = (err as { hint?: unknown }).hint;
    if (typeof hint === 'string') write(`hint: ${hint}`);
    return 1;
  }
  write(`error: ${String(err)}`);
  return 1;
}
