/**
 * Finds a real Kafka broker and schema registry for the integration tests, in
 * this order: KAFKA_BROKERS / SCHEMA_REGISTRY_URL from the environment; a
 * Docker engine through testcontainers; the project's own local services
 * (scripts/services). When none can be had the run fails: no test skips for
 * want of a broker.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import {
  endpointsFromEnvironment,
  LOCAL_SERVICES,
  parseBrokerList,
} from '../../../src/config/environment.js';
import { startContainers } from './containers.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string[];
    schemaRegistryUrl: string;
    servicesOrigin: string;
    /** brokers with a SASL_PLAINTEXT SCRAM-SHA-256 listener (KAFKA_SASL_BROKERS, else the local services' 9094); empty when unknown */
    kafkaSaslBrokers: string[];
  }
}

const run = promisify(execFile);
const LOCAL_SASL_BROKER = '127.0.0.1:9094'; // scripts/services' SASL_PLAINTEXT listener
const servicesScript = fileURLToPath(new URL('../../../scripts/services', import.meta.url));

async function dockerAnswers(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

export default async function setup(
  project: TestProject,
): Promise<(() => Promise<void>) | undefined> {
  const fromEnv = endpointsFromEnvironment();
  const saslBrokers = process.env.KAFKA_SASL_BROKERS?.trim();
  project.provide(
    'kafkaSaslBrokers',
    saslBrokers ? parseBrokerList(saslBrokers, 'KAFKA_SASL_BROKERS') : [],
  );
  if (fromEnv.kafkaBrokers && fromEnv.schemaRegistryUrl) {
    project.provide('kafkaBrokers', [...fromEnv.kafkaBrokers]);
    project.provide('schemaRegistryUrl', fromEnv.schemaRegistryUrl);
    project.provide('servicesOrigin', 'environment');
    return undefined;
  }

  if (await dockerAnswers()) {
    const containers = await startContainers();
    project.provide('kafkaBrokers', [fromEnv.kafkaBrokers?.[0] ?? containers.kafkaBroker]);
    project.provide('schemaRegistryUrl', fromEnv.schemaRegistryUrl ?? containers.schemaRegistryUrl);
    project.provide('servicesOrigin', 'testcontainers');
    return containers.stop;
  }

  try {
    // stderr passes through so the first download shows its progress.
    await run('bash', [servicesScript, 'start'], { env: process.env, maxBuffer: 1 << 20 });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new Error(
      `No broker for the integration tests: KAFKA_BROKERS/SCHEMA_REGISTRY_URL are unset, no Docker engine answered, and scripts/services start failed:\n${detail}`,
      { cause: error },
    );
  }
  project.provide('kafkaBrokers', [...(fromEnv.kafkaBrokers ?? LOCAL_SERVICES.kafkaBrokers)]);
  project.provide(
    'schemaRegistryUrl',
    fromEnv.schemaRegistryUrl ?? LOCAL_SERVICES.schemaRegistryUrl,
  );
  project.provide('servicesOrigin', 'local services (scripts/services)');
  if (!saslBrokers && !fromEnv.kafkaBrokers)
    project.provide('kafkaSaslBrokers', [LOCAL_SASL_BROKER]);
  // Local services stay up for the next run; `npm run services stop` ends them.
  return undefined;
}
