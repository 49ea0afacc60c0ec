/**
 * How large a chassis' state may grow, shared by every hop that carries one (northd's converge
 * publisher and SyncInitialChassis, RabbitMQ, southd, hvflowd), so that a state northd lets
 * exist is one every hop accepts.
 *
 * The gRPC message that carries a state (ApplyChassisStateRequest, SyncInitialChassisResponse)
 * may be `maxStateMessageBytes`: grpc-js's default receive limit, which hvflowd's server and the
 * clients that receive states set explicitly. The state itself is kept `stateEnvelopeBytes`
 * below that, for the message around it. RabbitMQ refuses messages past `max_message_size`
 * (16 MiB and more in every supported release), well above.
 *
 * A state's size grows with its ports: the interfaces on the chassis (each also brings its VPC's
 * entry, once per VPC) and the remote ports of those VPCs. Every field of an entry has a largest
 * size that northd's validation enforces (ids are UUIDs, names and chassis ids DNS labels of at
 * most 63 characters, dotted IPv4 addresses at most 15), so one port costs at most
 * `maxPortEntryBytes` encoded, and a state of n ports at most
 * `maxStateHeaderBytes + n * maxPortEntryBytes`. northd refuses an interface that would take any
 * chassis' state past `maxChassisStatePorts` ports, so no state can outgrow the transport.
 */
export const maxStateMessageBytes = 4 * 1024 * 1024;

/** Room left in a state-carrying message for the fields around the state. */
export const stateEnvelopeBytes = 64 * 1024;

/** The largest encoded ChassisState any hop must carry. */
export const maxChassisStateBytes = maxStateMessageBytes - stateEnvelopeBytes;

/** The longest value of each string field of a state, as northd's validation bounds it. */
export const stateFieldMaxChars = Object.freeze({
  /** Interface and VPC ids: UUIDs northd makes. */
  id: 36,
  /** Interface names and chassis ids: DNS labels. */
  label: 63,
  /** Dotted-quad IPv4 addresses. */
  ipv4: 15,
  /** Dotted-quad IPv4 CIDRs. */
  cidr: 18,
  /** MAC addresses, colon-separated. */
  mac: 17,
});

// Protobuf sizes: a string field of under 128 bytes costs 1 (tag) + 1 (length) + its bytes; an
// embedded message under 16384 bytes costs 1 + 2 + its bytes; a varint at most 5 (32-bit) or 10.
const str = (chars: number) => 2 + chars;
const embedded = (bytes: number) => 3 + bytes;
const f = stateFieldMaxChars;

/** ChassisState's own fields: chassis_id, epoch, generation. */
export const maxStateHeaderBytes = str(f.label) + 1 + 10 + 1 + 10;

/** The most one port adds to a state: a local port and its VPC's entry, or a remote port. */
export const maxPortEntryBytes = Math.max(
  // PortState (interface_id, vpc_id, name, ip, mac) + VpcState (vpc_id, vni, cidr, gateway_ip)
  embedded(str(f.id) + str(f.id) + str(f.label) + str(f.ipv4) + str(f.mac)) +
    embedded(str(f.id) + 1 + 5 + str(f.cidr) + str(f.ipv4)),
  // RemotePortState (interface_id, vpc_id, ip, mac, chassis_id, underlay_ip)
  embedded(str(f.id) + str(f.id) + str(f.ipv4) + str(f.mac) + str(f.label) + str(f.ipv4)),
);

/**
 * The most ports (local interfaces plus remote ports of the VPCs present) a chassis' state may
 * hold: the largest n whose worst-case state fits in `maxChassisStateBytes`.
 */
export const maxChassisStatePorts = Math.floor(
  (maxChassisStateBytes - maxStateHeaderBytes) / maxPortEntryBytes,
);
