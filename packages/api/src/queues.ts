/**
 * The RabbitMQ names northd and southd meet at. Converge work: northd publishes one ChassisState
 * per message to the topic `convergeExchange` (routing key: the chassis id) with the `headers`
 * below; southd consumes `convergeQueue` and publishes a ChassisStateAck to `acksExchange`
 * (routing key ''), which northd consumes from `acksQueue`. Change hints: an empty message on the
 * fanout `hintsExchange` wakes every northd's converge loop.
 *
 * No exchange shares a name with a queue: RabbitMQ's permissions are regular expressions over
 * names, whatever the resource, so distinct names are what lets southd's broker user read the
 * converge queue without binding to its exchange, and northd's write to its exchange without
 * reading the queue (deploy/README.md, broker users).
 */
export const queues = Object.freeze({
  convergeExchange: 'vpcd.states',
  convergeQueue: 'vpcd.converge',
  convergeDeadLetterQueue: 'vpcd.converge.dlq',
  acksExchange: 'vpcd.acks',
  acksQueue: 'vpcd.converge.acks',
  acksDeadLetterQueue: 'vpcd.converge.acks.dlq',
  hintsExchange: 'vpcd.northd.hints',
});

/**
 * The AMQP `type` of each message on the bus. Every message is signed with the bus key shared by
 * northd and southd (BUS_HMAC_KEY), and the signature covers the type, so a consumer that takes
 * one type cannot be fed another.
 */
export const messageTypes = Object.freeze({
  chassisState: 'vpc.v1.ChassisState',
  chassisStateAck: 'vpc.v1.ChassisStateAck',
  chassisDelta: 'vpc.v1.ChassisDelta',
  changeHint: 'vpcd.northd.ChangeHint',
  tokenRevoked: 'vpcd.northd.TokenRevoked',
});

/** Headers of a converge message. */
export const convergeHeaders = Object.freeze({
  chassisId: 'chassis_id',
  epoch: 'epoch',
  generation: 'generation',
  northdId: 'northd_id',
  /** host:port of the chassis' hvflowd, where southd delivers the state. */
  hvflowdAddr: 'hvflowd_addr',
});

/**
 * The exchanges and quorum queues of converge work and its acks, as @vpcd/messaging's Topology.
 * northd declares it; southd, whose broker user may not configure anything, waits for the
 * converge queue to exist (see deploy/README.md, broker users).
 */
export const convergeTopology = Object.freeze({
  exchanges: [
    { name: queues.convergeExchange, type: 'topic' as const },
    { name: queues.acksExchange, type: 'direct' as const },
    { name: queues.hintsExchange, type: 'fanout' as const },
  ],
  queues: [
    {
      name: queues.convergeQueue,
      kind: 'quorum' as const,
      // A state no hvflowd can take is parked after this many tries rather than retried forever.
      deliveryLimit: 20,
      deadLetterQueue: queues.convergeDeadLetterQueue,
      bindings: [{ exchange: queues.convergeExchange, routingKey: '#' }],
    },
    {
      name: queues.acksQueue,
      kind: 'quorum' as const,
      deliveryLimit: 20,
      deadLetterQueue: queues.acksDeadLetterQueue,
      bindings: [{ exchange: queues.acksExchange, routingKey: '' }],
    },
  ],
});
