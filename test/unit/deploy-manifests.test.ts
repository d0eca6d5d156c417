/** deploy/: the manifests parse, the ConfigMap's configuration is valid, and the pieces agree. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DaemonConfigSchema, splitHostPort } from '../../src/daemon/config.js';
import { packageRoot } from '../../src/dataplane/object-path.js';
import { DAEMON_PROCESS_ENV } from '../../src/daemon/process-env.js';

const read = (name: string) => readFileSync(join(packageRoot(), 'deploy', name), 'utf8');
type Obj = Record<string, any>;

const configMap = parse(read('configmap.yaml')) as Obj;
const docs = parseAllDocuments(read('daemonset.yaml')).map((d) => d.toJS() as Obj);
const ds = docs.find((d) => d.kind === 'DaemonSet')!;
const pod = ds.spec.template.spec as Obj;
const container = pod.containers[0] as Obj;

describe('deploy manifests', () => {
  it('the ConfigMap holds a valid daemon configuration (with the endpoints the Secret adds)', () => {
    const raw = parse(configMap.data['config.yaml'] as string) as Obj;
    const config = DaemonConfigSchema.parse({ ...raw, nodeName: 'node1' });
    expect(config.datastore.type).toBe('etcd');
    expect(container.args).toEqual(['daemon', '--config', '/etc/tortie/config/config.yaml', '--etcd-endpoints', '$(ETCD_ENDPOINTS)']);
    const mount = (name: string) => (container.volumeMounts as Obj[]).find((m) => m.name === name)!.mountPath as string;
    expect(config.datastore.type === 'etcd' && config.datastore.tls?.caFile.startsWith(`${mount('etcd-certs')}/`)).toBe(true);
    expect(`${mount('config')}/config.yaml`).toBe(container.args[2]);
    // The kubelet probes the node's IP (hostNetwork): the daemon must listen beyond loopback, on the probed port.
    const { host, port } = splitHostPort(config.listen);
    expect(host).toBe('0.0.0.0');
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port });
  });

  it('runs on the host network with the BPF filesystem shared both ways and the node name from the downward API', () => {
    expect(pod.hostNetwork).toBe(true);
    const bpffs = (container.volumeMounts as Obj[]).find((m) => m.mountPath === '/sys/fs/bpf')!;
    expect(bpffs.mountPropagation).toBe('Bidirectional');
    expect(container.securityContext.privileged).toBe(true); // required by Bidirectional propagation
    expect(container.securityContext.capabilities.add).toEqual(['BPF', 'NET_ADMIN', 'SYS_ADMIN', 'PERFMON']);
    const env = Object.fromEntries((container.env as Obj[]).map((e) => [e.name, e.valueFrom]));
    expect(env.TORTIE_NODE_NAME).toEqual({ fieldRef: { fieldPath: 'spec.nodeName' } });
    expect(env.ETCD_ENDPOINTS.secretKeyRef.name).toBe('tortie-etcd');
  });

  it('the image runs the daemon with the ConfigMap’s path by default', () => {
    expect(read('Dockerfile')).toContain('CMD ["daemon", "--config", "/etc/tortie/config/config.yaml"]');
    expect(read('Dockerfile')).toContain('ENTRYPOINT ["node", "/opt/tortie/dist/bundle/tortie.mjs"]');
  });

  it('runs the daemon process as it is measured (NODE_OPTIONS, MALLOC_ARENA_MAX)', () => {
    const env = Object.fromEntries((container.env as Obj[]).map((e) => [e.name, e.value]));
    for (const [name, value] of Object.entries(DAEMON_PROCESS_ENV)) expect(env[name], name).toBe(value);
  });
});
