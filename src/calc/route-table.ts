/**
 * The route table of calcClusterRoutesOf, kept from pass to pass: every route asked for, with who asked
 * and where the ask stands in the calculation's order, and per CIDR the one route that stays. A pass
 * adds and removes only the asks that came or went (one block of 5,000, one floating IP), and settles
 * only their CIDRs again: after one change a pass no longer rebuilds and sorts 10,000 routes.
 *
 * Settling a CIDR folds its asks in rank order, which is the order the full calculation meets them
 * in (pools, blocks, endpoint addresses, hosts), so the route kept and the clash reported are the same
 * as if the table were built anew.
 */
import { RouteType } from '../dataplane/abi.js';
import { routeOrder } from './route-format.js';
import { byText } from './route-inputs.js';
import type { KernelRoute, RouteEntry } from './routes.js';

/** A route plus who asked for it: a node name, or `pool <name>` for a pool's own route. */
export interface Candidate {
  entry: RouteEntry;
  owner: string;
  /** routeOrder of the CIDR, once it was needed (candidates are kept from pass to pass) */
  order?: number;
  /** the host's own route for it, once it was needed (a remote route) */
  kernel?: KernelRoute;
}

/** Where an ask stands in the full calculation: its kind (see RANK), then positions within it. */
export type Rank = readonly [kind: number, position: number, ask: number];
export const RANK = { pool: 0, block: 1, endpoint: 2, host: 3 } as const;

/** A route that stays or goes in a commit: before and after (undefined: none). */
export type RouteChange = readonly [before: Candidate | undefined, after: Candidate | undefined];

interface Held {
  candidate: Candidate;
  rank: Rank;
}

const compareRanks = (a: Rank, b: Rank): number => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/**
 * Which of two routes for one CIDR stays. A pool route yields to anything more specific about the
 * same CIDR (a block as big as its pool carries the pool's flags anyway). Otherwise the owner whose
 * name sorts first wins, so the outcome never depends on input order.
 */
function settle(prev: Candidate, next: Candidate): { keep: Candidate; warn: boolean } {
  const [prevPool, nextPool] = [prev.entry.type === 'Pool', next.entry.type === 'Pool'];
  if (prevPool !== nextPool) return { keep: prevPool ? next : prev, warn: false };
  if (prev.owner === next.owner && JSON.stringify(prev.entry) === JSON.stringify(next.entry)) return { keep: prev, warn: false };
  const order = byText(prev.owner, next.owner) || RouteType[prev.entry.type] - RouteType[next.entry.type];
  return { keep: order <= 0 ? prev : next, warn: true };
}

const orderOf = (c: Candidate): number => (c.order ??= routeOrder(c.entry.cidr));
/** Route order; the CIDR text breaks a tie (two spellings of one prefix). */
const compareCandidates = (a: Candidate, b: Candidate): number => orderOf(a) - orderOf(b) || byText(a.entry.cidr, b.entry.cidr);

/** Past this many changed CIDRs a commit sorts the whole table instead of moving routes one by one. */
const RESORT_AT = 256;

export class RouteTable {
  /** every ask, by CIDR, in rank order */
  private readonly asks = new Map<string, Held[]>();
  /** the route that stays, by CIDR */
  private readonly kept = new Map<string, Candidate>();
  /** clashes found when settling, by CIDR */
  private readonly clashes = new Map<string, string[]>();
  /** the kept routes in route order */
  private sorted: Candidate[] = [];
  private readonly touched = new Set<string>();

  add(candidate: Candidate, rank: Rank): void {
    const { cidr } = candidate.entry;
    const list = this.asks.get(cidr);
    if (!list) this.asks.set(cidr, [{ candidate, rank }]);
    else {
      let i = list.length;
      while (i > 0 && compareRanks(list[i - 1]!.rank, rank) > 0) i--;
      list.splice(i, 0, { candidate, rank });
    }
    this.touched.add(cidr);
  }

  /** Removes the ask `add` was given with this candidate object. */
  remove(candidate: Candidate): void {
    const { cidr } = candidate.entry;
    const list = this.asks.get(cidr);
    const i = list?.findIndex((h) => h.candidate === candidate) ?? -1;
    if (i < 0) throw new Error(`route table: no ask for ${cidr} by ${candidate.owner} to remove`);
    if (list!.length === 1) this.asks.delete(cidr);
    else list!.splice(i, 1);
    this.touched.add(cidr);
  }

  /** Settles the CIDRs touched since the last commit; returns the routes that changed. */
  commit(): RouteChange[] {
    const changes: RouteChange[] = [];
    for (const cidr of this.touched) {
      const before = this.kept.get(cidr);
      const after = this.settleCidr(cidr);
      if (after) this.kept.set(cidr, after);
      else this.kept.delete(cidr);
      if (before !== after) changes.push([before, after]);
    }
    this.touched.clear();
    if (changes.length > RESORT_AT) this.sorted = [...this.kept.values()].sort(compareCandidates);
    else for (const [before, after] of changes) this.move(before, after);
    return changes;
  }

  /** The kept routes in route order (the table's own array: not to be modified). */
  routes(): readonly Candidate[] {
    return this.sorted;
  }

  /** The clashes settling found, in route order. */
  clashWarnings(): string[] {
    if (this.clashes.size === 0) return [];
    const cidrs = [...this.clashes.keys()].map((cidr) => this.kept.get(cidr)!).sort(compareCandidates);
    return cidrs.flatMap((c) => this.clashes.get(c.entry.cidr)!);
  }

  /** The asks for `cidr` folded in rank order, as the full calculation meets them. */
  private settleCidr(cidr: string): Candidate | undefined {
    const list = this.asks.get(cidr);
    this.clashes.delete(cidr);
    if (!list) return undefined;
    let keep = list[0]!.candidate;
    const clashes: string[] = [];
    for (let i = 1; i < list.length; i++) {
      const next = list[i]!.candidate;
      const settled = settle(keep, next);
      if (settled.warn) {
        const lost = settled.keep === keep ? next.owner : keep.owner;
        clashes.push(`${cidr} is claimed by ${keep.owner} and ${next.owner}; using ${settled.keep.owner}, not ${lost}`);
      }
      keep = settled.keep;
    }
    if (clashes.length > 0) this.clashes.set(cidr, clashes);
    return keep;
  }

  /** Puts one changed route in its place in `sorted`. */
  private move(before: Candidate | undefined, after: Candidate | undefined): void {
    const sorted = this.sorted;
    if (before) sorted.splice(this.indexOf(before), 1);
    if (after) sorted.splice(this.insertionPoint(after), 0, after);
  }

  private indexOf(c: Candidate): number {
    const i = this.insertionPoint(c);
    if (this.sorted[i] !== c) throw new Error(`route table: ${c.entry.cidr} is not where its order says`);
    return i;
  }

  /** The first index whose route does not sort before `c`. */
  private insertionPoint(c: Candidate): number {
    let [lo, hi] = [0, this.sorted.length];
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareCandidates(this.sorted[mid]!, c) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
