// The etcd3 client as the datastore needs it: TLS from files, a deadline on unary calls, big enough
// messages for full IPAM blocks, keepalive to notice a silent peer, and no circuit breaker (the
// datastore retries with its own backoff; etcd3's default breaker would add up to 5 s after etcd is back).
import { readFile } from 'node:fs/promises';
import { Etcd3, type IOptions } from 'etcd3';

export interface EtcdConnectionOptions {
  /** http(s)://host:port, as in Calico's ETCD_ENDPOINTS */
  endpoints: string[];
  /** PEM files; certFile/keyFile for client-certificate authentication */
  tls?: { caFile: string; certFile?: string; keyFile?: string };
  /** ms; deadline of each unary request (list pages, probes). The watch stream has none. Default 10 s. */
  dialTimeout?: number;
}

const DEFAULT_CALL_TIMEOUT_MS = 10_000;

type HostPolicy = ReturnType<NonNullable<NonNullable<IOptions['faultHandling']>['host']>>;

/** A cockatiel-shaped policy that just runs the call; failures go straight to the caller. */
const passThrough: HostPolicy = {
  _altReturn: undefined as never,
  onSuccess: () => ({ dispose: () => undefined }),
  onFailure: () => ({ dispose: () => undefined }),
  execute: async (fn) => fn({ signal: new AbortController().signal }),
};

async function readCredentials(tls: NonNullable<EtcdConnectionOptions['tls']>): Promise<IOptions['credentials']> {
  const read = async (what: string, file: string): Promise<Buffer> => {
    try {
      return await readFile(file);
    } catch (err) {
      throw new Error(`etcd datastore: cannot read the TLS ${what} ${file}: ${(err as Error).message}`, { cause: err });
    }
  };
  const rootCertificate = await read('CA file', tls.caFile);
  if (tls.certFile === undefined || tls.keyFile === undefined) return { rootCertificate };
  return { rootCertificate, certChain: await read('certificate', tls.certFile), privateKey: await read('key', tls.keyFile) };
}

export async function createEtcdClient(options: EtcdConnectionOptions): Promise<Etcd3> {
  const callTimeout = options.dialTimeout ?? DEFAULT_CALL_TIMEOUT_MS;
  const credentials = options.tls === undefined ? undefined : await readCredentials(options.tls);
  return new Etcd3({
    hosts: options.endpoints,
    ...(credentials === undefined ? {} : { credentials }),
    dialTimeout: callTimeout,
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + callTimeout }),
    grpcOptions: {
      // A /26 block with every address allocated is ~16 kB; a page of them is well above grpc's 4 MB default.
      'grpc.max_receive_message_length': 256 * 1024 * 1024,
      // HTTP/2 flow control stays at grpc's default 64 kB window. A 16 MB window ('grpc-node.flow_control_window')
      // lets a list page arrive while the client decodes the last one (a full list ~10% faster, ~20% less
      // etcd CPU), but the daemon then keeps ~50 MB more native memory for as long as it runs.
      // etcd's default --grpc-keepalive-min-time is 5 s; pinging less often than that is always allowed.
      'grpc.keepalive_time_ms': 15_000,
      'grpc.keepalive_timeout_ms': 5_000,
    },
    faultHandling: { host: () => passThrough },
  });
}
