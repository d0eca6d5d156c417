/** tcpdump on a lab link, to see what actually crosses the wire. */
import { spawn } from 'node:child_process';

export interface Capture {
  /** resolves with tcpdump's text lines once `count` packets were seen or the timeout hit */
  lines: Promise<string[]>;
}

/** Starts tcpdump -v in `netns` on `iface`; wait ~300 ms before sending so it is listening. */
export async function startCapture(netns: string, iface: string, filter: string, count: number, timeoutMs = 8000): Promise<Capture> {
  const child = spawn('ip', ['netns', 'exec', netns, 'tcpdump', '-n', '-v', '-l', '-i', iface, '-c', String(count), filter]);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const timer = setTimeout(() => child.kill('SIGINT'), timeoutMs);
  const lines = new Promise<string[]>((resolve) => {
    child.on('close', () => {
      clearTimeout(timer);
      resolve(out.split('\n').filter((l) => l.trim().length > 0));
    });
  });
  // tcpdump says "listening on ..." on stderr once the socket is open.
  const started = Date.now();
  while (!err.includes('listening on') && Date.now() - started < 3000) await new Promise((r) => setTimeout(r, 20));
  return { lines };
}
