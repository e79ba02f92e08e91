/**
 * What the CLI commands connect to, from the environment: brokers and schema
 * registry (the local services when nothing is configured), with TLS/SASL
 * and registry auth.
 */
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel, type KafkaConfig } from '../runtime/kafka/kafkajs.js';
import {
  connectionFromEnvironment,
  describeConnection,
  registryClientAuth,
  type ConnectionDescription,
  type KafkaSecurity,
} from '../config/connection.js';
import { endpointsFromEnvironment, LOCAL_SERVICES } from '../config/environment.js';

export interface Connections {
  readonly brokers: readonly string[];
  readonly security: KafkaSecurity;
  /** undefined when no registry is configured (and the brokers are not the local services) */
  readonly registryUrl: string | undefined;
  registry(): SchemaRegistry;
  kafka(clientId: string): Kafka;
  /** safe to log: no secret */
  readonly description: ConnectionDescription & {
    brokers: readonly string[];
    registryUrl: string | undefined;
  };
}

export function connectionsFromEnvironment(env: NodeJS.ProcessEnv = process.env): Connections {
  const endpoints = endpointsFromEnvironment(env);
  const settings = connectionFromEnvironment(env);
  const brokers = endpoints.kafkaBrokers ?? LOCAL_SERVICES.kafkaBrokers;
  const registryUrl =
    endpoints.schemaRegistryUrl ??
    (endpoints.kafkaBrokers ? undefined : LOCAL_SERVICES.schemaRegistryUrl);
  let registry: SchemaRegistry | undefined;
  return {
    brokers,
    security: settings.kafka,
    registryUrl,
    registry: () => {
      if (!registryUrl) throw new Error('no schema registry configured: set SCHEMA_REGISTRY_URL');
      registry ??= new SchemaRegistry({
        host: registryUrl,
        ...registryClientAuth(settings.registry),
      });
      return registry;
    },
    kafka: (clientId) =>
      new Kafka({
        clientId,
        brokers: [...brokers],
        logLevel: logLevel.NOTHING,
        ...kafkajsSecurity(settings.kafka),
      }),
    description: { ...describeConnection(settings), brokers, registryUrl },
  };
}

/** TLS and SASL settings as kafkajs takes them. */
export function kafkajsSecurity(security: KafkaSecurity): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  return {
    ...(security.ssl ? { ssl: security.ssl } : {}),
    ...(security.sasl ? { sasl: security.sasl } : {}),
  };
}
