/**
 * The exact surface of the C++ addon (native/src/*.cc, built to build/Release/tortie_native.node).
 * Everything is synchronous and runs on the calling thread, so a setns() done with
 * `netnsSet` applies to every later call on the same thread (netlink sockets included).
 *
 * Failures throw an Error with { op, errno, code, log? }: `op` is the libbpf or syscall name,
 * `errno` a positive errno, `code` its name ('EEXIST'), `log` the verifier/libbpf log lines for
 * loads. src/native/errors.ts turns those into typed errors; nothing else reads raw native errors.
 */

/** Opaque handle to a libbpf `struct bpf_object` (a napi External). */
export type ObjectHandle = { readonly __brand: 'bpf_object' };

export interface ObjectMapInfo {
  name: string;
  type: number; // enum bpf_map_type
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  /** libbpf internal map (.rodata, .data, .bss, .kconfig) */
  internal: boolean;
}

export interface ObjectProgInfo {
  name: string;
  section: string;
  type: number; // enum bpf_prog_type
}

export interface KernelMapInfo {
  id: number;
  name: string;
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
}

export interface KernelProgInfo {
  id: number;
  name: string;
  type: number;
  tag: string; // 16 hex chars
}

export interface KernelLinkInfo {
  id: number;
  type: number; // enum bpf_link_type; 11 = TCX
  progId: number;
  /** tcx links: the device (0 once the device is gone) and attach type (46/47) */
  ifindex: number;
  attachType: number;
}

export interface BatchLookupResult {
  count: number;
  /** opaque cursor for the next call, null when the map was exhausted */
  next: Uint8Array | null;
}

export interface TestRunInput {
  data: Uint8Array;
  /** capacity for the output packet (>= data.length; leave headroom for encapsulation) */
  dataOutSize: number;
  /** struct __sk_buff bytes (e.g. ifindex, mark); omitted = no ctx */
  ctx?: Uint8Array;
  repeat?: number;
}

export interface TestRunOutput {
  retval: number;
  data: Uint8Array;
  ctx: Uint8Array | null;
  /** average ns per repetition, as the kernel reports it */
  durationNs: number;
}

export interface BtfMember {
  name: string;
  bitOffset: number;
  /** byte size of the member's resolved type (arrays: whole array) */
  size: number;
}

export interface BtfStruct {
  name: string;
  size: number;
  members: BtfMember[];
}

/** One AF_INET entry of the kernel neighbour table (RTM_NEWNEIGH/RTM_DELNEIGH, as `ip neigh` shows it). */
export interface NeighEntry {
  ifindex: number;
  /** dotted quad */
  ip: string;
  /** 'aa:bb:cc:dd:ee:ff'; null when the entry has no (6-byte) link-layer address, e.g. INCOMPLETE/FAILED */
  mac: string | null;
  /** NUD_* bits (NudState in src/dataplane/abi.ts) */
  state: number;
  /** NTF_* bits (ndm_flags) */
  flags: number;
}

export interface NeighEvent extends NeighEntry {
  /** RTM_NEWNEIGH (added or changed: the entry's full current state) or RTM_DELNEIGH */
  type: 'new' | 'del';
}

export interface NeighWatchInfo {
  /**
   * The kernel dropped events (ENOBUFS, the socket's receive buffer overflowed): `events` is empty
   * and the caller must resync from `neighList`. Also set together with `error`.
   */
  overrun: boolean;
  /** A read from the socket failed: the watcher has closed itself; resync and watch again. */
  error?: Error;
}

/**
 * Called on the JS thread once per readable socket with every event queued until then (in kernel
 * order). An exception thrown here is not caught: it reaches process 'uncaughtException'.
 */
export type NeighWatchCallback = (events: NeighEvent[], info: NeighWatchInfo) => void;

export interface NeighWatcher {
  /** Stops the events and closes the socket. Idempotent. */
  close(): void;
}

/** An interface appearing, changing (name, flags) or disappearing: RTM_NEWLINK / RTM_DELLINK. */
export interface LinkEvent {
  type: 'new' | 'del';
  ifindex: number;
  name: string;
  /** IFF_* bits (IFF_UP = 0x1) */
  flags: number;
}

/** As for neighbours: `overrun` means events were lost (resync by listing interfaces); `error` ends the watcher. */
export type LinkWatchInfo = NeighWatchInfo;

export type LinkWatchCallback = (events: LinkEvent[], info: LinkWatchInfo) => void;

export type LinkWatcher = NeighWatcher;

/**
 * One operation of routeWrite: an AF_INET route of the main table. A replace is RTM_NEWROUTE with
 * NLM_F_CREATE|NLM_F_REPLACE, type unicast, scope universe (link when there is no gateway). A delete
 * is RTM_DELROUTE matching as `ip route del` does: the prefix, the protocol, and gateway/ifindex/mtu
 * when given, any scope or type.
 */
export interface RouteOp {
  op: 'replace' | 'delete';
  /** the network address, dotted quad; host bits set (10.0.0.1 with prefixLen 24) is EINVAL */
  dst: string;
  prefixLen: number;
  gateway?: string;
  /** the output device (RTA_OIF) */
  ifindex?: number;
  /** RTNH_F_ONLINK: the gateway is on the device's link even without a route to it */
  onlink?: boolean;
  /** RTA_METRICS / RTAX_MTU */
  mtu?: number;
  /** rtm_protocol (RTPROT_*, 1..255): who owns the route; Tortie's is 116 */
  protocol: number;
  /** a next hop object (RTA_NH_ID) to send through, instead of gateway, ifindex and onlink */
  nhid?: number;
}

/** An AF_INET route of the main table as routeDump reports it. Multipath routes show ifindex 0 and no gateway. */
export interface KernelRoute {
  /** dotted quad */
  dst: string;
  prefixLen: number;
  gateway?: string;
  ifindex: number;
  /** RTAX_MTU, when the route has one */
  mtu?: number;
  /** RTNH_F_ONLINK */
  onlink: boolean;
  /** the next hop object the route uses (gateway and ifindex are then the next hop's, if shown at all) */
  nhid?: number;
}

/**
 * One operation of nexthopWrite, on an IPv4 next hop object (`ip nexthop`) by id. `add` creates it
 * and fails with EEXIST when the id is taken; `replace` creates or replaces; `delete` removes it, and
 * the kernel removes the routes that use it with it.
 */
export interface NexthopOp {
  op: 'add' | 'replace' | 'delete';
  /** 1..2^32-1 */
  id: number;
  gateway?: string;
  /** the output device; required unless deleting */
  ifindex?: number;
  onlink?: boolean;
  /** nh_protocol (1..255): who owns it; required unless deleting */
  protocol?: number;
}

/** A next hop object as nexthopDump reports it (every family and owner). */
export interface KernelNexthop {
  id: number;
  protocol: number;
  /** AF_INET (groups are AF_UNSPEC) */
  ipv4: boolean;
  /** dotted quad; absent for a device-only, IPv6, group or blackhole next hop */
  gateway?: string;
  ifindex: number;
  onlink: boolean;
  /** a group of next hops (multipath) */
  group: boolean;
  blackhole: boolean;
}

/** The kernel's answer to `ip route get DST oif DEV`, for one DST of routeLookup. */
export interface RouteLookupResult {
  /** 0 when the kernel answered; else its errno (ENODEV: no such oif, ENETUNREACH: oif is down, ...) */
  errno: number;
  /** the router the kernel would send through; null when DST is reached directly (on-link), or on error */
  gateway: string | null;
}

export interface NativeBinding {
  // ---- objects (libbpf bpf_object__*) -------------------------------------------
  objectOpen(path: string): ObjectHandle;
  objectMaps(obj: ObjectHandle): ObjectMapInfo[];
  objectPrograms(obj: ObjectHandle): ObjectProgInfo[];
  /** Sets the initial value of the object's .rodata map; length must equal its value size. Before load only. */
  objectSetRodata(obj: ObjectHandle, data: Uint8Array): void;
  /** bpf_map__reuse_fd: the object uses this existing map instead of creating one. Before load only. */
  objectReuseMap(obj: ObjectHandle, mapName: string, fd: number): void;
  /** Loads all programs and creates maps. Throws with `log` (libbpf output incl. verifier log) on failure. */
  objectLoad(obj: ObjectHandle): void;
  /** A dup()ed fd of a loaded map or program: the caller owns it and must close it. */
  objectMapFd(obj: ObjectHandle, mapName: string): number;
  objectProgramFd(obj: ObjectHandle, progName: string): number;
  /** bpf_object__close. Idempotent. Fds returned above stay valid. */
  objectClose(obj: ObjectHandle): void;

  // ---- fds and the bpf filesystem ---------------------------------------------
  close(fd: number): void;
  objPin(fd: number, path: string): void;
  /** bpf_obj_get; throws ENOENT when nothing is pinned there. */
  objGet(path: string): number;
  mapInfo(fd: number): KernelMapInfo;
  progInfo(fd: number): KernelProgInfo;
  linkInfo(fd: number): KernelLinkInfo;
  progFdById(id: number): number;
  /** libbpf_num_possible_cpus() */
  possibleCpus(): number;

  // ---- maps (key/value bytes exactly as the kernel sees them) -----------------
  /** Fills `value` (per-CPU maps: roundUp(valueSize, 8) * possibleCpus bytes). false on ENOENT. */
  mapLookup(fd: number, key: Uint8Array, value: Uint8Array): boolean;
  /** flags: 0 BPF_ANY, 1 BPF_NOEXIST, 2 BPF_EXIST */
  mapUpdate(fd: number, key: Uint8Array, value: Uint8Array, flags: number): void;
  /** false on ENOENT */
  mapDelete(fd: number, key: Uint8Array): boolean;
  /** Key after `key` (null = first). Returns null at the end. */
  mapNextKey(fd: number, key: Uint8Array | null, keySize: number): Uint8Array | null;
  /**
   * bpf_map_lookup_batch: fills `keys`/`values` (capacity `count` elements) starting at cursor `from`
   * (null = start). ENOENT at the end is not an error: `next` becomes null.
   */
  mapLookupBatch(fd: number, from: Uint8Array | null, keys: Uint8Array, values: Uint8Array, count: number): BatchLookupResult;
  /** bpf_map_update_batch over `count` packed keys/values; returns how many were written. */
  mapUpdateBatch(fd: number, keys: Uint8Array, values: Uint8Array, count: number, elemFlags: number): number;
  /** bpf_map_delete_batch over `count` packed keys; returns how many were deleted. */
  mapDeleteBatch(fd: number, keys: Uint8Array, count: number): number;

  // ---- attach -----------------------------------------------------------------
  /** bpf_link_create(prog, ifindex, BPF_TCX_INGRESS=46 | BPF_TCX_EGRESS=47); returns the link fd. */
  tcxAttach(progFd: number, ifindex: number, attachType: number): number;
  /** bpf_link_update: atomically swaps the link's program. */
  linkUpdate(linkFd: number, progFd: number): void;
  /** bpf_link_detach */
  linkDetach(linkFd: number): void;
  /** clsact qdisc (created if missing) + cls_bpf direct-action filter at handle/priority. replace => BPF_TC_F_REPLACE. */
  tcAttach(ifindex: number, ingress: boolean, progFd: number, handle: number, priority: number, replace: boolean): void;
  /** Removes the filter at handle/priority. false if there was none (ENOENT). */
  tcDetach(ifindex: number, ingress: boolean, handle: number, priority: number): boolean;
  /** Program id of the filter at handle/priority, or 0 if none. */
  tcQuery(ifindex: number, ingress: boolean, handle: number, priority: number): number;
  /** bpf_prog_query on ifindex for an attach type (tcx 46/47): program ids in order. */
  progQuery(ifindex: number, attachType: number): number[];

  // ---- test run ---------------------------------------------------------------
  progTestRun(progFd: number, input: TestRunInput): TestRunOutput;

  // ---- namespaces and interfaces (for the calling thread) ---------------------
  /** open(path, O_RDONLY|O_CLOEXEC), e.g. /run/netns/x or /proc/thread-self/ns/net */
  netnsOpen(path: string): number;
  /** setns(fd, CLONE_NEWNET) for the calling thread */
  netnsSet(fd: number): void;
  /** if_nametoindex in the thread's current netns; 0 when there is no such interface */
  ifNameToIndex(name: string): number;
  /** if_indextoname; '' when none */
  ifIndexToName(ifindex: number): string;

  // ---- kernel neighbour table (rtnetlink, the calling thread's current netns) -------
  /** RTM_GETNEIGH dump of the AF_INET entries on `ifindex` (0 = every interface). Socket opened per call. */
  neighList(ifindex: number): NeighEntry[];
  /**
   * Subscribes to RTMGRP_NEIGH (AF_INET only, every interface: filter by ifindex yourself). The
   * socket is opened now, in the calling thread's netns, and read by libuv on the JS thread. While
   * open the watcher keeps the event loop (the process) alive and is never garbage collected:
   * call close() when done.
   */
  neighWatch(callback: NeighWatchCallback): NeighWatcher;
  /**
   * Subscribes to RTMGRP_LINK (device messages only: AF_BRIDGE port messages are left out). Like
   * neighWatch: opened in the calling thread's netns, read on the JS thread, keeps the process
   * alive until close().
   */
  linkWatch(callback: LinkWatchCallback): LinkWatcher;

  // ---- IPv4 routes of the main table (rtnetlink, the calling thread's current netns) ---------
  /**
   * Applies the operations in order, many per sendmsg on one socket, and returns each one's result:
   * 0 when done, else the positive errno the kernel answered it with (e.g. ENETUNREACH: gateway not
   * on a connected network and not onlink, ENODEV: no such ifindex, ESRCH: nothing to delete,
   * EINVAL). One failing operation does not stop the others. Throws only when the socket itself
   * fails (and answers lost to an overrun of the socket come back as ENOBUFS).
   */
  routeWrite(ops: RouteOp[]): number[];
  /** RTM_GETROUTE dump: the main table's AF_INET routes of one `protocol` (1..255), as `ip -4 route show proto N`. */
  routeDump(protocol: number): KernelRoute[];
  /**
   * How the kernel would send to each of `dsts` out of `oif` (`ip route get DST oif DEV`, all on one
   * socket): through a router (`gateway`) or directly (null). Like `ip route get`, a DST that no
   * route through oif covers is answered as directly reachable.
   */
  routeLookup(oif: number, dsts: string[]): RouteLookupResult[];

  // ---- next hop objects (rtnetlink, Linux 5.3+, the calling thread's current netns) --------------
  /** As routeWrite: the operations in order, batched; each one's result (0, or the positive errno). */
  nexthopWrite(ops: NexthopOp[]): number[];
  /** RTM_GETNEXTHOP dump: every next hop object of the netns, whoever owns it. */
  nexthopDump(): KernelNexthop[];

  // ---- BTF ----------------------------------------------------------------------
  /** Struct layout from an ELF object's BTF (btf__parse); null when the struct is absent. */
  btfStruct(objPath: string, structName: string): BtfStruct | null;
}
