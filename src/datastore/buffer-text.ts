// Strings from a part of a Buffer, for the many short ones a full list makes.

/** Buffer's own slice-to-string methods: what toString() calls after sorting out its arguments. */
interface SliceMethods {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}
const methods = Buffer.prototype as Partial<SliceMethods>;
const direct = typeof methods.latin1Slice === 'function' && typeof methods.utf8Slice === 'function';

/**
 * bytes.toString('latin1', start, end), without toString's argument handling, which costs as much as
 * the copy for short strings (and a full list makes most of a million of them). Falls back to toString
 * where Buffer lacks the method.
 */
export function latin1Text(bytes: Buffer, start: number, end: number): string {
  return direct ? (bytes as unknown as SliceMethods).latin1Slice(start, end) : bytes.toString('latin1', start, end);
}

/** bytes.toString('utf8', start, end), the same way. */
export function utf8Text(bytes: Buffer, start: number, end: number): string {
  return direct ? (bytes as unknown as SliceMethods).utf8Slice(start, end) : bytes.toString('utf8', start, end);
}
