import { randomUUID } from 'node:crypto';
import {
  CreateServiceTokenRequest,
  CreateTokenRequest,
  CreateTokenResponse,
  Token,
  type ListTokensRequest,
  type ListTokensResponse,
  type RevokeTokenRequest,
} from '@vpcd/api';
import type { Queryable } from '@vpcd/db';
import { invalidArgument, RpcError, Status } from '@vpcd/rpc';
import { fleetIdentityRefusal, serviceIdentityProblem } from '../auth/service-identity.js';
import { hashToken, newToken, tokenSuffix } from '../auth/tokens.js';
import type { ServiceRole } from '../auth/principal.js';
import { readPage } from '../store/pagination.js';
import { projectStore } from '../store/projects.js';
import { TokenStore, type TokenOwner } from '../store/tokens.js';
import { tokenExpiry } from '../validation/expiration.js';
import { requireId } from '../validation/requests.js';
import type { HandlerDeps } from './deps.js';

// A token is shown once: its idempotency record keeps the id only, never the secret.
const redactedTokenCodec = {
  encode: (m: CreateTokenResponse) => CreateTokenResponse.encode({ ...m, token: '' }),
  decode: (bytes: Uint8Array) => CreateTokenResponse.decode(bytes),
};

/** ProjectService's token methods (admin only, see auth/policy.ts). */
export function tokenHandlers(deps: HandlerDeps) {
  const tokens = new TokenStore(deps.db);

  async function issue(
    method: string,
    requestId: string,
    request: Uint8Array,
    owner: (tx: Queryable) => Promise<TokenOwner>,
    expiration: Parameters<typeof tokenExpiry>[0],
  ): Promise<CreateTokenResponse> {
    const issued = await deps.idempotent(
      method,
      requestId,
      request,
      redactedTokenCodec,
      async (tx) => {
        const expireTime = tokenExpiry(expiration, Date.now());
        const token = newToken();
        const tokenId = randomUUID();
        await tokens.insert(tx, {
          id: tokenId,
          owner: await owner(tx),
          hash: hashToken(token),
          suffix: tokenSuffix(token),
          expireTime,
        });
        return { tokenId, token, expireTime };
      },
    );
    if (issued.token === '') {
      throw new RpcError(
        Status.ALREADY_EXISTS,
        `token ${issued.tokenId} was already issued for this request_id and is shown only once`,
      );
    }
    return issued;
  }

  return {
    async createToken(req: CreateTokenRequest): Promise<CreateTokenResponse> {
      requireId('project_id', req.projectId);
      tokenExpiry(req, Date.now());
      return issue(
        'CreateToken',
        req.requestId,
        CreateTokenRequest.encode(req).finish(),
        async (tx) => {
          await projectStore.get(tx, req.projectId);
          return { projectId: req.projectId };
        },
        req,
      );
    },

    async createServiceToken(req: CreateServiceTokenRequest): Promise<CreateTokenResponse> {
      const subject =
        req.subject === '' && ['southd', 'northd'].includes(req.role) ? req.role : req.subject;
      const problem = serviceIdentityProblem(req.role, subject);
      if (problem) throw invalidArgument([problem]);
      // A token that northd would refuse on every call must not be issued in the first place.
      if (req.role === 'hvflowd-fleet' && !deps.allowFleetIdentities) {
        throw new RpcError(
          Status.FAILED_PRECONDITION,
          fleetIdentityRefusal(`hvflowd-fleet:${subject}`),
        );
      }
      tokenExpiry(req, Date.now());
      return issue(
        'CreateServiceToken',
        req.requestId,
        CreateServiceTokenRequest.encode(req).finish(),
        () => Promise.resolve({ role: req.role as ServiceRole, subject }),
        req,
      );
    },

    async listTokens(req: ListTokensRequest): Promise<ListTokensResponse> {
      if (req.projectId !== '') requireId('project_id', req.projectId);
      const page = readPage(req.pageSize, req.pageToken);
      const { tokens: listed, next } = await tokens.list(req.projectId || undefined, page);
      return { tokens: listed, nextPageToken: next };
    },

    async revokeToken(req: RevokeTokenRequest): Promise<Token> {
      requireId('id', req.id);
      const revoked = await deps.idempotent('RevokeToken', '', new Uint8Array(), Token, (tx) =>
        tokens.revoke(tx, req.id),
      );
      try {
        await deps.tokenRevoked(revoked.id);
      } catch (err) {
        throw new RpcError(
          Status.UNAVAILABLE,
          `token ${revoked.id} is revoked, but not every northd was told at once (each refuses it ` +
            'once its cache entry expires); retry to tell them again',
          { cause: err },
        );
      }
      return revoked;
    },
  };
}
