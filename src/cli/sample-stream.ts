/**
 * A realistic sample stream for `npm start` and for comparing a broker run
 * with `cdstream replay`: four days of builds, artifacts and deployments of
 * three services in two environments, Knative ReplicaSets of a fourth, a scan
 * report with a critical CVE on a running image and the redeploy that fixes
 * it, incidents in the seed's draft versions, and a few bad records.
 * Deterministic for a given (now, run id).
 *
 * Laid out relative to `now`, never after it: brokers refuse record
 * timestamps ahead of their clock (Kafka 4: more than 1 h), and a sample from
 * the future would also be the wrong story. Days 0, 1 and 2 are whole UTC
 * days; day 3 holds the events up to 02:00 that close day 2 (its events pass
 * day 2's end by more than the default 1 h grace). Day 3 is the latest UTC
 * day whose 02:00 is not after `now`: at 01:59 the sample ends yesterday at
 * 02:00, at 02:00 it ends now.
 */
import { createHash } from 'node:crypto';
import { recordsOfFile } from './input-records.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const SOURCE = '/ci/sample';
/** the sample's latest event is at this hour of its last day */
export const SAMPLE_LAST_EVENT_HOUR = 2;

export interface SampleStream {
  /** one JSON text per record, in production order */
  readonly lines: readonly string[];
  /** start of the first sample day (UTC midnight) */
  readonly firstDay: number;
  /** the latest event time of the sample, ms: never after `now` */
  readonly lastEventTime: number;
  readonly services: readonly { service: string; environment: string }[];
  /** what the sample holds, in a sentence */
  readonly story: string;
}

const digestOf = (label: string) => createHash('sha256').update(label).digest('hex');
const purlOf = (name: string, digest: string) =>
  `pkg:oci/${name}@sha256%3A${digest}?repository_url=registry.example%2Fshop%2F${name}`;
const iso = (ms: number) => new Date(ms).toISOString();

export function sampleStream(now: number, runId: string): SampleStream {
  const lastDay = Math.floor((now - SAMPLE_LAST_EVENT_HOUR * HOUR) / DAY) * DAY;
  const firstDay = lastDay - 3 * DAY;
  const at = (day: number, hours: number) => firstDay + day * DAY + hours * HOUR;
  const lines: string[] = [];
  let sequence = 0;
  const id = (kind: string) => `${runId}-${kind}-${++sequence}`;
  const push = (event: object) => lines.push(JSON.stringify(event));

  const cdevent = (type: string, time: number, subject: object, version = '0.5.1') => ({
    context: {
      [version.endsWith('-draft') ? 'version' : 'specversion']: version,
      id: id(type.split('.').slice(2, 4).join('-')),
      source: SOURCE,
      type,
      timestamp: iso(time),
    },
    subject,
  });
  /** structured CloudEvent carrying a CDEvent, as most producers send it */
  const structured = (event: ReturnType<typeof cdevent>) => ({
    specversion: '1.0',
    id: event.context.id,
    source: event.context.source,
    type: event.context.type,
    time: event.context.timestamp,
    datacontenttype: 'application/json',
    data: event,
  });

  const release = (
    service: string,
    environment: string,
    day: number,
    hour: number,
    version: string,
  ) => {
    const digest = digestOf(`${service}-${version}`);
    const artifactId = purlOf(service, digest);
    push(
      cdevent(
        'dev.cdevents.build.finished.0.3.0-draft',
        at(day, hour - 2),
        {
          id: `${service}-build-${version}`,
          source: SOURCE,
          type: 'build',
          content: { artifactId },
        },
        '0.2.0-draft',
      ),
    );
    push(
      structured(
        cdevent('dev.cdevents.artifact.published.0.3.0', at(day, hour - 1), {
          id: artifactId,
          source: SOURCE,
          content: { user: 'release-bot' },
        }),
      ),
    );
    push(
      structured(
        cdevent('dev.cdevents.service.deployed.0.3.0', at(day, hour), {
          id: service,
          source: SOURCE,
          content: { environment: { id: environment }, artifactId },
        }),
      ),
    );
    return { digest, artifactId };
  };

  // checkout: daily releases to staging and production; an incident on day 1
  release('checkout', 'staging', 0, 9, '1.0.0');
  release('checkout', 'production', 0, 14, '1.0.0');
  release('checkout', 'staging', 1, 9, '1.1.0');
  const checkout11 = release('checkout', 'production', 1, 14, '1.1.0');
  const incidentId = `${runId}-incident-checkout`;
  push(
    cdevent(
      'dev.cdevents.incident.detected.0.1.0-draft',
      at(1, 15),
      {
        id: incidentId,
        type: 'incident',
        content: {
          description: 'checkout error rate above 5%',
          environment: { id: 'production' },
          // the artifact as a monitoring tool spells it: upper-case digest, encoded colon
          artifactId: `pkg:oci/checkout@sha256%3A${checkout11.digest.toUpperCase()}`,
        },
      },
      '0.2.0-draft',
    ),
  );
  push(
    cdevent(
      'dev.cdevents.incident.resolved.0.1.0-draft',
      at(1, 15.75),
      {
        id: incidentId,
        type: 'incident',
        content: {
          description: 'error rate back to normal',
          environment: { id: 'production' },
          service: { id: 'checkout' },
          artifactId: checkout11.artifactId,
        },
      },
      '0.2.0-draft',
    ),
  );
  release('checkout', 'production', 2, 11, '1.2.0');
  release('checkout', 'staging', 3, 1, '1.3.0');
  release('checkout', 'production', 3, 2, '1.3.0');

  // payments: no deployment on day 1 (a zero window); day 2 ships a critical CVE, day 3 fixes it
  release('payments', 'production', 0, 10, '2.0.0');
  push(
    structured(
      cdevent('dev.cdevents.build.finished.0.3.0', at(1, 12), {
        id: 'payments-nightly',
        source: SOURCE,
        content: {},
      }),
    ),
  );
  const vulnerable = release('payments', 'production', 2, 10, '2.1.0');
  push(scanReport(runId, 'payments', vulnerable.digest, at(2, 12), ['CVE-2026-1234']));
  // the fix goes out before 01:00: the sample's last events (02:00) take event
  // time past it (less the 1 h grace), so its redeploy resolves the incident
  const fixed = release('payments', 'production', 3, 0.75, '2.1.1');
  push(scanReport(runId, 'payments', fixed.digest, at(3, 1.5), []));

  // search: a release and a rollback in staging
  release('search', 'staging', 0, 16, '0.9.0');
  const search = release('search', 'staging', 2, 16, '0.9.1');
  push(
    structured(
      cdevent('dev.cdevents.service.rolledback.0.3.0', at(2, 17), {
        id: 'search',
        source: SOURCE,
        content: { environment: { id: 'staging' }, artifactId: search.artifactId },
      }),
    ),
  );
  release('search', 'staging', 3, 2, '0.9.2');

  // web runs on a Knative cluster: a location, then ReplicaSets of two images
  push({
    specversion: '1.0',
    id: `${runId}-location`,
    source: 'cluster-eu-1',
    type: 'vmware.tanzu.apps.location.created.v1',
    time: iso(at(0, 0.5)),
    datacontenttype: 'application/json',
    data: { labels: [{ key: 'env', value: 'production' }] },
  });
  push(replicaSet(runId, 'add', 'web-5d8f', digestOf('web-3.0'), at(0, 13)));
  push(replicaSet(runId, 'update', 'web-7c2a', digestOf('web-3.1'), at(2, 13)));

  // producers emit in time order; the stages' watermarks expect that within grace
  const timed = lines.map((line, index) => ({
    line,
    index,
    time: recordsOfFile(line)[0]?.timestamp ?? 0,
  }));
  timed.sort((a, b) => a.time - b.time || a.index - b.index);
  lines.splice(0, lines.length, ...timed.map((entry) => entry.line));

  // bad records: what a real topic also carries
  lines.push('{"specversion":"1.0","id":"truncated');
  push({
    ...cdevent('dev.cdevents.service.deployed.0.3.0', at(3, 2), {}),
    context: { source: SOURCE },
  });
  push({
    specversion: '1.0',
    id: `${runId}-unknown`,
    source: '/x',
    type: 'com.example.unknown.v1',
    data: {},
  });
  push({
    ...scanReport(runId, 'payments', fixed.digest, at(3, 2), []),
    id: `${runId}-hostile-scan`,
    datacontenttype: 'application/vnd.cyclonedx+xml',
    data: '<?xml version="1.0"?><!DOCTYPE bom [<!ENTITY x SYSTEM "file:///etc/passwd">]><bom>&x;</bom>',
  });

  const lastEventTime = Math.max(
    ...recordsOfFile(lines.join('\n')).map((record) => record.timestamp ?? firstDay),
  );
  if (lastEventTime > now) {
    throw new Error(
      `the sample's latest event ${iso(lastEventTime)} is after its now ${iso(now)}: a bug in the sample's layout`,
    );
  }
  const day = (ms: number) => iso(ms).slice(0, 10);
  return {
    lines,
    firstDay,
    lastEventTime,
    story:
      `${day(firstDay)} to ${iso(lastEventTime).slice(0, 16).replace('T', ' ')} UTC: builds, artifacts and deployments ` +
      'of checkout, payments and search in staging and production, Knative ReplicaSets of web, ' +
      'a scan report with a critical CVE on a running image and the redeploy that fixes it, ' +
      "an incident in the seed's draft versions, and 4 bad records",
    services: [
      { service: 'checkout', environment: 'staging' },
      { service: 'checkout', environment: 'production' },
      { service: 'payments', environment: 'production' },
      { service: 'search', environment: 'staging' },
      { service: 'web', environment: 'production' },
    ],
  };
}

function scanReport(
  runId: string,
  name: string,
  digest: string,
  time: number,
  cves: readonly string[],
) {
  const subject = `pkg:oci/${name}@sha256%3A${digest}?repository_url=registry.example%2Fshop%2F${name}`;
  const library = 'pkg:npm/lodash@4.17.20';
  return {
    specversion: '1.0',
    id: `${runId}-scan-${digest.slice(0, 12)}`,
    source: 'cluster-eu-1',
    type: 'vmware.tanzu.apps.image.sbom.pushed.v1',
    subject: `/apis/app-scanning.apps.tanzu.vmware.com/v1alpha1/namespaces/shop/imagevulnerabilityscans/${name}`,
    time: new Date(time).toISOString(),
    datacontenttype: 'application/vnd.cyclonedx+json',
    image: `registry.example/shop/${name}@sha256:${digest}`,
    scanresults: `registry.example/scan-results@sha256:${digestOf(`scan-${digest}`)}`,
    file: 'report.cdx.json',
    data: {
      bomFormat: 'CycloneDX',
      specVersion: '1.5',
      version: 1,
      metadata: { component: { 'bom-ref': subject, type: 'container', name, purl: subject } },
      components: [
        { 'bom-ref': library, type: 'library', name: 'lodash', version: '4.17.20', purl: library },
      ],
      vulnerabilities: cves.map((cve) => ({
        id: cve,
        ratings: [{ severity: 'critical', method: 'CVSSv31', score: 9.8 }],
        affects: [{ ref: library }],
      })),
    },
  };
}

function replicaSet(runId: string, action: string, name: string, digest: string, time: number) {
  return {
    specversion: '1.0',
    id: `${runId}-rs-${name}-${action}`,
    source: 'cluster-eu-1',
    type: `dev.knative.apiserver.resource.${action}`,
    subject: `/apis/apps/v1/namespaces/shop/replicasets/${name}`,
    time: new Date(time).toISOString(),
    datacontenttype: 'application/json',
    data: {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name,
        namespace: 'shop',
        labels: { 'carto.run/workload-name': 'web' },
        creationTimestamp: new Date(time).toISOString(),
      },
      spec: {
        replicas: 2,
        template: {
          spec: {
            containers: [{ name: 'workload', image: `registry.example/shop/web@sha256:${digest}` }],
          },
        },
      },
    },
  };
}
