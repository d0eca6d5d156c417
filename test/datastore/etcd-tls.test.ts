// EtcdDatastore over TLS with client-certificate authentication, as Calico's etcd_ca_cert_file /
// etcd_cert_file / etcd_key_file set it up; and the errors when the files are wrong.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEtcdClient } from '../../src/datastore/etcd-client.js';
import { resourceKey } from '../../src/datastore/etcd-keys.js';
import { EtcdDatastore } from '../../src/datastore/etcd.js';
import { createDatastore, DatastoreConfigSchema } from '../../src/datastore/index.js';
import { startEtcd, type EtcdServer } from '../helpers/etcd.js';
import { RecordingListener } from '../helpers/datastore-listener.js';
import { makeTestCertificates, type TestCertificates } from '../helpers/tls-certs.js';
import { NODE_JSON } from '../unit/model-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'tortie-etcd-tls-'));
let certs: TestCertificates;
let etcd: EtcdServer;

beforeAll(async () => {
  certs = makeTestCertificates(dir);
  etcd = await startEtcd({ tls: { caFile: certs.caFile, certFile: certs.serverCertFile, keyFile: certs.serverKeyFile } });
});
afterAll(async () => {
  await etcd?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('EtcdDatastore over TLS', () => {
  it('reads with a client certificate, from a parsed config', async () => {
    const writer = await createEtcdClient({
      endpoints: [etcd.endpoint],
      tls: { caFile: certs.caFile, certFile: certs.clientCertFile, keyFile: certs.clientKeyFile },
    });
    await writer.put(resourceKey('Node', 'node2')).value(NODE_JSON);
    writer.close();

    expect(etcd.endpoint).toMatch(/^https:/);
    const config = DatastoreConfigSchema.parse({
      type: 'etcd',
      endpoints: [etcd.endpoint],
      tls: { caFile: certs.caFile, certFile: certs.clientCertFile, keyFile: certs.clientKeyFile },
    });
    const store = createDatastore(config);
    const listener = new RecordingListener();
    try {
      await store.start(listener);
      expect([...listener.snapshots[0]!.keys()]).toEqual([resourceKey('Node', 'node2')]);
      expect(store.status().state).toBe('in-sync');
    } finally {
      await store.stop();
    }
  });

  it('rejects start() when a TLS file cannot be read', async () => {
    const store = new EtcdDatastore({ endpoints: [etcd.endpoint], tls: { caFile: join(dir, 'nope.pem') } });
    await expect(store.start(new RecordingListener())).rejects.toThrow(/cannot read the TLS CA file .*nope\.pem/);
  });

  it('keeps retrying (connecting) while the server certificate is not trusted, and stop() ends start()', async () => {
    const store = new EtcdDatastore({
      endpoints: [etcd.endpoint],
      tls: { caFile: certs.otherCaFile, certFile: certs.clientCertFile, keyFile: certs.clientKeyFile },
      retryMaxMs: 200,
    });
    const listener = new RecordingListener();
    const started = store.start(listener);
    const outcome = started.then(
      () => 'resolved',
      (err: Error) => err.message,
    );
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(store.status().state).toBe('connecting');
    expect(listener.snapshots).toEqual([]);
    await store.stop();
    expect(await outcome).toMatch(/stopped before the first snapshot/);
  });
});
