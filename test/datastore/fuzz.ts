// Seeded random edits of JSON text, for the tests that compare two readers on values good and bad.

/** A small seeded PRNG (mulberry32), so a failure can be replayed. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `text` changed in one random place: a character replaced, dropped or doubled, or one inserted. */
export function mutate(text: string, next: () => number, alphabet = '{}[]":,\\ \t\n0123456789-+.eEtrufalsn/\x01\x7f\u00e9'): string {
  const at = Math.floor(next() * text.length);
  const char = alphabet[Math.floor(next() * alphabet.length)]!;
  switch (Math.floor(next() * 4)) {
    case 0:
      return text.slice(0, at) + char + text.slice(at + 1);
    case 1:
      return text.slice(0, at) + text.slice(at + 1);
    case 2:
      return text.slice(0, at) + text[at] + text.slice(at);
    default:
      return text.slice(0, at) + char + text.slice(at);
  }
}
