import { AsyncLocalStorage } from 'node:async_hooks';

interface Scope {
  queries: number;
  parent: Scope | undefined;
}

const scopes = new AsyncLocalStorage<Scope>();

/**
 * Runs fn and counts the SQL statements it, and everything it awaits, sends. Transaction control
 * (BEGIN, COMMIT, ROLLBACK, SET TRANSACTION) is not counted. Scopes nest: a statement counts in
 * its own scope and in every enclosing one; concurrent scopes do not see each other's statements.
 */
export async function countQueries<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; queries: number }> {
  const scope: Scope = { queries: 0, parent: scopes.getStore() };
  const result = await scopes.run(scope, fn);
  return { result, queries: scope.queries };
}

/** Records one statement in the active scopes. */
export function countStatement(): void {
  for (let scope = scopes.getStore(); scope; scope = scope.parent) scope.queries += 1;
}
