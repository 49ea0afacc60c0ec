export { rawPacket, testMac } from './raw-packet.js';
export type { RawPacketFields } from './raw-packet.js';
export { runDiscoverFlood } from './discover-flood.js';
export type { DiscoverFloodOptions, DiscoverFloodResult } from './discover-flood.js';
