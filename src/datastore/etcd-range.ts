// etcd's KV.Range for the full list, with its own protobuf codec. The etcd3 client decodes a response into
// one object per key (Buffers for key and value, four int64 fields turned into decimal strings): reading
// 110,000 keys cost ~500 ms of CPU that way, ~200 ms here, with far less garbage. Here a page stays one
// Buffer plus the offsets of each key and value, and strings are made only for what the caller reads.
//
// The call goes through the etcd3 client's own connection (its `pool`: the channel, TLS, auth token and
// call deadline the client was set up with), which etcd3 does not declare public. If a version of etcd3
// lacks it, rangeFetcher falls back to the public getAll(), with the same results.
import { Range, type CallOptionsFactory, type Etcd3, type IRangeResponse } from 'etcd3';
import { utf8Text } from './buffer-text.js';

export interface RangeRequest {
  key: Buffer;
  rangeEnd: Buffer;
  limit: number;
  /** decimal; 0 or undefined: the newest */
  revision?: string;
}

/** One page of a range read: the keys in order, with their values. */
export interface RangePage {
  /** etcd's revision when it answered (header.revision), decimal: for a read without a revision, the one read */
  readonly revision: string;
  /** whether keys are left in the range after this page */
  readonly more: boolean;
  readonly length: number;
  key(i: number): string;
  value(i: number): string;
  /** The UTF-8 bytes of value i are valueBuffer(i)[valueStart(i), valueEnd(i)): no copy, no string. */
  valueBuffer(i: number): Buffer;
  valueStart(i: number): number;
  valueEnd(i: number): number;
  /** the raw bytes of key i */
  keyBytes(i: number): Buffer;
  /** key + value bytes of the page */
  readonly bytes: number;
}

export type RangeFetcher = (request: RangeRequest) => Promise<RangePage>;

/** The fetcher for `client`: the compact codec on the client's connection, else etcd3's getAll(). */
export function rangeFetcher(client: Etcd3): RangeFetcher {
  const pool = (client as unknown as { pool?: Partial<PoolLike> }).pool;
  if (typeof pool?.withConnection !== 'function') return publicRange(client);
  return rawRange(pool as PoolLike);
}

/** The bytes right after all keys starting with `prefix` (etcd's range_end for a prefix). */
export function prefixEnd(prefix: string): Buffer {
  return Range.prefix(prefix).end;
}

// --- through the client's connection -------------------------------------------------------------------

/** The part of etcd3's ConnectionPool used here (see the file comment). */
interface PoolLike {
  withConnection<R>(service: 'KV', fn: (args: { client: UnaryClient; metadata: unknown }) => Promise<R>): Promise<R>;
  readonly callOptionsFactory: CallOptionsFactory | undefined;
}

/** grpc-js Client.makeUnaryRequest, as far as it is used here. */
interface UnaryClient {
  makeUnaryRequest(
    method: string,
    serialize: (value: RangeRequest) => Buffer,
    deserialize: (bytes: Buffer) => RangePage,
    argument: RangeRequest,
    metadata: unknown,
    options: object,
    callback: (err: Error | null, value?: RangePage) => void,
  ): unknown;
}

function rawRange(pool: PoolLike): RangeFetcher {
  return (request) =>
    pool.withConnection('KV', ({ client, metadata }) => {
      const factory = pool.callOptionsFactory;
      const options =
        typeof factory === 'function' ? factory({ service: 'KV', method: 'range', params: request, isStream: false }) : (factory ?? {});
      return new Promise<RangePage>((resolve, reject) => {
        client.makeUnaryRequest('/etcdserverpb.KV/Range', encodeRangeRequest, decodeRangeResponse, request, metadata, options, (err, page) =>
          err ? reject(err) : resolve(page!),
        );
      });
    });
}

/** etcdserverpb.RangeRequest: key = 1, range_end = 2, limit = 3, revision = 4 (the rest left default). */
export function encodeRangeRequest(request: RangeRequest): Buffer {
  const out: number[] = [];
  const bytesField = (tag: number, bytes: Buffer) => {
    out.push(tag);
    writeVarint(out, BigInt(bytes.length));
    for (const b of bytes) out.push(b);
  };
  bytesField(0x0a, request.key);
  bytesField(0x12, request.rangeEnd);
  if (request.limit > 0) {
    out.push(0x18);
    writeVarint(out, BigInt(request.limit));
  }
  if (request.revision !== undefined && request.revision !== '0') {
    out.push(0x20);
    writeVarint(out, BigInt(request.revision));
  }
  return Buffer.from(out);
}

function writeVarint(out: number[], value: bigint): void {
  while (value >= 0x80n) {
    out.push(Number(value & 0x7fn) | 0x80);
    value >>= 7n;
  }
  out.push(Number(value));
}

/**
 * etcdserverpb.RangeResponse: header = 1 (ResponseHeader, revision = 3), kvs = 2 (mvccpb.KeyValue, key = 1,
 * value = 5), more = 3, count = 4. Other fields, known or not, are skipped by wire type.
 */
export function decodeRangeResponse(buf: Buffer): RangePage {
  const reader = new Reader(buf, 0, buf.length);
  let revision = '0';
  let more = false;
  const offsets: number[] = []; // per key: key start, key end, value start, value end
  while (reader.more()) {
    const tag = reader.varint();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 1 && wire === 2) {
      const header = reader.sub();
      while (header.more()) {
        const t = header.varint();
        if (t === 0x18) revision = header.varintText();
        else header.skip(t & 7);
      }
    } else if (field === 2 && wire === 2) {
      const kv = reader.sub();
      let keyStart = 0;
      let keyEnd = 0;
      let valueStart = 0;
      let valueEnd = 0;
      while (kv.more()) {
        const t = kv.varint();
        if (t === 0x0a || t === 0x2a) {
          const length = kv.varint();
          const start = kv.pos;
          kv.advance(length);
          if (t === 0x0a) {
            keyStart = start;
            keyEnd = kv.pos;
          } else {
            valueStart = start;
            valueEnd = kv.pos;
          }
        } else {
          kv.skip(t & 7);
        }
      }
      offsets.push(keyStart, keyEnd, valueStart, valueEnd);
    } else if (field === 3 && wire === 0) {
      more = reader.varint() !== 0;
    } else {
      reader.skip(wire);
    }
  }
  return new CompactPage(buf, revision, more, offsets);
}

class CompactPage implements RangePage {
  readonly length: number;
  readonly bytes: number;

  constructor(
    private readonly buf: Buffer,
    readonly revision: string,
    readonly more: boolean,
    private readonly offsets: number[],
  ) {
    this.length = offsets.length / 4;
    let bytes = 0;
    for (let i = 0; i < offsets.length; i += 2) bytes += offsets[i + 1]! - offsets[i]!;
    this.bytes = bytes;
  }

  key(i: number): string {
    return utf8Text(this.buf, this.offsets[4 * i]!, this.offsets[4 * i + 1]!);
  }

  value(i: number): string {
    return utf8Text(this.buf, this.offsets[4 * i + 2]!, this.offsets[4 * i + 3]!);
  }

  valueBuffer(): Buffer {
    return this.buf;
  }

  valueStart(i: number): number {
    return this.offsets[4 * i + 2]!;
  }

  valueEnd(i: number): number {
    return this.offsets[4 * i + 3]!;
  }

  keyBytes(i: number): Buffer {
    return this.buf.subarray(this.offsets[4 * i], this.offsets[4 * i + 1]);
  }
}

/** Protobuf wire-format reading of buf[pos, end); throws on anything truncated. */
class Reader {
  constructor(
    private readonly buf: Buffer,
    public pos: number,
    private readonly end: number,
  ) {}

  more(): boolean {
    return this.pos < this.end;
  }

  /** A varint below 2^28 (tags, lengths, bools); larger ones are refused. */
  varint(): number {
    let result = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      const byte = this.byte();
      result |= (byte & 0x7f) << shift;
      if (byte < 0x80) return result;
    }
    throw new Error('etcd range response: varint too large');
  }

  /** A varint of up to 64 bits as an unsigned decimal string (int64 revisions are never negative). */
  varintText(): string {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const byte = this.byte();
      result |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return BigInt.asIntN(64, result).toString();
    }
    throw new Error('etcd range response: varint too long');
  }

  /** The length-delimited field at pos, as a reader of its own; pos moves past it. */
  sub(): Reader {
    const length = this.varint();
    const start = this.pos;
    this.advance(length);
    return new Reader(this.buf, start, this.pos);
  }

  advance(length: number): void {
    if (this.pos + length > this.end) throw new Error('etcd range response: truncated');
    this.pos += length;
  }

  skip(wire: number): void {
    switch (wire) {
      case 0:
        while (this.byte() >= 0x80);
        return;
      case 1:
        return this.advance(8);
      case 2:
        return this.advance(this.varint());
      case 5:
        return this.advance(4);
      default:
        throw new Error(`etcd range response: unknown wire type ${wire}`);
    }
  }

  private byte(): number {
    if (this.pos >= this.end) throw new Error('etcd range response: truncated');
    return this.buf[this.pos++]!;
  }
}

// --- through etcd3's public API ---------------------------------------------------------------------------

function publicRange(client: Etcd3): RangeFetcher {
  return async (request) => {
    const builder = client.getAll().inRange({ start: request.key, end: request.rangeEnd }).limit(request.limit);
    if (request.revision !== undefined) builder.revision(request.revision);
    return new ObjectPage(await builder.exec());
  };
}

class ObjectPage implements RangePage {
  readonly revision: string;
  readonly more: boolean;
  readonly length: number;
  readonly bytes: number;

  constructor(private readonly response: IRangeResponse) {
    this.revision = response.header.revision;
    this.more = response.more;
    this.length = response.kvs.length;
    this.bytes = response.kvs.reduce((sum, kv) => sum + kv.key.length + kv.value.length, 0);
  }

  key(i: number): string {
    return this.response.kvs[i]!.key.toString();
  }

  value(i: number): string {
    return this.response.kvs[i]!.value.toString();
  }

  valueBuffer(i: number): Buffer {
    return this.response.kvs[i]!.value;
  }

  valueStart(): number {
    return 0;
  }

  valueEnd(i: number): number {
    return this.response.kvs[i]!.value.length;
  }

  keyBytes(i: number): Buffer {
    return this.response.kvs[i]!.key;
  }
}
