import type { Http2Session } from 'node:http2';
import { isMap } from 'node:util/types';
import { StreamTable } from './stream-table.js';

// The one reach into Node's private HTTP/2 state, for the pinned Node (24.x);
// node-http2-internals.test.ts fails if a new version moves it. It is worth it: with the
// session's Map (see StreamTable), a plain node:http2 server under the rpc benchmark's load
// promotes 0.86 KiB of each call to the old generation; with a StreamTable, 0.04 KiB.

/** What Node keeps under a session's `Symbol('state')`: only the field used here. */
interface SessionState {
  streams: unknown;
}

function sessionState(session: Http2Session): SessionState | undefined {
  const fields = session as unknown as Record<symbol, unknown>;
  for (const key of Object.getOwnPropertySymbols(session)) {
    if (key.description !== 'state') continue;
    const state = fields[key];
    if (typeof state === 'object' && state !== null && 'streams' in state) {
      return state;
    }
  }
  return undefined;
}

/**
 * Gives a new session a StreamTable for its open streams in place of Node's Map. Call it from
 * the server's 'session' event, before the session has a stream. Returns false, changing
 * nothing, when the session's state is not where Node 24 keeps it or already has streams.
 */
export function useStreamTable(session: Http2Session): boolean {
  const state = sessionState(session);
  if (state === undefined || !isMap(state.streams) || state.streams.size !== 0) return false;
  state.streams = new StreamTable<unknown>();
  return true;
}

/** The structure a session keeps its open streams in: for tests. */
export function sessionStreams(session: Http2Session): unknown {
  return sessionState(session)?.streams;
}
