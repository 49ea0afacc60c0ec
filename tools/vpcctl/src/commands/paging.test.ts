import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collectPages } from './paging.js';

/** A server of `total` numbered items, `max` a page at most, with tokens as the next index. */
function pager(total: number, max: number) {
  const calls: Array<{ pageSize: number; pageToken: string }> = [];
  const fetch = (pageSize: number, pageToken: string) => {
    calls.push({ pageSize, pageToken });
    const from = pageToken === '' ? 0 : Number(pageToken);
    const to = Math.min(total, from + Math.min(pageSize, max));
    const items = Array.from({ length: to - from }, (_, i) => from + i);
    return Promise.resolve({ items, nextPageToken: to < total ? String(to) : '' });
  };
  return { fetch, calls };
}

describe('collectPages', () => {
  it('follows next_page_token to the last page', async () => {
    const p = pager(25, 10);
    const items = await collectPages(p.fetch, undefined);
    assert.deepEqual(
      items,
      Array.from({ length: 25 }, (_, i) => i),
    );
    assert.deepEqual(
      p.calls.map((c) => c.pageToken),
      ['', '10', '20'],
    );
  });

  it('stops at --limit and asks for no more than it needs', async () => {
    const p = pager(25, 10);
    const items = await collectPages(p.fetch, 12);
    assert.equal(items.length, 12);
    assert.deepEqual(
      p.calls.map((c) => c.pageSize),
      [12, 2],
    );
  });

  it('returns nothing for an empty list in one call', async () => {
    const p = pager(0, 10);
    assert.deepEqual(await collectPages(p.fetch, undefined), []);
    assert.equal(p.calls.length, 1);
  });
});
