import http from 'node:http';

export interface ReceivedWebhook {
  headers: Record<string, string>;
  body: string;
  /** Parsed body: `{ type, timestamp, data }`. */
  event: { type: string; timestamp: string; data: { id: string; status?: string; professional_id?: string } & Record<string, unknown> };
}

/** How the receiver answers one request: a status, or a stall, a huge body, a redirect. */
export type Reply = { status: number; body?: string; headers?: Record<string, string> } | { hang: true } | { hugeBodyBytes: number };

/**
 * A real HTTP receiver on loopback for outgoing webhook tests: records every request and answers as
 * `reply` decides. `down()` stops listening (connections are refused); `up()` listens again on the same port.
 */
export async function startWebhookReceiver(reply: (req: ReceivedWebhook, index: number) => Reply = () => ({ status: 204 })) {
  const requests: ReceivedWebhook[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let decide = reply;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on('close', () => (inFlight -= 1));
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const received: ReceivedWebhook = { headers: req.headers as Record<string, string>, body, event: JSON.parse(body) };
      requests.push(received);
      const r = decide(received, requests.length - 1);
      if ('hang' in r) return; // never answers; the sender's timeout ends it
      if ('hugeBodyBytes' in r) {
        res.writeHead(200, { 'content-type': 'text/plain' });
        const chunk = Buffer.alloc(16 * 1024, 'x');
        let sent = 0;
        const pump = () => {
          while (sent < r.hugeBodyBytes && !res.destroyed) {
            sent += chunk.length;
            if (!res.write(chunk)) return res.once('drain', pump);
          }
          res.end();
        };
        return pump();
      }
      res.writeHead(r.status, r.headers ?? {});
      res.end(r.body ?? '');
    });
  });
  const listen = (port: number) => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  await listen(0);
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    requests,
    get maxInFlight() {
      return maxInFlight;
    },
    /** Requests about one booking (or professional), in the order they arrived. */
    about: (id: string) => requests.filter((r) => r.event.data.id === id),
    setReply(next: (req: ReceivedWebhook, index: number) => Reply) {
      decide = next;
    },
    async down() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    up: () => listen(port),
    async stop() {
      server.closeAllConnections();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type WebhookReceiver = Awaited<ReturnType<typeof startWebhookReceiver>>;
