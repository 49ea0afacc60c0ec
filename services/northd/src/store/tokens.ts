import type { Token } from '@vpcd/api';
import type { Queryable } from '@vpcd/db';
import { RpcError, Status } from '@vpcd/rpc';
import type { ServiceRole } from '../auth/principal.js';
import { pageOf, type Page } from './pagination.js';

/** Whom a token speaks for: a project, or a service identity (role and subject). */
export type TokenOwner =
  { readonly projectId: string } | { readonly role: ServiceRole; readonly subject: string };

/** A token as the authenticator needs it, found by its hash. */
export interface TokenRecord {
  readonly id: string;
  readonly owner: TokenOwner;
  readonly expireTime: Date | undefined;
  readonly revokeTime: Date | undefined;
}

interface TokenRow {
  id: string;
  project_id: string | null;
  role: string | null;
  subject: string | null;
  suffix: string;
  create_time: Date;
  expire_time: Date | null;
  revoke_time: Date | null;
}

const columns = 'id, project_id, role, subject, suffix, create_time, expire_time, revoke_time';

const toToken = (row: TokenRow): Token => ({
  id: row.id,
  projectId: row.project_id ?? '',
  role: row.role ?? '',
  subject: row.subject ?? '',
  createTime: row.create_time,
  expireTime: row.expire_time ?? undefined,
  revoked: row.revoke_time !== null,
  revokeTime: row.revoke_time ?? undefined,
  suffix: row.suffix,
});

/** API tokens of projects and services, kept only as hashes (with the last 4 characters). */
export class TokenStore {
  constructor(private readonly db: Queryable) {}

  /** One statement; undefined when no token has this hash. */
  async findByHash(hash: Buffer): Promise<TokenRecord | undefined> {
    const [row] = await this.db.query<TokenRow>(
      `SELECT ${columns} FROM tokens WHERE token_hash = ?`,
      [hash],
    );
    if (!row) return undefined;
    return {
      id: row.id,
      owner:
        row.project_id !== null
          ? { projectId: row.project_id }
          : { role: row.role as ServiceRole, subject: row.subject ?? '' },
      expireTime: row.expire_time ?? undefined,
      revokeTime: row.revoke_time ?? undefined,
    };
  }

  async insert(
    tx: Queryable,
    token: {
      id: string;
      owner: TokenOwner;
      hash: Buffer;
      suffix: string;
      expireTime: Date | undefined;
    },
  ): Promise<void> {
    const { owner } = token;
    await tx.execute(
      `INSERT INTO tokens (id, project_id, role, subject, token_hash, suffix, expire_time)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      [
        token.id,
        'projectId' in owner ? owner.projectId : null,
        'role' in owner ? owner.role : null,
        'role' in owner ? owner.subject : null,
        token.hash,
        token.suffix,
        token.expireTime ?? null,
      ],
    );
  }

  async get(db: Queryable, id: string): Promise<Token> {
    const [row] = await db.query<TokenRow>(`SELECT ${columns} FROM tokens WHERE id = ?`, [id]);
    if (!row) throw new RpcError(Status.NOT_FOUND, `token ${id} not found`);
    return toToken(row);
  }

  /** Tokens by id; only `projectId`'s when given, else every token (service tokens too). */
  async list(
    projectId: string | undefined,
    page: Page,
  ): Promise<{ tokens: Token[]; next: string }> {
    const rows =
      projectId === undefined
        ? await this.db.query<TokenRow>(
            `SELECT ${columns} FROM tokens WHERE id > ? ORDER BY id LIMIT ?`,
            [page.after, page.limit + 1],
          )
        : await this.db.query<TokenRow>(
            `SELECT ${columns} FROM tokens WHERE project_id = ? AND id > ? ORDER BY id LIMIT ?`,
            [projectId, page.after, page.limit + 1],
          );
    const { rows: kept, next } = pageOf(rows, page);
    return { tokens: kept.map(toToken), next };
  }

  /** Marks the token revoked now unless it already is; NOT_FOUND when there is no such token. */
  async revoke(tx: Queryable, id: string): Promise<Token> {
    await tx.execute(
      'UPDATE tokens SET revoke_time = CURRENT_TIMESTAMP(3) WHERE id = ? AND revoke_time IS NULL',
      [id],
    );
    return this.get(tx, id);
  }
}
