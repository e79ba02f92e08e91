import { SchemaType } from '@kafkajs/confluent-schema-registry';
import type { TopologyConfig } from '../config/topology-config.js';
import { CdstreamError } from '../errors.js';
import {
  avroMetrics,
  binaryModeMetrics,
  metricsEventSchema,
  type MetricsEncoder,
} from '../stages/aggregate/metrics-encoding.js';
import type { Connections } from './connections.js';

/**
 * The encoder for the topology's `outputs.metricsFormat`. For Avro the value
 * schema is registered first, under the topic-name strategy (`<topic>-value`,
 * backward compatible).
 */
export async function metricsEncoderFor(
  config: TopologyConfig,
  connections: Connections,
): Promise<MetricsEncoder | undefined> {
  switch (config.outputs.metricsFormat) {
    case 'json':
      return undefined;
    case 'json-binary':
      return binaryModeMetrics;
    case 'avro': {
      if (!connections.registryUrl) {
        throw new CdstreamError(
          'CONFIG_INVALID',
          'outputs.metricsFormat is avro but no schema registry is configured (SCHEMA_REGISTRY_URL)',
        );
      }
      const { id } = await connections
        .registry()
        .register(
          { type: SchemaType.AVRO, schema: JSON.stringify(metricsEventSchema()) },
          { subject: `${config.outputs.metrics}-value` },
        );
      return avroMetrics(id);
    }
  }
}
