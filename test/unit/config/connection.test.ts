import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { describe, expect, it } from 'vitest';
import {
  connectionFromEnvironment,
  describeConnection,
  kafkaSecurityFromEnvironment,
  registryAuthFromEnvironment,
  registryClientAuth,
} from '../../../src/config/connection.js';
import { ConfigurationError } from '../../../src/config/environment.js';
import type { ReadFile } from '../../../src/config/secrets.js';

const SECRET = 's3cr3t-value-never-shown';

function files(contents: Record<string, string>): ReadFile {
  return (path) => {
    const content = contents[path];
    if (content === undefined) {
      throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    }
    return Buffer.from(content);
  };
}

const noFiles = files({});

function configurationError(run: () => unknown): ConfigurationError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('kafkaSecurityFromEnvironment', () => {
  it('is empty when nothing is configured', () => {
    expect(kafkaSecurityFromEnvironment({}, noFiles)).toEqual({});
  });

  it('uses the system CAs when only KAFKA_TLS is true', () => {
    expect(kafkaSecurityFromEnvironment({ KAFKA_TLS: 'true' }, noFiles)).toEqual({ ssl: true });
  });

  it('reads the CA, client certificate and key from files', () => {
    const security = kafkaSecurityFromEnvironment(
      {
        KAFKA_TLS: 'TRUE',
        KAFKA_TLS_CA_FILE: '/ca.pem',
        KAFKA_TLS_CERT_FILE: '/cert.pem',
        KAFKA_TLS_KEY_FILE: '/key.pem',
        KAFKA_TLS_REJECT_UNAUTHORIZED: 'false',
      },
      files({ '/ca.pem': 'CA', '/cert.pem': 'CERT', '/key.pem': 'KEY' }),
    );
    expect(security.ssl).toEqual({
      ca: [Buffer.from('CA')],
      cert: Buffer.from('CERT'),
      key: Buffer.from('KEY'),
      rejectUnauthorized: false,
    });
  });

  it('names the variable and the path of a file it cannot read', () => {
    const error = configurationError(() =>
      kafkaSecurityFromEnvironment({ KAFKA_TLS: 'true', KAFKA_TLS_CA_FILE: '/nope.pem' }, noFiles),
    );
    expect(error.variable).toBe('KAFKA_TLS_CA_FILE');
    expect(error.message).toBe('KAFKA_TLS_CA_FILE: cannot read /nope.pem (ENOENT)');
  });

  it('refuses TLS details without KAFKA_TLS=true', () => {
    const error = configurationError(() =>
      kafkaSecurityFromEnvironment({ KAFKA_TLS_CA_FILE: '/ca.pem' }, noFiles),
    );
    expect(error.message).toBe('KAFKA_TLS_CA_FILE: is set but KAFKA_TLS is not true');
  });

  it('refuses a certificate without its key', () => {
    const error = configurationError(() =>
      kafkaSecurityFromEnvironment(
        { KAFKA_TLS: 'true', KAFKA_TLS_CERT_FILE: '/cert.pem' },
        files({ '/cert.pem': 'CERT' }),
      ),
    );
    expect(error.variable).toBe('KAFKA_TLS_KEY_FILE');
  });

  it.each(['yes', '1', 'on'])('refuses KAFKA_TLS=%s', (value) => {
    expect(
      configurationError(() => kafkaSecurityFromEnvironment({ KAFKA_TLS: value })).message,
    ).toBe('KAFKA_TLS: expected true or false');
  });

  it.each(['plain', 'scram-sha-256', 'SCRAM-SHA-512'])('accepts SASL %s', (mechanism) => {
    const security = kafkaSecurityFromEnvironment(
      { KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: 'svc', KAFKA_SASL_PASSWORD: SECRET },
      noFiles,
    );
    expect(security.sasl).toEqual({
      mechanism: mechanism.toLowerCase(),
      username: 'svc',
      password: SECRET,
    });
  });

  it('reads the SASL password from a file, without its trailing newline', () => {
    const security = kafkaSecurityFromEnvironment(
      {
        KAFKA_SASL_MECHANISM: 'scram-sha-256',
        KAFKA_SASL_USERNAME: 'svc',
        KAFKA_SASL_PASSWORD_FILE: '/run/secrets/kafka',
      },
      files({ '/run/secrets/kafka': `${SECRET}\n` }),
    );
    expect(security.sasl?.password).toBe(SECRET);
  });

  it.each([
    [{ KAFKA_SASL_MECHANISM: 'gssapi' }, 'KAFKA_SASL_MECHANISM'],
    [{ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_PASSWORD: SECRET }, 'KAFKA_SASL_USERNAME'],
    [{ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'svc' }, 'KAFKA_SASL_PASSWORD'],
    [{ KAFKA_SASL_USERNAME: 'svc', KAFKA_SASL_PASSWORD: SECRET }, 'KAFKA_SASL_MECHANISM'],
    [
      {
        KAFKA_SASL_MECHANISM: 'plain',
        KAFKA_SASL_USERNAME: 'svc',
        KAFKA_SASL_PASSWORD: SECRET,
        KAFKA_SASL_PASSWORD_FILE: '/x',
      },
      'KAFKA_SASL_PASSWORD',
    ],
    [
      {
        KAFKA_SASL_MECHANISM: 'plain',
        KAFKA_SASL_USERNAME: 'svc',
        KAFKA_SASL_PASSWORD_FILE: '/missing',
      },
      'KAFKA_SASL_PASSWORD_FILE',
    ],
  ])('refuses %j naming %s, without echoing the secret', (env, variable) => {
    const error = configurationError(() => kafkaSecurityFromEnvironment(env, noFiles));
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(`${variable}: `)).toBe(true);
    expect(error.message).not.toContain(SECRET);
  });
});

describe('registryAuthFromEnvironment', () => {
  it('is none by default', () => {
    expect(registryAuthFromEnvironment({}, noFiles)).toEqual({ kind: 'none' });
  });

  it('reads basic auth', () => {
    expect(
      registryAuthFromEnvironment(
        { SCHEMA_REGISTRY_USERNAME: 'reg', SCHEMA_REGISTRY_PASSWORD: SECRET },
        noFiles,
      ),
    ).toEqual({ kind: 'basic', username: 'reg', password: SECRET });
  });

  it('reads a bearer token from a file', () => {
    expect(
      registryAuthFromEnvironment(
        { SCHEMA_REGISTRY_TOKEN_FILE: '/token' },
        files({ '/token': SECRET }),
      ),
    ).toEqual({ kind: 'bearer', token: SECRET });
  });

  it.each([
    [{ SCHEMA_REGISTRY_USERNAME: 'reg' }, 'SCHEMA_REGISTRY_PASSWORD'],
    [{ SCHEMA_REGISTRY_PASSWORD: SECRET }, 'SCHEMA_REGISTRY_USERNAME'],
    [{ SCHEMA_REGISTRY_TOKEN: SECRET, SCHEMA_REGISTRY_USERNAME: 'reg' }, 'SCHEMA_REGISTRY_TOKEN'],
  ])('refuses %j naming %s', (env, variable) => {
    const error = configurationError(() => registryAuthFromEnvironment(env, noFiles));
    expect(error.variable).toBe(variable);
    expect(error.message).not.toContain(SECRET);
  });
});

describe('registryClientAuth', () => {
  async function headersSentBy(
    auth: ReturnType<typeof registryClientAuth>,
  ): Promise<IncomingHttpHeaders> {
    let seen: IncomingHttpHeaders | undefined;
    const server = createServer((request, response) => {
      seen = request.headers;
      response.setHeader('content-type', 'application/vnd.schemaregistry.v1+json');
      response.end(JSON.stringify({ subject: 's', version: 1, id: 7, schema: '"string"' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const registry = new SchemaRegistry({
        host: `http://127.0.0.1:${port}`,
        retry: { retries: 0 },
        ...auth,
      });
      await expect(registry.getLatestSchemaId('s')).resolves.toBe(7);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    if (!seen) throw new Error('the registry client sent no request');
    return seen;
  }

  it('sends a bearer token as the Authorization header', async () => {
    const headers = await headersSentBy(registryClientAuth({ kind: 'bearer', token: SECRET }));
    expect(headers.authorization).toBe(`Bearer ${SECRET}`);
  });

  it('sends basic auth', async () => {
    const headers = await headersSentBy(
      registryClientAuth({ kind: 'basic', username: 'reg', password: SECRET }),
    );
    expect(headers.authorization).toBe(`Basic ${Buffer.from(`reg:${SECRET}`).toString('base64')}`);
  });

  it('sends no Authorization header without auth', async () => {
    const headers = await headersSentBy(registryClientAuth({ kind: 'none' }));
    expect(headers.authorization).toBeUndefined();
  });
});

describe('describeConnection', () => {
  it('names mechanisms and users but no secret', () => {
    const settings = connectionFromEnvironment(
      {
        KAFKA_TLS: 'true',
        KAFKA_TLS_CA_FILE: '/ca.pem',
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: 'svc',
        KAFKA_SASL_PASSWORD: SECRET,
        SCHEMA_REGISTRY_USERNAME: 'reg',
        SCHEMA_REGISTRY_PASSWORD: SECRET,
      },
      files({ '/ca.pem': 'CA' }),
    );
    const description = describeConnection(settings);
    expect(description).toEqual({
      tls: { ca: 'configured', clientCertificate: false, rejectUnauthorized: true },
      kafkaAuth: { mechanism: 'scram-sha-512', username: 'svc' },
      registryAuth: { basic: 'reg' },
    });
    expect(JSON.stringify(description)).not.toContain(SECRET);
  });

  it('says when nothing is secured', () => {
    expect(describeConnection(connectionFromEnvironment({}, noFiles))).toEqual({
      tls: false,
      kafkaAuth: false,
      registryAuth: 'none',
    });
  });
});
