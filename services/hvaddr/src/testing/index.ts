export { startChassisStub, chassisState } from './chassis-stub.js';
export type { ChassisStub, StatePort } from './chassis-stub.js';
export { createVethNamespace } from './netns.js';
export type { VethNamespace, VethNamespaceOptions } from './netns.js';
export { openRelayClient } from './relay-client.js';
export type { RelayClient } from './relay-client.js';
export { rawPacket, testMac } from '@vpcd/dhcp/testing';
export type { RawPacketFields } from '@vpcd/dhcp/testing';
export { eventually } from './eventually.js';
