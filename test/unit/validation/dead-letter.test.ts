import { describe, expect, it } from 'vitest';
import { CdstreamError } from '../../../src/errors.js';
import { deadLetterHeaders } from '../../../src/validation/dead-letter.js';

const source = { topic: 'cdstream.in', partition: 3, offset: '9007199254740993' };
const failedAt = new Date('2024-05-01T10:00:00.123Z');

describe('deadLetterHeaders', () => {
  it('carries the code, the sentence, the path and where the record came from', () => {
    const error = new CdstreamError('SCHEMA_VIOLATION', '/subject/content/change is required', {
      path: '/subject/content/change',
    });
    expect(deadLetterHeaders(error, source, failedAt)).toEqual({
      'cdstream-error-code': 'SCHEMA_VIOLATION',
      'cdstream-error': '/subject/content/change is required',
      'cdstream-error-path': '/subject/content/change',
      'cdstream-source-topic': 'cdstream.in',
      'cdstream-source-partition': '3',
      'cdstream-source-offset': '9007199254740993',
      'cdstream-failed-at': '2024-05-01T10:00:00.123Z',
    });
  });

  it('leaves the path out when there is none and cuts very long messages', () => {
    const headers = deadLetterHeaders(
      new CdstreamError('DECODE_JSON', 'x'.repeat(5000)),
      source,
      failedAt,
    );
    expect(headers).not.toHaveProperty('cdstream-error-path');
    expect(headers['cdstream-error'].length).toBe(1024);
  });
});
