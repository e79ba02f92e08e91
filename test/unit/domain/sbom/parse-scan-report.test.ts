import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseScanReport } from '../../../../src/domain/sbom/index.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../../fixtures/sbom/${name}`, import.meta.url), 'utf8');

const MANIFEST = 'sha256:4ff3ca91275773af45cb4b0834e12b7eb47d1c18f770a0b151381cd227f4c253';
const INDEX = 'sha256:9b2a5b2f2a1f3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5';
const SPRING = 'pkg:maven/org.springframework/spring-web@5.3.17';
const LIBCRYPTO =
  'pkg:apk/alpine/libcrypto3@3.1.3-r0?arch=x86_64&distro=alpine-3.18.4&upstream=openssl';

describe('Grype CycloneDX 1.4 XML', () => {
  const report = parseScanReport(
    fixture('grype-cyclonedx-1.4.xml'),
    'application/vnd.cyclonedx+xml;version=1.4',
  );

  it('names the format and version from the document', () => {
    expect([report.format, report.specVersion]).toEqual(['cyclonedx-xml', '1.4']);
  });

  it('takes the scanned image from metadata.component, building its purl from name@digest', () => {
    expect(report.subject).toEqual({
      purl: `pkg:oci/tanzu-java-web-app@${MANIFEST}?repository_url=registry.example.com%2Fmy-apps%2Ftanzu-java-web-app`,
      digest: MANIFEST,
      digests: [MANIFEST],
      name: `registry.example.com/my-apps/tanzu-java-web-app@${MANIFEST}`,
      artifactKey: MANIFEST,
    });
  });

  it('lists the components with canonical purls and skips the one without a purl', () => {
    expect(report.components.map((c) => c.purl)).toEqual([
      'pkg:apk/alpine/busybox@1.36.1-r2?arch=x86_64&distro=alpine-3.18.4&upstream=busybox',
      LIBCRYPTO,
      SPRING,
      'pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.13.1',
      'pkg:golang/github.com/masterminds/semver/v3@v3.2.0',
    ]);
    expect(report.components[1]).toEqual({
      purl: LIBCRYPTO,
      artifactKey: 'pkg:apk/alpine/libcrypto3@3.1.3-r0?distro=alpine-3.18.4&upstream=openssl',
      name: 'libcrypto3',
      version: '3.1.3-r0',
    });
    expect(report.skippedComponents).toBe(1);
  });

  it('resolves affects refs (purl + package-id) through the component table, at the highest rating', () => {
    expect(report.vulnerabilities).toEqual([
      {
        id: 'CVE-2022-22965',
        severity: 'critical',
        componentPurl: SPRING,
        componentKey: SPRING,
        source: 'nvd:cpe',
      },
      {
        id: 'CVE-2023-5363',
        severity: 'high',
        componentPurl: LIBCRYPTO,
        componentKey: 'pkg:apk/alpine/libcrypto3@3.1.3-r0?distro=alpine-3.18.4&upstream=openssl',
        source: 'alpine:distro:alpine:3.18',
      },
      {
        id: 'GHSA-57j2-w4cx-62h2',
        severity: 'medium',
        componentPurl: 'pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.13.1',
        componentKey: 'pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.13.1',
        source: 'github:language:java',
      },
    ]);
    expect(report.counts).toEqual({
      critical: 1,
      high: 1,
      medium: 1,
      low: 0,
      none: 0,
      unknown: 0,
      total: 3,
    });
  });

  it('reads the same report from bytes and without a content type', () => {
    const bytes = new TextEncoder().encode(fixture('grype-cyclonedx-1.4.xml'));
    expect(parseScanReport(bytes, 'application/xml')).toEqual(report);
    expect(parseScanReport(bytes)).toEqual(report);
  });
});

describe('Grype CycloneDX 1.5 JSON', () => {
  const report = parseScanReport(
    fixture('grype-cyclonedx-1.5.json'),
    'application/vnd.cyclonedx+json',
  );

  it('keeps the subject digest from the version and the name from metadata', () => {
    expect(report.subject.digest).toBe(MANIFEST);
    expect(report.subject.purl).toBe(
      `pkg:oci/tanzu-java-web-app@${MANIFEST}?repository_url=registry.example.com%2Fmy-apps%2Ftanzu-java-web-app&tag=1.4.2`,
    );
  });

  it('makes one finding per affected component, with the highest severity of all ratings', () => {
    expect(report.vulnerabilities.map((v) => [v.id, v.severity, v.componentPurl])).toEqual([
      ['CVE-2022-22965', 'critical', SPRING],
      [
        'CVE-2023-45853',
        'low',
        'pkg:apk/alpine/busybox@1.36.1-r2?arch=x86_64&distro=alpine-3.18.4&upstream=busybox',
      ],
      ['CVE-2023-45853', 'low', LIBCRYPTO],
      ['GHSA-67hx-6x53-jw92', 'critical', 'pkg:npm/%40babel/traverse@7.22.5'],
    ]);
    expect(report.counts).toMatchObject({ critical: 2, low: 2, total: 4 });
  });

  it('reads already-parsed JSON data (structured CloudEvents) the same way', () => {
    const data = JSON.parse(fixture('grype-cyclonedx-1.5.json')) as Record<string, unknown>;
    expect(parseScanReport(data, 'application/json')).toEqual(report);
  });
});

describe('Trivy CycloneDX 1.5 JSON', () => {
  const report = parseScanReport(
    fixture('trivy-cyclonedx-1.5.json'),
    'application/vnd.cyclonedx+json',
  );

  it('canonicalises the subject purl (literal colon, docker.io repository) and keys it by digest', () => {
    expect(report.subject).toEqual({
      purl: `pkg:oci/alpine@${INDEX}?arch=amd64&repository_url=docker.io%2Flibrary%2Falpine`,
      digest: INDEX,
      digests: [INDEX],
      name: 'alpine:3.18.4',
      artifactKey: INDEX,
    });
  });

  it('skips the operating-system component, which has no purl, and lower-cases pypi names', () => {
    expect(report.skippedComponents).toBe(1);
    expect(report.components.map((c) => c.purl)).toContain('pkg:pypi/flask@2.2.2');
  });

  it('resolves plain-purl refs and takes high over a medium vendor rating', () => {
    expect(
      report.vulnerabilities.map((v) => [v.id, v.severity, v.componentPurl, v.source]),
    ).toEqual([
      [
        'CVE-2023-5363',
        'high',
        'pkg:apk/alpine/libcrypto3@3.1.3-r0?arch=x86_64&distro=3.18.4',
        'alpine',
      ],
      [
        'CVE-2023-5363',
        'high',
        'pkg:apk/alpine/libssl3@3.1.3-r0?arch=x86_64&distro=3.18.4',
        'alpine',
      ],
      ['CVE-2023-30861', 'high', 'pkg:pypi/flask@2.2.2', 'ghsa'],
    ]);
  });
});

describe('Syft SPDX 2.3 JSON', () => {
  const report = parseScanReport(fixture('syft-spdx-2.3.json'), 'application/spdx+json');

  it('takes the described package as the subject, relocating the full repository path of its oci purl', () => {
    expect(report.subject).toEqual({
      purl: `pkg:oci/tanzu-java-web-app@${MANIFEST}?arch=amd64&repository_url=registry.example.com%2Fmy-apps%2Ftanzu-java-web-app&tag=1.4.2`,
      digest: MANIFEST,
      digests: [MANIFEST],
      name: 'registry.example.com/my-apps/tanzu-java-web-app',
      artifactKey: MANIFEST,
    });
  });

  it('lists the other packages with purls and has no vulnerabilities', () => {
    expect(report.format).toBe('spdx-json');
    expect(report.specVersion).toBe('2.3');
    expect(report.components).toHaveLength(5);
    expect(report.components.map((c) => c.name)).toEqual([
      'busybox',
      'libcrypto3',
      'spring-web',
      'jackson-databind',
      'six',
    ]);
    expect(report.skippedComponents).toBe(1);
    expect(report.vulnerabilities).toEqual([]);
    expect(report.counts.total).toBe(0);
  });

  it('joins with the Grype report of the same image on the subject key and component keys', () => {
    const grype = parseScanReport(
      fixture('grype-cyclonedx-1.4.xml'),
      'application/vnd.cyclonedx+xml',
    );
    expect(report.subject.artifactKey).toBe(grype.subject.artifactKey);
    const spdxKeys = new Set(report.components.map((c) => c.artifactKey));
    expect(
      grype.vulnerabilities.filter((v) => v.componentKey !== null && spdxKeys.has(v.componentKey)),
    ).toHaveLength(3);
  });
});
