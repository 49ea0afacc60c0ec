import { usageError } from '../cli/cli-error.js';
import { option, type Invocation } from './command.js';

/** Largest page northd serves. */
const maxPageSize = 1000;

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextPageToken: string;
}

/** Fetches pages until the last one, or until `limit` items. */
export async function collectPages<T>(
  fetch: (pageSize: number, pageToken: string) => Promise<Page<T>>,
  limit: number | undefined,
): Promise<T[]> {
  const items: T[] = [];
  let token = '';
  do {
    const wanted = limit === undefined ? maxPageSize : Math.min(maxPageSize, limit - items.length);
    const page = await fetch(wanted, token);
    items.push(...page.items);
    token = page.nextPageToken;
  } while (token !== '' && (limit === undefined || items.length < limit));
  return limit === undefined ? items : items.slice(0, limit);
}

/** The --limit option: a positive whole number, or undefined for every item. */
export function limitOf(inv: Invocation): number | undefined {
  const text = option(inv, 'limit');
  if (text === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(text))
    throw usageError(`--limit: "${text}" is not a positive whole number`);
  return Number(text);
}
