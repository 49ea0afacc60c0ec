import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The body Alertmanager's webhook integration posts (version 4), the fields tests read. */
export interface WebhookNotification {
  readonly receiver: string;
  readonly status: 'firing' | 'resolved';
  readonly alerts: ReadonlyArray<{
    readonly status: 'firing' | 'resolved';
    readonly labels: Readonly<Record<string, string>>;
    readonly annotations: Readonly<Record<string, string>>;
  }>;
  readonly commonLabels: Readonly<Record<string, string>>;
}

/** An HTTP server on 127.0.0.1 that keeps every notification Alertmanager posts to it. */
export interface WebhookReceiver {
  readonly url: string;
  /** Every notification received so far, oldest first. */
  readonly notifications: readonly WebhookNotification[];
  /** Resolves the first notification (received already or later) that `match` accepts. */
  waitFor(
    match: (n: WebhookNotification) => boolean,
    timeoutMs: number,
  ): Promise<WebhookNotification>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const notifications: WebhookNotification[] = [];
  const waiters = new Set<() => void>();
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      try {
        notifications.push(JSON.parse(body) as WebhookNotification);
        for (const wake of waiters) wake();
        response.writeHead(200).end();
      } catch {
        response.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/alerts`,
    notifications,
    waitFor: (match, timeoutMs) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = notifications.find(match);
          if (!found) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching notification within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
