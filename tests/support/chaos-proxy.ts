// An HTTP proxy between `verity run` and a store, for outage tests: it passes requests on, refuses
// connections (the store down, the network refusing), holds requests unanswered (timeouts), or
// delays each one (a slow store). It records when each request came and went and which table an
// insert wrote, so a test can see who wrote what and when. It listens on 127.0.0.1 on a port the
// system picks, and keeps that port across a refusal, as a store restarting in place would.
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type ProxyMode = 'pass' | 'refuse' | 'hang';

export interface ProxiedRequest {
  /** Epoch ms when the request reached the proxy, and when its answer was complete (or it failed). */
  readonly at: number;
  endedAt?: number;
  /** `verity.records` for `INSERT INTO verity.records …`; '' for anything else. */
  readonly insertInto: string;
  status?: number;
}

export interface ChaosProxy {
  readonly url: string;
  readonly requests: readonly ProxiedRequest[];
  readonly mode: ProxyMode;
  /** pass: forward; refuse: stop listening and cut every connection; hang: accept and never answer. */
  setMode(mode: ProxyMode): Promise<void>;
  /** Added before forwarding each request (a slow store). */
  setDelay(ms: number): void;
  close(): Promise<void>;
}

function insertTable(url: string | undefined): string {
  const query = new URL(url ?? '/', 'http://proxy').searchParams.get('query') ?? '';
  return /^\s*INSERT\s+INTO\s+([\w.]+)/i.exec(query)?.[1] ?? '';
}

export async function startChaosProxy(target: string): Promise<ChaosProxy> {
  const upstream = new URL(target);
  const requests: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();
  const held = new Set<ServerResponse>();
  let mode: ProxyMode = 'pass';
  let delayMs = 0;

  const forward = (req: IncomingMessage, res: ServerResponse, entry: ProxiedRequest) => {
    const out = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        entry.status = answer.statusCode ?? 0;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on('end', () => (entry.endedAt = Date.now()));
      },
    );
    // The store is down: cut the client's connection, as a dead server would.
    out.on('error', () => {
      entry.endedAt = Date.now();
      res.destroy();
    });
    req.pipe(out);
  };

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const entry: ProxiedRequest = { at: Date.now(), insertInto: insertTable(req.url) };
    requests.push(entry);
    if (mode === 'hang') {
      held.add(res);
      res.on('close', () => held.delete(res));
      return;
    }
    if (delayMs > 0) setTimeout(() => forward(req, res, entry), delayMs);
    else forward(req, res, entry);
  };

  let server: Server = createServer(handler);
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.on('connection', (socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });
  const port = await listen(0);
  const stopListening = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get mode() {
      return mode;
    },
    async setMode(next) {
      if (next === mode) return;
      if (mode === 'hang') for (const res of held) res.destroy();
      if (next === 'refuse') await stopListening();
      if (mode === 'refuse') {
        server = createServer(handler);
        await listen(port);
      }
      mode = next;
    },
    setDelay(ms) {
      delayMs = ms;
    },
    async close() {
      for (const res of held) res.destroy();
      if (mode !== 'refuse') await stopListening();
    },
  };
}
