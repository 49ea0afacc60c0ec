import type { Queryable } from '@vpcd/db';

/** Project API tokens, kept only as hashes. */
export class TokenStore {
  constructor(private readonly db: Queryable) {}

  async projectOfHash(hash: Buffer): Promise<string | undefined> {
    const rows = await this.db.query<{ project_id: string }>(
      'SELECT project_id FROM tokens WHERE token_hash = ?',
      [hash],
    );
    return rows[0]?.project_id;
  }

  async insert(tx: Queryable, id: string, projectId: string, hash: Buffer): Promise<void> {
    await tx.execute('INSERT INTO tokens (id, project_id, token_hash) VALUES (?, ?, ?)', [
      id,
      projectId,
      hash,
    ]);
  }
}
