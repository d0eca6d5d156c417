// A consistent read of several prefixes: a first request fixes the revision, every page (of every prefix)
// is read at that same revision, so the result is one snapshot however long the read takes.
//
// The read is pipelined: once the revision is fixed, all prefixes are read at once, and each asks for its
// next page before handing the current one to the caller. So etcd prepares (and sends) page N+1 while
// the caller decodes page N, and the small prefixes (nodes, blocks) are read while the big one (workload
// endpoints) is. One page ahead is enough: etcd serves a page in about half the time it takes to decode.
import type { Etcd3 } from 'etcd3';
import { prefixEnd, rangeFetcher, type RangeFetcher, type RangePage } from './etcd-range.js';

export type { RangePage } from './etcd-range.js';

/**
 * The most keys per list request. Big pages, because etcd counts every key left in the range on each
 * request (the response's `count`): 500-key pages make a 110,000-key list ~4x slower than 5,000-key
 * pages. Pages are also kept near LIST_PAGE_BYTES (see listPrefixes), so this bounds small values only.
 */
export const DEFAULT_LIST_PAGE_SIZE = 10_000;

/**
 * What each page should weigh (keys + values): the next page's key limit follows the size of the entries
 * seen so far under the prefix, so 5,000 full /26 blocks (~16 kB each) come in ~10 pages rather than as
 * one 80 MB message.
 */
export const LIST_PAGE_BYTES = 8 * 1024 * 1024;

/** The first page of each prefix: small, as its entries' size is not known yet. */
const FIRST_PAGE_SIZE = 1_000;

/**
 * Reads every key under `prefixes` at one revision, at most `pageSize` keys per request (a full cluster
 * does not fit in one gRPC message), handing the entries to `onEntries` a slice of a page at a time: per
 * prefix in key order, the prefixes interleaved. Returns that revision. If etcd compacts the revision
 * while the read runs, the request fails with "required revision has been compacted": the caller starts
 * over.
 */
export async function listPrefixes(
  client: Etcd3,
  prefixes: readonly string[],
  pageSize: number,
  onEntries: (page: RangePage, from: number, to: number) => void,
): Promise<string> {
  if (prefixes.length === 0) throw new Error('listPrefixes: no prefixes given');
  const fetch = rangeFetcher(client);
  const failed = { value: false };
  // The revision: from a read of one key that is not there. Any read of a prefix would tell it too, but
  // etcd (3.4) walks a request's whole range to count it, ~50 ms for 100,000 endpoints; this costs nothing.
  const { revision } = await fetch({ key: Buffer.from(prefixes[0]!), rangeEnd: Buffer.alloc(0), limit: 1 });
  const lists = prefixes.map((prefix) => {
    const first = fetch({ key: Buffer.from(prefix), rangeEnd: prefixEnd(prefix), limit: Math.min(pageSize, FIRST_PAGE_SIZE), revision });
    return listPrefix(fetch, prefix, revision, pageSize, first, onEntries, failed);
  });
  try {
    await Promise.all(lists);
  } catch (err) {
    failed.value = true; // the other prefixes stop at their next page
    await Promise.allSettled(lists); // and no entry is handed out after this returns
    throw err;
  }
  return revision;
}

/** Reads one prefix from its `first` page on, one page ahead of what it hands to `onEntries`. */
async function listPrefix(
  fetch: RangeFetcher,
  prefix: string,
  revision: string,
  pageSize: number,
  first: Promise<RangePage>,
  onEntries: (page: RangePage, from: number, to: number) => void,
  failed: { value: boolean },
): Promise<void> {
  const rangeEnd = prefixEnd(prefix);
  let pending: Promise<RangePage> | undefined = first;
  let bytes = 0;
  let keys = 0;
  while (pending !== undefined) {
    const page: RangePage = await pending;
    if (failed.value) return;
    pending = undefined;
    if (page.more && page.length > 0) {
      // the next page: sized to weigh about LIST_PAGE_BYTES, going by the entries so far
      bytes += page.bytes;
      keys += page.length;
      const limit = Math.max(1, Math.min(pageSize, Math.floor(LIST_PAGE_BYTES / Math.max(1, bytes / keys))));
      const next = Buffer.concat([page.keyBytes(page.length - 1), Buffer.from([0])]); // the key right after the last
      pending = fetch({ key: next, rangeEnd, limit, revision });
      pending.catch(() => undefined); // awaited below; failing meanwhile is not an unhandled rejection
    }
    // In slices, letting I/O in between: the next page keeps arriving, the other prefixes' pages are
    // handed out meanwhile, and the process stays responsive (100,000 endpoints are ~0.5 s of decoding).
    for (let from = 0; from < page.length; ) {
      if (from > 0) {
        await new Promise((resolve) => setImmediate(resolve));
        if (failed.value) return;
      }
      const to = sliceEnd(page, from);
      onEntries(page, from, to);
      from = to;
    }
  }
}

/** Entries handed out between two looks at I/O: at most this many, and values of about HANDOUT_BYTES. */
const HANDOUT_SLICE = 1_000;
/** A few ms of decoding: ~1,000 endpoints, or ~180 IPAM blocks of 20 pods. */
const HANDOUT_BYTES = 1024 * 1024;

/** The end of the slice of `page` that starts at `from`. */
function sliceEnd(page: RangePage, from: number): number {
  const last = Math.min(page.length, from + HANDOUT_SLICE);
  let bytes = 0;
  for (let i = from; i < last; i++) {
    bytes += page.valueEnd(i) - page.valueStart(i);
    if (bytes >= HANDOUT_BYTES) return i + 1;
  }
  return last;
}

/** etcd's ErrCompacted, as the etcd3 client reports it (GRPCOutOfRangeError). */
export function isCompactedError(err: unknown): boolean {
  return err instanceof Error && err.message.includes('required revision has been compacted');
}
