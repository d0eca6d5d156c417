/**
 * hexDiff: a failure message that names the field at the first differing byte, e.g.
 * "ipv4.ttl at offset 22: got 0x3f want 0x40", then lists every differing field and shows both
 * hex dumps side by side with differing bytes in [brackets].
 */
import { bytesEqual } from './bytes.js';
import { tcpFlagNames } from './l4.js';
import { hexDigits, readField } from './layout.js';
import { parseFrame, parsePacket, type FieldLocation, type ParseOptions } from './parse.js';

export interface HexDiffOptions extends ParseOptions {
  /** the bytes are bare IPv4 packets, not Ethernet frames */
  packet?: boolean;
  /** frames with more 16-byte rows than this show only rows near differences */
  maxRows?: number;
}

const ROW = 16;

function locate(locs: readonly FieldLocation[], offset: number, xor: number | undefined): FieldLocation[] {
  const hits = locs.filter((l) => offset >= l.offset && offset < l.offset + l.size);
  if (xor === undefined || !hits.some((l) => l.mask !== undefined)) return hits;
  // Several bit fields share this byte: keep those whose bits actually differ.
  const touched = hits.filter((l) => {
    if (l.mask === undefined) return true;
    const byteMask = (l.mask >>> (8 * (l.size - 1 - (offset - l.offset)))) & 0xff;
    return (byteMask & xor) !== 0;
  });
  return touched.length ? touched : hits;
}

function fieldValue(b: Uint8Array, loc: FieldLocation, offset: number): string {
  if (loc.format === 'bytes') return offset < b.length ? `0x${b[offset]!.toString(16).padStart(2, '0')}` : 'nothing';
  if (loc.offset + loc.size > b.length) return 'nothing';
  const v = readField(b, loc.offset, { name: loc.path, offset: 0, size: loc.size, mask: loc.mask, format: loc.format });
  if (typeof v === 'string') return v;
  const text = `0x${v.toString(16).padStart(hexDigits(loc), '0')}`;
  return loc.path.endsWith('tcp.flags') ? `${text} (${tcpFlagNames(v)})` : text;
}

function fieldName(loc: FieldLocation, offset: number): string {
  return loc.format === 'bytes' ? `${loc.path}[${offset - loc.offset}]` : loc.path;
}

function renderRow(bytes: Uint8Array, other: Uint8Array, start: number): string {
  const differs = (i: number): boolean => (i < bytes.length || i < other.length) && bytes[i] !== other[i];
  let s = '';
  for (let j = 0; j <= ROW; j++) {
    const now = j < ROW && differs(start + j);
    const before = j > 0 && differs(start + j - 1);
    s += now && !before ? '[' : !now && before ? ']' : ' ';
    if (j === ROW) break;
    const i = start + j;
    s += i < bytes.length ? bytes[i]!.toString(16).padStart(2, '0') : i < other.length ? '--' : '  ';
  }
  return s;
}

function dump(actual: Uint8Array, expected: Uint8Array, diffRows: Set<number>, maxRows: number): string[] {
  const rows = Math.ceil(Math.max(actual.length, expected.length) / ROW);
  const shown = (r: number): boolean => rows <= maxRows || diffRows.has(r) || diffRows.has(r - 1) || diffRows.has(r + 1);
  const lines = [`        ${'got (actual)'.padEnd(ROW * 3 + 1)}  want (expected)`];
  let skipped = 0;
  for (let r = 0; r < rows; r++) {
    if (!shown(r)) {
      skipped++;
      continue;
    }
    if (skipped) lines.push(`  ...   (${skipped} identical row${skipped > 1 ? 's' : ''})`);
    skipped = 0;
    const mark = diffRows.has(r) ? '>' : ' ';
    lines.push(`${mark} ${(r * ROW).toString(16).padStart(4, '0')} ${renderRow(actual, expected, r * ROW)}  ${renderRow(expected, actual, r * ROW)}`.trimEnd());
  }
  if (skipped) lines.push(`  ...   (${skipped} identical row${skipped > 1 ? 's' : ''})`);
  return lines;
}

/** '' when the bytes are equal; otherwise a multi-line description of the differences. */
export function hexDiff(actual: Uint8Array, expected: Uint8Array, opts: HexDiffOptions = {}): string {
  if (bytesEqual(actual, expected)) return '';
  const parse = opts.packet ? parsePacket : parseFrame;
  const want = parse(expected, opts);
  const got = parse(actual, opts);
  const diffs: number[] = [];
  for (let i = 0; i < Math.max(actual.length, expected.length); i++) if (actual[i] !== expected[i]) diffs.push(i);

  // Fields are named by the expected layout; bytes beyond it by the actual one.
  const describe = (offset: number): { name: string; loc?: FieldLocation } => {
    const xor = offset < actual.length && offset < expected.length ? actual[offset]! ^ expected[offset]! : undefined;
    let hits = locate(want.fields, offset, xor);
    if (!hits.length) hits = locate(got.fields, offset, xor);
    if (!hits.length) return { name: 'unparsed bytes' };
    return { name: hits.map((h) => fieldName(h, offset)).join('+'), loc: hits[0] };
  };

  const first = diffs[0]!;
  const head = describe(first);
  const lines: string[] = [];
  if (first >= actual.length) {
    lines.push(`actual ends at ${actual.length} bytes; expected continues with ${head.name} at offset ${first}`);
  } else if (first >= expected.length) {
    lines.push(`actual has ${actual.length - expected.length} extra bytes from offset ${first} (${head.name})`);
  } else {
    const g = head.loc ? fieldValue(actual, head.loc, first) : `0x${actual[first]!.toString(16).padStart(2, '0')}`;
    const w = head.loc ? fieldValue(expected, head.loc, first) : `0x${expected[first]!.toString(16).padStart(2, '0')}`;
    lines.push(`${head.name} at offset ${first}: got ${g} want ${w}`);
  }
  if (actual.length !== expected.length) lines.push(`length: got ${actual.length} want ${expected.length}`);

  const byField = new Map<string, { offsets: number[]; loc?: FieldLocation }>();
  for (const o of diffs) {
    const d = describe(o);
    const key = d.loc?.format === 'bytes' ? d.loc.path : d.name;
    const entry = byField.get(key) ?? { offsets: [], loc: d.loc };
    entry.offsets.push(o);
    byField.set(key, entry);
  }
  lines.push(`${diffs.length} differing byte${diffs.length > 1 ? 's' : ''} in ${byField.size} field${byField.size > 1 ? 's' : ''}:`);
  let listed = 0;
  for (const [name, { offsets, loc }] of byField) {
    if (listed++ === 12) {
      lines.push(`  ... and ${byField.size - 12} more`);
      break;
    }
    const span = offsets.length > 1 ? `${offsets[0]}..${offsets[offsets.length - 1]}` : `${offsets[0]}`;
    const o = offsets[0]!;
    const values = loc && loc.format !== 'bytes'
      ? `: got ${fieldValue(actual, loc, o)} want ${fieldValue(expected, loc, o)}`
      : ` (${offsets.length} byte${offsets.length > 1 ? 's' : ''}${loc ? `, first [${o - loc.offset}]: got ${fieldValue(actual, loc, o)} want ${fieldValue(expected, loc, o)}` : ''})`;
    lines.push(`  ${name} @${span}${values}`);
  }
  for (const p of got.problems) lines.push(`actual: ${p}`);
  for (const p of want.problems) lines.push(`expected: ${p}`);
  lines.push(...dump(actual, expected, new Set(diffs.map((o) => Math.floor(o / ROW))), opts.maxRows ?? 12));
  return lines.join('\n');
}

/** Throws with hexDiff's message unless the bytes are identical. */
export function expectFrame(actual: Uint8Array, expected: Uint8Array, opts: HexDiffOptions & { message?: string } = {}): void {
  const diff = hexDiff(actual, expected, opts);
  if (diff) throw new Error(`${opts.message ? `${opts.message}: ` : ''}frames differ\n${diff}`);
}
