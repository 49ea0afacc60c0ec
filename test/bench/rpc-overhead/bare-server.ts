import { Server, ServerCredentials, status as Status } from '@grpc/grpc-js';
import { VpcServiceService, type VpcServiceServer } from '@vpcd/api';
import { fixedVpc, type BenchServer, type ServerStats } from './bench-service.js';

function unimplemented(
  _call: unknown,
  callback: (err: { code: Status; details: string }) => void,
): void {
  callback({ code: Status.UNIMPLEMENTED, details: 'not served by the benchmark' });
}

/**
 * The baseline: a plain grpc-js Server with a callback handler and no interceptors. Channelz is
 * off as on the @vpcd/rpc server, so the comparison isolates what the package adds.
 */
export async function startBareServer(address: string): Promise<BenchServer> {
  let handled = 0;
  const server = new Server({ 'grpc.enable_channelz': 0 });
  const impl: VpcServiceServer = {
    getVpc: (_call, callback) => {
      handled++;
      callback(null, fixedVpc);
    },
    createVpc: unimplemented,
    listVpcs: unimplemented,
    deleteVpc: unimplemented,
  };
  server.addService(VpcServiceService, impl);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    );
  });
  return {
    port,
    stop: async (): Promise<ServerStats> => {
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      return { handled };
    },
  };
}
