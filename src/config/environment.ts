/**
 * Connection settings that come from the process environment. Topology files
 * (a later layer) add the pipeline; this is only where the services are.
 */
export interface ServiceEndpoints {
  /** host:port pairs of the Kafka bootstrap brokers */
  readonly kafkaBrokers: readonly string[];
  /** base URL of a Confluent-compatible schema registry API */
  readonly schemaRegistryUrl: string;
}

export const LOCAL_SERVICES: ServiceEndpoints = {
  kafkaBrokers: ['127.0.0.1:9092'],
  schemaRegistryUrl: 'http://127.0.0.1:8081/apis/ccompat/v7',
};

export class ConfigurationError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigurationError';
  }
}

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

export function parseBrokerList(value: string, variable = 'KAFKA_BROKERS'): string[] {
  const brokers = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  if (brokers.length === 0) {
    throw new ConfigurationError(
      variable,
      'expected a comma-separated list of host:port, got nothing',
    );
  }
  for (const broker of brokers) {
    const match = HOST_PORT.exec(broker);
    const port = match ? Number(match[2]) : 0;
    if (!match || port < 1 || port > 65535) {
      throw new ConfigurationError(variable, `"${broker}" is not host:port (e.g. 127.0.0.1:9092)`);
    }
  }
  return brokers;
}

export function parseRegistryUrl(value: string, variable = 'SCHEMA_REGISTRY_URL'): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new ConfigurationError(variable, `"${value}" is not a URL (e.g. http://127.0.0.1:8081)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigurationError(variable, `expected an http or https URL, got ${url.protocol}`);
  }
  if (url.username || url.password) {
    throw new ConfigurationError(
      variable,
      'credentials in the URL are not accepted; use the registry auth variables instead',
    );
  }
  return url.toString().replace(/\/+$/, '');
}

/** Endpoints named by the environment; undefined where a variable is unset. */
export function endpointsFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): Partial<ServiceEndpoints> {
  const brokers = env.KAFKA_BROKERS?.trim();
  const registry = env.SCHEMA_REGISTRY_URL?.trim();
  return {
    ...(brokers ? { kafkaBrokers: parseBrokerList(brokers) } : {}),
    ...(registry ? { schemaRegistryUrl: parseRegistryUrl(registry) } : {}),
  };
}
