// Helpers for this package's own tests (not exported).
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { connect, type Channel, type ChannelModel } from 'amqplib';
import { once } from 'node:events';
import { connect as connectTcp, createServer, type Socket } from 'node:net';
import { memoryTracing as sharedMemoryTracing } from '@vpcd/observability/testing';
import pino, { type Logger } from 'pino';

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** A tracer provider keeping finished spans in memory, with a context manager registered. */
export function memoryTracing(): ReturnType<typeof sharedMemoryTracing> {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  return sharedMemoryTracing();
}

export { captureLogger, metricValue } from '@vpcd/observability/testing';

/** Polls `check` until it returns true; fails after `timeoutMs` with `message`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  message: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${message}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A plain amqplib connection for looking at and cleaning up what a test declared. */
export async function adminChannel(
  url: string,
): Promise<{ channel: Channel; model: ChannelModel; close(): Promise<void> }> {
  const model = await connect(url);
  model.on('error', () => undefined);
  const channel = await model.createChannel();
  channel.on('error', () => undefined);
  return {
    model,
    channel,
    close: async () => {
      await model.close().catch(() => undefined);
    },
  };
}

/** The number of ready messages in `queue`. */
export async function readyCount(url: string, queue: string): Promise<number> {
  const admin = await adminChannel(url);
  try {
    return (await admin.channel.checkQueue(queue)).messageCount;
  } finally {
    await admin.close();
  }
}

/** Deletes queues and exchanges a test declared on a shared broker. */
export async function deleteAll(
  url: string,
  names: { queues?: string[]; exchanges?: string[] },
): Promise<void> {
  const admin = await adminChannel(url);
  try {
    for (const queue of names.queues ?? []) await admin.channel.deleteQueue(queue);
    for (const exchange of names.exchanges ?? []) await admin.channel.deleteExchange(exchange);
  } finally {
    await admin.close();
  }
}

/**
 * A TCP relay to `url`'s host. silence() makes the connections it holds go quiet both ways
 * without FIN or RST (a peer that vanished); connections made later pass again.
 */
export interface SilentRelay {
  /** `url` pointing at the relay. */
  readonly url: string;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Silenced connections that their client closed. */
  readonly abandoned: number;
  silence(): void;
  close(): Promise<void>;
}

export async function startSilentRelay(url: string): Promise<SilentRelay> {
  const target = new URL(url);
  const pairs: Array<{ client: Socket; server: Socket; silent: boolean }> = [];
  let abandoned = 0;
  const relay = createServer({ allowHalfOpen: true }, (client) => {
    const server = connectTcp({ host: target.hostname, port: Number(target.port || 5672) });
    const pair = { client, server, silent: false };
    pairs.push(pair);
    for (const s of [client, server]) s.on('error', () => undefined);
    client.on('data', (chunk: Buffer) => pair.silent || server.write(chunk));
    server.on('data', (chunk: Buffer) => pair.silent || client.write(chunk));
    client.once('end', () => {
      if (pair.silent) abandoned += 1;
      else server.end();
    });
    server.once('end', () => pair.silent || client.end());
  });
  relay.listen(0, '127.0.0.1');
  await once(relay, 'listening');
  const relayed = new URL(url);
  relayed.host = `127.0.0.1:${(relay.address() as { port: number }).port}`;
  return {
    url: relayed.toString(),
    get accepted() {
      return pairs.length;
    },
    get abandoned() {
      return abandoned;
    },
    silence: () => pairs.forEach((p) => (p.silent = true)),
    async close() {
      for (const p of pairs) {
        p.client.destroy();
        p.server.destroy();
      }
      if (relay.listening) await new Promise((resolve) => relay.close(resolve));
    },
  };
}
