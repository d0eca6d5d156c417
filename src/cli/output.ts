/** How every command prints: aligned text tables for people, `-o json` for programs. */
import { z } from 'zod';

export const outputFormat = z.enum(['text', 'json']).default('text');
export type OutputFormat = z.infer<typeof outputFormat>;

export type Writer = (line: string) => void;

export function printJson(write: Writer, value: unknown): void {
  write(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? Number(v) : v), 2));
}

/** Left-aligned columns separated by two spaces; numbers right-aligned. */
export function formatTable(headers: string[], rows: Array<Array<string | number | bigint>>): string[] {
  const cells = rows.map((r) => r.map((c) => String(c)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]?.length ?? 0)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number' || typeof r[i] === 'bigint'));
  const line = (r: string[]) =>
    r
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)];
}

export function printTable(write: Writer, headers: string[], rows: Array<Array<string | number | bigint>>): void {
  for (const l of formatTable(headers, rows)) write(l);
}
