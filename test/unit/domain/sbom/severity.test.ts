import { describe, expect, it } from 'vitest';
import { highestSeverity, normaliseSeverity } from '../../../../src/domain/sbom/index.js';
import { severityOfScore } from '../../../../src/domain/sbom/severity.js';
import { declaredFormat } from '../../../../src/domain/sbom/content-type.js';

describe('severity', () => {
  it.each([
    ['CRITICAL', 'critical'],
    ['Important', 'high'],
    ['moderate', 'medium'],
    ['Negligible', 'low'],
    ['info', 'none'],
    ['unknown', 'unknown'],
    ['bogus', undefined],
  ])('normalises %s to %s', (input, expected) => {
    expect(normaliseSeverity(input)).toBe(expected);
  });

  it('takes the highest, unknown when there is nothing', () => {
    expect(highestSeverity(['low', 'critical', 'high'])).toBe('critical');
    expect(highestSeverity(['unknown', 'none'])).toBe('none');
    expect(highestSeverity([])).toBe('unknown');
  });

  it('maps CVSS scores onto the qualitative bands', () => {
    expect([10, 9, 8.9, 7, 6.9, 4, 3.9, 0.1, 0].map(severityOfScore)).toEqual([
      'critical',
      'critical',
      'high',
      'high',
      'medium',
      'medium',
      'low',
      'low',
      'none',
    ]);
  });
});

describe('declaredFormat', () => {
  it.each([
    ['application/vnd.cyclonedx+xml;version=1.4', 'cyclonedx-xml'],
    ['Application/VND.CycloneDX+JSON; version=1.5', 'cyclonedx-json'],
    ['application/spdx+json', 'spdx-json'],
    ['application/json; charset=utf-8', 'json'],
    ['application/vnd.example+json', 'json'],
    ['text/xml', 'xml'],
    [undefined, 'sniff'],
  ])('%s → %s', (contentType, expected) => {
    expect(declaredFormat(contentType)).toBe(expected);
  });
});
