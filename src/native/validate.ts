/**
 * Value checks for arguments to the native addon. The C++ side only checks types; sizes and ranges
 * are checked here, before a bad value can reach the kernel (or make it write past a buffer).
 * Messages follow sharp: `Expected positive integer for count but received -1 of type number`.
 */

const U32_MAX = 0xffff_ffff;
const I32_MAX = 0x7fff_ffff;

function show(value: unknown): string {
  if (value instanceof Uint8Array) return `Uint8Array(${value.length})`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && value !== null) return Object.prototype.toString.call(value);
  return String(value);
}

export function invalid(name: string, expected: string, value: unknown): TypeError {
  return new TypeError(`Expected ${expected} for ${name} but received ${show(value)} of type ${typeof value}`);
}

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

export function intInRange(name: string, v: unknown, min: number, max: number): void {
  if (!isInt(v, min, max)) throw invalid(name, `integer between ${min} and ${max}`, v);
}

/** A file descriptor. */
export function fd(name: string, v: unknown): void {
  if (!isInt(v, 0, I32_MAX)) throw invalid(name, 'file descriptor (non-negative integer)', v);
}

export function u32(name: string, v: unknown): void {
  if (!isInt(v, 0, U32_MAX)) throw invalid(name, 'unsigned 32-bit integer', v);
}

export function positiveU32(name: string, v: unknown): void {
  if (!isInt(v, 1, U32_MAX)) throw invalid(name, 'positive integer', v);
}

/** An interface index: 0 means "none" to the kernel, never a device. */
export function ifindex(name: string, v: unknown): void {
  if (!isInt(v, 1, I32_MAX)) throw invalid(name, 'interface index (positive integer)', v);
}

export function bool(name: string, v: unknown): void {
  if (typeof v !== 'boolean') throw invalid(name, 'boolean', v);
}

export function nonEmptyString(name: string, v: unknown): void {
  if (typeof v !== 'string' || v.length === 0 || v.includes('\0')) throw invalid(name, 'non-empty string', v);
}

/**
 * A path to pin at. bpffs refuses names with a '.' (reserved for the kernel's own files) with EPERM,
 * which would read as a privilege problem: say what is wrong instead.
 */
export function pinPath(name: string, v: unknown): void {
  nonEmptyString(name, v);
  const file = (v as string).split('/').pop() ?? '';
  if (file.length === 0 || file.includes('.')) throw invalid(name, "bpffs path whose file name has no '.'", v);
}

export function bytes(name: string, v: unknown, minLength = 1): asserts v is Uint8Array {
  if (!(v instanceof Uint8Array) || v.length < minLength) {
    throw invalid(name, minLength > 1 ? `Uint8Array of at least ${minLength} bytes` : 'non-empty Uint8Array', v);
  }
}

export function bytesOrNull(name: string, v: unknown): void {
  if (v !== null) bytes(name, v);
}

/** A packed array of `count` equally sized elements. */
export function packed(name: string, v: unknown, count: number): void {
  bytes(name, v);
  if (v.length % count !== 0) {
    throw invalid(name, `Uint8Array of count (${count}) equally sized elements`, v);
  }
}

export function object(name: string, v: unknown): asserts v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) throw invalid(name, 'object', v);
}

export function array(name: string, v: unknown): asserts v is unknown[] {
  if (!Array.isArray(v)) throw invalid(name, 'array', v);
}

const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** A dotted-quad IPv4 address. */
export function ipv4(name: string, v: unknown): void {
  if (typeof v !== 'string' || !IPV4.test(v)) throw invalid(name, 'IPv4 address (dotted quad)', v);
}

export function func(name: string, v: unknown): void {
  if (typeof v !== 'function') throw invalid(name, 'function', v);
}
