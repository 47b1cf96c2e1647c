// A tiny HTTP endpoint for Prometheus and orchestrators (node:http, no framework):
//   /metrics  Prometheus text format
//   /healthz  200 while the process runs (liveness)
//   /readyz   200 once the store is migrated and the source is consuming, else 503 with the reason
//             (starting, not consuming yet, a dependency unavailable and being retried, stopping)
// Anything else is 404. Responses carry counts and status words only, never personal data.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readiness } from './health.ts';
import type { PipelineMetrics } from './metrics.ts';

export const HEALTH_PATH = '/healthz';
export const READY_PATH = '/readyz';
export const METRICS_PATH = '/metrics';

export interface MetricsServerOptions {
  /** 0 picks a free ephemeral port (tests); read it back from `port`. */
  readonly port: number;
  /** Default 127.0.0.1; use 0.0.0.0 in a container so the published port reaches it. */
  readonly host?: string;
  readonly metrics: PipelineMetrics;
  /** Ready, or why not (the 503 body): counts, codes and times only. */
  readonly readiness: () => Readiness;
}

export interface MetricsServer {
  readonly port: number;
  readonly host: string;
  /** e.g. http://127.0.0.1:9464 */
  readonly url: string;
  close(): Promise<void>;
}

export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer((req, res) => {
    void respond(req, res, options);
  });
  // Scrapes are short; idle keep-alive sockets must not hold up close().
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(options.port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closed: Promise<void> | undefined;
  return {
    port: address.port,
    host,
    url: `http://${urlHost}:${address.port}`,
    close: () =>
      (closed ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      })),
  };
}

async function respond(req: IncomingMessage, res: ServerResponse, options: MetricsServerOptions): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const method = req.method ?? 'GET';
  const text = (status: number, body: string, contentType = 'text/plain; charset=utf-8') => {
    res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
    res.end(method === 'HEAD' ? undefined : body);
  };
  if (method !== 'GET' && method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    text(405, 'method not allowed\n');
    return;
  }
  try {
    if (path === METRICS_PATH) {
      text(200, await options.metrics.render(), options.metrics.contentType);
    } else if (path === HEALTH_PATH) {
      text(200, 'ok\n');
    } else if (path === READY_PATH) {
      const { ready, reason } = options.readiness();
      text(ready ? 200 : 503, ready ? 'ready\n' : `not ready: ${reason}\n`);
    } else {
      text(404, 'not found\n');
    }
  } catch {
    if (!res.headersSent) text(500, 'internal error\n');
    else res.destroy();
  }
}
