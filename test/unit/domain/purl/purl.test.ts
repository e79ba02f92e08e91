import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CdstreamError } from '../../../../src/errors.js';
import { cdeventsSpecDirectory } from '../../cdevents-spec.js';
import { canonicalPurl, parsePurl } from '../../../../src/domain/purl/index.js';

const DIGEST = '0b31b1c02ff458ad9b7b81cbdf8f028bd54699fa151f221d1e8de6817db93427';

function canonical(input: string): string {
  const result = parsePurl(input);
  if (!result.ok) throw new Error(`expected ${input} to be valid: ${result.reason}`);
  return result.canonical;
}

describe('canonical purls of the CDEvents spec examples', () => {
  it.each([
    [`pkg:oci/myapp@sha256%3A${DIGEST}`, `pkg:oci/myapp@sha256:${DIGEST}`],
    [
      `pkg:oci/myapp@sha256%3A${DIGEST}?repository_url=mycr.io/myapp`,
      `pkg:oci/myapp@sha256:${DIGEST}?repository_url=mycr.io%2Fmyapp`,
    ],
    [
      'pkg:golang/mygit.com/myorg/myapp@234fd47e07d1004f0aed9c',
      'pkg:golang/mygit.com/myorg/myapp@234fd47e07d1004f0aed9c',
    ],
    ['pkg:resource/name@234fd47e07d1004f0aed9c', 'pkg:resource/name@234fd47e07d1004f0aed9c'],
  ])('%s → %s', (input, expected) => {
    expect(canonical(input)).toBe(expected);
  });

  const specDir = cdeventsSpecDirectory();
  it('every purl in the spec examples is valid and canonical twice over', () => {
    expect(existsSync(specDir), `${specDir} is missing`).toBe(true);
    const purls = new Set<string>();
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir)) {
        const path = join(dir, entry);
        if (statSync(path).isDirectory()) walk(path);
        else if (entry.endsWith('.json')) {
          for (const match of readFileSync(path, 'utf8').matchAll(/"(pkg:[^"]+)"/g)) {
            if (match[1] !== undefined) purls.add(match[1]);
          }
        }
      }
    };
    walk(specDir);
    expect(purls.size).toBeGreaterThan(2);
    for (const purl of purls) {
      const once = canonical(purl);
      expect(canonical(once)).toBe(once);
    }
  });
});

describe('canonical form', () => {
  it.each([
    // type lower-cased, 'pkg://' accepted, empty qualifiers dropped, qualifiers sorted
    ['PKG://NPM/foo@1.0.0', 'pkg:npm/foo@1.0.0'],
    ['pkg:npm/foo@1?empty=&b=2&A=1', 'pkg:npm/foo@1?a=1&b=2'],
    // literal ':' everywhere; other reserved characters percent-encoded
    [
      'pkg:generic/openssl@1.1.10g?download_url=https://openssl.org/source/openssl-1.1.0g.tar.gz&checksum=sha256:de4d501267da',
      'pkg:generic/openssl@1.1.10g?checksum=sha256:de4d501267da&download_url=https:%2F%2Fopenssl.org%2Fsource%2Fopenssl-1.1.0g.tar.gz',
    ],
    ['pkg:npm/%40angular/core@16.0.0', 'pkg:npm/%40angular/core@16.0.0'],
    ['pkg:npm/@angular/core@16.0.0', 'pkg:npm/%40angular/core@16.0.0'],
    ['pkg:npm/foo@1.0.0+build.1', 'pkg:npm/foo@1.0.0%2Bbuild.1'],
    ['pkg:npm/foo@1.0.0%2bbuild.1', 'pkg:npm/foo@1.0.0%2Bbuild.1'],
    ['pkg:npm/foo%20bar@1', 'pkg:npm/foo%20bar@1'],
    [
      'pkg:deb/debian/libssl3@3.0.11-1~deb12u2?distro=debian-12',
      'pkg:deb/debian/libssl3@3.0.11-1~deb12u2?distro=debian-12',
    ],
    // per-type case rules applied by packageurl-js
    ['pkg:PyPI/Django_Rest@1.0', 'pkg:pypi/django-rest@1.0'],
    [
      'pkg:github/Package-URL/purl-spec@244fd47e07d1004f0aed9c',
      'pkg:github/package-url/purl-spec@244fd47e07d1004f0aed9c',
    ],
    ['pkg:npm/%40Angular/Core@16.0.0', 'pkg:npm/%40angular/core@16.0.0'],
    // per-type case rules packageurl-js leaves out: golang, oci digests
    ['pkg:golang/github.com/Foo/Bar@v1.2.3', 'pkg:golang/github.com/foo/bar@v1.2.3'],
    ['pkg:oci/MyApp@SHA256:ABCDEF', 'pkg:oci/myapp@sha256:abcdef'],
    ['pkg:docker/library/nginx@sha256:ABC', 'pkg:docker/library/nginx@sha256:abc'],
    // case-sensitive types keep their case
    ['pkg:maven/org.Apache/Commons@1.0', 'pkg:maven/org.Apache/Commons@1.0'],
    ['pkg:nuget/EnterpriseLibrary.Common@6.0.1304', 'pkg:nuget/EnterpriseLibrary.Common@6.0.1304'],
    // subpath: leading/trailing/double slashes, '.' and '..' segments dropped
    [
      'pkg:golang/google.golang.org/genproto#/googleapis//api/./annotations/',
      'pkg:golang/google.golang.org/genproto#googleapis/api/annotations',
    ],
    ['  pkg:cargo/rand@0.7.2\n', 'pkg:cargo/rand@0.7.2'],
  ])('%s → %s', (input, expected) => {
    expect(canonical(input)).toBe(expected);
  });

  it('keeps a literal "+" in a qualifier value (packageurl-js would make it a space)', () => {
    expect(
      canonical(
        'pkg:generic/bitwarderl?vcs_url=git+https://git.fsfe.org/dxtr/bitwarderl%40cc55108da32',
      ),
    ).toBe(
      'pkg:generic/bitwarderl?vcs_url=git%2Bhttps:%2F%2Fgit.fsfe.org%2Fdxtr%2Fbitwarderl%40cc55108da32',
    );
  });

  it('returns the decoded parts, with an empty qualifier object when there are none', () => {
    const result = parsePurl(
      'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar#META-INF',
    );
    expect(result.ok && result.parts).toEqual({
      type: 'maven',
      namespace: 'org.apache.logging.log4j',
      name: 'log4j-core',
      version: '2.14.1',
      qualifiers: { type: 'jar' },
      subpath: 'META-INF',
    });
    const bare = parsePurl('pkg:cargo/rand');
    expect(bare.ok && bare.parts).toEqual({
      type: 'cargo',
      namespace: null,
      name: 'rand',
      version: null,
      qualifiers: {},
      subpath: null,
    });
  });
});

describe('the packageurl-js quirks', () => {
  it('writes ":" in qualifier values literally, not as %3A', () => {
    expect(canonical('pkg:npm/x@1?checksum=sha256%3Aabc')).toBe('pkg:npm/x@1?checksum=sha256:abc');
  });

  it('lower-cases the oci digest as well as the name', () => {
    expect(canonical(`pkg:oci/MyApp@sha256:${DIGEST.toUpperCase()}`)).toBe(
      `pkg:oci/myapp@sha256:${DIGEST}`,
    );
  });

  it.each([
    'pkg:oci/docker.io/library/alpine@sha256:abc?tag=3.18',
    'pkg:oci/docker.io%2Flibrary%2Falpine@sha256:abc?tag=3.18',
    'pkg:oci/index.docker.io/library/alpine@sha256:abc?tag=3.18',
    'pkg:oci/alpine@sha256:abc?repository_url=index.docker.io/library/alpine&tag=3.18',
  ])('moves a repository path in an oci name (%s) into repository_url', (input) => {
    expect(canonical(input)).toBe(
      'pkg:oci/alpine@sha256:abc?repository_url=docker.io%2Flibrary%2Falpine&tag=3.18',
    );
  });

  it('keeps an explicit repository_url when the name also holds a path', () => {
    expect(
      canonical('pkg:oci/ghcr.io/org/app@sha256:abc?repository_url=mirror.example/org/app'),
    ).toBe('pkg:oci/app@sha256:abc?repository_url=mirror.example%2Forg%2Fapp');
  });
});

describe('invalid purls', () => {
  it.each([
    ['', /scheme/],
    ['npm/foo@1', /scheme/],
    ['http://example.com/foo', /scheme/],
    ['pkg:', /type or the name/],
    ['pkg:npm', /type or the name/],
    ['pkg:npm/', /name/],
    ['pkg:npm/%20@1', /name/],
    ['pkg:1npm/foo', /cannot start with a number/],
    ['pkg:n%70m/foo', /illegal character/],
    ['pkg:npm/foo%zz', /percent-encoding/],
    ['pkg:npm/foo@1%', /percent-encoding/],
    ['pkg:npm/foo@1?a=%G0', /percent-encoding/],
    ['pkg:npm/foo@1?1a=b', /cannot start with a number/],
    ['pkg:npm/foo@1?a%20b=c', /illegal character/],
    ['pkg:npm/foo@1?a=1&A=2', /more than once/],
    ['pkg:npm/a%2Fb/c@1', /namespace segment/],
    ['pkg:maven/log4j-core@2.14.1', /maven requires a "namespace"/],
    ['pkg:cran/A3', /cran requires a "version"/],
    ['pkg:swift/Alamofire@5.4.3', /swift requires a "namespace"/],
    ['pkg:oci/myapp@latest', /not a digest/],
    [`pkg:npm/${'a'.repeat(5000)}`, /longer than/],
  ])('%j is invalid (%s)', (input, reason) => {
    const result = parsePurl(input);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(reason);
  });

  it('canonicalPurl throws a CdstreamError with code PURL_INVALID', () => {
    expect(() => canonicalPurl('pkg:npm')).toThrow(CdstreamError);
    try {
      canonicalPurl('not a purl');
    } catch (error) {
      expect(error instanceof CdstreamError && error.code).toBe('PURL_INVALID');
    }
    expect(canonicalPurl('pkg:NPM/foo')).toBe('pkg:npm/foo');
  });
});

describe('properties', () => {
  it('never throws, and a canonical purl is its own canonical form', () => {
    const purlish = fc.oneof(
      fc.string(),
      fc.tuple(fc.constantFrom('pkg:', 'pkg://', 'PKG:'), fc.string()).map(([a, b]) => a + b),
      fc
        .tuple(
          fc.constantFrom('npm', 'oci', 'golang', 'pypi', 'deb', 'generic', 'maven', 'docker'),
          fc.array(fc.webSegment(), { maxLength: 3 }),
          fc.webSegment(),
          fc.option(fc.webSegment()),
          fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_.-]{0,5}$/), fc.string(), { maxKeys: 3 }),
        )
        .map(([type, ns, name, version, qualifiers]) => {
          const query = Object.entries(qualifiers)
            .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
            .join('&');
          return `pkg:${type}/${[...ns, name].join('/')}${version === null ? '' : `@${version}`}${query === '' ? '' : `?${query}`}`;
        }),
    );
    fc.assert(
      fc.property(purlish, (input) => {
        const result = parsePurl(input);
        if (result.ok) {
          const again = parsePurl(result.canonical);
          expect(again.ok && again.canonical).toBe(result.canonical);
          expect(again.ok && again.artifactKey).toBe(result.artifactKey);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parsePurl, repeated inputs', () => {
  it('returns the same frozen result for the same input, equal to a first parse', () => {
    const input = 'pkg:npm/%40scope/left-pad@1.3.0?checksum=sha256:abc';
    const first = parsePurl(input);
    const again = parsePurl(input);
    expect(again).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    if (!first.ok) throw new Error(`unexpected: ${first.reason}`);
    expect(Object.isFrozen(first.parts)).toBe(true);
    expect(Object.isFrozen(first.parts.qualifiers)).toBe(true);
    expect(first.canonical).toBe('pkg:npm/%40scope/left-pad@1.3.0?checksum=sha256:abc');
  });

  it('gives the same answers after more distinct inputs than it remembers', () => {
    const inputs = Array.from({ length: 5000 }, (_, i) => `pkg:generic/tool-${i}@1.${i}`);
    const firstPass = inputs.map((input) => parsePurl(input));
    const secondPass = inputs.map((input) => parsePurl(input));
    expect(secondPass).toEqual(firstPass);
    expect(parsePurl('not a purl')).toEqual(parsePurl('not a purl'));
    expect(parsePurl('not a purl').ok).toBe(false);
  });
});
