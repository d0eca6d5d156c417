/** Value equality as the kernel sees it: the encoded bytes (field order, padding and MAC case don't matter). */
import { encode, type Codec } from './codec.js';

export function codecEqual<V>(codec: Codec<V>): (a: V, b: V) => boolean {
  return (a, b) => {
    const [x, y] = [encode(codec, a), encode(codec, b)];
    return x.length === y.length && x.every((byte, i) => byte === y[i]);
  };
}
