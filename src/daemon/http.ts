/** /metrics (Prometheus), /healthz (alive, dataplane loaded) and /readyz (first full sync applied). */
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { splitHostPort } from './config.js';

export interface HealthSource {
  /** null when healthy, else why not */
  unhealthy(): string | null;
  /** null when ready, else why not */
  notReady(): string | null;
}

export async function startHttp(listen: string, registry: Registry, health: HealthSource): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const answer = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return answer(405, 'method not allowed\n');
    if (path === '/metrics') {
      registry.metrics().then(
        (text) => answer(200, text, registry.contentType),
        (err: Error) => answer(500, `metrics failed: ${err.message}\n`),
      );
      return;
    }
    if (path === '/healthz') {
      const why = health.unhealthy();
      return answer(why ? 503 : 200, `${why ?? 'ok'}\n`);
    }
    if (path === '/readyz') {
      const why = health.notReady();
      return answer(why ? 503 : 200, `${why ?? 'ok'}\n`);
    }
    answer(404, 'not found: try /metrics, /healthz or /readyz\n');
  });
  const { host, port } = splitHostPort(listen);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

export function stopHttp(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
