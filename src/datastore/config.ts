// Where the daemon reads cluster state from: `{type: file, path}` or `{type: etcd, endpoints, tls?}`.
// Strict objects, so a typo such as `endpoint:` is an error instead of a silently ignored field.
import { z } from 'zod';

export const FileDatastoreConfigSchema = z.strictObject({
  type: z.literal('file'),
  /** A YAML/JSON file, or a folder of them (not recursive). */
  path: z.string().min(1, 'must not be empty'),
});

const etcdEndpoint = z.url({
  protocol: /^https?$/,
  error: (issue) => `${JSON.stringify(issue.input)} is not an etcd endpoint URL (http://host:port or https://host:port)`,
});

export const EtcdTlsConfigSchema = z
  .strictObject({
    caFile: z.string().min(1, 'must not be empty'),
    certFile: z.string().min(1, 'must not be empty').optional(),
    keyFile: z.string().min(1, 'must not be empty').optional(),
  })
  .refine((tls) => (tls.certFile === undefined) === (tls.keyFile === undefined), {
    message: 'certFile and keyFile go together: give both (client certificate) or neither',
    path: ['keyFile'],
  });

export const EtcdDatastoreConfigSchema = z
  .strictObject({
    type: z.literal('etcd'),
    endpoints: z.array(etcdEndpoint).min(1, 'needs at least one endpoint'),
    tls: EtcdTlsConfigSchema.optional(),
    /** ms; the deadline of each unary request (lists, probes), not of the watch stream */
    dialTimeout: z.int().positive().optional(),
  })
  .superRefine((config, ctx) => {
    // etcd3 uses one channel credential for every endpoint: all TLS or none.
    config.endpoints.forEach((endpoint, i) => {
      const https = endpoint.startsWith('https:');
      if (https !== (config.tls !== undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: ['endpoints', i],
          message: https ? `${endpoint} is https but no tls is configured` : `${endpoint} is http but tls is configured`,
        });
      }
    });
  });

export const DatastoreConfigSchema = z.discriminatedUnion('type', [FileDatastoreConfigSchema, EtcdDatastoreConfigSchema]);

export type FileDatastoreConfig = z.infer<typeof FileDatastoreConfigSchema>;
export type EtcdTlsConfig = z.infer<typeof EtcdTlsConfigSchema>;
export type EtcdDatastoreConfig = z.infer<typeof EtcdDatastoreConfigSchema>;
export type DatastoreConfig = z.infer<typeof DatastoreConfigSchema>;
