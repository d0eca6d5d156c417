// DatastoreConfigSchema and createDatastore: what a config may say, and which datastore it gives.
import { describe, expect, it } from 'vitest';
import { createDatastore, DatastoreConfigSchema } from '../../src/datastore/index.js';
import { formatZodIssues } from '../../src/model/issues.js';

const issues = (input: unknown) => {
  const parsed = DatastoreConfigSchema.safeParse(input);
  return parsed.success ? [] : formatZodIssues(parsed.error);
};

describe('DatastoreConfigSchema', () => {
  it('accepts a file and an etcd config', () => {
    expect(DatastoreConfigSchema.parse({ type: 'file', path: '/etc/tortie/cluster.yaml' })).toEqual({
      type: 'file',
      path: '/etc/tortie/cluster.yaml',
    });
    const etcd = {
      type: 'etcd',
      endpoints: ['https://10.0.0.1:2379', 'https://10.0.0.2:2379'],
      tls: { caFile: '/etc/calico/ca.pem', certFile: '/etc/calico/cert.pem', keyFile: '/etc/calico/key.pem' },
      dialTimeout: 5000,
    };
    expect(DatastoreConfigSchema.parse(etcd)).toEqual(etcd);
    expect(issues({ type: 'etcd', endpoints: ['http://127.0.0.1:2379'] })).toEqual([]);
  });

  it('names the field that is wrong', () => {
    expect(issues({ type: 'consul', path: 'x' })).toEqual([expect.stringMatching(/^type: /)]);
    expect(issues({ type: 'file', path: '' })).toEqual(['path: must not be empty']);
    expect(issues({ type: 'file', path: '/x', endpoints: [] })).toEqual(['endpoints: unknown field']);
    expect(issues({ type: 'etcd', endpoints: [] })).toEqual(['endpoints: needs at least one endpoint']);
    expect(issues({ type: 'etcd', endpoints: ['127.0.0.1:2379'] })).toEqual([
      'endpoints[0]: "127.0.0.1:2379" is not an etcd endpoint URL (http://host:port or https://host:port)',
    ]);
    expect(issues({ type: 'etcd', endpoints: ['https://e:2379'] })).toEqual(['endpoints[0]: https://e:2379 is https but no tls is configured']);
    expect(issues({ type: 'etcd', endpoints: ['https://e:2379'], tls: { caFile: '/ca', certFile: '/c' } })).toEqual([
      'tls.keyFile: certFile and keyFile go together: give both (client certificate) or neither',
    ]);
  });
});

describe('createDatastore', () => {
  it('builds the datastore the config names', () => {
    expect(createDatastore({ type: 'file', path: '/x.yaml' }).type).toBe('file');
    const etcd = createDatastore({ type: 'etcd', endpoints: ['http://127.0.0.1:2379'] });
    expect(etcd.type).toBe('etcd');
    expect(etcd.status()).toEqual({ state: 'connecting', lastSync: null });
  });
});
