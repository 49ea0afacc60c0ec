export { privateRabbitmq } from './private-rabbitmq.js';
export type { PrivateRabbitmq, PrivateRabbitmqOptions } from './private-rabbitmq.js';
export { testBrokerUrl, testVhostUrl, uniqueName } from './test-broker-url.js';
export type { BrokerPermissions, BrokerPolicy, TestVhost } from './test-broker-url.js';
export { testBusKey } from './test-bus-key.js';
