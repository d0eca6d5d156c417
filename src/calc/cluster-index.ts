/**
 * The cluster's resources, kept split the way calcDesiredState reads them and updated one change at a
 * time: the daemon's view of a 100,000-endpoint cluster. Splitting all of it on every pass cost more
 * than the rest of the pass; here an upsert or delete touches only its own resource. Most endpoints
 * matter to no calculation (not this node's, no floating IP, every address inside an IPAM block), and
 * those are never listed. A kind's list is the same array from one split() to the next until a
 * resource of that kind changes, so the calculation reuses what it derived from it (route-inputs.ts).
 *
 * `split()` gives what splitResources gives on the same resources, in another order (the calculation
 * sorts what it reads, so order does not matter), except that `workloadEndpoints` holds only the
 * endpoints that may have an address outside every block (a superset of those that do):
 * collectUnmanagedIps looks at no other. calcDesiredStateOf(index.split(), self) therefore equals
 * calcDesiredState(resources, self); the tests check it after random sequences of changes.
 */
import type { Resource } from '../model/resources.js';
import type { WorkloadEndpoint } from '../model/workload-endpoint.js';
import { v4Network } from './route-inputs.js';
import type { SplitResources } from './split.js';
import { BlockNetworks, hasUnmanagedIp } from './workload-ips.js';

type ListName = keyof SplitResources;
const LISTS: readonly ListName[] = ['pools', 'nodes', 'blocks', 'workloadEndpoints', 'withFloatingIps', 'local'];
const LIST_OF_KIND = { IPPool: 'pools', Node: 'nodes', IPAMBlock: 'blocks' } as const;

export class ClusterIndex {
  private readonly all = new Map<string, Resource>();
  private readonly lists = new Map<ListName, Map<string, Resource>>(LISTS.map((name) => [name, new Map()]));
  /** the arrays split() handed out; a list's is dropped when it changes */
  private readonly arrays = new Map<ListName, readonly Resource[]>();
  private readonly blockNetworks = new BlockNetworks();

  constructor(private readonly nodeName: string) {}

  get size(): number {
    return this.all.size;
  }

  /** Replaces everything (a full snapshot). */
  reset(resources: ReadonlyMap<string, Resource>): void {
    for (const key of [...this.all.keys()]) if (!resources.has(key)) this.delete(key);
    // Blocks before endpoints: an endpoint placed before its block would be listed unmanaged first.
    for (const [key, r] of resources) if (r.kind !== 'WorkloadEndpoint') this.upsert(key, r);
    for (const [key, r] of resources) if (r.kind === 'WorkloadEndpoint') this.upsert(key, r);
  }

  upsert(key: string, resource: Resource): void {
    const old = this.all.get(key);
    if (old === resource) return;
    if (old) this.forget(key, old);
    this.all.set(key, resource);
    if (resource.kind === 'WorkloadEndpoint') return this.placeEndpoint(key, resource);
    this.put(LIST_OF_KIND[resource.kind], key, resource);
    if (resource.kind === 'IPAMBlock') this.addBlock(resource.spec.cidr);
  }

  delete(key: string): void {
    const old = this.all.get(key);
    if (!old) return;
    this.forget(key, old);
    this.all.delete(key);
  }

  /** The lists calcDesiredStateOf reads; an unchanged list is the array handed out last time. */
  split(): SplitResources {
    const list = <T extends Resource>(name: ListName): readonly T[] => {
      let array = this.arrays.get(name);
      if (!array) this.arrays.set(name, (array = [...this.lists.get(name)!.values()]));
      return array as readonly T[];
    };
    return {
      pools: list('pools'),
      nodes: list('nodes'),
      blocks: list('blocks'),
      workloadEndpoints: list('workloadEndpoints'),
      withFloatingIps: list('withFloatingIps'),
      local: list('local'),
    };
  }

  private put(name: ListName, key: string, resource: Resource): void {
    this.lists.get(name)!.set(key, resource);
    this.arrays.delete(name);
  }

  private remove(name: ListName, key: string): void {
    if (this.lists.get(name)!.delete(key)) this.arrays.delete(name);
  }

  private forget(key: string, old: Resource): void {
    if (old.kind !== 'WorkloadEndpoint') {
      this.remove(LIST_OF_KIND[old.kind], key);
      if (old.kind === 'IPAMBlock') this.removeBlock(old.spec.cidr);
      return;
    }
    for (const name of ['local', 'withFloatingIps', 'workloadEndpoints'] as const) this.remove(name, key);
  }

  private placeEndpoint(key: string, wep: WorkloadEndpoint): void {
    if (wep.spec.node === this.nodeName) this.put('local', key, wep);
    if ((wep.spec.ipNATs?.length ?? 0) > 0) this.put('withFloatingIps', key, wep);
    if (hasUnmanagedIp(wep, this.blockNetworks)) this.put('workloadEndpoints', key, wep);
  }

  private addBlock(cidr: string): void {
    const parsed = v4Network(cidr);
    if (!parsed) return;
    this.blockNetworks.add(parsed);
    // Only endpoints listed as unmanaged can have become managed.
    for (const [key, wep] of this.lists.get('workloadEndpoints')! as Map<string, WorkloadEndpoint>) {
      if (!hasUnmanagedIp(wep, this.blockNetworks)) this.remove('workloadEndpoints', key);
    }
  }

  private removeBlock(cidr: string): void {
    const parsed = v4Network(cidr);
    if (!parsed || !this.blockNetworks.remove(parsed)) return;
    // Rare (Calico releases only empty blocks): any endpoint may have had an address in it.
    const unmanaged = this.lists.get('workloadEndpoints')!;
    for (const [key, r] of this.all) {
      if (r.kind === 'WorkloadEndpoint' && !unmanaged.has(key) && hasUnmanagedIp(r, this.blockNetworks)) this.put('workloadEndpoints', key, r);
    }
  }
}
