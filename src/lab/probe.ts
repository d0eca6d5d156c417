/** Connectivity checks between lab pods: ping and a TCP exchange, run inside the pods' namespaces. */
import { spawn, spawnSync } from 'node:child_process';
import { nsenter } from './netns.js';

export interface PingResult {
  ok: boolean;
  rttMs: number | null;
}

export function ping(fromNetns: string, to: string, opts: { count?: number; timeoutS?: number } = {}): PingResult {
  const res = spawnSync(
    'ip',
    ['netns', 'exec', fromNetns, 'ping', '-n', '-q', '-i', '0.2', '-c', String(opts.count ?? 1), '-W', String(opts.timeoutS ?? 1), to],
    { encoding: 'utf8', timeout: 30_000 },
  );
  const rtt = /= [\d.]+\/([\d.]+)\//.exec(res.stdout ?? '');
  return { ok: res.status === 0, rttMs: rtt ? Number(rtt[1]) : null };
}

// The server counts what it receives until the client half-closes, then answers with the count.
const SERVER = `
const net = require('node:net');
const srv = net.createServer((s) => { let n = 0; s.on('data', (d) => (n += d.length)); s.on('end', () => s.end('got:' + n)); });
srv.listen(Number(process.argv[2]), process.argv[1], () => process.stdout.write('ready\\n'));
setTimeout(() => process.exit(0), Number(process.argv[3]));
`;

const CLIENT = `
const net = require('node:net');
const size = Number(process.argv[4]);
const s = net.connect(Number(process.argv[2]), process.argv[1], () => s.end(Buffer.alloc(size, 120)));
let got = '';
s.on('data', (d) => (got += d));
s.on('close', () => { process.stdout.write(got); process.exit(got === 'got:' + size ? 0 : 1); });
s.on('error', (e) => { process.stderr.write(String(e)); process.exit(1); });
setTimeout(() => process.exit(2), Number(process.argv[3]));
`;

/**
 * Starts a one-shot TCP server in `serverNetns`, connects from `clientNetns` and sends `bytes`
 * (big transfers exercise MTU and segmentation); true when the server confirmed every byte.
 */
export async function tcpEcho(serverNetns: string, serverIp: string, clientNetns: string, port = 7777, bytes = 5): Promise<boolean> {
  const server = spawn(...nodeIn(serverNetns, SERVER, [serverIp, String(port), '15000']));
  try {
    await new Promise<void>((resolve, reject) => {
      server.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      server.on('exit', (code) => reject(new Error(`echo server exited (${code})`)));
      setTimeout(() => reject(new Error('echo server did not start')), 5000);
    });
    const [cmd, args] = nodeIn(clientNetns, CLIENT, [serverIp, String(port), '10000', String(bytes)]);
    return spawnSync(cmd, args, { encoding: 'utf8', timeout: 15_000 }).status === 0;
  } finally {
    if (server.exitCode === null) server.kill();
  }
}

function nodeIn(netns: string, script: string, args: string[]): [string, string[]] {
  const [cmd, ...rest] = nsenter(netns);
  return [cmd!, [...rest, process.execPath, '-e', script, ...args]];
}
