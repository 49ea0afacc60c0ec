import type { ClientLayer, ClientLayerSteps } from '../client-layer.js';

/** Sends `authorization: Bearer <token>` with every call. */
export function clientBearerLayer(token: string): ClientLayer {
  const header = `Bearer ${token}`;
  const steps: ClientLayerSteps = { onStart: (metadata) => metadata.set('authorization', header) };
  return () => steps;
}
