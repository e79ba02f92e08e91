/** Real scanner output (the test fixtures) as the data of generated sbom.pushed events. */
import { readFileSync } from 'node:fs';

export interface ReportTemplate {
  readonly file: string;
  readonly contentType: string;
  /** the report as CloudEvents data: text for XML, an object for JSON */
  readonly data: (service: string, digest: string) => unknown;
}

const fixture = (name: string) =>
  readFileSync(new URL(`../../test/fixtures/sbom/${name}`, import.meta.url), 'utf8');

function template(file: string, contentType: string): ReportTemplate {
  const text = fixture(file);
  const json = contentType.includes('json');
  return {
    file,
    contentType,
    data: (service, digest) => {
      const report = text
        .replaceAll('tanzu-java-web-app', service)
        .replaceAll('4ff3ca91275773af45cb4b0834e12b7eb47d1c18f770a0b151381cd227f4c253', digest);
      return json ? (JSON.parse(report) as unknown) : report;
    },
  };
}

export const SBOM_REPORTS: readonly ReportTemplate[] = [
  template('grype-cyclonedx-1.4.xml', 'application/vnd.cyclonedx+xml;version=1.4'),
  template('grype-cyclonedx-1.5.json', 'application/vnd.cyclonedx+json;version=1.5'),
  template('syft-spdx-2.3.json', 'application/spdx+json'),
  template('trivy-cyclonedx-1.5.json', 'application/vnd.cyclonedx+json;version=1.5'),
];
