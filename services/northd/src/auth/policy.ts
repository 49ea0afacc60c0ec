import { RpcError, Status } from '@vpcd/rpc';
import type { Principal } from './principal.js';

type Kind = Principal['kind'];

// Who may call what. A method absent here is refused: new methods must be placed explicitly.
const allowed: Record<string, readonly Kind[]> = {
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
  '/vpc.v1.ChassisService/RegisterChassis': ['admin', 'service'],
  '/vpc.v1.ChassisService/Heartbeat': ['admin', 'service'],
  '/vpc.v1.ChassisService/SyncInitialChassis': ['admin', 'service'],
  '/vpc.v1.ChassisService/GetChassis': ['admin', 'service', 'project'],
  '/vpc.v1.ChassisService/ListChassis': ['admin', 'service', 'project'],
};

/** Throws PERMISSION_DENIED unless `principal` may call `path`. */
export function authorize(path: string, principal: Principal): void {
  if (!allowed[path]?.includes(principal.kind)) {
    throw new RpcError(
      Status.PERMISSION_DENIED,
      `${principal.kind} credentials may not call ${path}`,
    );
  }
}

/** Paths that need no credentials: health checks and reflection. */
export function isPublicPath(path: string): boolean {
  return path.startsWith('/grpc.health.v1.') || path.startsWith('/grpc.reflection.');
}
