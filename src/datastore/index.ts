// Public surface of the datastores: the config schema and one factory for both kinds.
import type { DatastoreConfig } from './config.js';
import { EtcdDatastore } from './etcd.js';
import { FileDatastore } from './file.js';
import type { Datastore } from './types.js';

export * from './config.js';
export * from './types.js';
export { EtcdDatastore, type EtcdDatastoreOptions } from './etcd.js';
export { FileDatastore, fileResourceKey, type FileDatastoreOptions } from './file.js';

export interface CreateDatastoreOptions {
  /**
   * The node the daemon runs on. The etcd datastore then keeps other nodes' WorkloadEndpoints slim (what
   * routing to them needs; see etcd.ts); the file datastore keeps everything whole either way.
   */
  nodeName?: string;
}

/** A datastore for a validated DatastoreConfig (parse it with DatastoreConfigSchema first). */
export function createDatastore(config: DatastoreConfig, options: CreateDatastoreOptions = {}): Datastore {
  switch (config.type) {
    case 'file':
      return new FileDatastore({ path: config.path });
    case 'etcd':
      return new EtcdDatastore({
        endpoints: config.endpoints,
        ...(config.tls === undefined ? {} : { tls: config.tls }),
        ...(config.dialTimeout === undefined ? {} : { dialTimeout: config.dialTimeout }),
        ...(options.nodeName === undefined ? {} : { nodeName: options.nodeName }),
      });
  }
}
