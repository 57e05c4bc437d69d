import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A biller's webhook receiver for tests: a real HTTP server on 127.0.0.1 that records every
 * request exactly as received (raw body bytes, headers, arrival time) and answers as told.
 */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** performance.now() when the body had fully arrived (same clock as the test process). */
  receivedAt: number;
}

export type Behaviour =
  | { status: number; body?: string; headers?: Record<string, string> }
  /** Accept the request and never answer (until the receiver closes). */
  | 'timeout';

export interface WebhookReceiver {
  /** http://127.0.0.1:<port>/hooks */
  url: string;
  origin: string;
  requests: ReceivedRequest[];
  /** How to answer from now on (default 200 "ok"). */
  respondWith(behaviour: Behaviour): void;
  /** Resolves once at least `count` requests have arrived. */
  waitForRequests(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const hanging = new Set<ServerResponse>();
  const waiters: (() => void)[] = [];
  let behaviour: Behaviour = { status: 200, body: 'ok' };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        rawBody: Buffer.concat(chunks).toString('utf8'),
        receivedAt: performance.now(),
      });
      for (const w of waiters.splice(0)) w();
      if (behaviour === 'timeout') {
        hanging.add(res);
        return;
      }
      res.writeHead(behaviour.status, { 'content-type': 'text/plain', ...behaviour.headers });
      res.end(behaviour.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  return {
    url: `${origin}/hooks`,
    origin,
    requests,
    respondWith(b) {
      behaviour = b;
    },
    async waitForRequests(count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (requests.length < count) {
        const left = deadline - Date.now();
        if (left <= 0)
          throw new Error(`receiver got ${requests.length} of ${count} requests in ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return requests;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
