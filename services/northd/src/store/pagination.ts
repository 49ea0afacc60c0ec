import { invalidArgument } from '@vpcd/rpc';

/** Default and largest page sizes of every List call. */
export const defaultPageSize = 100;
export const maxPageSize = 1000;

export interface Page {
  readonly limit: number;
  /** The id to continue after; '' for the first page. */
  readonly after: string;
}

/** Reads page_size and page_token (the base64url of the last id of the previous page). */
export function readPage(pageSize: number, pageToken: string): Page {
  if (pageSize < 0) throw invalidArgument([{ field: 'page_size', description: 'must be >= 0' }]);
  let after = '';
  if (pageToken !== '') {
    after = Buffer.from(pageToken, 'base64url').toString('utf8');
    if (after === '' || Buffer.from(after, 'utf8').toString('base64url') !== pageToken) {
      throw invalidArgument([
        { field: 'page_token', description: 'not a token this API returned' },
      ]);
    }
  }
  return { limit: Math.min(pageSize || defaultPageSize, maxPageSize), after };
}

/** Given rows fetched with LIMIT page.limit + 1, the page's rows and the token of the next. */
export function pageOf<T extends { id: string }>(
  rows: T[],
  page: Page,
): { rows: T[]; next: string } {
  if (rows.length <= page.limit) return { rows, next: '' };
  const kept = rows.slice(0, page.limit);
  return { rows: kept, next: Buffer.from(kept[kept.length - 1]!.id, 'utf8').toString('base64url') };
}
