import { asNumber, asObject, asObjects, asString, type JsonObject } from './json-access.js';
import { ComponentTable } from './components.js';
import { countSeverities, type ScanReport, type ScanVulnerability } from './scan-report.js';
import { highestSeverity, normaliseSeverity, severityOfScore, type Severity } from './severity.js';
import { resolveSubject } from './subject.js';

function addComponents(table: ComponentTable, components: unknown): void {
  // Nesting is bounded: the document's depth was checked before parsing.
  for (const component of asObjects(components)) {
    table.add(
      asString(component['purl']),
      asString(component['name']),
      asString(component['version']),
      asString(component['bom-ref']),
    );
    addComponents(table, component['components']);
  }
}

function ratingSeverity(rating: JsonObject): Severity {
  const named = normaliseSeverity(asString(rating['severity']));
  if (named !== undefined && named !== 'unknown') return named;
  const score = asNumber(rating['score']);
  return score === undefined ? 'unknown' : severityOfScore(score);
}

function findings(vulnerability: JsonObject, table: ComponentTable): ScanVulnerability[] {
  const id = asString(vulnerability['id']) ?? asString(vulnerability['bom-ref']) ?? 'unknown';
  const severity = highestSeverity(asObjects(vulnerability['ratings']).map(ratingSeverity));
  const source = asString(asObject(vulnerability['source'])?.['name']) ?? null;
  const refs = asObjects(vulnerability['affects']).map((affect) => asString(affect['ref']));
  if (refs.length === 0) return [{ id, severity, componentPurl: null, componentKey: null, source }];
  return refs.map((ref) => {
    const component = ref === undefined ? undefined : table.resolve(ref);
    return {
      id,
      severity,
      componentPurl: component?.purl ?? null,
      componentKey: component?.artifactKey ?? null,
      source,
    };
  });
}

function uniqueFindings(all: ScanVulnerability[]): ScanVulnerability[] {
  const seen = new Map<string, ScanVulnerability>();
  for (const finding of all)
    seen.set(
      `${finding.id}\u0000${finding.componentKey ?? ''}`,
      seen.get(`${finding.id}\u0000${finding.componentKey ?? ''}`) ?? finding,
    );
  return [...seen.values()];
}

/**
 * Reads a CycloneDX BOM in its JSON shape (the XML reader converts to it):
 * the subject from metadata.component, components with purls, and one
 * finding per vulnerability and affected component, at the highest severity
 * among its ratings.
 */
export function readCycloneDx(
  bom: JsonObject,
  format: 'cyclonedx-json' | 'cyclonedx-xml',
  specVersion: string,
): ScanReport {
  const table = new ComponentTable();
  addComponents(table, bom['components']);
  const vulnerabilities = uniqueFindings(
    asObjects(bom['vulnerabilities']).flatMap((v) => findings(v, table)),
  );

  const main = asObject(asObject(bom['metadata'])?.['component']) ?? {};
  const repoDigests = asObjects(main['properties'])
    .filter((property) => /repodigest/i.test(asString(property['name']) ?? ''))
    .map((property) => asString(property['value']))
    .filter((value): value is string => value !== undefined);
  const subject = resolveSubject({
    purl: asString(main['purl']),
    name: asString(main['name']),
    version: asString(main['version']),
    repoDigests,
  });

  return {
    format,
    specVersion,
    subject,
    components: table.all(),
    vulnerabilities,
    counts: countSeverities(vulnerabilities),
    skippedComponents: table.skipped,
  };
}
