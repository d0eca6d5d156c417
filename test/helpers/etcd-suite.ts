/** A private etcd (helpers/etcd.ts) and an etcd3 client of it, for the tests of one file or describe block. */
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll } from 'vitest';
import { startEtcd, type EtcdServer } from './etcd.js';

export interface EtcdSuite {
  /** started before the suite's tests, removed after them */
  readonly etcd: EtcdServer;
  readonly client: Etcd3;
}

/** Registers the hooks in the calling suite; the fields are set once its beforeAll has run. */
export function useEtcd(): EtcdSuite {
  const suite = {} as { etcd: EtcdServer; client: Etcd3 };
  beforeAll(async () => {
    suite.etcd = await startEtcd();
    suite.client = new Etcd3({ hosts: suite.etcd.endpoint });
  });
  afterAll(async () => {
    suite.client?.close();
    await suite.etcd?.cleanup();
  });
  return suite;
}
