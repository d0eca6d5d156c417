/** The daemon's configuration: file + flags (flags win), defaults, and errors that name the field. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DaemonConfigError, loadDaemonConfig, splitHostPort } from '../../src/daemon/config.js';
import { jsonLogger } from '../../src/daemon/log.js';
import { reportError } from '../../src/cli/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'tortie-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('loadDaemonConfig', () => {
  it('reads YAML, fills defaults, and lets flags override the file', async () => {
    const config = file('a.yaml', 'nodeName: node1\nuplink: eth0\ndatastore: { type: file, path: /etc/tortie/cluster.yaml }\n');
    expect(await loadDaemonConfig({ config }, {})).toEqual({
      nodeName: 'node1',
      uplink: 'eth0',
      pinDir: '/sys/fs/bpf/tortie',
      attachMode: 'auto',
      expediteRcu: true,
      vxlanVni: 4096,
      vxlanPort: 4789,
      datastore: { type: 'file', path: '/etc/tortie/cluster.yaml' },
      listen: '127.0.0.1:9093',
      debounceMs: 20,
      resyncMs: 60000,
      logLevel: 'info',
    });
    const overridden = await loadDaemonConfig({ config, node: 'node9', listen: '0.0.0.0:9100', etcdEndpoints: 'http://10.0.0.1:2379, http://10.0.0.2:2379' }, {});
    expect(overridden).toMatchObject({
      nodeName: 'node9',
      listen: '0.0.0.0:9100',
      datastore: { type: 'etcd', endpoints: ['http://10.0.0.1:2379', 'http://10.0.0.2:2379'] },
    });
  });

  it('takes the node name from $TORTIE_NODE_NAME when neither file nor flags give one (the DaemonSet)', async () => {
    const config = await loadDaemonConfig({ datastoreFile: '/x.yaml' }, { TORTIE_NODE_NAME: 'from-env' });
    expect(config.nodeName).toBe('from-env');
  });

  it('names every bad field with its path; the CLI exits 2', async () => {
    const config = file('bad.json', JSON.stringify({ nodeName: 'n', listen: 'nope', datastre: {}, datastore: { type: 'etcd', endpoints: ['ftp://x'] } }));
    const err = await loadDaemonConfig({ config }, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DaemonConfigError);
    const issues = (err as DaemonConfigError).issues.join('\n');
    expect(issues).toMatch(/^listen: must be HOST:PORT/m);
    expect(issues).toMatch(/^datastre: unknown field/m);
    expect(issues).toMatch(/^datastore\.endpoints\[0\]: "ftp:\/\/x" is not an etcd endpoint URL/m);
    const lines: string[] = [];
    expect(reportError(err, (l) => lines.push(l))).toBe(2);
    expect(lines.join('\n')).toContain(`invalid daemon configuration (${config})`);
  });

  it('a missing datastore and an unreadable file are errors too', async () => {
    await expect(loadDaemonConfig({ node: 'n' }, {})).rejects.toMatchObject({ issues: ['datastore: required'] });
    await expect(loadDaemonConfig({ config: join(dir, 'missing.yaml') }, {})).rejects.toMatchObject({ issues: ['(file): cannot read it: ENOENT'] });
  });

  it('splits listen addresses, IPv6 included', () => {
    expect(splitHostPort('127.0.0.1:9093')).toEqual({ host: '127.0.0.1', port: 9093 });
    expect(splitHostPort('[::1]:9093')).toEqual({ host: '::1', port: 9093 });
  });
});

describe('jsonLogger', () => {
  it('writes one JSON object per line with ts, level, msg and fields; below the level nothing', () => {
    const lines: string[] = [];
    const log = jsonLogger('info', (l) => lines.push(l));
    log.debug('hidden');
    log.warn('invalid resource skipped', { key: 'a.yaml[2]', big: 2n ** 70n, error: Object.assign(new Error('boom'), { code: 'EPERM' }) });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith('\n')).toBe(true);
    const parsed = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(parsed).toMatchObject({ level: 'warn', msg: 'invalid resource skipped', fields: { key: 'a.yaml[2]', big: '1180591620717411303424', error: { name: 'Error', message: 'boom', code: 'EPERM' } } });
    expect(Date.parse(parsed.ts as string)).not.toBeNaN();
  });
});
