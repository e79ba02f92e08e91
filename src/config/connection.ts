/**
 * How cdstream authenticates to Kafka and to the schema registry, from the
 * environment: TLS and SASL options for kafkajs, basic or bearer auth for
 * @kafkajs/confluent-schema-registry. The values here are secrets: log only
 * what describeConnection() returns.
 */
import type { ConnectionOptions } from 'node:tls';
import type { SchemaRegistryAPIClientArgs } from '@kafkajs/confluent-schema-registry/dist/api/index.js';
import { ConfigurationError } from './environment.js';
import {
  booleanVariable,
  readFileFromDisk,
  readNamedFile,
  secretVariable,
  variable,
  type ReadFile,
} from './secrets.js';

export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/** one member per mechanism, as kafkajs' SASLOptions wants it */
export type SaslCredentials = {
  [M in SaslMechanism]: {
    readonly mechanism: M;
    readonly username: string;
    readonly password: string;
  };
}[SaslMechanism];

/** The `ssl` and `sasl` settings of a kafkajs client (KafkaTransportOptions.kafka takes them as they are). */
export interface KafkaSecurity {
  /** true: TLS with the system's CAs; options: TLS with the configured CA, client certificate or verification */
  readonly ssl?: true | ConnectionOptions;
  readonly sasl?: SaslCredentials;
}

export type RegistryAuth =
  | { readonly kind: 'none' }
  | { readonly kind: 'basic'; readonly username: string; readonly password: string }
  | { readonly kind: 'bearer'; readonly token: string };

export interface ConnectionSettings {
  readonly kafka: KafkaSecurity;
  readonly registry: RegistryAuth;
}

export function connectionFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
  readFile: ReadFile = readFileFromDisk,
): ConnectionSettings {
  return {
    kafka: kafkaSecurityFromEnvironment(env, readFile),
    registry: registryAuthFromEnvironment(env, readFile),
  };
}

export function kafkaSecurityFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
  readFile: ReadFile = readFileFromDisk,
): KafkaSecurity {
  const ssl = tlsFromEnvironment(env, readFile);
  const sasl = saslFromEnvironment(env, readFile);
  return { ...(ssl ? { ssl } : {}), ...(sasl ? { sasl } : {}) };
}

const TLS_DETAIL_VARIABLES = [
  'KAFKA_TLS_CA_FILE',
  'KAFKA_TLS_CERT_FILE',
  'KAFKA_TLS_KEY_FILE',
  'KAFKA_TLS_REJECT_UNAUTHORIZED',
] as const;

function tlsFromEnvironment(
  env: NodeJS.ProcessEnv,
  readFile: ReadFile,
): true | ConnectionOptions | undefined {
  const enabled = booleanVariable(env, 'KAFKA_TLS') ?? false;
  const detail = TLS_DETAIL_VARIABLES.filter((name) => variable(env, name) !== undefined);
  if (!enabled) {
    const [first] = detail;
    if (first) throw new ConfigurationError(first, 'is set but KAFKA_TLS is not true');
    return undefined;
  }
  if (detail.length === 0) return true;

  const certPath = variable(env, 'KAFKA_TLS_CERT_FILE');
  const keyPath = variable(env, 'KAFKA_TLS_KEY_FILE');
  if ((certPath === undefined) !== (keyPath === undefined)) {
    const missing = certPath === undefined ? 'KAFKA_TLS_CERT_FILE' : 'KAFKA_TLS_KEY_FILE';
    throw new ConfigurationError(
      missing,
      'a client certificate needs both KAFKA_TLS_CERT_FILE and KAFKA_TLS_KEY_FILE',
    );
  }
  const caPath = variable(env, 'KAFKA_TLS_CA_FILE');
  const rejectUnauthorized = booleanVariable(env, 'KAFKA_TLS_REJECT_UNAUTHORIZED');
  return {
    ...(caPath ? { ca: [readNamedFile('KAFKA_TLS_CA_FILE', caPath, readFile)] } : {}),
    ...(certPath ? { cert: readNamedFile('KAFKA_TLS_CERT_FILE', certPath, readFile) } : {}),
    ...(keyPath ? { key: readNamedFile('KAFKA_TLS_KEY_FILE', keyPath, readFile) } : {}),
    ...(rejectUnauthorized === undefined ? {} : { rejectUnauthorized }),
  };
}

function saslFromEnvironment(
  env: NodeJS.ProcessEnv,
  readFile: ReadFile,
): SaslCredentials | undefined {
  const mechanismText = variable(env, 'KAFKA_SASL_MECHANISM')?.toLowerCase();
  const username = variable(env, 'KAFKA_SASL_USERNAME');
  const password = secretVariable(env, 'KAFKA_SASL_PASSWORD', readFile);
  if (mechanismText === undefined) {
    if (username !== undefined || password !== undefined) {
      throw new ConfigurationError(
        'KAFKA_SASL_MECHANISM',
        `SASL credentials are set but no mechanism; expected one of ${SASL_MECHANISMS.join(', ')}`,
      );
    }
    return undefined;
  }
  const mechanism = SASL_MECHANISMS.find((known) => known === mechanismText);
  if (!mechanism) {
    throw new ConfigurationError(
      'KAFKA_SASL_MECHANISM',
      `unsupported mechanism; expected one of ${SASL_MECHANISMS.join(', ')}`,
    );
  }
  if (username === undefined) {
    throw new ConfigurationError('KAFKA_SASL_USERNAME', `required with SASL ${mechanism}`);
  }
  if (password === undefined) {
    throw new ConfigurationError(
      'KAFKA_SASL_PASSWORD',
      `required with SASL ${mechanism} (or KAFKA_SASL_PASSWORD_FILE)`,
    );
  }
  return { mechanism, username, password };
}

export function registryAuthFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
  readFile: ReadFile = readFileFromDisk,
): RegistryAuth {
  const username = variable(env, 'SCHEMA_REGISTRY_USERNAME');
  const password = secretVariable(env, 'SCHEMA_REGISTRY_PASSWORD', readFile);
  const token = secretVariable(env, 'SCHEMA_REGISTRY_TOKEN', readFile);
  if (token !== undefined) {
    if (username !== undefined || password !== undefined) {
      throw new ConfigurationError(
        'SCHEMA_REGISTRY_TOKEN',
        'set either a bearer token or SCHEMA_REGISTRY_USERNAME/SCHEMA_REGISTRY_PASSWORD, not both',
      );
    }
    return { kind: 'bearer', token };
  }
  if (username === undefined && password === undefined) return { kind: 'none' };
  if (username === undefined) {
    throw new ConfigurationError(
      'SCHEMA_REGISTRY_USERNAME',
      'required with SCHEMA_REGISTRY_PASSWORD',
    );
  }
  if (password === undefined) {
    throw new ConfigurationError(
      'SCHEMA_REGISTRY_PASSWORD',
      'required with SCHEMA_REGISTRY_USERNAME (or SCHEMA_REGISTRY_PASSWORD_FILE)',
    );
  }
  return { kind: 'basic', username, password };
}

/** The auth part of `new SchemaRegistry({ host, ...registryClientAuth(auth) })`. */
export function registryClientAuth(
  auth: RegistryAuth,
): Pick<SchemaRegistryAPIClientArgs, 'auth' | 'middlewares'> {
  switch (auth.kind) {
    case 'none':
      return {};
    case 'basic':
      return { auth: { username: auth.username, password: auth.password } };
    case 'bearer': {
      const authorization = `Bearer ${auth.token}`;
      return {
        middlewares: [
          () => ({
            prepareRequest: async (next) => {
              const request = await next();
              return request.enhance({ headers: { authorization } });
            },
          }),
        ],
      };
    }
  }
}

export interface ConnectionDescription {
  readonly tls:
    | false
    | {
        readonly ca: 'system' | 'configured';
        readonly clientCertificate: boolean;
        readonly rejectUnauthorized: boolean;
      };
  /** SASL; not named `sasl`, which the logger redacts whole */
  readonly kafkaAuth: false | { readonly mechanism: SaslMechanism; readonly username: string };
  readonly registryAuth: 'none' | 'bearer' | { readonly basic: string };
}

/** What is safe to log about the connection: mechanisms and user names, never a secret. */
export function describeConnection(settings: ConnectionSettings): ConnectionDescription {
  const { ssl, sasl } = settings.kafka;
  const options = ssl === true ? {} : ssl;
  const registry = settings.registry;
  return {
    tls: options
      ? {
          ca: options.ca ? 'configured' : 'system',
          clientCertificate: options.cert !== undefined,
          rejectUnauthorized: options.rejectUnauthorized ?? true,
        }
      : false,
    kafkaAuth: sasl ? { mechanism: sasl.mechanism, username: sasl.username } : false,
    registryAuth: registry.kind === 'basic' ? { basic: registry.username } : registry.kind,
  };
}
