import { ProjectServiceClient } from '@vpcd/api';
import { createLogger, createRegistry } from '@vpcd/observability';
import { createClient } from '@vpcd/rpc';
import type { RegionTls } from './region-tls.js';

/**
 * The environment that authenticates a service of the local region towards northd, by identity
 * (`hvflowd:<chassis>`, `hvaddr:<chassis>`, `hvflowd-fleet:<prefix>`, `northd`, `southd`).
 */
export type AgentCredentials = (identity: string) => Promise<Record<string, string>>;

/**
 * With TLS, an identity's certificate. Without (`tls: false`), an agent gets VPCD_TOKEN with a
 * service token of its own identity, minted through northd's CreateServiceToken with the admin
 * token on first use and kept for restarts; northd and southd get nothing (neither calls
 * northd's API). The admin token itself never leaves this process towards an agent.
 * `northdAddr` is read at each mint: the first northd must be up by then.
 */
export function agentCredentials(o: {
  readonly tls: RegionTls | undefined;
  readonly adminToken: string;
  readonly northdAddr: () => string;
}): AgentCredentials {
  const minted = new Map<string, Promise<string>>();
  const mint = async (identity: string): Promise<string> => {
    const colon = identity.indexOf(':');
    const projects = createClient(ProjectServiceClient, {
      address: o.northdAddr(),
      bearerToken: o.adminToken,
      logger: createLogger({ name: 'local-region', level: 'silent' }),
      registry: createRegistry({ service: 'local-region', collectDefault: false }),
    });
    try {
      const { token } = await projects.createServiceToken({
        role: identity.slice(0, colon),
        subject: identity.slice(colon + 1),
        requestId: '',
      });
      return token;
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new Error(`minting a service token for ${identity}: ${why}`, { cause: err });
    } finally {
      projects.close();
    }
  };
  return async (identity) => {
    if (o.tls) return o.tls.serviceEnv(identity);
    if (identity === 'northd' || identity === 'southd') return {};
    let token = minted.get(identity);
    if (!token) {
      token = mint(identity);
      minted.set(identity, token);
      // A failed mint is not kept: the next start asks again.
      void token.catch(() => minted.delete(identity));
    }
    return { VPCD_TOKEN: await token };
  };
}
