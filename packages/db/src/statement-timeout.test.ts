import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { DbError } from './db-error.js';
import { eventually, testContext, type TestContext } from './test-support.js';

/**
 * A TCP relay to the test server. silence() makes the connections it holds go quiet both ways
 * without FIN or RST, as when the server's host vanishes; connections made later pass again.
 */
interface Relay {
  readonly url: string;
  silence(): void;
  /** Silenced connections their client closed. */
  readonly abandoned: number;
  close(): Promise<void>;
}

async function startRelay(serverUrl: string): Promise<Relay> {
  const target = new URL(serverUrl);
  const pairs: Array<{ client: Socket; server: Socket; silent: boolean }> = [];
  let abandoned = 0;
  const relay = createServer({ allowHalfOpen: true }, (client) => {
    const server = connect({ host: target.hostname, port: Number(target.port || 3306) });
    const pair = { client, server, silent: false };
    pairs.push(pair);
    for (const s of [client, server]) s.on('error', () => undefined);
    client.on('data', (chunk: Buffer) => pair.silent || server.write(chunk));
    server.on('data', (chunk: Buffer) => pair.silent || client.write(chunk));
    const gone = () => {
      if (pair.silent) abandoned += 1;
      else server.destroy();
    };
    client.once('end', gone);
  });
  relay.listen(0, '127.0.0.1');
  await once(relay, 'listening');
  const url = new URL(serverUrl);
  url.host = `127.0.0.1:${(relay.address() as { port: number }).port}`;
  return {
    url: url.toString(),
    silence: () => pairs.forEach((p) => (p.silent = true)),
    get abandoned() {
      return abandoned;
    },
    async close() {
      for (const p of pairs) {
        p.client.destroy();
        p.server.destroy();
      }
      if (relay.listening) await new Promise((resolve) => relay.close(resolve));
    },
  };
}

const isTimeout = (err: DbError) =>
  err.kind === 'timeout' && err.code === 'PROTOCOL_SEQUENCE_TIMEOUT' && err.retryable;

// Each test has a timeout of its own: without the statement timeout these calls never settle.
describe('statement timeout', { timeout: 30_000 }, () => {
  let t: TestContext;
  let relay: Relay;
  before(async () => {
    t = await testContext();
    const { db } = t.open();
    await db.execute('CREATE TABLE notes (id INT PRIMARY KEY) ENGINE=InnoDB');
  });
  after(async () => {
    await t.cleanup();
    await relay?.close();
  });

  const openSilenced = async () => {
    relay = await startRelay(t.testDb.url);
    const { db } = t.open({ url: relay.url, statementTimeoutMs: 300, connectionLimit: 1 });
    await db.query('SELECT 1');
    relay.silence();
    return db;
  };

  it('fails a statement on a silent connection with kind timeout, drops it, and goes on', async () => {
    const db = await openSilenced();
    await assert.rejects(db.query('SELECT 1'), isTimeout);
    await eventually(
      () => relay.abandoned,
      (n) => n === 1,
    );
    assert.equal(relay.abandoned, 1, 'the silent connection is closed, not kept in the pool');
    assert.deepEqual(await db.query('SELECT 1 AS one'), [{ one: 1 }]);
    await relay.close();
  });

  it('fails a transaction whose statement gets no answer, and nothing commits', async () => {
    const db = await openSilenced();
    await assert.rejects(
      db.transaction((tx) => tx.execute('INSERT INTO notes (id) VALUES (1)')),
      isTimeout,
    );
    // Nothing reached the server: the row is free for another client.
    const { db: direct } = t.open();
    await direct.execute('INSERT INTO notes (id) VALUES (1)');
    assert.deepEqual(await direct.query('SELECT id FROM notes'), [{ id: 1 }]);
    await relay.close();
  });

  it('fails a ping on a silent connection with kind timeout', async () => {
    const db = await openSilenced();
    await assert.rejects(db.ping(), isTimeout);
    await relay.close();
  });

  it('fails a connection attempt to a server that never answers with kind unavailable', async () => {
    const held: Socket[] = [];
    const mute: Server = createServer((s) => held.push(s));
    mute.listen(0, '127.0.0.1');
    await once(mute, 'listening');
    const port = (mute.address() as { port: number }).port;
    const { db } = t.open({ url: `mysql://root@127.0.0.1:${port}/x`, connectTimeoutMs: 300 });
    await assert.rejects(
      db.query('SELECT 1'),
      (err: DbError) => err.kind === 'unavailable' && err.code === 'ETIMEDOUT',
    );
    for (const s of held) s.destroy();
    mute.close();
  });

  it('lets withConnection give statements that wait long a limit of their own', async () => {
    const { db } = t.open({ statementTimeoutMs: 300 });
    await assert.rejects(db.query('SELECT SLEEP(1)'), isTimeout);
    const [row] = await db.withConnection((c) => c.query<{ s: number }>('SELECT SLEEP(1) AS s'), {
      statementTimeoutMs: 5000,
    });
    assert.equal(Number(row?.s), 0);
    await assert.rejects(
      db.withConnection(() => Promise.resolve(), { statementTimeoutMs: -1 }),
      (err: DbError) => err.kind === 'other',
    );
  });
});
