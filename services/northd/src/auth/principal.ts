import { activePrincipal, RpcError, Status } from '@vpcd/rpc';

/** The roles of service identities (certificates' common names, service tokens). */
export type ServiceRole = 'hvflowd' | 'hvflowd-fleet' | 'hvaddr' | 'southd' | 'northd';

/**
 * Who is calling: the operator (admin), a tenant's token (project), or a service identity whose
 * role says what it may do and whose subject says for what (a chassis id for hvflowd and hvaddr,
 * a chassis id prefix for hvflowd-fleet, the role itself for southd and northd). A certificate
 * and a service token resolve to the same service principal. See docs/security.md, "Who is
 * trusted with what".
 */
export type Principal =
  | { readonly kind: 'admin' }
  | { readonly kind: 'project'; readonly projectId: string }
  | { readonly kind: 'service'; readonly role: ServiceRole; readonly subject: string };

/** How a principal is named in errors and logs: `admin`, `project:<id>`, `hvflowd:hv1`, `southd`. */
export function describePrincipal(p: Principal): string {
  if (p.kind === 'admin') return 'admin';
  if (p.kind === 'project') return `project:${p.projectId}`;
  return p.role === p.subject ? p.role : `${p.role}:${p.subject}`;
}

/** The principal of the call being handled; the auth interceptor guarantees one. */
export function principal(): Principal {
  const p = activePrincipal<Principal>();
  if (!p) throw new RpcError(Status.UNAUTHENTICATED, 'no credentials');
  return p;
}

/**
 * The project whose objects the caller sees: its own for a project token; for an admin the
 * `requested` one, or undefined (every project) when it names none. A service identity sees no
 * tenant's objects (the policy grants it no tenant method; this holds should one ever be).
 */
export function projectScope(requested = ''): string | undefined {
  const p = principal();
  if (p.kind === 'service') {
    throw new RpcError(Status.PERMISSION_DENIED, `${p.role} credentials see no project's objects`);
  }
  if (p.kind === 'project') {
    if (requested !== '' && requested !== p.projectId) {
      throw new RpcError(Status.PERMISSION_DENIED, 'project_id names another project');
    }
    return p.projectId;
  }
  return requested === '' ? undefined : requested;
}

/** The key idempotency records are kept under: a retry from the same caller finds its answer. */
export function requestScope(): string {
  const p = principal();
  return p.kind === 'project'
    ? `project:${p.projectId}`
    : p.kind === 'service'
      ? `service:${p.role}:${p.subject}`
      : 'admin';
}
