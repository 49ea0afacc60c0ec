import { RpcError, Status } from '@vpcd/rpc';
import { describePrincipal, type Principal, type ServiceRole } from './principal.js';

/** Who a method is granted to: the admin, any project token, or a service role. */
type Grant = 'admin' | 'project' | ServiceRole;

// Who may call what. A method absent here is refused: new methods must be placed explicitly.
// The chassis methods granted to agents are further limited to the agent's own chassis by the
// handlers (see chassis-scope.ts); GetChassis/ListChassis show a project a redacted view.
// southd and northd need nothing of the public API: they meet northd over the bus.
const allowed: Record<string, readonly Grant[]> = {
  '/vpc.v1.ProjectService/CreateProject': ['admin'],
  '/vpc.v1.ProjectService/GetProject': ['admin'],
  '/vpc.v1.ProjectService/ListProjects': ['admin'],
  '/vpc.v1.ProjectService/CreateToken': ['admin'],
  '/vpc.v1.ProjectService/ListTokens': ['admin'],
  '/vpc.v1.ProjectService/RevokeToken': ['admin'],
  '/vpc.v1.ProjectService/CreateServiceToken': ['admin'],
  '/vpc.v1.ProjectService/GetProjectQuota': ['admin'],
  '/vpc.v1.ProjectService/UpdateProjectQuota': ['admin'],
  '/vpc.v1.VpcService/CreateVpc': ['admin', 'project'],
  '/vpc.v1.VpcService/GetVpc': ['admin', 'project'],
  '/vpc.v1.VpcService/ListVpcs': ['admin', 'project'],
  '/vpc.v1.VpcService/DeleteVpc': ['admin', 'project'],
  '/vpc.v1.InterfaceService/CreateInterface': ['admin', 'project'],
  '/vpc.v1.InterfaceService/GetInterface': ['admin', 'project'],
  '/vpc.v1.InterfaceService/ListInterfaces': ['admin', 'project'],
  '/vpc.v1.InterfaceService/DeleteInterface': ['admin', 'project'],
  '/vpc.v1.ChassisService/RegisterChassis': ['admin', 'hvflowd', 'hvflowd-fleet'],
  '/vpc.v1.ChassisService/Heartbeat': ['admin', 'hvflowd', 'hvflowd-fleet'],
  '/vpc.v1.ChassisService/SyncInitialChassis': ['admin', 'hvflowd', 'hvflowd-fleet', 'hvaddr'],
  '/vpc.v1.ChassisService/GetChassis': ['admin', 'project'],
  '/vpc.v1.ChassisService/ListChassis': ['admin', 'project'],
};

function grantOf(principal: Principal): Grant {
  return principal.kind === 'service' ? principal.role : principal.kind;
}

/** Throws PERMISSION_DENIED unless `principal` may call `path`. */
export function authorize(path: string, principal: Principal): void {
  if (!allowed[path]?.includes(grantOf(principal))) {
    throw new RpcError(
      Status.PERMISSION_DENIED,
      `${describePrincipal(principal)} may not call ${path}`,
    );
  }
}

/** Paths that need no credentials: health checks and reflection (when it is on). */
export function isPublicPath(path: string): boolean {
  return path.startsWith('/grpc.health.v1.') || path.startsWith('/grpc.reflection.');
}
