import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CdstreamError, type ErrorCode } from '../../../../src/errors.js';
import { parseScanReport } from '../../../../src/domain/sbom/index.js';
import { decodeXmlReferences } from '../../../../src/domain/sbom/untrusted-xml.js';

const CDX_XML = 'application/vnd.cyclonedx+xml;version=1.4';
const BOM_OPEN = '<bom xmlns="http://cyclonedx.org/schema/bom/1.4" version="1">';

function codeOf(run: () => unknown): ErrorCode | 'no error' | 'not a CdstreamError' {
  try {
    run();
    return 'no error';
  } catch (error) {
    return error instanceof CdstreamError ? error.code : 'not a CdstreamError';
  }
}

describe('hostile XML', () => {
  it('rejects billion laughs before expanding anything', () => {
    const entities = Array.from(
      { length: 9 },
      (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`,
    ).join('');
    const xml = `<?xml version="1.0"?><!DOCTYPE bom [<!ENTITY lol0 "lol">${entities}]>${BOM_OPEN}<metadata><component><name>&lol9;</name></component></metadata></bom>`;
    expect(codeOf(() => parseScanReport(xml, CDX_XML))).toBe('SBOM_HOSTILE');
  });

  it('rejects an external entity (XXE)', () => {
    const xml = `<?xml version="1.0"?><!DOCTYPE bom [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${BOM_OPEN}<metadata><component><name>&xxe;</name></component></metadata></bom>`;
    expect(codeOf(() => parseScanReport(xml, CDX_XML))).toBe('SBOM_HOSTILE');
  });

  it('rejects a DOCTYPE in any case or spacing, even without entities', () => {
    expect(codeOf(() => parseScanReport(`<!doctype bom>${BOM_OPEN}</bom>`, CDX_XML))).toBe(
      'SBOM_HOSTILE',
    );
    expect(
      codeOf(() =>
        parseScanReport(`<!  DOCTYPE bom SYSTEM "http://x/">${BOM_OPEN}</bom>`, CDX_XML),
      ),
    ).toBe('SBOM_HOSTILE');
  });

  it('rejects a 50 MB document by its size, as text and as bytes', () => {
    const filler = '<component><name>x</name></component>'.repeat(1_400_000);
    const xml = `${BOM_OPEN}<components>${filler}</components></bom>`;
    expect(xml.length).toBeGreaterThan(50_000_000);
    expect(codeOf(() => parseScanReport(xml, CDX_XML))).toBe('SBOM_HOSTILE');
    expect(codeOf(() => parseScanReport(Buffer.from(xml), CDX_XML))).toBe('SBOM_HOSTILE');
  });

  it('honours a configured size limit, counting UTF-8 bytes', () => {
    const xml = `${BOM_OPEN}<components><component><name>${'é'.repeat(600)}</name></component></components></bom>`;
    expect(xml.length).toBeLessThan(1000);
    expect(codeOf(() => parseScanReport(xml, CDX_XML, { maxBytes: 1000, maxDepth: 64 }))).toBe(
      'SBOM_HOSTILE',
    );
  });

  it('rejects 10 000-deep nesting', () => {
    const xml = `${BOM_OPEN}${'<a>'.repeat(10_000)}${'</a>'.repeat(10_000)}</bom>`;
    expect(codeOf(() => parseScanReport(xml, CDX_XML))).toBe('SBOM_HOSTILE');
  });

  it('counts depth correctly around comments, CDATA, self-closing tags and quoted ">"', () => {
    const nested = (depth: number): string =>
      `${BOM_OPEN}${'<a x="1>2"><!-- <b> --><![CDATA[<c>]]><e/>'.repeat(depth)}${'</a>'.repeat(depth)}</bom>`;
    // <bom> plus 63 <a>: exactly at the limit of 64
    expect(codeOf(() => parseScanReport(nested(63), CDX_XML))).toBe('no error');
    expect(codeOf(() => parseScanReport(nested(64), CDX_XML))).toBe('SBOM_HOSTILE');
  });

  it('decodes numeric and predefined references only', () => {
    expect(decodeXmlReferences('R&amp;D &lt;&gt; &quot;&apos; &#65;&#x42;&#x1F600;')).toBe(
      'R&D <> "\' AB😀',
    );
    for (const bad of ['&nbsp;', '&xxe;', '&#0;', '&#xD800;', '&#x110000;', 'a & b']) {
      expect(
        codeOf(() => decodeXmlReferences(bad)),
        bad,
      ).toBe('SBOM_MALFORMED');
    }
  });

  it('rejects an undefined entity reference in a document', () => {
    const xml = `${BOM_OPEN}<metadata><component><name>&xxe;</name></component></metadata></bom>`;
    expect(codeOf(() => parseScanReport(xml, CDX_XML))).toBe('SBOM_MALFORMED');
  });
});

describe('hostile and malformed JSON', () => {
  it('rejects 10 000-deep nesting without parsing', () => {
    const json = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    expect(codeOf(() => parseScanReport(json, 'application/vnd.cyclonedx+json'))).toBe(
      'SBOM_HOSTILE',
    );
  });

  it('is not fooled by brackets inside strings', () => {
    const json = JSON.stringify({
      bomFormat: 'CycloneDX',
      specVersion: '1.5',
      note: '['.repeat(1000),
    });
    expect(codeOf(() => parseScanReport(json, 'application/vnd.cyclonedx+json'))).toBe('no error');
  });

  it('rejects deep already-parsed data', () => {
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 100; i += 1) deep = { next: deep };
    expect(codeOf(() => parseScanReport(deep, 'application/json'))).toBe('SBOM_HOSTILE');
  });

  it('rejects a 50 MB JSON document by its size', () => {
    const json = `{"bomFormat":"CycloneDX","pad":"${'x'.repeat(50_000_000)}"}`;
    expect(codeOf(() => parseScanReport(json, 'application/vnd.cyclonedx+json'))).toBe(
      'SBOM_HOSTILE',
    );
  });
});

describe('malformed and unsupported reports', () => {
  it.each<[string, string | Uint8Array, string | undefined, ErrorCode]>([
    ['unbalanced XML', `${BOM_OPEN}<metadata></bom>`, CDX_XML, 'SBOM_MALFORMED'],
    [
      'truncated JSON',
      '{"bomFormat":"CycloneDX"',
      'application/vnd.cyclonedx+json',
      'SBOM_MALFORMED',
    ],
    ['a JSON array', '[]', 'application/json', 'SBOM_MALFORMED'],
    [
      'invalid UTF-8',
      new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]),
      'application/json',
      'SBOM_MALFORMED',
    ],
    [
      'SPDX declared, CycloneDX sent',
      '{"bomFormat":"CycloneDX","specVersion":"1.5"}',
      'application/spdx+json',
      'SBOM_MALFORMED',
    ],
    [
      'CycloneDX 1.3',
      '{"bomFormat":"CycloneDX","specVersion":"1.3"}',
      'application/vnd.cyclonedx+json',
      'SBOM_UNSUPPORTED_FORMAT',
    ],
    [
      'CycloneDX XML 1.2',
      '<bom xmlns="http://cyclonedx.org/schema/bom/1.2"/>',
      CDX_XML,
      'SBOM_UNSUPPORTED_FORMAT',
    ],
    ['SPDX 2.1', '{"spdxVersion":"SPDX-2.1"}', 'application/spdx+json', 'SBOM_UNSUPPORTED_FORMAT'],
    ['SPDX tag-value', 'SPDXVersion: SPDX-2.3', 'text/spdx', 'SBOM_UNSUPPORTED_FORMAT'],
    [
      'an XML document that is not a BOM',
      '<Document/>',
      'application/xml',
      'SBOM_UNSUPPORTED_FORMAT',
    ],
    ['JSON that is neither', '{"hello":"world"}', 'application/json', 'SBOM_UNSUPPORTED_FORMAT'],
    ['plain text, no content type', 'hello', undefined, 'SBOM_UNSUPPORTED_FORMAT'],
  ])('%s → %s', (_label, data, contentType, code) => {
    expect(codeOf(() => parseScanReport(data, contentType))).toBe(code);
  });

  it('never throws anything but a CdstreamError, whatever the input', () => {
    const contentTypes = fc.constantFrom(
      undefined,
      CDX_XML,
      'application/vnd.cyclonedx+json',
      'application/spdx+json',
      'application/json',
      'application/xml',
    );
    const xmlish = fc
      .array(
        fc.constantFrom(
          '<bom>',
          '</bom>',
          '<a>',
          '</a>',
          '&amp;',
          '&#x41;',
          '<!--',
          '-->',
          '"',
          '<![CDATA[',
          ']]>',
          BOM_OPEN,
          '<components>',
          '<component purl="x">',
        ),
        { maxLength: 20 },
      )
      .map((parts) => parts.join(''));
    const jsonish = fc.jsonValue().map((value) => JSON.stringify(value));
    fc.assert(
      fc.property(fc.oneof(fc.string(), xmlish, jsonish), contentTypes, (data, contentType) => {
        const outcome = codeOf(() => parseScanReport(data, contentType));
        expect(outcome).not.toBe('not a CdstreamError');
      }),
      { numRuns: 3000 },
    );
  });
});
