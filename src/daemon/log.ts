/**
 * Structured logs: one JSON object per line on stdout — {ts, level, msg, fields} — so a log
 * collector can index them without parsing prose.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Errors keep their name, message and typed fields (op, code); bigints become numbers or strings. */
function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Error) {
    const extra = Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'log'));
    return { name: value.name, message: value.message, ...extra };
  }
  if (value instanceof Map) return Object.fromEntries(value);
  if (value instanceof Set) return [...value];
  return value;
}

export function jsonLogger(minLevel: LogLevel = 'info', write: (line: string) => void = (l) => process.stdout.write(l)): Logger {
  const emit = (level: LogLevel) => (msg: string, fields: LogFields = {}) => {
    if (RANK[level] < RANK[minLevel]) return;
    write(`${JSON.stringify({ ts: new Date().toISOString(), level, msg, fields }, replacer)}\n`);
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}
