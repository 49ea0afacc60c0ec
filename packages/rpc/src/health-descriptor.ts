import { create, toBinary } from '@bufbuild/protobuf';
import {
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as Type,
  FileDescriptorProtoSchema,
} from '@bufbuild/protobuf/wkt';
import type { PackageDefinition } from '@grpc/proto-loader';

const pkg = 'grpc.health.v1';
const optional = { label: Label.OPTIONAL };

/**
 * grpc.health.v1's file (health.proto of grpc-health-check, which the server serves) as a
 * reflection client needs it. The descriptor proto-loader derives from that .proto names types
 * relatively, lacks `syntax` and names the map entry wrongly, so buf curl and grpcurl reject it.
 */
export function healthDescriptors(): PackageDefinition {
  const file = create(FileDescriptorProtoSchema, {
    name: 'grpc/health/v1/health.proto',
    package: pkg,
    syntax: 'proto3',
    messageType: [
      {
        name: 'HealthCheckRequest',
        field: [
          { name: 'service', number: 1, type: Type.STRING, jsonName: 'service', ...optional },
        ],
      },
      {
        name: 'HealthCheckResponse',
        field: [
          {
            name: 'status',
            number: 1,
            type: Type.ENUM,
            typeName: `.${pkg}.HealthCheckResponse.ServingStatus`,
            jsonName: 'status',
            ...optional,
          },
        ],
        enumType: [
          {
            name: 'ServingStatus',
            value: ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'].map((name, number) => ({
              name,
              number,
            })),
          },
        ],
      },
      { name: 'HealthListRequest' },
      {
        name: 'HealthListResponse',
        field: [
          {
            name: 'statuses',
            number: 1,
            label: Label.REPEATED,
            type: Type.MESSAGE,
            typeName: `.${pkg}.HealthListResponse.StatusesEntry`,
            jsonName: 'statuses',
          },
        ],
        nestedType: [
          {
            name: 'StatusesEntry',
            options: { mapEntry: true },
            field: [
              { name: 'key', number: 1, type: Type.STRING, jsonName: 'key', ...optional },
              {
                name: 'value',
                number: 2,
                type: Type.MESSAGE,
                typeName: `.${pkg}.HealthCheckResponse`,
                jsonName: 'value',
                ...optional,
              },
            ],
          },
        ],
      },
    ],
    service: [
      {
        name: 'Health',
        method: [
          { name: 'Check', inputType: 'HealthCheckRequest', outputType: 'HealthCheckResponse' },
          {
            name: 'Watch',
            inputType: 'HealthCheckRequest',
            outputType: 'HealthCheckResponse',
            serverStreaming: true,
          },
          { name: 'List', inputType: 'HealthListRequest', outputType: 'HealthListResponse' },
        ].map((m) => ({
          ...m,
          inputType: `.${pkg}.${m.inputType}`,
          outputType: `.${pkg}.${m.outputType}`,
        })),
      },
    ],
  });
  const bytes = Buffer.from(toBinary(FileDescriptorProtoSchema, file));
  return {
    [`${pkg}.HealthCheckRequest`]: {
      format: 'Protocol Buffer 3 DescriptorProto',
      type: {},
      fileDescriptorProtos: [bytes],
    },
  };
}
