import { describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  endpointsFromEnvironment,
  parseBrokerList,
  parseRegistryUrl,
} from '../../../src/config/environment.js';

describe('parseBrokerList', () => {
  it('splits, trims and keeps order', () => {
    expect(parseBrokerList(' a:9092, b.example:19092 ,[::1]:9092')).toEqual([
      'a:9092',
      'b.example:19092',
      '[::1]:9092',
    ]);
  });

  it.each(['', ' , ', 'localhost', 'host:0', 'host:70000', 'http://host:9092'])(
    'rejects %j with the variable name in the message',
    (value) => {
      expect(() => parseBrokerList(value)).toThrow(ConfigurationError);
      expect(() => parseBrokerList(value)).toThrow(/^KAFKA_BROKERS: /);
    },
  );
});

describe('parseRegistryUrl', () => {
  it('drops trailing slashes', () => {
    expect(parseRegistryUrl('http://127.0.0.1:8081/apis/ccompat/v7/')).toBe(
      'http://127.0.0.1:8081/apis/ccompat/v7',
    );
  });

  it('rejects non-http schemes and embedded credentials', () => {
    expect(() => parseRegistryUrl('ftp://registry')).toThrow(/http or https/);
    expect(() => parseRegistryUrl('https://user:secret@registry')).toThrow(/credentials/);
    expect(() => parseRegistryUrl('not a url')).toThrow(/is not a URL/);
  });

  it('never echoes a password it refuses', () => {
    expect(() => parseRegistryUrl('https://user:hunter2@registry')).not.toThrow(/hunter2/);
  });
});

describe('endpointsFromEnvironment', () => {
  it('returns only what is set', () => {
    expect(endpointsFromEnvironment({})).toEqual({});
    expect(endpointsFromEnvironment({ KAFKA_BROKERS: 'k:9092' })).toEqual({
      kafkaBrokers: ['k:9092'],
    });
    expect(endpointsFromEnvironment({ SCHEMA_REGISTRY_URL: 'http://r:8081' })).toEqual({
      schemaRegistryUrl: 'http://r:8081',
    });
  });

  it('treats blank values as unset', () => {
    expect(endpointsFromEnvironment({ KAFKA_BROKERS: '  ', SCHEMA_REGISTRY_URL: '' })).toEqual({});
  });
});
