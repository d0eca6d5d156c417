// The datastore's own KV.Range codec: hand-made protobuf bytes, and against a real etcd the same pages as
// the etcd3 client's getAll() (which the fetcher falls back to when the client's connection is out of reach).
import { Etcd3, isRecoverableError, type IRequestOp } from 'etcd3';
import { describe, expect, it } from 'vitest';
import { isCompactedError } from '../../src/datastore/etcd-list.js';
import { decodeRangeResponse, encodeRangeRequest, prefixEnd, rangeFetcher, type RangePage } from '../../src/datastore/etcd-range.js';
import { useEtcd } from '../helpers/etcd-suite.js';

/** Protobuf wire format, for building test messages by hand. */
const varint = (value: bigint | number): number[] => {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  return [...out, Number(v)];
};
const field = (number: number, wire: number) => varint((number << 3) | wire);
const int = (number: number, value: bigint | number) => [...field(number, 0), ...varint(value)];
const bytes = (number: number, value: Buffer | number[]) => [...field(number, 2), ...varint(value.length), ...value];
const text = (number: number, value: string) => bytes(number, Buffer.from(value));

const pageContents = (page: RangePage) => ({
  revision: page.revision,
  more: page.more,
  entries: Array.from({ length: page.length }, (_, i) => [page.key(i), page.value(i)]),
  bytes: page.bytes,
});

describe('RangeResponse decoding', () => {
  it('reads the header revision exactly, keys and values, and more; skips every other field', () => {
    const kv = (key: string, value: string | undefined, modRevision: number) => [
      ...text(1, key),
      ...int(2, 5),
      ...int(3, modRevision),
      ...int(4, 2),
      ...(value === undefined ? [] : text(5, value)), // proto3 leaves an empty value out
      ...int(6, 0),
      ...int(7, 3), // a field this codec does not know
    ];
    const header = [...int(1, 14841639068965178418n), ...int(2, 10276657743932975437n), ...int(3, 2n ** 60n + 1n), ...int(4, 2)];
    const message = Buffer.from([
      ...bytes(1, header),
      ...bytes(2, kv('/calico/a', '{"x":1}', 7)),
      ...[...field(15, 1), 1, 2, 3, 4, 5, 6, 7, 8], // fixed64
      ...[...field(16, 5), 1, 2, 3, 4], // fixed32
      ...bytes(17, [1, 2, 3]),
      ...bytes(2, kv('/calico/日本', undefined, 8)),
      ...bytes(2, kv('/calico/c', 'ünïcode ✓', 9)),
      ...int(3, 1),
      ...int(4, 1234567),
    ]);
    const page = decodeRangeResponse(message);
    expect(pageContents(page)).toEqual({
      revision: '1152921504606846977',
      more: true,
      entries: [
        ['/calico/a', '{"x":1}'],
        ['/calico/日本', ''],
        ['/calico/c', 'ünïcode ✓'],
      ],
      bytes: 9 + 7 + Buffer.byteLength('/calico/日本') + 9 + Buffer.byteLength('ünïcode ✓'),
    });
    expect(page.keyBytes(1)).toEqual(Buffer.from('/calico/日本'));
    expect(pageContents(decodeRangeResponse(Buffer.alloc(0)))).toEqual({ revision: '0', more: false, entries: [], bytes: 0 });
  });

  it('refuses a truncated message', () => {
    const message = Buffer.from([...bytes(1, int(3, 42)), ...bytes(2, [...text(1, '/k'), ...text(5, 'value')])]);
    expect(() => decodeRangeResponse(message.subarray(0, message.length - 2))).toThrow('etcd range response: truncated');
    expect(() => decodeRangeResponse(Buffer.from([0x0a]))).toThrow('etcd range response: truncated');
  });

  it('encodes key, range_end, limit and revision, and nothing for the defaults', () => {
    expect([...encodeRangeRequest({ key: Buffer.from('/a'), rangeEnd: Buffer.from('/b'), limit: 300, revision: '9007199254740993' })]).toEqual([
      ...text(1, '/a'),
      ...text(2, '/b'),
      ...int(3, 300),
      ...int(4, 9007199254740993n),
    ]);
    expect([...encodeRangeRequest({ key: Buffer.from('/a'), rangeEnd: Buffer.alloc(0), limit: 0 })]).toEqual([...text(1, '/a'), ...bytes(2, [])]);
  });
});

describe('range fetchers against etcd', () => {
  const server = useEtcd();

  it("gives the same pages as etcd3's getAll, which it falls back to without the client's connection", async () => {
    const entries: Record<string, string> = {};
    for (let i = 0; i < 25; i++) entries[`/calico/t/k${String(i).padStart(2, '0')}`] = i % 5 === 0 ? '' : `{"i":${i},"s":"ünï ${'x'.repeat(i * 40)}"}`;
    entries['/calico/t/日本'] = '{"utf8":"✓"}';
    entries['/calico/u/outside'] = '{}';
    const success: IRequestOp[] = Object.entries(entries).map(([k, v]) => ({ request_put: { key: Buffer.from(k), value: Buffer.from(v) } }));
    const { header } = await server.client.kv.txn({ compare: [], success, failure: [] });
    const later = await server.client.put('/calico/t/k03').value('{"later":true}');

    const raw = rangeFetcher(server.client);
    const fallback = rangeFetcher(Object.create(server.client, { pool: { value: undefined } }) as Etcd3);
    expect(raw).not.toBe(fallback);
    const requests = [
      { key: Buffer.from('/calico/t/'), rangeEnd: prefixEnd('/calico/t/'), limit: 10, revision: header.revision },
      { key: Buffer.from('/calico/t/k07'), rangeEnd: prefixEnd('/calico/t/'), limit: 0, revision: header.revision },
      { key: Buffer.from('/calico/t/'), rangeEnd: prefixEnd('/calico/t/'), limit: 100 },
      { key: Buffer.from('/calico/t/k2'), rangeEnd: Buffer.from('/calico/t/k3'), limit: 2 },
      { key: Buffer.from('/nothing/'), rangeEnd: prefixEnd('/nothing/'), limit: 5 },
      { key: Buffer.from('/calico/t/k07'), rangeEnd: Buffer.alloc(0), limit: 1 }, // one key
      { key: Buffer.from('/calico/t/'), rangeEnd: Buffer.alloc(0), limit: 1 }, // one key that is not there
    ];
    for (const request of requests) {
      const [a, b] = await Promise.all([raw(request), fallback(request)]);
      expect(pageContents(a)).toEqual(pageContents(b));
      for (let i = 0; i < a.length; i++) expect(a.keyBytes(i)).toEqual(b.keyBytes(i));
    }
    const first = await raw(requests[0]!);
    // the header's revision is etcd's current one, also for a read at an older revision
    expect({ revision: first.revision, more: first.more, length: first.length }).toEqual({ revision: later.header.revision, more: true, length: 10 });
    expect(first.value(3)).toBe('{"i":3,"s":"ünï xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}');
    expect((await raw(requests[2]!)).value(3)).toBe('{"later":true}');
  });

  it('fails as etcd3 does: a compacted revision and an unreachable etcd are recognised', async () => {
    const { header } = await server.client.put('/calico/c/1').value('a');
    await server.client.put('/calico/c/1').value('b');
    const latest = await server.client.put('/calico/c/2').value('c');
    await server.client.kv.compact({ revision: latest.header.revision, physical: true });
    const raw = rangeFetcher(server.client);
    const compacted = await raw({ key: Buffer.from('/calico/c/'), rangeEnd: prefixEnd('/calico/c/'), limit: 10, revision: header.revision }).catch((e: unknown) => e);
    expect(isCompactedError(compacted)).toBe(true);

    const unreachable = new Etcd3({ hosts: 'http://127.0.0.1:9', dialTimeout: 500, faultHandling: { host: () => passThrough } });
    try {
      const failed = await rangeFetcher(unreachable)({ key: Buffer.from('/a'), rangeEnd: Buffer.from('/b'), limit: 1 }).catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(Error);
      expect(isRecoverableError(failed as Error)).toBe(true);
    } finally {
      unreachable.close();
    }
  });
});

/** A cockatiel-shaped policy that just runs the call (as the datastore's client has), so failures are not retried. */
const passThrough = {
  _altReturn: undefined as never,
  onSuccess: () => ({ dispose: () => undefined }),
  onFailure: () => ({ dispose: () => undefined }),
  execute: async <T>(fn: (context: { signal: AbortSignal }) => T | Promise<T>) => fn({ signal: new AbortController().signal }),
};
