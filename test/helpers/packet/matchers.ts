/**
 * Vitest matcher: expect.extend(frameMatchers), then expect(out).toEqualFrame(want).
 * Kept out of packet.ts's runtime imports so the builders also load outside vitest (bench/).
 */
import { bytesEqual } from './bytes.js';
import { hexDiff, type HexDiffOptions } from './diff.js';

export const frameMatchers = {
  toEqualFrame(received: unknown, expected: Uint8Array, opts: HexDiffOptions = {}) {
    if (!(received instanceof Uint8Array)) {
      return { pass: false, message: () => `expected a Uint8Array frame, got ${Object.prototype.toString.call(received)}` };
    }
    const pass = bytesEqual(received, expected);
    return {
      pass,
      message: () => (pass ? `expected frames to differ, both are ${received.length} identical bytes` : `frames differ\n${hexDiff(received, expected, opts)}`),
    };
  },
};

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- must match vitest's own declaration
  interface Matchers<T = any> {
    toEqualFrame(expected: Uint8Array, opts?: HexDiffOptions): T;
  }
}
