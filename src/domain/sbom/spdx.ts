import { ComponentTable } from './components.js';
import { asObjects, asString, asStrings, type JsonObject } from './json-access.js';
import { countSeverities, type ScanReport } from './scan-report.js';
import { resolveSubject } from './subject.js';

function purlOf(spdxPackage: JsonObject): string | undefined {
  const reference = asObjects(spdxPackage['externalRefs']).find(
    (ref) => asString(ref['referenceType'])?.toLowerCase() === 'purl',
  );
  return reference === undefined ? undefined : asString(reference['referenceLocator']);
}

/** What the document describes: documentDescribes, or DESCRIBES relationships (SPDX 2.3 prefers these). */
function describedIds(document: JsonObject): Set<string> {
  const ids = new Set(asStrings(document['documentDescribes']));
  const documentId = asString(document['SPDXID']) ?? 'SPDXRef-DOCUMENT';
  for (const relationship of asObjects(document['relationships'])) {
    const related = asString(relationship['relatedSpdxElement']);
    if (
      related !== undefined &&
      asString(relationship['relationshipType']) === 'DESCRIBES' &&
      asString(relationship['spdxElementId']) === documentId
    ) {
      ids.add(related);
    }
  }
  return ids;
}

/** Reads an SPDX 2.x JSON document: the described package is the subject, the others with purls are components. SPDX carries no vulnerabilities. */
export function readSpdx(document: JsonObject, specVersion: string): ScanReport {
  const described = describedIds(document);
  const packages = asObjects(document['packages']);
  const subjectPackage = packages.find((p) => described.has(asString(p['SPDXID']) ?? ''));
  const table = new ComponentTable();
  for (const spdxPackage of packages) {
    if (spdxPackage === subjectPackage) continue;
    table.add(
      purlOf(spdxPackage),
      asString(spdxPackage['name']),
      asString(spdxPackage['versionInfo']),
      asString(spdxPackage['SPDXID']),
    );
  }
  const subject = resolveSubject({
    purl: subjectPackage === undefined ? undefined : purlOf(subjectPackage),
    name: asString(subjectPackage?.['name']) ?? asString(document['name']),
    version: asString(subjectPackage?.['versionInfo']),
  });
  return {
    format: 'spdx-json',
    specVersion,
    subject,
    components: table.all(),
    vulnerabilities: [],
    counts: countSeverities([]),
    skippedComponents: table.skipped,
  };
}
